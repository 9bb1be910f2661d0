"""A realistic, fully deterministic demo école primaire (PS to CM2).

Everything is derived from ``random.Random(2026)`` and fixed data lists, never
from sets or ``hash()``: the roster is byte-for-byte identical on every call and
every Python run, so demo logins, screenshots and tests stay stable.
The school year is 2026-2027; e-mails use the reserved domain ``example.fr``.
"""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple, TypeVar

# --------------------------------------------------------------------------
# School, classes and staff
# --------------------------------------------------------------------------

# UAI: 7 digits + check letter ("ABCDEFGHJKLMNPRSTUVWXYZ"[digits % 23]).
DEMO_SCHOOL = {"name": "École Jules-Ferry", "city": "Lyon", "uai": "0691234S"}
DEMO_PASSWORD = "demo-liaison-2026"
SCHOOL_YEAR = "2026-2027"
SEED = 2026
EMAIL_DOMAIN = "example.fr"

# (class name, number of pupils, birth year of its pupils in 2026-2027)
CLASSES = (
    ("PS", 24, 2023),
    ("MS", 26, 2022),
    ("GS", 25, 2021),
    ("CP", 22, 2020),
    ("CE1", 24, 2019),
    ("CE2", 27, 2018),
    ("CM1", 25, 2017),
    ("CM2", 23, 2016),
)
DEMO_CLASSES = tuple(name for name, _, _ in CLASSES)

ROSTER_HEADER = (
    "Classe",
    "Nom élève",
    "Prénom élève",
    "Date naissance",
    "Nom responsable",
    "Prénom responsable",
    "Courriel responsable",
    "Lien",
)


@dataclass(frozen=True)
class DemoStaff:
    role: str  # "director" or "teacher"
    first_name: str
    last_name: str
    display_name: str  # as families say it: "Mme Martin", "M. Bernard"
    login: str  # fixed demo login
    class_names: tuple[str, ...]


# The directrice is "chargée de classe" (CM2); MS is shared by two teachers
# (M. Giraud teaches there on his "complément de service").
_STAFF = (
    DemoStaff("director", "Nathalie", "Morel", "Mme Morel", "directrice", ("CM2",)),
    DemoStaff("teacher", "Camille", "Rousseau", "Mme Rousseau", "mme.rousseau", ("PS",)),
    DemoStaff("teacher", "Anne-Sophie", "Le Bihan", "Mme Le Bihan", "mme.lebihan", ("MS",)),
    DemoStaff("teacher", "Thomas", "Giraud", "M. Giraud", "m.giraud", ("MS",)),
    DemoStaff("teacher", "Sarah", "Cohen", "Mme Cohen", "mme.cohen", ("GS",)),
    DemoStaff("teacher", "Jean-Baptiste", "Lemoine", "M. Lemoine", "m.lemoine", ("CP",)),
    DemoStaff("teacher", "Mai", "Tran", "Mme Tran", "mme.tran", ("CE1",)),
    DemoStaff("teacher", "Mehdi", "Haddad", "M. Haddad", "m.haddad", ("CE2",)),
    DemoStaff("teacher", "Marta", "Pereira", "Mme Pereira", "mme.pereira", ("CM1",)),
)

# --------------------------------------------------------------------------
# Families
# --------------------------------------------------------------------------

# Families with children in several classes; every other pupil of a class is
# the only child of the family at the school.
SIBLING_CLASSES = (
    ("CM2", "CE1", "PS"),
    ("CP", "MS"),
    ("CE2", "GS"),
    ("CM1", "CP"),
    ("CM2", "CE2"),
    ("CE1", "GS"),
    ("CM1", "MS"),
    ("CE2", "PS"),
    ("CM2", "CP"),
)

# Guardian links of a family, with their weight (about 15 % single guardian).
FAMILY_KINDS = (
    (("Mère", "Père"), 75),
    (("Mère", "Mère"), 4),
    (("Tutrice", "Tuteur"), 4),
    (("Mère",), 11),
    (("Père",), 4),
    (("Tutrice",), 2),
)
FEMALE_LINKS = ("Mère", "Tutrice")
NO_EMAIL_RATE = 0.10
MIXED_COUPLE_RATE = 0.15


