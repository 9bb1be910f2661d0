"""`GET /api/search`: French full-text search over the threads a user may read.

Every search names a word made for this module (`WORD`), so that what other
tests wrote in the shared database never answers."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from liaison.search import store
from liaison.search.text import MARK_END, MARK_START, fold
from tests.conftest import Clients
from tests.world import World, announce, thread_and_message, write_direct

# A made-up word of letters only (the French stemmer leaves it alone, and digits
# would make it a number).
WORD = "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])


def marked(word: str) -> str:
    return f"{MARK_START}{word}{MARK_END}"


async def search(client: httpx.AsyncClient, q: str, **params: object) -> list[dict]:
    response = await client.get("/api/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()["results"]


@pytest.fixture(scope="module")
async def written(api: Clients, world: World) -> dict[str, dict]:
    """What the school's people wrote, by name: threads and first messages."""
    a, b = world.a, world.b
    director, teacher = api(a.director.token), api(a.teachers["CP"].token)
    threads: dict[str, dict] = {}
    threads["outing"], _ = thread_and_message(
        await announce(
            director,
            f"Sortie à l'École des Beaux-Arts {WORD}",
            body="Rendez-vous à 8 h 30 devant le portail. Prévoir un goûter.",
        )
    )
    threads["pool"], _ = thread_and_message(
        await announce(
            teacher,
            "Piscine",
            class_ids=[a.classes["CP"]],
            body=f"Les séances de piscine reprennent lundi {WORD}. Pensez au bonnet.",
        )
    )
    threads["hugo"], _ = thread_and_message(
        await write_direct(
            api(a.parents["cp"].token),
            a.children["Hugo"],
            "Cahier oublié",
            f"Hugo a oublié son cahier de poésie {WORD}, peut-il le récupérer ?",
        )
    )
    threads["noah"], _ = thread_and_message(
        await write_direct(
            api(a.parents["ce1"].token),
            a.children["Noah"],
            "Cantine",
            f"Noah mangera à la cantine jeudi {WORD}, avec son allergie aux arachides.",
        )
    )
    threads["school_b"], _ = thread_and_message(
        await announce(
            api(b.director.token), "Kermesse", body=f"La kermesse de l'école a lieu samedi {WORD}."
        )
    )
    return threads


def found_threads(results: list[dict]) -> list[str]:
    return [r["thread"]["id"] for r in results]


async def test_accents_case_and_plurals_are_ignored(api: Clients, world: World, written: dict) -> None:
    director = api(world.a.director.token)
    for typed in ("ecole", "ÉCOLES", "école", "Ecoles"):
        results = await search(director, f"{typed} {WORD}")
        assert found_threads(results) == [written["outing"]["id"]], typed
    # "sorties" finds "Sortie", "seance" finds "séances", in a subject or a body.
    assert found_threads(await search(director, f"sorties {WORD}")) == [written["outing"]["id"]]
    assert found_threads(await search(director, f"seance {WORD}")) == [written["pool"]["id"]]


async def test_a_result_is_a_thread_a_message_and_a_marked_snippet(
    api: Clients, world: World, written: dict
) -> None:
    sophie = api(world.a.parents["cp"].token)
    [result] = await search(sophie, f"poesie {WORD}")
    assert result["thread"]["id"] == written["hugo"]["id"]
    assert result["thread"]["subject"] == "Cahier oublié"
    assert result["thread"]["read_seq"] == 1  # as the inbox shows it to her
    assert result["message"]["seq"] == 1
    assert result["message"]["body"].startswith("Hugo a oublié son cahier de poésie")
    # The words found are marked in the real text, accents kept.
    snippet = result["snippet"]
    assert marked("poésie") in snippet
    assert marked(WORD) in snippet
    assert snippet.replace(MARK_START, "").replace(MARK_END, "").startswith("Hugo a oublié son cahier")


async def test_a_family_finds_what_its_inbox_shows_and_nothing_else(
    api: Clients, world: World, written: dict
) -> None:
    a = world.a
    sophie, marc = api(a.parents["cp"].token), api(a.parents["ce1"].token)
    # Sophie (Hugo, CP): the whole-school outing, the CP pool, her own question.
    assert sorted(found_threads(await search(sophie, WORD))) == sorted(
        [written["outing"]["id"], written["pool"]["id"], written["hugo"]["id"]]
    )
    # Another family's conversation is never found, whatever is typed.
    assert await search(sophie, f"cantine {WORD}") == []
    assert await search(sophie, f"arachides {WORD}") == []
    # Marc (Noah, CE1): not the CP pool, not Sophie's question.
    assert sorted(found_threads(await search(marc, WORD))) == sorted(
        [written["outing"]["id"], written["noah"]["id"]]
    )


async def test_staff_find_their_threads_and_never_another_schools(
    api: Clients, world: World, written: dict
) -> None:
    a, b = world.a, world.b
    director_a = api(a.director.token)
    found = found_threads(await search(director_a, WORD, limit=50))
    assert written["school_b"]["id"] not in found
    # As in her inbox: the whole-school outing and the pool, not a family's
    # conversation with the teacher that she was not asked into.
    assert written["outing"]["id"] in found and written["pool"]["id"] in found
    assert written["hugo"]["id"] not in found and written["noah"]["id"] not in found
    assert found_threads(await search(api(a.teachers["CP"].token), f"poesie {WORD}")) == [
        written["hugo"]["id"]
    ]
    assert await search(director_a, f"kermesse {WORD}") == []
    # The CE1 teacher is not in the CP's pool thread nor in Hugo's conversation.
    ce1 = found_threads(await search(api(a.teachers["CE1"].token), WORD, limit=50))
    assert written["pool"]["id"] not in ce1 and written["hugo"]["id"] not in ce1
    # School B sees only its own.
    assert found_threads(await search(api(b.parents["cm1"].token), WORD)) == [written["school_b"]["id"]]
    assert found_threads(await search(api(b.director.token), WORD)) == [written["school_b"]["id"]]
    # The platform admin is in no thread.
    assert await search(api(world.admin), WORD) == []


