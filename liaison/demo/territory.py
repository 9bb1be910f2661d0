"""The demo territory around Jules-Ferry: two circonscriptions, and in the
second a small RPI of three village schools whose families have children in
the maternelle and in one of the two élémentaires.

Deterministic like `school.py` (its own seed): the same rosters, logins and
activity on every start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from liaison.demo.school import CLASSES, DemoStaff, Family, FamilyGenerator, roster_csv, roster_rows

SEED = 2027
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def uai(digits: str) -> str:
    """A national school number: seven digits and their check letter."""
    return digits + UAI_LETTERS[int(digits) % 23]


# Jules-Ferry's circonscription first, the RPI's second.
CIRCONSCRIPTIONS = ("Lyon 4 – Croix-Rousse", "Neuville-sur-Saône")
RPI_NAME = "RPI des Monts d'Or"


@dataclass(frozen=True)
class VillageSchool:
    name: str
    city: str
    uai: str
    classes: tuple[tuple[str, int], ...]  # (class, pupils)
    staff: tuple[DemoStaff, ...]
    activation: float  # the share of families with an email who activated


VILLAGE_SCHOOLS = (
    VillageSchool(
        "École maternelle des Tilleuls",
        "Saint-Romain-au-Mont-d'Or",
        uai("0690311"),
        (("PS", 17), ("MS", 18), ("GS", 19)),
        (
            DemoStaff("director", "Isabelle", "Garnier", "Mme Garnier", "mme.garnier", ("GS",)),
            DemoStaff("teacher", "Lucie", "Perrin", "Mme Perrin", "mme.perrin", ("PS",)),
            DemoStaff("teacher", "Karine", "Boyer", "Mme Boyer", "mme.boyer", ("MS",)),
        ),
        0.85,
    ),
    VillageSchool(
        "École élémentaire du Mont Cindre",
        "Couzon-au-Mont-d'Or",
        uai("0690322"),
        (("CP", 20), ("CE1", 21)),
        (
            DemoStaff("director", "Olivier", "Masson", "M. Masson", "m.masson", ("CE1",)),
            DemoStaff("teacher", "Élodie", "Lacroix", "Mme Lacroix", "mme.lacroix", ("CP",)),
        ),
        0.7,
    ),
    VillageSchool(
        "École élémentaire des Vignes",
        "Curis-au-Mont-d'Or",
        uai("0690333"),
        (("CE2", 19), ("CM1", 18), ("CM2", 20)),
        (
            DemoStaff("director", "Patrick", "Roussel", "M. Roussel", "m.roussel", ("CM2",)),
            DemoStaff("teacher", "Nadia", "Brahimi", "Mme Brahimi", "mme.brahimi", ("CE2",)),
            DemoStaff("teacher", "Claire", "Dumont", "Mme Dumont", "mme.dumont", ("CM1",)),
        ),
        0.55,
    ),
)


@dataclass(frozen=True)
class TeamMember:
    circonscription: int  # index in CIRCONSCRIPTIONS
    display_name: str
    login: str


# The team of the RPI's circonscription: its charts have three schools.
TEAM = (TeamMember(1, "Mme Vidal (IEN)", "ien.neuville"),)

# Families with children in several schools of the RPI: the maternelle and
# an élémentaire, or both élémentaires.
SIBLING_CLASSES = (
    ("PS", "CE1"),
    ("MS", "CP"),
    ("GS", "CE2"),
    ("MS", "CM1"),
    ("PS", "CM2"),
    ("GS", "CE1", "CM2"),
    ("CP", "CM1"),
    ("MS", "GS"),
)


def _plans() -> list[tuple[str, ...]]:
    plans = list(SIBLING_CLASSES)
    for school in VILLAGE_SCHOOLS:
        for name, size in school.classes:
            taken = sum(plan.count(name) for plan in SIBLING_CLASSES)
            plans.extend((name,) for _ in range(size - taken))
    return plans


def rpi_families() -> tuple[Family, ...]:
    # Their own domain: no village family shares an email with a Jules-Ferry one.
    generator = FamilyGenerator(SEED, "monts-dor.example.fr")
    return tuple(generator.family(plan) for plan in _plans())


def rpi_roster_csv(school: VillageSchool) -> bytes:
    """The roster this school exports: its pupils, each with every guardian;
    a family of two schools is in both files, with the same email."""
    return roster_csv(roster_rows(rpi_families(), [name for name, _ in school.classes]))


def school_of_class(class_name: str) -> VillageSchool:
    return next(s for s in VILLAGE_SCHOOLS if class_name in (name for name, _ in s.classes))


def featured_family(families: Sequence[Family] | None = None) -> tuple[str, str, str]:
    """(first name, last name, email) of a parent with a child in the
    maternelle and one in an élémentaire."""
    maternelle = VILLAGE_SCHOOLS[0]
    for family in families or rpi_families():
        schools = {school_of_class(p.class_name).uai for p in family.pupils}
        if len(family.pupils) == 2 and maternelle.uai in schools and len(schools) == 2:
            guardian = next((g for g in family.guardians if g.email), None)
            if guardian is not None:
                return guardian.first_name, guardian.last_name, guardian.email
    raise RuntimeError("no demo family in the maternelle and an élémentaire")


assert {name for name, _, _ in CLASSES} >= {n for s in VILLAGE_SCHOOLS for n, _ in s.classes}
