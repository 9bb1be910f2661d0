"""What delivery does for the routes: the push key and subscriptions, and who
reads the mails written. Sending is the workers' (`worker.py`, `sender.py`)."""

from __future__ import annotations

from liaison.core.context import Context
from liaison.core.decisions import enforce
from liaison.core.errors import ApiError, ErrorCode
from liaison.core.people import User
from liaison.delivery import keys, policy, store
from liaison.delivery.push import EndpointRefused, check_endpoint


async def push_public_key(ctx: Context) -> str:
    """The VAPID public key browsers subscribe with."""
    _, public_key = await keys.ensure(ctx.pool, ctx.settings)
    return public_key


async def subscribe(ctx: Context, user: User, endpoint: str, p256dh: str, auth: str) -> None:
    """Push to this browser from now on; an endpoint we would not call is 422."""
    try:
        await check_endpoint(endpoint, ctx.settings.push_allow_private_endpoints)
    except EndpointRefused as refused:
        raise ApiError(422, ErrorCode.INVALID, str(refused), fields={"endpoint": str(refused)}) from None
    await store.subscribe(ctx.pool, user.id, endpoint, p256dh, auth)


async def unsubscribe(ctx: Context, user: User, endpoint: str) -> None:
    await store.unsubscribe(ctx.pool, user.id, endpoint)


def check_operator(user: User) -> None:
    """Go on only if the user is the platform's operator."""
    enforce(policy.read_written_mails(user), "Réservé à l'exploitant de la plateforme.")