class Origin(NamedTuple):
    """Name pools of families from one background (parents born 1978-1995)."""

    weight: int
    last_names: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]
    girls: tuple[str, ...] = ()  # children's names typical of this background,
    boys: tuple[str, ...] = ()  # besides the COMMON_CHILD_NAMES


# fmt: off
ORIGINS = {
    "france": Origin(
        58,
        ("Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand",
         "Dubois", "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux",
         "David", "Bertrand", "Fournier", "Girard", "Bonnet", "Dupont",
         "Lambert", "Fontaine", "Vincent", "Muller", "Faure", "André", "Mercier",
         "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François",
         "Legrand", "Gauthier", "Perrin", "Robin", "Clément", "Morin", "Henry",
         "Roussel", "Mathieu", "Masson", "Marchand", "Duval", "Denis", "Dumont",
         "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard",
         "Joly", "Rivière", "Brunet", "Gaillard", "Barbier", "Arnaud", "Roche",
         "Renard", "Schmitt", "Colin", "Vidal", "Caron", "Picard", "Fabre",
         "Aubert", "Lacroix", "Le Gall", "Le Goff", "Le Roux", "Ménard",
         "Lévêque", "Prévost", "Saint-Martin", "Payet", "Grondin", "Hoarau"),
        ("Julie", "Aurélie", "Émilie", "Céline", "Sandrine", "Stéphanie",
         "Camille", "Marion", "Élodie", "Sophie", "Audrey", "Caroline",
         "Mélanie", "Charlotte", "Pauline", "Laëtitia", "Anne-Sophie",
         "Virginie", "Delphine", "Claire", "Hélène", "Marine", "Amandine",
         "Laure", "Lucie", "Justine", "Anaïs", "Gaëlle", "Maud", "Nolwenn",
         "Solène", "Elsa", "Marie-Laure"),
        ("Julien", "Nicolas", "Sébastien", "Mathieu", "Thomas", "Jérôme",
         "Stéphane", "Maxime", "Romain", "Guillaume", "Yannick",
         "Jean-Baptiste", "Pierre-Yves", "Kévin", "Anthony", "Florian",
         "Benoît", "Vincent", "Cédric", "Damien", "Arnaud", "Alexandre",
         "François", "Grégory", "Loïc", "Erwan", "Cyril", "Olivier",
         "Fabien", "Ludovic", "Frédéric", "Jean-Charles"),
    ),
    "maghreb": Origin(
        16,
        ("Benali", "Belkacem", "Boukhari", "Mansouri", "Cherif", "El Amrani",
         "Bensaïd", "Bouzid", "Meziane", "Hamdi", "Saïdi", "Khelifi", "Brahimi",
         "Benmoussa", "Aït Ahmed", "Ouali", "Zeroual", "Lahlou", "Amrouche"),
        ("Nadia", "Fatima", "Amina", "Leïla", "Samira", "Karima", "Nawel",
         "Sonia", "Myriam", "Souad", "Yasmina", "Rachida", "Hanane", "Malika",
         "Sabrina", "Djamila"),
        ("Karim", "Samir", "Rachid", "Nordine", "Farid", "Mourad", "Youssef",
         "Hakim", "Sofiane", "Bilal", "Khaled", "Nabil", "Abdelkader",
         "Mohamed", "Redouane"),
        ("Lina", "Nour", "Yasmine", "Aya", "Lyna", "Maryam", "Assia", "Imane",
         "Kenza", "Sirine", "Amira", "Meriem"),
        ("Mohamed", "Rayan", "Ilyès", "Youssef", "Ayoub", "Naël", "Amir",
         "Wassim", "Yanis", "Ismaël", "Sami", "Anas", "Ibrahim", "Zakaria"),
    ),
    "west_africa": Origin(
        8,
        ("N'Diaye", "Diallo", "Traoré", "Camara", "Coulibaly", "Konaté",
         "Dembélé", "Sow", "Touré", "Koné", "Ouédraogo", "Sylla", "Cissé",
         "Fofana", "Keïta", "Mendy", "Diop", "Kouassi", "N'Guessan"),
        ("Awa", "Aïssata", "Fatoumata", "Mariam", "Aminata", "Kadiatou", "Hawa",
         "Ramatoulaye", "Adjoua", "Bintou", "Christelle", "Grâce"),
        ("Mamadou", "Moussa", "Ousmane", "Ibrahima", "Seydou", "Abdoulaye",
         "Boubacar", "Souleymane", "Cheikh", "Lamine", "Yao", "Serge"),
        ("Fatoumata", "Aminata", "Mariam", "Aïcha", "Kadidia", "Grâce",
         "Maïmouna", "Awa"),
        ("Moussa", "Mamadou", "Ibrahima", "Issa", "Oumar", "Souleymane",
         "Ousmane", "Idrissa"),
    ),
    "portugal": Origin(
        4,
        ("Da Silva", "Dos Santos", "Ferreira", "De Oliveira", "Rodrigues",
         "Fernandes", "Gonçalves", "Carvalho", "D'Almeida", "Teixeira"),
        ("Ana", "Sandra", "Carla", "Vanessa", "Cristina", "Sónia", "Patrícia"),
        ("João", "Paulo", "Nuno", "Rui", "Carlos", "José", "Manuel"),
        ("Inês", "Beatriz", "Mariana", "Lara", "Luana"),
        ("Tiago", "Rafael", "Gonçalo", "Duarte", "Thiago"),
    ),
    "spain": Origin(
        3,
        ("Garcia", "Martinez", "Lopez", "Sanchez", "Fernandez", "Gomez",
         "Perez", "Ruiz"),
        ("Elena", "Isabel", "Raquel", "Marta", "Nuria"),
        ("Miguel", "Sergio", "Javier", "Pablo", "David"),
        ("Sofia", "Alba", "Lucía", "Carmen"),
        ("Diego", "Mateo", "Hugo", "Pablo"),
    ),
    "vietnam": Origin(
        3,
        ("Nguyen", "Pham", "Le", "Vu", "Hoang", "Dang", "Truong"),
        ("Linh", "Mai", "Thu", "Lan", "Hoa", "Ngoc"),
        ("Minh", "Tuan", "Duc", "Long", "Quang", "Hung"),
        ("Linh", "Anh", "Lily", "Mai"),
        ("Minh", "Bao", "Khang", "Kevin"),
    ),
    "china": Origin(
        2,
        ("Chen", "Wang", "Zhang", "Lin", "Huang", "Liu"),
        ("Mei", "Xiaoli", "Yan", "Jing", "Ying"),
        ("Wei", "Jun", "Hao", "Lei", "Jian"),
        ("Mei", "Lily", "Chloé"),
        ("Ethan", "Léo", "Yi"),
    ),
    "italy": Origin(
        2,
        ("Rossi", "Russo", "Ferrari", "Romano", "Esposito", "Ricci"),
        ("Giulia", "Francesca", "Chiara", "Valentina"),
        ("Marco", "Luca", "Andrea", "Stefano"),
        ("Alessia", "Giulia", "Bianca"),
        ("Luca", "Matteo", "Lorenzo"),
    ),
    "turkey": Origin(
        2,
        ("Yilmaz", "Demir", "Kaya", "Öztürk", "Çelik", "Şahin"),
        ("Elif", "Ayşe", "Zeynep", "Merve"),
        ("Mehmet", "Emre", "Murat", "Hakan"),
        ("Elif", "Ela", "Zeynep", "Defne"),
        ("Emir", "Kerem", "Aras", "Yusuf"),
    ),
    "poland": Origin(
        1,
        ("Kowalski", "Nowak", "Wiśniewski", "Lewandowski"),
        ("Agnieszka", "Katarzyna", "Magdalena"),
        ("Piotr", "Tomasz", "Krzysztof"),
    ),
    "armenia": Origin(
        1,
        ("Petrossian", "Hakobyan", "Manoukian", "Sarkissian"),
        ("Anahit", "Nariné", "Lousiné"),
        ("Aram", "Vahé", "Armen"),
        ("Lilit", "Ani"),
        ("Davit", "Tigran"),
    ),
}

