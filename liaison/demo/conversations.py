"""A few conversations in the demo school, so the first screen a visitor sees
is a carnet in use: an announcement waiting for a signature, a conversation
between a family and a teacher, an article on the class blog and pages in a
child's cahier with a drawing. Written through the services, with the same
rules and events as the API (they wait in the event log for the first client
to resume)."""

from __future__ import annotations

import asyncio
import io
from uuid import UUID

import asyncpg
from PIL import Image, ImageDraw

from liaison.accounts import store as accounts
from liaison.blog import service as blog
from liaison.bus import MemoryBus
from liaison.config import Settings
from liaison.core.context import Context
from liaison.core.people import User
from liaison.directory import store as directory
from liaison.media import images
from liaison.media import service as media
from liaison.messaging import service
from liaison.realisations import service as realisations


async def _user(pool: asyncpg.Pool, login: str) -> User:
    user_id = await pool.fetchval("SELECT id FROM users WHERE login = $1", login)
    return (await accounts.users_by_id(pool, [user_id]))[user_id]


async def write(pool: asyncpg.Pool, settings: Settings, parent_login: str) -> None:
    ctx = Context(pool, MemoryBus(), settings)
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

    await _class_life(ctx, teacher, child)


def _drawing() -> bytes:
    """A child's drawing of a house under the sun: no child is in it, so no consent is needed."""
    picture = Image.new("RGB", (800, 600), "#fdfcf7")
    pen = ImageDraw.Draw(picture)
    pen.ellipse((600, 40, 740, 180), fill="#f9c80e")
    pen.rectangle((220, 300, 520, 520), fill="#e4572e")
    pen.polygon([(190, 300), (370, 160), (550, 300)], fill="#2e86ab")
    pen.rectangle((340, 420, 400, 520), fill="#6b4226")
    pen.rectangle((0, 520, 800, 600), fill="#3bb273")
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


async def _class_life(ctx: Context, teacher: User, child: asyncpg.Record) -> None:
    processed = await asyncio.to_thread(images.process, _drawing())
    photo = await media.save(ctx.pool, ctx.settings.media_root, teacher, processed, "demo-dessin")
    await blog.create(
        ctx, teacher, child["class_id"], title="Notre semaine en classe",
        body="Cette semaine, nous avons appris une comptine et dessiné nos maisons. Bravo à tous !",
        media_ids=[photo["id"]], client_id="demo-blog",
    )  # fmt: skip
    await realisations.create_page(
        ctx, teacher, school_id=child["school_id"], kind="child", class_id=child["class_id"], child=child,
        title="Ma maison", body=f"{child['first_name']} a dessiné sa maison, avec le soleil et le jardin.",
        media_ids=[photo["id"]], client_id="demo-cahier",
    )  # fmt: skip
