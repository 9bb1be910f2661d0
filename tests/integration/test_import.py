"""The roster import, end to end: as a director sends the school's export."""

from __future__ import annotations

import uuid

import pytest

from tests.world import activate, import_roster, roster, school_with_director


@pytest.fixture
async def director(api):
    """A fresh school and its signed-in director, for each test."""
    school_id, person = await school_with_director(api, "Mme Import")
    return school_id, api(person.token)


def family_rows(tag: str) -> list[tuple[str, ...]]:
    return [
        ("CP", f"Leroy{tag}", "Zoé", "04/05/2020", f"Leroy{tag}", "Anne", f"anne.{tag}@example.fr", "Mère"),
        ("CP", f"Leroy{tag}", "Zoé", "04/05/2020", f"Leroy{tag}", "Karim", f"karim.{tag}@example.fr", "Père"),
        ("CM2", f"Leroy{tag}", "Sami", "11/11/2016", f"Leroy{tag}", "Anne", f"anne.{tag}@example.fr", "Mère"),
        ("CM2", f"N'Diaye{tag}", "Awa", "2016-02-29", f"N'Diaye{tag}", "Fatou", "", "Mère"),
    ]


async def counts(db, school_id: str) -> dict[str, int]:
    row = await db.fetchrow(
        """SELECT (SELECT count(*) FROM classes WHERE school_id = $1) AS classes,
                  (SELECT count(*) FROM children WHERE school_id = $1) AS children,
                  (SELECT count(*) FROM users WHERE school_id = $1 AND role = 'parent') AS guardians,
                  (SELECT count(*) FROM guardianships g JOIN children c ON c.id = g.child_id
                    WHERE c.school_id = $1) AS links""",
        uuid.UUID(school_id),
    )
    return dict(row)