# Children's first names (born 2016-2023) popular in every background.
COMMON_CHILD_NAMES = {
    "F": ("Léa", "Emma", "Jade", "Louise", "Alice", "Chloé", "Rose", "Ambre",
          "Mila", "Anna", "Julia", "Mia", "Léna", "Zoé", "Romane", "Manon", "Lou",
          "Agathe", "Iris", "Maëlys", "Camille", "Louna", "Margaux", "Adèle",
          "Anaïs", "Clémence", "Maïwenn", "Salomé", "Capucine", "Héloïse",
          "Thaïs", "Juliette", "Éléna", "Victoire", "Marie-Lou", "Lise", "Nina",
          "Éva", "Gabrielle", "Apolline", "Lola", "Charlie", "Inès", "Sarah"),
    "M": ("Gabriel", "Léo", "Raphaël", "Louis", "Arthur", "Jules", "Maël",
          "Lucas", "Hugo", "Noah", "Sacha", "Gabin", "Nathan", "Noé", "Aaron",
          "Éthan", "Timéo", "Théo", "Tom", "Liam", "Paul", "Nolan", "Marius",
          "Martin", "Baptiste", "Mathis", "Axel", "Malo", "Côme", "Éden",
          "Isaac", "Victor", "Valentin", "Antoine", "Augustin", "Léon", "Oscar",
          "Eliott", "Pierre-Louis", "Adam", "Enzo"),
}
# fmt: on
ORIGIN_CHILD_NAME_RATE = 0.55

