"""The VAPID key pair: from the environment, else the database, else made now."""

from __future__ import annotations

import asyncpg

from liaison.config import Settings
from liaison.delivery import push
from liaison.delivery import store as log_store


async def ensure(pool: asyncpg.Pool, settings: Settings) -> tuple[str, str]:
    """(private key PEM, public key base64url), the same for every process."""
    if settings.vapid_private_key:
        vapid = push.load_vapid(settings.vapid_private_key)
        return settings.vapid_private_key, push.public_key_of(vapid)
    stored = await log_store.stored_keys(pool)
    if stored:
        return stored
    return await log_store.store_keys(pool, *push.new_keys())


def subject(settings: Settings) -> str:
    """Who push services may contact about our pushes (VAPID `sub`)."""
    from liaison.delivery.mail import domain_of

    address = settings.mail_from.rsplit("<", 1)[-1].rstrip(">").strip()
    return f"mailto:{address}" if "@" in address else f"mailto:liaison@{domain_of(settings.mail_from)}"


async def push_sender(pool: asyncpg.Pool, settings: Settings) -> push.PushSender:
    """The started Web Push sender of a worker loop, signing with this installation's key."""
    private_pem, _ = await ensure(pool, settings)
    sender = push.PushSender(private_pem, subject(settings), settings.push_allow_private_endpoints)
    await sender.start()
    return sender
