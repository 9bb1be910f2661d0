"""Every page the server renders (`liaison.web.pages.page`: letters, paper
slips, the sign-up list, consent forms, the cahier export, the operator's
mail list) answers with the web app's security headers, a content security
policy fit for a printed page (no `'unsafe-inline'`: the page's own style and
print script carry the answer's nonce), and `Cache-Control: no-store` (they
hold activation codes or children's names). Issue 13, item 9.

The table lists every template `page()` renders; a new one fails
`test_every_page_is_in_the_table` until it has its row."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

import liaison
from tests.conftest import Clients
from tests.world import World, announce, build_world, open_signup, thread_and_message

Opener = Callable[[Clients, World], Awaitable[httpx.Response]]


async def letters(api: Clients, world: World) -> httpx.Response:
    return await api(world.a.director.token).get(f"/api/schools/{world.a.id}/activation-letters")


async def one_letter(api: Clients, world: World) -> httpx.Response:
    director = api(world.a.director.token)
    return await director.get(
        f"/api/schools/{world.a.id}/activation-letters", params={"child_id": world.a.children["Hugo"]}
    )


async def signups(api: Clients, world: World) -> httpx.Response:
    director = api(world.a.director.token)
    thread, _ = thread_and_message(await open_signup(director, "Kermesse", {"Stand": 2}))
    return await director.get(f"/api/threads/{thread['id']}/signups/print")


async def paper(api: Clients, world: World) -> httpx.Response:
    teacher = api(world.a.teachers["CP"].token)
    thread, _ = thread_and_message(await announce(teacher, "Piscine", class_ids=[world.a.classes["CP"]]))
    return await teacher.get(f"/api/threads/{thread['id']}/paper")


async def consent_forms(api: Clients, world: World) -> httpx.Response:
    return await api(world.a.teachers["CP"].token).get(
        f"/api/classes/{world.a.classes['CP']}/image-consents/forms"
    )


async def export(api: Clients, world: World) -> httpx.Response:
    sophie = api(world.a.parents["cp"].token)
    return await sophie.get(f"/api/children/{world.a.children['Hugo']}/realisations/export")


async def operator_mail(api: Clients, world: World) -> httpx.Response:
    return await api(world.admin).get("/operator/mail")


# template -> the requests that render it
PAGES: dict[str, list[Opener]] = {
    "activation_letters.html": [letters, one_letter],
    "signups_print.html": [signups],
    "paper.html": [paper],
    "consent_form.html": [consent_forms],
    "export.html": [export],
    "operator_mail.html": [operator_mail],
}
OPENERS = [opener for openers in PAGES.values() for opener in openers]


@pytest.fixture(scope="module")
async def world(api: Clients) -> World:
    return await build_world(api)


def test_every_page_is_in_the_table():
    rendered = set()
    for source in Path(liaison.__file__).parent.rglob("*.py"):
        rendered |= set(
            re.findall(r"\bpage\(\s*__file__,\s*\"([^\"]+)\"", source.read_text(encoding="utf-8"))
        )
    assert rendered == set(PAGES), "every template page() renders needs its row in PAGES"


@pytest.mark.parametrize("opener", OPENERS, ids=[o.__name__ for o in OPENERS])
async def test_a_page_has_the_security_headers(api, world, opener):
    response = await opener(api, world)
    assert response.status_code == 200, response.text
    headers = response.headers
    assert headers["content-type"].startswith("text/html")
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    directives = (part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
    policy = {d[0]: d[1] if len(d) > 1 else "" for d in directives}
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'" and policy["form-action"] == "'none'"
    assert policy["img-src"] == "'self'"
    (nonce,) = re.findall(r"'nonce-([A-Za-z0-9_-]{20,})'", policy["script-src"])
    assert policy["style-src"] == f"'nonce-{nonce}'" and policy["script-src"] == f"'nonce-{nonce}'"
    assert "unsafe" not in headers["content-security-policy"]
    html = response.text
    # Every style and script is the page's own, with this answer's nonce; no inline handler.
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
        assert f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html, re.IGNORECASE)
    assert "<style" in html
    # A second answer has another nonce.
    assert (await opener(api, world)).headers["content-security-policy"] != headers["content-security-policy"]


async def test_the_print_button_runs_the_pages_own_script(api, world):
    html = (await letters(api, world)).text
    assert '<button type="button" data-print>' in html
    (script,) = re.findall(r"<script nonce=\"[^\"]+\">(.*?)</script>", html, re.DOTALL)
    assert "window.print()" in script and "[data-print]" in script


async def test_a_written_mail_is_plain_text_with_the_same_headers(server, api, world):
    folder = server.settings.data_dir / "mail"
    folder.mkdir(exist_ok=True)
    name = "20260901-test-headers.eml"
    (folder / name).write_bytes(
        b"From: ecole@example.fr\r\nTo: claire@example.fr\r\nSubject: <script>alert(1)</script>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour.\r\n"
    )
    try:
        response = await api(world.admin).get(f"/operator/mail/{name}")
    finally:
        (folder / name).unlink()
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
