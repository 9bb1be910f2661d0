"""Reprinting one family's activation letter: the letter lost in a schoolbag."""

from __future__ import annotations

import re
import uuid

from tests.world import World, activate

CODE = re.compile(r"code d'activation[^<]*</dt><dd>([^<]+)</dd>")


def codes(page: str) -> list[str]:
    return CODE.findall(page)


async def paul(api, world: World) -> str:
    """Léa's father, imported without an email and never activated."""
    members = (await api(world.a.director.token).get(f"/api/classes/{world.a.classes['CP']}/members")).json()
    (lea,) = [c for c in members["children"] if c["id"] == world.a.children["Léa"]]
    (father,) = [g for g in lea["guardians"] if not g["activated"]]
    return father["user_id"]


async def test_one_family_letter_again(api, world):
    a = world.a
    director = api(a.director.token)
    letters = f"/api/schools/{a.id}/activation-letters"
    paul_id = await paul(api, world)

    # The whole school's letters: Paul's, and the staff not yet activated, if any.
    everyone = (await director.get(letters)).text
    assert "Paul" in everyone

    # Léa's family: only her guardians not activated yet (Claire's account is).
    family = await director.get(f"{letters}?child_id={a.children['Léa']}")
    assert family.status_code == 200 and family.headers["cache-control"] == "no-store"
    (first,) = codes(family.text)
    assert "Imprimer la lettre" in family.text and "Claire" not in family.text
    assert "Léa" in family.text and "Inès" not in family.text  # Paul is Léa's guardian only

    # The same letter by the guardian: a fresh code each time (codes are kept
    # hashed, never shown again), and the letter already handed out still works.
    again = await director.get(f"{letters}?guardian_id={paul_id}")
    (second,) = codes(again.text)
    assert second != first

    # Everyone activated: nothing to print, said plainly.
    claire = await director.get(f"{letters}?guardian_id={a.parents['both'].user_id}")
    assert claire.status_code == 200 and codes(claire.text) == []
    assert "déjà activé" in claire.text
    hugo = await director.get(f"{letters}?child_id={a.children['Hugo']}")
    assert codes(hugo.text) == [] and "déjà activé" in hugo.text

    # Another school's family, or nobody: 404; a malformed or doubled filter: 400.
    for query in (
        f"child_id={world.b.children['Jade']}",
        f"guardian_id={world.b.parents['cm1'].user_id}",
        f"child_id={uuid.uuid4()}",
        f"guardian_id={a.director.user_id}",  # not a guardian
    ):
        assert (await director.get(f"{letters}?{query}")).status_code == 404, query
    for query in ("child_id=abc", f"child_id={a.children['Léa']}&guardian_id={paul_id}"):
        response = await director.get(f"{letters}?{query}")
        assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"
    # Who prints them: the direction; a teacher 403; another school 404.
    assert (
        await api(a.teachers["CP"].token).get(f"{letters}?child_id={a.children['Léa']}")
    ).status_code == 403
    assert (
        await api(world.b.director.token).get(f"{letters}?child_id={a.children['Léa']}")
    ).status_code == 404

    await activate(api(), first)  # the first reprint, still valid after the second
    after = await director.get(f"{letters}?child_id={a.children['Léa']}")
    assert codes(after.text) == [] and "déjà activé" in after.text
