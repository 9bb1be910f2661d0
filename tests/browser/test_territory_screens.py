"""Issue 14 in Chromium: the screens above the schools and across them.

The admin creates a circonscription, moves a school into it and opens an
account of its team (#/territory); the circonscription's team lands on its
schools with their classes and activation (#/circonscription) and writes to
the staff of chosen schools; a family with a child in the maternelle and one
in the élémentaire sees each child with its school (inbox, cahier, blog); the
director of an RPI's school writes to every family of the RPI. axe and
screenshots at phone and desktop sizes.

The territory is made in the database through the stores (circonscriptions,
schools.circonscription_id, an RPI, a child in a second school), so that these
screens are tested whatever the routes that make them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import pytest
from playwright.async_api import expect

from liaison.accounts import store as accounts
from tests.browser.conftest import (
    BOTH_SIZES,
    OpenApp,
    assert_no_page_errors,
    assert_no_sideways_scrolling,
    assert_touch_targets,
    check_a11y,
    screenshot,
    sign_in,
    wait_view,
)
from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD, Clients, RunningServer
from tests.world import (
    Person,
    activate,
    add_staff,
    admin_token,
    create_school,
    import_roster,
    new_uai,
    roster,
    thread_and_message,
)


@dataclass
class Territory:
    tag: str
    circonscription_id: str
    circonscription: str
    maternelle: str  # school ids
    elementaire: str
    pasteur: str  # a school of no circonscription yet
    names: dict[str, str]  # school id -> name
    team: Person  # the circonscription's team member
    director_maternelle: Person
    director_elementaire: Person
    claire: Person  # Léa in the élémentaire (CP), Tom in the maternelle (MS)
    shared_teacher: Person  # the maternelle's GS and the élémentaire's CE1
    children: dict[str, str]  # first name -> id
    rpi: str  # its name; the élémentaire and a village school


async def _circonscription(db: asyncpg.Pool, name: str) -> UUID:
    made: UUID = await db.fetchval(
        "INSERT INTO circonscriptions (name, name_key) VALUES ($1, lower($1)) RETURNING id", name
    )
    return made


@pytest.fixture(scope="module")
async def territory(api: Clients, db: asyncpg.Pool) -> Territory:
    tag = uuid.uuid4().hex[:5]
    anonymous = api()
    admin = api(await admin_token(anonymous))
    circonscription = f"Lyon {tag}"
    circonscription_id = await _circonscription(db, circonscription)
    names = {}
    ids = {}
    for key, name in (
        ("maternelle", f"École maternelle Jules-Ferry {tag}"),
        ("elementaire", f"École élémentaire Jules-Ferry {tag}"),
        ("pasteur", f"École Pasteur {tag}"),
        ("village", f"École du Village {tag}"),
    ):
        ids[key] = await create_school(admin, name)
        names[ids[key]] = name
    await db.execute(
        "UPDATE schools SET circonscription_id = $1 WHERE id = ANY($2::uuid[])",
        circonscription_id,
        [UUID(ids["maternelle"]), UUID(ids["elementaire"])],
    )
    rpi = f"RPI des Deux Rives {tag}"
    rpi_id = await db.fetchval("INSERT INTO rpis (name) VALUES ($1) RETURNING id", rpi)
    await db.execute(
        "INSERT INTO rpi_schools (rpi_id, school_id) SELECT $1, unnest($2::uuid[])",
        rpi_id,
        [UUID(ids["elementaire"]), UUID(ids["village"])],
    )

    director_m = await add_staff(admin, anonymous, ids["maternelle"], "director", f"Mme Petite {tag}", ["MS"])
    director_e = await add_staff(admin, anonymous, ids["elementaire"], "director", f"M. Grand {tag}", ["CP"])
    # The élémentaire: Léa (Claire's, activated) and Hugo (a family not activated yet).
    rows: list[tuple[str, ...]] = [
        ("CP", f"Martin{tag}", "Léa", "12/03/2019", f"Martin{tag}", "Claire", f"claire.{tag}@example.fr", "Mère"),
        ("CP", f"Petit{tag}", "Hugo", "01/09/2019", f"Petit{tag}", "Sophie", f"sophie.{tag}@example.fr", "Mère"),
    ]  # fmt: skip
    imported = await import_roster(api(director_e.token), ids["elementaire"], roster(rows))
    assert imported.status_code == 200, imported.text
    guardian = next(g for g in imported.json()["guardians"] if g["display_name"].startswith("Claire"))
    claire = Person(
        await activate(anonymous, guardian["activation_code"]), guardian["user_id"], guardian["login"]
    )
    children = {"Léa": guardian["children"][0]}
    # Tom, her younger child, in the maternelle's MS: the same account.
    ms = await db.fetchval("SELECT id FROM classes WHERE school_id = $1", UUID(ids["maternelle"]))
    children["Tom"] = str(
        await db.fetchval(
            """INSERT INTO children (school_id, class_id, first_name, last_name, birth_date, identity_key)
               VALUES ($1, $2, 'Tom', $3, '2022-04-02', $4) RETURNING id""",
            UUID(ids["maternelle"]),
            ms,
            f"Martin{tag}",
            f"tom|martin{tag}|2022-04-02",
        )
    )
    await db.execute(
        "INSERT INTO guardianships (child_id, user_id, relationship) VALUES ($1, $2, 'Mère')",
        UUID(children["Tom"]),
        UUID(claire.user_id),
    )

    # A teacher shared by the two schools: GS in the maternelle, CE1 in the élémentaire.
    shared = await add_staff(
        api(director_m.token), anonymous, ids["maternelle"], "teacher", f"M. Partagé {tag}", ["GS"]
    )
    ce1 = await db.fetchval(
        "INSERT INTO classes (school_id, name, name_key) VALUES ($1, 'CE1', 'ce1') RETURNING id",
        UUID(ids["elementaire"]),
    )
    await db.execute(
        "INSERT INTO school_staff (user_id, school_id, role) VALUES ($1, $2, 'teacher')",
        UUID(shared.user_id),
        UUID(ids["elementaire"]),
    )
    await db.execute("INSERT INTO class_staff (class_id, user_id) VALUES ($1, $2)", ce1, UUID(shared.user_id))

    # The circonscription's team: one account, activated by its letter's code.
    async with db.acquire() as conn:
        member = await accounts.create_user(
            conn,
            role="circonscription",
            school_id=None,
            display_name=f"Mme Inspectrice {tag}",
            first_name="Inès",
            last_name=f"Inspectrice{tag}",
            circonscription_id=circonscription_id,
        )
        code = (await accounts.issue_activation_codes(conn, [member.id], 30))[member.id]
    team = Person(await activate(anonymous, code), str(member.id), member.login, member.display_name)
    return Territory(
        tag=tag,
        circonscription_id=str(circonscription_id),
        circonscription=circonscription,
        maternelle=ids["maternelle"],
        elementaire=ids["elementaire"],
        pasteur=ids["pasteur"],
        names=names,
        team=team,
        director_maternelle=director_m,
        director_elementaire=director_e,
        claire=claire,
        shared_teacher=shared,
        children=children,
        rpi=rpi,
    )


@BOTH_SIZES
async def test_the_admin_creates_a_circonscription_and_moves_a_school(
    open_app: OpenApp, server: RunningServer, db: asyncpg.Pool, territory: Territory, width: int, height: int
) -> None:
    t = territory
    # The admin's home is the territory.
    page = await open_app(
        server, login=ADMIN_LOGIN, password=ADMIN_PASSWORD, width=width, height=height, path="/"
    )
    await wait_view(page, "territory")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Le territoire")
    await expect(page.locator("#nav a[aria-current=page]")).to_contain_text("Territoire")
    table = page.locator("#circonscriptions table")
    await expect(
        table.get_by_role("row", name=re.compile(re.escape(t.circonscription))).locator("td")
    ).to_have_text("2")

    name = f"Villeurbanne {t.tag} {width}"
    await page.get_by_label("Nom de la circonscription").fill(name)
    await page.get_by_role("button", name="Créer la circonscription").click()
    row = table.get_by_role("row", name=re.compile(re.escape(name)))
    await expect(row).to_have_count(1)
    await expect(row.locator("td")).to_have_text("0")
    made = await db.fetchval("SELECT id FROM circonscriptions WHERE name = $1", name)
    assert made is not None

    # École Pasteur goes into it.
    pasteur = t.names[t.pasteur]
    move = page.locator("form.move-school")
    await move.get_by_label("École", exact=True).select_option(label=pasteur)
    await move.get_by_label("Vers la circonscription").select_option(label=name)
    await move.get_by_role("button", name="Déplacer").click()
    await expect(page.locator("#toast")).to_have_text(
        f"{pasteur} est maintenant dans la circonscription {name}."
    )
    await expect(row.locator("td")).to_have_text("1")
    group = page.locator(f'details.school-group[data-circonscription-id="{made}"]')
    await group.locator("summary").click()
    await expect(group.locator("li .school-name")).to_have_text([pasteur])
    assert await db.fetchval("SELECT circonscription_id FROM schools WHERE id = $1", UUID(t.pasteur)) == made

    # Its team's first account, with the code of its letter.
    team = page.locator("form.team-form")
    await team.get_by_label("Circonscription").select_option(label=name)
    await team.get_by_label("Nom affiché").fill(f"M. Conseiller {width}")
    await team.get_by_role("button", name="Créer le compte").click()
    result = team.locator(".team-result")
    await expect(result).to_contain_text(f"Compte créé pour M. Conseiller {width}.")
    code = (await result.locator("dd.code").text_content() or "").strip()
    assert code
    assert (
        await db.fetchval(
            "SELECT circonscription_id FROM users WHERE role = 'circonscription' AND display_name = $1",
            f"M. Conseiller {width}",
        )
        == made
    )

    # A new school, made in it, then an RPI of it.
    school = f"École des Saules {t.tag} {width}"
    create = page.locator("form.create-school")
    await create.get_by_label("Nom de l'école").fill(school)
    await create.get_by_label("Ville").fill("Villeurbanne")
    await create.get_by_label("Numéro UAI").fill(new_uai())
    await create.get_by_label("Circonscription").select_option(label=name)
    await create.get_by_role("button", name="Créer l'école").click()
    await expect(row.locator("td")).to_have_text("2")
    await expect(group.locator("li .school-name")).to_have_text([school, pasteur])  # in French order
    rpi = page.locator("form.create-rpi")
    await rpi.get_by_label("Nom du RPI").fill(f"RPI des Saules {t.tag} {width}")
    await rpi.get_by_label("Écoles de la circonscription").select_option(label=name)
    await rpi.get_by_label(school).check()
    await rpi.get_by_role("button", name="Créer le RPI").click()
    await expect(
        page.locator(".rpi-list li").filter(has_text=f"RPI des Saules {t.tag} {width}")
    ).to_have_text(f"RPI des Saules {t.tag} {width} : {school}")
    assert (
        await db.fetchval(
            "SELECT r.name FROM rpis r JOIN rpi_schools x ON x.rpi_id = r.id JOIN schools s ON s.id = x.school_id"
            " WHERE s.name = $1 AND s.circonscription_id = $2",
            school,
            made,
        )
        == f"RPI des Saules {t.tag} {width}"
    )
    await check_a11y(page, "territory")
    await screenshot(page, "territory")
    if width < 600:
        await assert_touch_targets(page, "territory", skip_choices=True)
        await page.set_viewport_size({"width": 320, "height": 640})
        await assert_no_sideways_scrolling(page, "territory")

    # A circonscription's home, as its team sees it, opened from its row.
    await table.get_by_role("link", name=t.circonscription).click()
    await wait_view(page, "circonscription")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Circonscription {t.circonscription}")
    await expect(page.locator("table.schools-table tbody tr")).to_have_count(2)
    await expect(page.get_by_role("link", name="← Le territoire")).to_be_visible()
    # The admin writes to its teams too: the circonscription chosen first.
    await page.get_by_role("link", name="Écrire aux équipes des écoles").click()
    await wait_view(page, "compose")
    chosen = page.get_by_label("Circonscription", exact=True)
    await expect(chosen.locator("option:checked")).to_have_text(t.circonscription)
    await expect(
        page.get_by_label(re.compile("toutes les écoles de la circonscription \\(2\\)"))
    ).to_be_checked()
    await chosen.select_option(label=name)
    await expect(
        page.get_by_label(re.compile("toutes les écoles de la circonscription \\(2\\)"))
    ).to_be_checked()
    await page.get_by_label("Les équipes des écoles choisies").check()
    await expect(page.locator(".school-choices label")).to_have_text([school, pasteur])
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_the_circonscription_sees_its_schools_and_writes_to_their_staff(
    open_app: OpenApp, server: RunningServer, api: Clients, territory: Territory, width: int, height: int
) -> None:
    t = territory
    # Signed in with the form, the team lands on its schools, not on a family's inbox.
    page = await open_app(server, width=width, height=height, path="/#/signin", view="signin")
    await sign_in(page, t.team.login)
    await wait_view(page, "circonscription")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Circonscription {t.circonscription}")
    await expect(page.locator("#nav a[aria-current=page]")).to_contain_text("Écoles")
    await expect(page.locator("#nav")).to_contain_text("Bilan")

    # Both schools, the best adopted first: the maternelle (Tom's family, activated)
    # before the élémentaire (Léa's family activated, Hugo's not).
    rows = page.locator("table.schools-table tbody tr")
    await expect(rows).to_have_count(2)
    maternelle, elementaire = t.names[t.maternelle], t.names[t.elementaire]
    await expect(rows.locator(".school-name")).to_have_text([maternelle, elementaire])
    await expect(rows.nth(0).locator("td")).to_have_text(["1 sur 1", re.compile(r"^100 %")])
    await expect(rows.nth(1).locator("td")).to_have_text(["1 sur 2", re.compile(r"^50 %")])
    await expect(rows.nth(1).locator(".school-classes")).to_have_text("2 classes, 2 élèves : CP (2), CE1 (0)")
    await expect(page.get_by_role("columnheader", name="Familles activées")).to_be_visible()
    # Never a child's or a family's name.
    body = await page.locator("main").inner_text()
    assert "Léa" not in body and "Martin" not in body and "Claire" not in body
    await check_a11y(page, "circonscription")
    await screenshot(page, "circonscription")
    if width < 600:
        await assert_touch_targets(page, "circonscription")
        await page.set_viewport_size({"width": 320, "height": 640})
        await assert_no_sideways_scrolling(page, "circonscription")
        await page.set_viewport_size({"width": width, "height": height})

    # To the maternelle's team only.
    await page.get_by_role("link", name="Écrire aux équipes des écoles").click()
    await wait_view(page, "compose")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Message aux équipes des écoles")
    await expect(
        page.get_by_label(re.compile("toutes les écoles de la circonscription \\(2\\)"))
    ).to_be_checked()
    await page.get_by_label("Les équipes des écoles choisies").check()
    await page.get_by_label(maternelle).check()
    subject = f"Animation pédagogique {t.tag} {width}"
    await page.get_by_label("Objet").fill(subject)
    await page.get_by_role("textbox", name="Message").fill(
        "Mercredi, formation au numérique pour les équipes."
    )
    await check_a11y(page, "compose-to-teams")
    await screenshot(page, "compose-to-teams")
    await page.get_by_role("button", name="Envoyer").click()
    await wait_view(page, "thread")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(subject)

    async def subjects(person: Person) -> list[str]:
        answer = await api(person.token).get("/api/threads?limit=50")
        assert answer.status_code == 200, answer.text
        return [thread["subject"] for thread in answer.json()["threads"]]

    assert subject in await subjects(t.director_maternelle)
    assert subject not in await subjects(t.director_elementaire)
    assert subject not in await subjects(t.claire)

    # Back home, the message is among theirs.
    await page.goto(f"{server.url}/#/circonscription")
    await wait_view(page, "circonscription")
    await expect(page.locator(".team-inbox li.thread").filter(has_text=subject)).to_have_count(1)
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_a_family_of_two_schools_sees_each_child_with_its_school(
    open_app: OpenApp, server: RunningServer, api: Clients, territory: Territory, width: int, height: int
) -> None:
    t = territory
    maternelle, elementaire = t.names[t.maternelle], t.names[t.elementaire]
    subject = f"Kermesse de la maternelle {t.tag} {width}"
    thread_and_message(
        await api(t.director_maternelle.token).post(
            "/api/threads",
            json={"kind": "announcement", "audience": {"school": True}, "subject": subject,
                  "body": "Samedi, la kermesse.", "client_id": uuid.uuid4().hex},
        )
    )  # fmt: skip

    page = await open_app(server, login=t.claire.login, width=width, height=height, view="inbox")
    chips = page.get_by_role("group", name="Afficher les messages de").get_by_role("button")
    await expect(chips).to_have_text(["Tous", f"Léa — {elementaire}", f"Tom — {maternelle}"])
    row = page.locator("li.thread").filter(has_text=subject)
    await expect(row).to_have_count(1)
    await expect(row.locator(".meta")).to_contain_text(maternelle)
    await chips.nth(1).click()  # Léa: the maternelle's kermesse is not hers
    await expect(row).to_have_count(0)
    await chips.nth(2).click()  # Tom's
    await expect(row).to_have_count(1)
    await check_a11y(page, "inbox-two-schools")
    await screenshot(page, "inbox-two-schools")

    # The cahier: one chip per child, with its school; Tom's says which school.
    await page.goto(f"{server.url}/#/cahier/{t.children['Tom']}")
    await wait_view(page, "cahier")
    cahier_chips = page.get_by_role("navigation", name="Choisir l'enfant").get_by_role("link")
    await expect(cahier_chips).to_have_text([f"Léa — {elementaire}", f"Tom — {maternelle}"])
    await expect(page.locator(".tagline")).to_contain_text(f"Classe MS, {maternelle}")
    await check_a11y(page, "cahier-two-schools")

    # The blog: a chip per class, named by the child and the school.
    await page.goto(f"{server.url}/#/blog")
    await wait_view(page, "blog")
    blog_chips = page.get_by_role("navigation", name="Choisir la classe").get_by_role("link")
    await expect(blog_chips).to_contain_text([f"Léa — {elementaire}", f"Tom — {maternelle}"])
    await check_a11y(page, "blog-two-schools")
    await screenshot(page, "blog-two-schools")
    if width < 600:
        await page.set_viewport_size({"width": 320, "height": 640})
        await assert_no_sideways_scrolling(page, "blog of a family of two schools")
    assert_no_page_errors(page)


async def test_the_director_of_an_rpi_school_writes_to_every_family_of_the_rpi(
    open_app: OpenApp, server: RunningServer, api: Clients, territory: Territory
) -> None:
    t = territory
    page = await open_app(
        server, login=t.director_elementaire.login, path="/#/write/announcement", view="compose"
    )
    everyone = page.get_by_label(f"Toutes les familles du {t.rpi}")
    await expect(everyone).to_be_visible()
    await everyone.check()
    await expect(page.get_by_label("Toute l'école")).to_be_disabled()
    subject = f"Spectacle du RPI {t.tag}"
    await page.get_by_label("Objet").fill(subject)
    await page.get_by_role("textbox", name="Message").fill(
        "Vendredi, le spectacle de toutes les écoles du RPI."
    )
    await check_a11y(page, "compose-rpi")
    await screenshot(page, "compose-rpi")
    await page.get_by_role("button", name="Envoyer").click()
    await wait_view(page, "thread")
    answer = await api(t.claire.token).get("/api/threads?limit=50")
    found = [thread for thread in answer.json()["threads"] if thread["subject"] == subject]
    assert len(found) == 1 and found[0]["rpi_id"], found
    assert_no_page_errors(page)


async def test_a_teacher_of_two_schools_sees_the_school_beside_each_class(
    open_app: OpenApp, server: RunningServer, territory: Territory
) -> None:
    t = territory
    maternelle, elementaire = t.names[t.maternelle], t.names[t.elementaire]
    page = await open_app(server, login=t.shared_teacher.login, path="/#/staff", view="staff")
    await expect(page.locator(".class-item h3")).to_have_text(
        [f"Classe GS — {maternelle}", f"Classe CE1 — {elementaire}"]
    )
    await page.goto(f"{server.url}/#/write/announcement")
    await wait_view(page, "compose")
    await expect(page.locator("fieldset.audience label")).to_have_text(
        [f"GS — {maternelle}", f"CE1 — {elementaire}"]
    )
    await check_a11y(page, "compose-two-schools")
    assert_no_page_errors(page)


async def test_the_bars_are_drawn_under_the_strict_csp(
    open_app: OpenApp, server: RunningServer, territory: Territory
) -> None:
    """The Content-Security-Policy enforced (no style attribute): each bar's
    width is set through the CSSOM, as wide as its rate."""
    page = await open_app(server, login=territory.team.login, path="/", enforce_csp=True)
    await wait_view(page, "circonscription")
    bars = page.locator("table.schools-table .rate-bar")
    await expect(bars).to_have_count(2)
    widths = [
        await bar.evaluate(
            "(e) => e.firstElementChild.getBoundingClientRect().width / e.getBoundingClientRect().width"
        )
        for bar in await bars.all()
    ]
    assert [round(w, 2) for w in widths] == [1.0, 0.5]
    assert_no_page_errors(page)