# --------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Guardian:
    first_name: str
    last_name: str
    email: str
    link: str


@dataclass(frozen=True)
class _Pupil:
    class_name: str
    last_name: str
    first_name: str
    birth_date: date


@dataclass(frozen=True)
class Family:
    guardians: tuple[_Guardian, ...]
    pupils: tuple[_Pupil, ...]


def ascii_slug(text: str) -> str:
    """'Jean-Baptiste' -> 'jean-baptiste', "N'Diaye" -> 'ndiaye', 'Le Gall' -> 'legall'."""
    text = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (c for c in decomposed.lower() if c.isascii() and (c.isalnum() or c == "-"))
    return "".join(kept)


def _class_plans() -> list[tuple[str, ...]]:
    """Classes of each family's children: sibling families, then only children."""
    plans = list(SIBLING_CLASSES)
    for name, size, _ in CLASSES:
        taken = sum(plan.count(name) for plan in SIBLING_CLASSES)
        plans.extend((name,) for _ in range(size - taken))
    return plans


_T = TypeVar("_T")


class FamilyGenerator:
    """Plausible families of one school or of a group of schools (an RPI),
    all drawn from one seeded random source."""

    def __init__(self, seed: int = SEED, email_domain: str = EMAIL_DOMAIN) -> None:
        self.rng = random.Random(seed)
        self.email_domain = email_domain
        self.guardian_names: set[tuple[str, str]] = set()
        self.pupil_names: set[tuple[str, str]] = set()
        self.emails: set[str] = set()

    def weighted(self, choices: Sequence[tuple[_T, float]]) -> _T:
        values = [value for value, _ in choices]
        weights = [weight for _, weight in choices]
        return self.rng.choices(values, weights=weights)[0]

    def origin(self) -> str:
        return self.weighted([(name, origin.weight) for name, origin in ORIGINS.items()])

    def family(self, class_names: tuple[str, ...]) -> Family:
        links = self.weighted(FAMILY_KINDS)
        origins = self.origins(len(links))
        last_names, child_last = self.last_names(links, origins)
        guardians = tuple(
            self.guardian(link, origin, last)
            for link, origin, last in zip(links, origins, last_names, strict=True)
        )
        pupils = tuple(self.pupil(name, child_last, origins) for name in class_names)
        return Family(guardians, pupils)

    def origins(self, count: int) -> list[str]:
        result = [self.origin()] * count
        if count == 2 and self.rng.random() < MIXED_COUPLE_RATE:
            result[0] = self.origin()
        return result

    def last_names(self, links: tuple[str, ...], origins: list[str]) -> tuple[list[str], str]:
        """Guardians' last names and the children's (sometimes a double name)."""
        rng = self.rng
        names = [rng.choice(ORIGINS[origin].last_names) for origin in origins]
        if links == ("Mère", "Père"):
            if rng.random() < 0.45:
                names[0] = names[1]  # the mother uses her married name
            child = names[1]
            if names[0] != names[1] and rng.random() < 0.2:
                child = f"{names[1]} {names[0]}"
        elif links == ("Mère", "Mère"):
            child = names[0]
            if names[0] != names[1] and rng.random() < 0.3:
                child = f"{names[0]} {names[1]}"
        elif links == ("Tutrice", "Tuteur"):
            names[0] = names[1]  # grandparents or a foster couple
            child = names[1] if rng.random() < 0.5 else rng.choice(ORIGINS[origins[1]].last_names)
        elif links == ("Père",):
            child = names[0]
        else:  # a mother or a tutrice on her own
            child = names[0] if rng.random() < 0.55 else rng.choice(ORIGINS[origins[0]].last_names)
        return names, child

    def guardian(self, link: str, origin: str, last_name: str) -> _Guardian:
        names = ORIGINS[origin]
        pool = names.women if link in FEMALE_LINKS else names.men
        first_name = self.unique(pool, last_name, self.guardian_names)
        return _Guardian(first_name, last_name, self.email(first_name, last_name), link)

    def pupil(self, class_name: str, last_name: str, origins: list[str]) -> _Pupil:
        sex = self.rng.choice(("F", "M"))
        origin = self.rng.choice(origins)
        pool = COMMON_CHILD_NAMES[sex]
        typical = ORIGINS[origin].girls if sex == "F" else ORIGINS[origin].boys
        if typical and self.rng.random() < ORIGIN_CHILD_NAME_RATE:
            pool = typical
        first_name = self.unique(pool, last_name, self.pupil_names)
        return _Pupil(class_name, last_name, first_name, self.birth_date(class_name))

    def unique(self, pool: tuple[str, ...], last_name: str, taken: set[tuple[str, str]]) -> str:
        """A first name from pool that nobody with this last name has yet, if any."""
        # A big generated territory runs out of free names: homonyms then
        # happen, as they do in real schools.
        free = [name for name in pool if (name, last_name) not in taken] or list(pool)
        first_name = self.rng.choice(free)
        taken.add((first_name, last_name))
        return first_name

    def email(self, first_name: str, last_name: str) -> str:
        if self.rng.random() < NO_EMAIL_RATE:
            return ""  # this guardian gets paper letters
        base = f"{ascii_slug(first_name)}.{ascii_slug(last_name)}"
        local, number = base, 1
        while local in self.emails:
            number += 1
            local = f"{base}{number}"
        self.emails.add(local)
        return f"{local}@{self.email_domain}"

    def birth_date(self, class_name: str) -> date:
        year = next(year for name, _, year in CLASSES if name == class_name)
        days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        return date(year, 1, 1) + timedelta(days=self.rng.randrange(days))


