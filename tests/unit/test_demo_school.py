"""The demo école: a stable, realistic roster and staff (stdlib parsing only)."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import subprocess
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from liaison.demo.school import (
    DEMO_PASSWORD,
    DEMO_SCHOOL,
    demo_featured_parent,
    demo_roster_csv,
    demo_staff,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
HEADER = (
    "Classe;Nom élève;Prénom élève;Date naissance;Nom responsable;"
    "Prénom responsable;Courriel responsable;Lien"
)
BIRTH_YEARS = {
    "PS": 2023,
    "MS": 2022,
    "GS": 2021,
    "CP": 2020,
    "CE1": 2019,
    "CE2": 2018,
    "CM1": 2017,
    "CM2": 2016,
}
LINKS = {"Mère", "Père", "Tuteur", "Tutrice"}
EMAIL_RE = re.compile(r"^[a-z0-9]+([.-][a-z0-9]+)*@example\.fr$")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    text = demo_roster_csv().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def pupil_key(row: dict[str, str]) -> tuple[str, str, str, str]:
    return (row["Classe"], row["Nom élève"], row["Prénom élève"], row["Date naissance"])


def guardian_key(row: dict[str, str]) -> tuple[str, str]:
    return (row["Prénom responsable"], row["Nom responsable"])


@pytest.fixture(scope="module")
def guardians_per_pupil(rows) -> dict[tuple, list[dict[str, str]]]:
    result = defaultdict(list)
    for row in rows:
        result[pupil_key(row)].append(row)
    return result


@pytest.fixture(scope="module")
def children_per_guardian(rows) -> dict[tuple, set[tuple]]:
    result = defaultdict(set)
    for row in rows:
        result[guardian_key(row)].add(pupil_key(row))
    return result


def multi_class_families(children_per_guardian) -> set[frozenset]:
    return {
        frozenset(children)
        for children in children_per_guardian.values()
        if len({child[0] for child in children}) >= 2
    }


def test_roster_is_deterministic_across_calls():
    assert demo_roster_csv() == demo_roster_csv()


def test_roster_is_deterministic_across_python_runs():
    script = (
        "import hashlib; from liaison.demo.school import demo_roster_csv; "
        "print(hashlib.sha256(demo_roster_csv()).hexdigest())"
    )
    expected = hashlib.sha256(demo_roster_csv()).hexdigest()
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(REPO_ROOT)}
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout.strip() == expected


def test_bom_and_header_are_exact():
    data = demo_roster_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\xef\xbb\xbf") == 1
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER


def test_every_row_is_complete(rows):
    assert rows
    for row in rows:
        assert None not in row and None not in row.values()
        assert all(row[column] for column in row if column != "Courriel responsable")
        assert row["Lien"] in LINKS


def test_eight_classes_of_22_to_27_pupils(guardians_per_pupil):
    sizes = defaultdict(int)
    for class_name, *_ in guardians_per_pupil:
        sizes[class_name] += 1
    assert set(sizes) == set(BIRTH_YEARS)
    assert all(22 <= size <= 27 for size in sizes.values()), sizes
    assert len(set(sizes.values())) > 1  # class sizes vary


def test_pupils_are_unique_by_name(guardians_per_pupil):
    names = [(last, first) for _, last, first, _ in guardians_per_pupil]
    assert len(names) == len(set(names))


def test_dates_are_valid_and_match_the_class(rows):
    for row in rows:
        raw = row["Date naissance"]
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", raw), raw
        born = datetime.strptime(raw, "%d/%m/%Y").date()
        assert born.year == BIRTH_YEARS[row["Classe"]], row


def test_single_guardian_share(guardians_per_pupil):
    singles = sum(1 for guardians in guardians_per_pupil.values() if len(guardians) == 1)
    share = singles / len(guardians_per_pupil)
    assert 0.10 <= share <= 0.25, share
    assert all(1 <= len(g) <= 2 for g in guardians_per_pupil.values())


def test_family_links_are_plausible(guardians_per_pupil):
    pairs = {tuple(sorted(row["Lien"] for row in g)) for g in guardians_per_pupil.values()}
    assert ("Mère", "Père") in pairs
    assert ("Mère", "Mère") in pairs
    assert any("Tuteur" in pair or "Tutrice" in pair for pair in pairs)


def test_about_ten_percent_of_guardians_have_no_email(rows):
    emails = {guardian_key(row): row["Courriel responsable"] for row in rows}
    without = sum(1 for email in emails.values() if not email)
    assert 0.05 <= without / len(emails) <= 0.15


def test_emails_are_unique_per_guardian_and_reserved(rows):
    by_guardian = defaultdict(set)
    by_email = defaultdict(set)
    for row in rows:
        email = row["Courriel responsable"]
        by_guardian[guardian_key(row)].add(email)
        if email:
            assert EMAIL_RE.match(email), email
            by_email[email].add(guardian_key(row))
    # a guardian shared by siblings has identical rows everywhere
    assert all(len(emails) == 1 for emails in by_guardian.values())
    assert all(len(names) == 1 for names in by_email.values())


def test_at_least_six_multi_class_families(children_per_guardian):
    assert len(multi_class_families(children_per_guardian)) >= 6


def test_one_family_has_three_children_in_three_classes(children_per_guardian):
    assert any(
        len(children) == 3 and len({child[0] for child in children}) == 3
        for children in multi_class_families(children_per_guardian)
    )


def test_siblings_usually_share_the_family_name(children_per_guardian):
    families = multi_class_families(children_per_guardian)
    same = [f for f in families if len({child[1] for child in f}) == 1]
    assert len(same) >= len(families) - 1


def test_names_are_diverse(rows):
    names = [row[c] for row in rows for c in ("Nom élève", "Prénom élève", "Nom responsable")]
    names += [row["Prénom responsable"] for row in rows]
    assert any(re.search(r"[éèêëïîôç]", name) for name in names)
    assert any("-" in name for name in names)
    assert any("'" in name for name in names)
    assert any(" " in name for name in names)
    assert len({row["Nom élève"] for row in rows}) >= 100


def test_featured_parent_has_children_in_two_classes(rows, children_per_guardian):
    first_name, last_name, email = demo_featured_parent()
    assert EMAIL_RE.match(email)
    children = children_per_guardian[(first_name, last_name)]
    assert len({child[0] for child in children}) == 2
    matching = [row for row in rows if guardian_key(row) == (first_name, last_name)]
    assert {row["Courriel responsable"] for row in matching} == {email}
    assert {row["Lien"] for row in matching} <= {"Mère", "Père"}


def test_staff_covers_every_class_with_one_director():
    staff = demo_staff()
    directors = [member for member in staff if member.role == "director"]
    assert len(directors) == 1
    assert directors[0].class_names == ("CM2",)
    assert directors[0].login == "directrice"
    assert {member.role for member in staff} == {"director", "teacher"}
    covered = {name for member in staff for name in member.class_names}
    assert covered == set(BIRTH_YEARS)
    assert any(
        sum(name in member.class_names for member in staff) == 2 for name in BIRTH_YEARS
    )  # a class shared by two teachers (complément de service)


def test_staff_logins_and_display_names():
    staff = demo_staff()
    logins = [member.login for member in staff]
    assert len(logins) == len(set(logins))
    for member in staff:
        assert re.fullmatch(r"[a-z][a-z.-]*", member.login), member.login
        assert re.fullmatch(r"(Mme|M\.) \S.*", member.display_name), member.display_name
        assert member.display_name.endswith(member.last_name)
    assert demo_staff() == staff


def test_staff_are_not_confused_with_families(rows):
    family_names = {row["Nom responsable"] for row in rows} | {row["Nom élève"] for row in rows}
    assert not {member.last_name for member in demo_staff()} & family_names


def test_school_identity():
    assert DEMO_SCHOOL["name"] and DEMO_SCHOOL["city"]
    uai = DEMO_SCHOOL["uai"]
    assert re.fullmatch(r"\d{7}[A-Z]", uai)
    assert uai[-1] == "ABCDEFGHJKLMNPRSTUVWXYZ"[int(uai[:7]) % 23]  # UAI check letter
    assert DEMO_PASSWORD == "demo-liaison-2026"