async def test_import_creates_families_with_a_shared_guardian(director, db):
    school_id, client = director
    tag = uuid.uuid4().hex[:6]
    response = await import_roster(client, school_id, roster(family_rows(tag)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["classes_created"], body["children_created"], body["guardians_created"]) == (2, 3, 3)
    anne = next(g for g in body["guardians"] if g["display_name"] == f"Anne Leroy{tag}")
    assert len(anne["children"]) == 2  # Zoé in CP and Sami in CM2: one account
    assert anne["login"].startswith("anne.leroy")
    assert all(g["activation_code"] for g in body["guardians"])
    assert await counts(db, school_id) == {"classes": 2, "children": 3, "guardians": 3, "links": 4}


async def test_same_file_twice_creates_nothing_and_returns_the_same_people(director, db, api):
    school_id, client = director
    data = roster(family_rows(uuid.uuid4().hex[:6]))
    first = (await import_roster(client, school_id, data)).json()
    # Fatou activates her account between the two imports.
    fatou = next(g for g in first["guardians"] if g["display_name"].startswith("Fatou"))
    await activate(api(), fatou["activation_code"])

    second = await import_roster(client, school_id, data)
    assert second.status_code == 200
    again = second.json()
    assert (again["classes_created"], again["children_created"], again["guardians_created"]) == (0, 0, 0)
    assert [g["user_id"] for g in again["guardians"]] == [g["user_id"] for g in first["guardians"]]
    assert [g["children"] for g in again["guardians"]] == [g["children"] for g in first["guardians"]]
    codes = {g["display_name"].split()[0]: g["activation_code"] for g in again["guardians"]}
    assert codes["Fatou"] is None  # activated: no code any more
    assert codes["Anne"] and codes["Karim"]
    assert await counts(db, school_id) == {"classes": 2, "children": 3, "guardians": 3, "links": 4}


async def test_earlier_letters_keep_working_after_a_reimport(director, api):
    school_id, client = director
    data = roster(family_rows(uuid.uuid4().hex[:6]))
    first = (await import_roster(client, school_id, data)).json()
    await import_roster(client, school_id, data)
    # The code printed from the first import still activates the account.
    anne = next(g for g in first["guardians"] if g["display_name"].startswith("Anne"))
    await activate(api(), anne["activation_code"])


@pytest.mark.parametrize("separator", [";", ","])
@pytest.mark.parametrize("bom", [True, False])
async def test_separators_bom_and_header_spelling(director, db, separator, bom):
    school_id, client = director
    tag = uuid.uuid4().hex[:6]
    header = separator.join(
        ["CLASSE", "nom eleve", "Prénom Élève", "Date de naissance", "NOM RESPONSABLE",
         "prenom_responsable", "Courriel  responsable", "lien"]
    )  # fmt: skip
    line = separator.join(["CE2", f"Roux{tag}", "Éloïse", "2018-07-14", f"Roux{tag}", "Hélène", "", "Mère"])
    data = ("\ufeff" if bom else "") + header + "\r\n" + line + "\r\n"
    response = await import_roster(client, school_id, data.encode())
    assert response.status_code == 200, response.text
    members_class = await db.fetchval("SELECT name FROM classes WHERE school_id = $1", uuid.UUID(school_id))
    assert members_class == "CE2"
    child = await db.fetchrow(
        "SELECT first_name, birth_date::text AS born FROM children WHERE school_id = $1", uuid.UUID(school_id)
    )
    assert dict(child) == {"first_name": "Éloïse", "born": "2018-07-14"}


async def test_a_bad_line_in_the_middle_writes_nothing(director, db):
    school_id, client = director
    tag = uuid.uuid4().hex[:6]
    rows = family_rows(tag)
    rows.insert(2, ("CP", f"Faure{tag}", "Tom", "31/02/2020", f"Faure{tag}", "Julie", "julie@", "Mère"))
    response = await import_roster(client, school_id, roster(rows))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_roster"
    assert "Ligne 4" in error["message"] and "Rien n'a été importé" in error["message"]
    # Both errors of line 4 (header is line 1): the date and the email.
    assert {entry["line"] for entry in error["lines"]} == {4}
    assert {entry["column"] for entry in error["lines"]} == {"Date naissance", "Courriel responsable"}
    assert "ligne 4" in error["fields"]
    assert await counts(db, school_id) == {"classes": 0, "children": 0, "guardians": 0, "links": 0}


async def test_missing_column_and_empty_file(director):
    school_id, client = director
    response = await import_roster(client, school_id, b"Classe;Nom eleve\nCP;Dupont\n")
    assert response.status_code == 422
    assert "Prénom élève" in response.json()["error"]["message"]
    response = await import_roster(client, school_id, b"")
    assert response.status_code == 422
    assert response.json()["error"]["lines"][0]["line"] == 1


async def test_a_pupil_who_changes_class_follows_the_new_file(director, db):
    school_id, client = director
    tag = uuid.uuid4().hex[:6]
    rows = family_rows(tag)
    await import_roster(client, school_id, roster(rows))
    next_year = [("CE1", *row[1:]) if row[2] == "Zoé" else row for row in rows]
    response = await import_roster(client, school_id, roster(next_year))
    assert response.status_code == 200
    assert response.json()["children_created"] == 0
    klass = await db.fetchval(
        """SELECT k.name FROM children c JOIN classes k ON k.id = c.class_id
           WHERE c.school_id = $1 AND c.first_name = 'Zoé'""",
        uuid.UUID(school_id),
    )
    assert klass == "CE1"


async def test_activation_letters_page(director, api):
    school_id, client = director
    tag = uuid.uuid4().hex[:6]
    await import_roster(client, school_id, roster(family_rows(tag)))
    response = await client.get(f"/api/schools/{school_id}/activation-letters")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert '<html lang="fr">' in page
    assert page.count('<main class="letter">') == 3  # three families; the director is activated
    assert "break-before: page" in page
    assert f"Zoé Leroy{tag} (CP)" in page and f"Sami Leroy{tag} (CM2)" in page
    # The code on the letter works.
    start = page.index("code d'activation")
    code = page[page.index("<dd>", start) + 4 : page.index("</dd>", start)]
    await activate(api(), code)
    again = (await client.get(f"/api/schools/{school_id}/activation-letters")).text
    assert again.count('<main class="letter">') == 2
