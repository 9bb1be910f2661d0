"""A grouped notice of new cahier pages or blog posts, as the service worker shows it.

The payload is built by liaison/activity/sender.py's `push_payload`, as the activity
loop sends it; it is handed to the worker as a push service would (DevTools).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from uuid import UUID

from liaison.activity.sender import push_payload
from liaison.activity.store import Notice
from tests.browser.conftest import assert_no_page_errors
from tests.browser.test_service_worker import PushDevTools, controlled, wait_notifications


def notice(child_id: str, count: int) -> Notice:
    return Notice(
        id=1, user_id=uuid.uuid4(), school_id=uuid.uuid4(), kind="cahier", key=UUID(child_id), name="Léa",
        url=f"/#/cahier/{child_id}", count=count, first_at=dt.datetime.now(dt.UTC), attempts=0,
        in_doubt=False, first_try_at=None,
    )  # fmt: skip


async def test_a_newer_notice_replaces_the_older_one(open_app, server, world):
    lea = world.a.children["Léa"]
    page = await open_app(server, login=world.a.parents["both"].login, permissions=["notifications"])
    await controlled(page)
    devtools = await PushDevTools(page, server.url).start()

    first = push_payload(notice(lea, 1), "École Jean-Moulin")
    await devtools.deliver(json.dumps(first, ensure_ascii=False))
    [shown] = await wait_notifications(page, "ns.length === 1")
    assert (shown["title"], shown["body"]) == ("École Jean-Moulin", "Nouvelle page dans le cahier de Léa")
    assert shown["tag"] == f"cahier-{lea}" and shown["renotify"] is True
    assert shown["data"] == {"url": f"/#/cahier/{lea}"} and shown["requireInteraction"] is False

    # Three pages later: the same tag, so one notification, with the new count.
    later = push_payload(notice(lea, 3), "École Jean-Moulin")
    await devtools.deliver(json.dumps(later, ensure_ascii=False))
    body = json.dumps("3 nouvelles pages dans le cahier de Léa")
    [shown] = await wait_notifications(page, f"ns.length === 1 && ns[0].body === {body}")
    assert shown["tag"] == f"cahier-{lea}"
    assert_no_page_errors(page)
