"""The live board of an announcement asking for a signature: paper signatures, reminders."""

from __future__ import annotations

from tests.live import Live
from tests.world import announce


async def test_paper_signatures_count_and_reminders_once_a_day(server, api, world):
    a = world.a
    teacher = api(a.teachers["CP"].token)
    created = await announce(
        teacher,
        "Autorisation de sortie",
        class_ids=[a.classes["CP"]],
        body="Merci de signer.",
        require_ack=True,
    )
    thread_id = created.json()["thread"]["id"]
    board_live = await Live.connect(server.url, a.teachers["CP"].token)
    assert (await api(a.parents["cp"].token).post(f"/api/threads/{thread_id}/ack")).status_code == 200

    recorded = await teacher.post(
        f"/api/threads/{thread_id}/paper-acks", json={"child_id": a.children["Léa"]}
    )
    assert recorded.status_code == 201 and recorded.json()["on_paper"] is True
    paper_event = await board_live.until(lambda f: f["type"] == "ack.created" and f["data"].get("on_paper"))
    assert paper_event["data"]["child_ids"] == [a.children["Léa"]]

    board = (await teacher.get(f"/api/threads/{thread_id}/receipts")).json()
    assert board["summary"]["acked"] == 2
    # Signed on paper: reached, even though no channel says so.
    assert board["summary"]["unreached"] == 0
    lea = next(f for f in board["families"] if f["child"]["id"] == a.children["Léa"])
    assert lea["acked_on_paper"] is True and lea["acked_at"]
    hugo = next(f for f in board["families"] if f["child"]["id"] == a.children["Hugo"])
    assert hugo["acked_on_paper"] is False
    # Claire (Léa's guardian) sees her family signed.
    assert (await api(a.parents["both"].token).get(f"/api/threads/{thread_id}")).json()["thread"]["acked_at"]
    # Everyone signed: no slip left to print.
    assert '<section class="slip">' not in (await teacher.get(f"/api/threads/{thread_id}/paper")).text

    assert (await teacher.post(f"/api/threads/{thread_id}/remind")).status_code == 201
    again = await teacher.post(f"/api/threads/{thread_id}/remind")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_reminded"
    # Families cannot use the board's actions.
    assert (await api(a.parents["cp"].token).post(f"/api/threads/{thread_id}/remind")).status_code == 403
    sophie = api(a.parents["cp"].token)
    forged = await sophie.post(f"/api/threads/{thread_id}/paper-acks", json={"child_id": a.children["Hugo"]})
    assert forged.status_code == 403
    outsider = await api(world.b.teachers["CM1"].token).post(
        f"/api/threads/{thread_id}/paper-acks", json={"child_id": a.children["Léa"]}
    )
    assert outsider.status_code == 404
    await board_live.close()
