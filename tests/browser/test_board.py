"""The board of a school-wide announcement at the size of a real school: 196
families in eight classes, on a phone and on a desktop.

The families are imported as a school does (tests/world.py); those without an
address have no channel (red, "Injoignable"), the others' emails wait their
grace period (calm, "Sera prévenue"); a few read and sign. The director filters
by class and by state, searches a name (without its accents), sorts by first
name, reminds once (confirmed, then "Dernière relance"), and sees a family read
live without the other rows being rebuilt. axe and screenshots at both sizes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import Dialog, Page, expect

from tests.browser.conftest import (
    LIVE_TIMEOUT,
    assert_no_page_errors,
    assert_touch_targets,
    check_a11y,
    screenshot,
    watch_live,
)
from tests.conftest import Clients
from tests.world import Person, activate, announce, import_roster, roster, school_with_director

# The demo school's classes and sizes (liaison/demo/school.py): 196 families.
CLASSES = {"CM2": 23, "CE1": 24, "PS": 24, "CE2": 27, "GS": 25, "MS": 26, "CM1": 25, "CP": 22}
IN_ORDER = ["PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2"]
FIRST_NAMES = [
    "Éden",
    "Léa",
    "Hugo",
    "Zoé",
    "Noé",
    "Inès",
    "Jules",
    "Chloé",
    "Adam",
    "Lina",
    "Sacha",
    "Anaïs",
]
WITHOUT_EMAIL = 7  # every 7th family has no address: nobody can tell it


@dataclass
class Big:
    director: Person
    thread_id: str
    unreached: int  # families without any channel
    unreached_ce1: int
    signed: list[str]  # child ids of the families that read and signed
    reader_token: str  # a guardian who reads later, live
    reader_child: str
    edens: int  # children named Éden


@pytest.fixture(scope="module")
async def big(api: Clients) -> Big:
    school_id, director = await school_with_director(api, "Mme Grande")
    principal = api(director.token)
    tag = uuid.uuid4().hex[:6]
    rows, unreached, unreached_ce1, edens = [], 0, 0, 0
    for class_name, size in CLASSES.items():
        for _ in range(size):
            n = len(rows)
            first = FIRST_NAMES[n % len(FIRST_NAMES)]
            edens += first == "Éden"
            email = "" if n % WITHOUT_EMAIL == 3 else f"parent{n}.{tag}@example.fr"
            unreached += not email
            unreached_ce1 += not email and class_name == "CE1"
            rows.append((class_name, f"Famille{tag}{n:03d}", first, "01/01/2018", f"Famille{tag}{n:03d}",
                         "Parent", email, "Mère"))  # fmt: skip
    imported = await import_roster(principal, school_id, roster(rows))
    assert imported.status_code == 200, imported.text
    # The families who will read: some with an address (their number, in the name, is not a 7th).
    guardians = [g for g in imported.json()["guardians"] if int(g["display_name"][-3:]) % WITHOUT_EMAIL != 3]
    created = await announce(principal, "Kermesse de fin d'année", body="Merci de signer.", require_ack=True)
    assert created.status_code == 201, created.text
    thread_id = created.json()["thread"]["id"]
    # Three families read and sign; a fourth will read while the director watches.
    anonymous = api()
    signed, tokens = [], []
    for guardian in guardians[:4]:
        token = await activate(anonymous, guardian["activation_code"])
        tokens.append((token, guardian["children"][0]))
    for token, child in tokens[:3]:
        assert (await api(token).post(f"/api/threads/{thread_id}/ack")).status_code == 200
        signed.append(child)
    return Big(director, thread_id, unreached, unreached_ce1, signed, tokens[3][0], tokens[3][1], edens)


async def open_board(open_app, server, big: Big, width: int, height: int) -> Page:
    page = await open_app(
        server, login=big.director.login, width=width, height=height,
        path=f"/#/threads/{big.thread_id}/board", view="board",
    )  # fmt: skip
    await expect(page.locator(".families .family")).to_have_count(196)
    return page


def visible_rows(page: Page):
    return page.locator(".families .family:visible")


async def test_the_board_of_a_whole_school(open_app, server, big):
    # -- on a phone ---------------------------------------------------------------------------
    phone = await open_board(open_app, server, big, 360, 740)
    await expect(phone.locator("[data-count=families]")).to_have_text("196")
    await expect(phone.locator("[data-count=acked]")).to_have_text("3")
    await expect(phone.locator("[data-count=unreached]")).to_have_text(str(big.unreached))
    pending = 196 - big.unreached - 3
    await expect(phone.locator(".pending-note")).to_contain_text(f"{pending} familles seront prévenues")
    # Red only for the families nobody can tell; the others are to be told, calmly.
    await expect(phone.locator(".family.is-unreached")).to_have_count(big.unreached)
    await expect(phone.locator(".family .tag.pending")).to_have_count(pending)
    await expect(phone.locator(".family .tag.pending").first).to_contain_text("Sera prévenue")
    # In school order: the first row is a PS family, the last a CM2 one.
    await expect(phone.locator(".families .family .class-name").first).to_have_text("PS")
    await expect(phone.locator(".families .family .class-name").last).to_have_text("CM2")
    classes = await phone.locator("select[name=class] option").all_inner_texts()
    assert [c.split(" (")[0] for c in classes[1:]] == IN_ORDER and classes[0] == "Toutes (196)"
    # Reminder and slips count only the families the school must chase now.
    chase = big.unreached
    await expect(phone.locator("button.remind")).to_have_text(
        f"Relancer les {chase} familles qui n'ont pas signé"
    )
    await expect(phone.get_by_role("link", name="Imprimer les mots")).to_be_visible()
    await expect(phone.locator(".board-tools .hint")).to_contain_text(
        f"Un mot pour chacune des {chase} familles qui n'ont pas signé"
    )
    # One class, then its unreached families.
    await phone.get_by_label("Classe").select_option(label="CE1 (24)")
    await expect(visible_rows(phone)).to_have_count(24)
    await expect(phone.locator(".shown-count")).to_have_text("24 familles affichées sur 196.")
    unreached_chip = phone.locator(".chip[data-filter=unreached]")
    await expect(unreached_chip).to_contain_text(f"({big.unreached_ce1})")
    await unreached_chip.click()
    await expect(unreached_chip).to_be_focused()  # the chips stay in place
    await expect(visible_rows(phone)).to_have_count(big.unreached_ce1)
    await check_a11y(phone, "board-school-filtered")
    await screenshot(phone, "board-school-filtered")
    await assert_touch_targets(phone, "the board")
    # A name, typed without its accent, in the whole school.
    await phone.get_by_label("Classe").select_option(value="")
    await phone.locator(".chip[data-filter=all]").click()
    await phone.get_by_label("Rechercher une famille").fill("eden")
    await expect(visible_rows(phone)).to_have_count(big.edens)
    await expect(visible_rows(phone).first).to_contain_text("Éden")
    await phone.get_by_label("Rechercher une famille").fill("zzz")
    await expect(phone.locator(".empty")).to_have_text("Aucune famille ne correspond à cette recherche.")
    assert_no_page_errors(phone)

    # -- on a desktop -------------------------------------------------------------------------
    desk = await open_board(open_app, server, big, 1280, 800)
    await watch_live(desk)
    await check_a11y(desk, "board-school")
    await screenshot(desk, "board-school")
    # By first name: Adam first, whatever the class.
    await desk.get_by_label("Ordre").select_option("name")
    await expect(visible_rows(desk).first.locator(".name")).to_contain_text("Adam")
    await desk.get_by_label("Ordre").select_option("class")

    # A family reads while the director watches: its row changes, the others are kept.
    kept = [
        desk.locator(f'li.family[data-child-id="{big.signed[0]}"]'),
        desk.locator(".family .tag.pending").first,
    ]
    for row in kept:
        await row.evaluate("node => { node.closest('li').__kept = true; }")
    keystroke = await desk.evaluate("""() => {
        const t0 = performance.now();
        const box = document.querySelector("input[name=q]");
        box.value = "famille";
        box.dispatchEvent(new Event("input"));
        return performance.now() - t0;
    }""")
    print(
        f"board of 196 families: a keystroke in the search box took {keystroke:.1f} ms (filtering is debounced)"
    )
    await expect(desk.locator("[data-count=read]")).to_have_text("3")
    async with httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"Bearer {big.reader_token}"}
    ) as c:
        assert (await c.post(f"/api/threads/{big.thread_id}/read", json={"seq": 1})).status_code == 204
    await expect(desk.locator("[data-count=read]")).to_have_text("4", timeout=LIVE_TIMEOUT)
    await expect(desk.locator(f'li.family[data-child-id="{big.reader_child}"]')).to_contain_text(
        "Lu aujourd'hui"
    )
    for row in kept:
        assert await row.evaluate("node => node.closest('li').__kept === true"), (
            "an unchanged row was rebuilt"
        )

    # Remind, once: confirmed first, then the board says when it went.
    questions = []

    async def accept(dialog: Dialog) -> None:
        questions.append(dialog.message)
        await dialog.accept()

    desk.once("dialog", accept)
    await desk.locator("button.remind").click()
    await expect(desk.locator(".last-reminder")).to_contain_text("Dernière relance : aujourd'hui à")
    await expect(desk.locator("button.remind")).to_have_count(0)
    # The families nobody could tell, and the one that read without signing.
    assert questions and f"aux {big.unreached + 1} familles qui n'ont pas encore signé" in questions[0]
    await screenshot(desk, "board-school-reminded")
    assert_no_page_errors(desk)
