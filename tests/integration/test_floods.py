"""Floods: messages (new threads included) a minute and photos an hour, per
user, counted across processes; beyond, 429 `rate_limited` with Retry-After."""

from __future__ import annotations

import asyncio

import httpx

from tests import photos
from tests.conftest import clients_of
from tests.world import build_world, thread_and_message, write_direct

LOW = {"post_limit_family_per_minute": 3, "post_limit_staff_per_minute": 5, "upload_limit_per_hour": 2}


def refused(response: httpx.Response, most: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "rate_limited"
    assert 0 < int(response.headers["retry-after"]) <= most


async def test_messages_and_uploads_are_bounded_per_user_across_processes(start_server, api):
    world = await build_world(api)
    first, second = await start_server(**LOW), await start_server(**LOW)
    teacher, parent = world.a.teachers["CP"], world.a.parents["cp"]
    async with clients_of(first.url) as one, clients_of(second.url) as two:
        thread, _ = thread_and_message(await write_direct(one(teacher.token), world.a.children["Hugo"]))
        messages = f"/api/threads/{thread['id']}/messages"

        def post(client: httpx.AsyncClient, text: str) -> asyncio.Future[httpx.Response]:
            return asyncio.ensure_future(client.post(messages, json={"body": text}))

        # The family: 3 a minute, whichever process answers, even sent at once.
        burst = await asyncio.gather(
            *(post(one(parent.token) if n % 2 else two(parent.token), f"Message {n}") for n in range(8))
        )
        assert sorted(r.status_code for r in burst) == [201] * 3 + [429] * 5
        refused(next(r for r in burst if r.status_code == 429), 60)
        # The teacher has an allowance of their own (5, the new thread counted).
        statuses = [(await post(two(teacher.token), f"Réponse {n}")).status_code for n in range(5)]
        assert statuses == [201] * 4 + [429]
        created = await write_direct(one(teacher.token), world.a.children["Hugo"])
        refused(created, 60)
        # Uploads: 2 an hour.
        for client in (one, two):
            response = await client(teacher.token).post(
                "/api/media", files={"file": ("photo.jpg", photos.jpeg(), "image/jpeg")}
            )
            assert response.status_code == 201, response.text
        refused(
            await one(teacher.token).post(
                "/api/media", files={"file": ("photo.jpg", photos.jpeg(), "image/jpeg")}
            ),
            3600,
        )
        # Nothing refused was written: the thread holds the first message and 3 + 4 more.
        listed = (await one(teacher.token).get(messages)).json()["messages"]
        assert len(listed) == 1 + 3 + 4