async def test_a_recalled_message_is_not_found_and_a_correction_is(
    api: Clients, world: World, written: dict
) -> None:
    sophie = api(world.a.parents["cp"].token)
    thread_id = written["hugo"]["id"]
    word = WORD + "trottinette"
    posted = await sophie.post(
        f"/api/threads/{thread_id}/messages", json={"body": f"Il a aussi laissé sa {word} dans la cour."}
    )
    assert posted.status_code == 201, posted.text
    seq = posted.json()["seq"]
    [result] = await search(sophie, word)
    assert result["message"]["seq"] == seq
    assert (await sophie.delete(f"/api/threads/{thread_id}/messages/{seq}")).status_code == 204
    assert await search(sophie, word) == []
    assert await search(api(world.a.director.token), word) == []

    # A corrected message is found by its new words only.
    old, new = WORD + "velo", WORD + "ballon"
    posted = await sophie.post(f"/api/threads/{thread_id}/messages", json={"body": f"Et son {old}."})
    seq = posted.json()["seq"]
    corrected = await sophie.patch(
        f"/api/threads/{thread_id}/messages/{seq}", json={"body": f"Et son {new}."}
    )
    assert corrected.status_code == 200, corrected.text
    assert await search(sophie, old) == []
    assert [r["message"]["seq"] for r in await search(sophie, new)] == [seq]


async def test_best_first_then_most_recent(api: Clients, world: World) -> None:
    teacher = api(world.a.teachers["CP"].token)
    word = WORD + "rank"
    cp = [world.a.classes["CP"]]
    in_body, _ = thread_and_message(
        await announce(teacher, "Information", class_ids=cp, body=f"Un mot : {word}.")
    )
    in_subject, _ = thread_and_message(
        await announce(teacher, f"Le {word}", class_ids=cp, body=f"Tout sur le {word}, encore le {word}.")
    )
    later, _ = thread_and_message(
        await announce(teacher, "Information", class_ids=cp, body=f"Un mot : {word}.")
    )
    results = await search(teacher, word)
    # The subject and two mentions first; the two equal ones, the most recent first.
    assert found_threads(results) == [in_subject["id"], later["id"], in_body["id"]]
    assert found_threads(await search(teacher, word, limit=1)) == [in_subject["id"]]


async def test_text_from_messages_is_returned_as_text(api: Clients, world: World) -> None:
    teacher = api(world.a.teachers["CP"].token)
    word = WORD + "balise"
    body = f'<img src=x onerror="alert(1)"> <b>{word}</b> & {MARK_START}faux{MARK_END}'
    thread_and_message(await announce(teacher, "Essai", class_ids=[world.a.classes["CP"]], body=body))
    [result] = await search(teacher, word)
    assert result["message"]["body"] == body  # the message itself, untouched
    # The snippet is plain text (the client inserts it as text): the only marks are
    # the ones around the word found; those inside the message are dropped.
    assert result["snippet"] == f'<img src=x onerror="alert(1)"> <b>{marked(word)}</b> & faux'


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({}, 422, "q"),
        ({"q": ""}, 422, "q"),
        ({"q": "   "}, 422, "q"),
        ({"q": "é" * 201}, 422, "q"),
        ({"q": "a\x00b"}, 422, "q"),
        ({"q": "ecole", "limit": "0"}, 400, None),
        ({"q": "ecole", "limit": "201"}, 400, None),
        ({"q": "ecole", "limit": "dix"}, 400, None),
    ],
)
async def test_bad_queries(api: Clients, world: World, params: dict, status: int, field: str | None) -> None:
    response = await api(world.a.director.token).get("/api/search", params=params)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"]
    if field:
        assert error["code"] == "invalid" and field in error["fields"]


async def test_nothing_to_look_up_finds_nothing(api: Clients, world: World, written: dict) -> None:
    director = api(world.a.director.token)
    assert await search(director, "le la les à même") == []  # only common words
    # Common words do not have to be in the text ("les" is not in the outing).
    assert found_threads(await search(director, f"les sorties à l'ecole {WORD}")) == [written["outing"]["id"]]
    assert await search(director, f"-{WORD}") == []  # only an exclusion
    assert await search(director, "é" * 200) == []  # at the limit: accepted
    # An exclusion narrows a search that has a word.
    assert found_threads(await search(director, f"{WORD} -piscine -cantine -poesie -ecole")) == []


async def test_signed_out_is_401(api: Clients) -> None:
    assert (await api().get("/api/search", params={"q": "ecole"})).status_code == 401


@pytest.mark.parametrize(
    "text",
    [
        "École",
        "ÉCOLE élèves",
        "cœur Œuvre",
        "Ærø straße",
        "Nguyễn Łukasz Ørsted",
        "e\u0301te\u0301",
        "İı ça ÇA",
    ],
)
async def test_the_database_folds_as_the_snippets_do(db: asyncpg.Pool, text: str) -> None:
    assert await store.fold(db, text) == fold(text)
