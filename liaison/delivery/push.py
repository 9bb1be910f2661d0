"""Web Push: VAPID keys, endpoint checks, and sending through one shared HTTP session."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import ipaddress
import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from pywebpush import WebPushException, webpush_async

from liaison.delivery.store import Subscription

TIMEOUT = 10.0


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def new_keys() -> tuple[str, str]:
    """A fresh VAPID pair: (private key PEM, public key as browsers want it)."""
    vapid = Vapid()
    vapid.generate_keys()
    return vapid.private_pem().decode(), public_key_of(vapid)


def public_key_of(vapid: Vapid) -> str:
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


def load_vapid(private_pem: str) -> Vapid:
    return Vapid.from_pem(private_pem.encode())


# -- which endpoints we accept ------------------------------------------------------


class EndpointRefused(ValueError):
    pass


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


async def check_endpoint(endpoint: str, allow_private: bool) -> None:
    """An endpoint must be https on a public address: otherwise anyone could
    make the server call into its own network. Tests may allow the rest."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise EndpointRefused("Adresse d'abonnement invalide.")
    if allow_private:
        return
    if parts.scheme != "https":
        raise EndpointRefused("L'adresse d'abonnement doit être en https.")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, parts.port or 443)
    except (socket.gaierror, UnicodeError):
        raise EndpointRefused("Adresse d'abonnement introuvable.") from None
    if any(_private(str(info[4][0])) for info in infos):
        raise EndpointRefused("L'adresse d'abonnement doit être publique.")


# -- sending ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PushResult:
    status: int  # the push service's HTTP status, 0 when it could not be reached
    retry_after: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status in (404, 410)


def topic_for(thread_id: str) -> str:
    """A Topic (at most 32 URL-safe characters): a newer push about the same
    thread replaces an older one still waiting on the phone."""
    return b64url(hashlib.sha256(thread_id.encode()).digest())[:32]


class PushSender:
    """One aiohttp session for all pushes, and a bound on those in flight."""

    def __init__(self, private_pem: str, subject: str, allow_private: bool, concurrency: int = 50) -> None:
        self.vapid = load_vapid(private_pem)
        self.subject = subject
        self.allow_private = allow_private
        self.limit = asyncio.Semaphore(concurrency)
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))

    async def close(self) -> None:
        if self.session:
            await self.session.close()

    async def send(
        self, subscription: Subscription, payload: dict[str, Any], *, urgent: bool, topic: str, ttl: int
    ) -> PushResult:
        try:
            await check_endpoint(subscription.endpoint, self.allow_private)  # again: DNS may have changed
        except EndpointRefused as refused:
            return PushResult(410, error=str(refused))
        headers = {"Urgency": "high" if urgent else "normal", "Topic": topic}
        async with self.limit:
            try:
                response = await webpush_async(
                    subscription.info(),
                    data=json.dumps(payload, ensure_ascii=False),
                    vapid_private_key=self.vapid,
                    vapid_claims={"sub": self.subject},  # a new dict each time: pywebpush fills it in
                    ttl=ttl,
                    headers=headers,
                    aiohttp_session=self.session,
                    timeout=TIMEOUT,
                )
            except WebPushException as error:
                status = error.response.status if error.response is not None else 0
                retry = _retry_after(error.response.headers.get("Retry-After")) if error.response else None
                return PushResult(status, retry, f"HTTP {status}")
            except (TimeoutError, aiohttp.ClientError, OSError) as error:
                return PushResult(0, None, f"injoignable : {type(error).__name__}")
        status = getattr(response, "status", 201)
        return PushResult(status)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None
