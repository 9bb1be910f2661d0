"""A few conversations in the demo school, so the first screen a visitor sees
is a carnet in use: an announcement waiting for a signature, a conversation
between a family and a teacher. Written through the messaging services, with
the same rules and events as the API (they wait in the event log for the
first client to resume)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from liaison.accounts import store as accounts
from liaison.bus import MemoryBus
from liaison.config import Settings
from liaison.directory import store as directory
from liaison.messaging import service


async def _user(pool: asyncpg.Pool, login: str) -> accounts.User:
    user_id = await pool.fetchval("SELECT id FROM users WHERE login = $1", login)
    return (await accounts.users_by_id(pool, [user_id]))[user_id]


async def write(pool: asyncpg.Pool, settings: Settings, parent_login: str) -> None:
    ctx = service.Context(pool, MemoryBus(), settings)
    director = await _user(pool, "directrice")
    parent = await _user(pool, parent_login)
    await service.start_announcement(
        ctx,
        director,
        whole_school=True,
        class_ids=[],
        subject="Réunion des parents jeudi à 18 h",
        body=(
            "Bonjour,\n\nLa réunion de rentrée a lieu jeudi à 18 h dans la salle polyvalente. "
            "Merci de signer ce message pour nous dire que vous l'avez lu.\n\nMme Morel, directrice"
        ),
        require_ack=True,
        urgent=False,
        client_id="demo-reunion",
    )
    child = (await directory.children_of_guardian(pool, parent.id))[0]
    thread, _ = await service.start_direct(
        ctx,
        parent,
        child["id"],
        "Sortie de vendredi",
        f"Bonjour, {child['first_name']} pourra-t-il prendre son goûter pour la sortie de vendredi ? Merci.",
        False,
        "demo-sortie",
    )
    thread_id = UUID(thread["id"])
    teacher_id = await pool.fetchval(
        "SELECT user_id FROM thread_members WHERE thread_id = $1 AND is_staff ORDER BY user_id LIMIT 1",
        thread_id,
    )
    teacher = (await accounts.users_by_id(pool, [teacher_id]))[teacher_id]
    answer = "Bonjour, oui bien sûr : un goûter dans un sac à son nom. Bonne journée !"
    await service.post(ctx, teacher, thread_id, answer, "demo-sortie-reponse")