@lru_cache(maxsize=1)
def _families() -> tuple[Family, ...]:
    generator = FamilyGenerator()
    return tuple(generator.family(plan) for plan in _class_plans())


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def demo_staff() -> list[DemoStaff]:
    return list(_STAFF)


def _roster_rows() -> list[tuple[str, ...]]:
    return roster_rows(_families(), DEMO_CLASSES)


def roster_rows(families: Sequence[Family], class_names: Sequence[str]) -> list[tuple[str, ...]]:
    """The rows of the pupils of `families` who are in `class_names`, in
    class order then by name, one per (pupil, guardian)."""
    class_order = {name: index for index, name in enumerate(class_names)}
    entries = [
        (pupil, family) for family in families for pupil in family.pupils if pupil.class_name in class_order
    ]
    entries.sort(
        key=lambda entry: (
            class_order[entry[0].class_name],
            ascii_slug(entry[0].last_name),
            ascii_slug(entry[0].first_name),
            entry[0].last_name,
            entry[0].first_name,
        )
    )
    return [
        (
            pupil.class_name,
            pupil.last_name,
            pupil.first_name,
            pupil.birth_date.strftime("%d/%m/%Y"),
            guardian.last_name,
            guardian.first_name,
            guardian.email,
            guardian.link,
        )
        for pupil, family in entries
        for guardian in family.guardians
    ]


def demo_roster_csv() -> bytes:
    return roster_csv(_roster_rows())


def roster_csv(rows: Sequence[tuple[str, ...]]) -> bytes:
    """The roster as the school exports it: UTF-8 with BOM, ';', CRLF."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(ROSTER_HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def demo_featured_parent() -> tuple[str, str, str]:
    """(first name, last name, email) of a parent with children in two classes."""
    for family in _families():
        classes = {pupil.class_name for pupil in family.pupils}
        if len(family.pupils) != 2 or len(classes) != 2:
            continue
        for guardian in family.guardians:
            if guardian.email and guardian.link in ("Mère", "Père"):
                return guardian.first_name, guardian.last_name, guardian.email
    raise RuntimeError("no demo parent with children in two classes")
