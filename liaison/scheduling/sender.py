"""How a scheduled post is finally sent: the same calls as an immediate one."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from liaison.core.context import Context
from liaison.core.people import User
from liaison.messaging import service as messaging
from liaison.signups import service as signups


async def send(ctx: Context, author: User, payload: dict[str, Any], thread_id: UUID | None) -> None:
    # A client id of its own: a worker that dies after posting and before
    # recording it posts again, and gets the first post back.
    client_id = payload["client_id"]
    if thread_id is not None:
        await messaging.post(ctx, author, thread_id, payload["body"], client_id)
        return
    audience = payload.get("audience") or {}
    common = {
        "whole_school": bool(audience.get("school")),
        "class_ids": [UUID(c) for c in audience.get("class_ids") or []],
        "school_id": _id(audience.get("school_id")),
        "rpi_id": _id(audience.get("rpi_id")),
        "subject": payload["subject"],
        "body": payload["body"],
        "urgent": bool(payload.get("urgent")),
        "client_id": client_id,
    }
    if payload["kind"] == "direct":
        await messaging.start_direct(
            ctx, author, UUID(payload["child_id"]), payload["subject"], payload["body"],
            bool(payload.get("include_director")), client_id,
        )  # fmt: skip
    elif payload["kind"] == "signup":
        await signups.create(
            ctx,
            author,
            slots=[(s["label"], s["capacity"]) for s in payload["slots"]],
            closes_at=None,
            **common,
        )
    else:
        staff_of = audience.get("staff_of")
        await messaging.start_announcement(
            ctx,
            author,
            require_ack=bool(payload.get("require_ack")),
            staff_of=None
            if staff_of is None
            else messaging.StaffOf(
                _id(staff_of.get("circonscription_id")),
                tuple(UUID(s) for s in staff_of.get("school_ids") or []),
            ),
            **common,
        )


def _id(value: str | None) -> UUID | None:
    return None if value is None else UUID(value)
