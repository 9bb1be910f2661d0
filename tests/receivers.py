"""Real receivers for the service's outgoing traffic: a Web Push service and an SMTP server.

Integration tests check what actually went over the wire, so nothing here is a mock:

* ``PushReceiver`` is an HTTP server on 127.0.0.1 that behaves like a push service
  (RFC 8030): it hands out subscriptions as a browser would, checks the headers and the
  VAPID signature (RFC 8292), decrypts the aes128gcm body (RFC 8291) with the
  subscription's private key, and answers what the test programmed (410, 429, slow...).
* ``SmtpReceiver`` is an aiosmtpd server that parses every message with the stdlib
  ``email`` package, and can be stopped and started again on the same port.

Both wait with events, never by sleeping: ``await receiver.wait_for(n)`` returns as soon
as the n-th item arrives, or fails with what did arrive.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import email
import email.policy
import ipaddress
import json
import os
import re
import socket
import ssl
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import http_ece
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

DEFAULT_TIMEOUT = 15.0


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# == Web Push ==========================================================================

URGENCIES = ("very-low", "low", "normal", "high")
MAX_PAYLOAD = 4096  # what real push services accept (RFC 8030 section 7.2): a bigger body is a bug
VAPID_MAX_LIFETIME = 24 * 3600  # RFC 8292 section 2: exp no more than 24 hours ahead


@dataclass
class PushSubscription:
    """One browser's subscription; the receiver keeps the private half to decrypt."""

    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    info: dict  # what PushManager.subscribe() gives the page, as sent to the service
    gone: bool = False  # after forget(): answered 410 like an unsubscribed browser


@dataclass
class Delivery:
    """A push the receiver accepted (2xx), decrypted and with its VAPID claims checked."""

    subscription_id: str
    payload: dict | bytes  # the decrypted body, as a dict when it is a JSON object
    headers: dict[str, str]  # names in lower case
    received_at: datetime.datetime
    vapid_claims: dict
    vapid_key: str  # the application server key (k=), base64url

    @property
    def ttl(self) -> int:
        return int(self.headers["ttl"])

    @property
    def urgency(self) -> str | None:
        return self.headers.get("urgency")

    @property
    def topic(self) -> str | None:
        return self.headers.get("topic")


@dataclass
class Attempt:
    """Every request to a push endpoint, whatever was answered."""

    subscription_id: str
    status: int
    headers: dict[str, str]
    received_at: datetime.datetime
    answered_at: datetime.datetime
    reason: str | None = None  # why a request was rejected or refused


@dataclass
class Rejection:
    """A request a real push service would refuse: the sender has a bug."""

    subscription_id: str
    reason: str
    headers: dict[str, str]
    received_at: datetime.datetime


@dataclass(frozen=True)
class _Answer:
    status: int = 201
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class _Rejected(Exception):
    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


PushAnswer = int | tuple[int, dict[str, str]] | tuple[Literal["slow"], float]


def _answer_of(response: PushAnswer) -> _Answer:
    match response:
        case int(status):
            return _Answer(status)
        case ("slow", int() | float() as seconds):
            return _Answer(201, delay=float(seconds))
        case (int(status), dict(headers)):
            return _Answer(status, {name: str(value) for name, value in headers.items()})
    raise TypeError(f"an answer is a status, (status, headers) or ('slow', seconds), not {response!r}")


class PushReceiver:
    """A push service on 127.0.0.1 for the tests.

    async with PushReceiver() as receiver:
        subscription = receiver.new_subscription("alice")
        receiver.answer(subscription, 410)  # the next push to alice is answered 410
        ...
        [delivery] = await receiver.wait_for(1, subscription="alice")
    """

    def __init__(self) -> None:
        self.port: int | None = None
        self.subscriptions: dict[str, PushSubscription] = {}
        self.deliveries: list[Delivery] = []
        self.attempts: list[Attempt] = []
        self.rejections: list[Rejection] = []
        self._answers: dict[str, deque[_Answer]] = {}
        self._expected_vapid_key: bytes | None = None
        self._outage: int | None = None  # while set: every push is answered this status
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """The origin, which is also the audience (aud) VAPID tokens must name."""
        assert self.port is not None, "the push receiver is not started"
        return f"http://127.0.0.1:{self.port}"

    # -- life ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/push/{subscription_id}", self._on_push)
        # A short shutdown: a "slow" answer still waiting must not hold the test's end.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        # Bind the socket ourselves: the port is ours from the start, no race for a "free" one.
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> PushReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- what the test sets up ------------------------------------------------------------

    def new_subscription(self, name: str | None = None) -> dict:
        """A subscription as a browser gives it: endpoint and keys (p256dh, auth)."""
        subscription_id = name or uuid.uuid4().hex
        if not re.fullmatch(r"[A-Za-z0-9_.~-]+", subscription_id):
            raise ValueError(f"a subscription name goes in a URL: {subscription_id!r}")
        if subscription_id in self.subscriptions:
            raise ValueError(f"subscription {subscription_id!r} already exists")
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth_secret = os.urandom(16)
        public_raw = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        endpoint = f"{self.url}/push/{subscription_id}"
        info = {
            "endpoint": endpoint,
            "keys": {"p256dh": b64url_encode(public_raw), "auth": b64url_encode(auth_secret)},
        }
        self.subscriptions[subscription_id] = PushSubscription(
            subscription_id, endpoint, private_key, auth_secret, info
        )
        return {"endpoint": endpoint, "keys": dict(info["keys"])}  # a copy: the caller may change it

    def expect_vapid_key(self, public_key: str | None) -> None:
        """Refuse pushes signed with another application server key (None: accept any)."""
        self._expected_vapid_key = b64url_decode(public_key) if public_key else None

    def answer(self, subscription: str | dict, *responses: PushAnswer) -> None:
        """Program the next answers for a subscription, used in order, then back to 201.

        A response is a status (410), a status with headers ((429, {"Retry-After": "2"}))
        or ("slow", seconds): wait that long, then 201, without holding other requests.
        """
        subscription_id = self._id_of(subscription)
        self._answers.setdefault(subscription_id, deque()).extend(_answer_of(r) for r in responses)

    def fail_all(self, status: int = 500) -> None:
        """An outage of the push service: every push, to any subscription, is answered
        `status` (recorded as an attempt, never delivered) until ``recover()``."""
        if not 500 <= status < 600:
            raise ValueError(f"an outage answers a 5xx status, not {status}")
        self._outage = status

    def recover(self) -> None:
        """The end of the outage: pushes are answered as programmed again."""
        self._outage = None

    def forget(self, subscription: str | dict) -> None:
        """The browser unsubscribed: every later push is answered 410 Gone."""
        self.subscriptions[self._id_of(subscription)].gone = True

    # -- waiting ------------------------------------------------------------------------

    async def wait_for(
        self, count: int, subscription: str | dict | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> list[Delivery]:
        """The accepted pushes (to that subscription, or all), once there are at least ``count``."""
        return await self._wait("deliveries", self.deliveries, count, subscription, timeout)

    async def wait_for_attempts(
        self, count: int, subscription: str | dict | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> list[Attempt]:
        """Every answered request (201 or not), once there are at least ``count``: for retries."""
        return await self._wait("attempts", self.attempts, count, subscription, timeout)

    async def _wait(
        self, what: str, items: list, count: int, subscription: str | dict | None, timeout: float
    ) -> list:
        wanted = None if subscription is None else self._id_of(subscription)

        def matching() -> list:
            return [item for item in items if wanted is None or item.subscription_id == wanted]

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: len(matching()) >= count)
        except TimeoutError:
            where = f" for {wanted!r}" if wanted else ""
            raise AssertionError(
                f"waited {timeout:g}s for {count} push {what}{where}, {len(matching())} arrived.\n"
                f"{self.describe()}"
            ) from None
        return matching()

    def describe(self) -> str:
        """What happened so far, for failure messages."""
        lines = [f"attempts ({len(self.attempts)}):"]
        lines += [
            f"  {a.received_at:%H:%M:%S.%f} {a.subscription_id} -> {a.status}"
            + (f" ({a.reason})" if a.reason else "")
            for a in self.attempts
        ]
        lines.append(f"deliveries ({len(self.deliveries)}):")
        lines += [f"  {d.subscription_id}: {d.payload!r}" for d in self.deliveries]
        return "\n".join(lines)

    def _id_of(self, subscription: str | dict) -> str:
        """A subscription by its id (name), its endpoint or its dict."""
        if isinstance(subscription, dict):
            subscription = subscription["endpoint"]
        prefix = f"{self.url}/push/"
        subscription_id = subscription.removeprefix(prefix)
        if subscription_id not in self.subscriptions:
            raise KeyError(f"no subscription {subscription!r} on this receiver")
        return subscription_id

    # -- the push service -----------------------------------------------------------------

    async def _on_push(self, request: web.Request) -> web.Response:
        received_at = _now()
        subscription_id = request.match_info["subscription_id"]
        headers = {name.lower(): value for name, value in request.headers.items()}
        body = await request.read()
        subscription = self.subscriptions.get(subscription_id)

        if self._outage is not None:
            status = self._outage
            await self._record(Attempt(subscription_id, status, headers, received_at, _now(), "outage"))
            return web.Response(status=status, text="push service unavailable")

        if subscription is None or subscription.gone:
            status = 404 if subscription is None else 410
            reason = "no such subscription" if subscription is None else "unsubscribed"
            await self._record(Attempt(subscription_id, status, headers, received_at, _now(), reason))
            return web.Response(status=status, text=reason)

        try:
            claims, vapid_key = self._check_vapid(headers.get("authorization"))
            self._check_headers(headers)
            payload = self._decrypt(subscription, body)
        except _Rejected as rejected:
            # Recorded apart from the programmed answers, which stay for the next good request.
            self.rejections.append(Rejection(subscription_id, rejected.reason, headers, received_at))
            await self._record(
                Attempt(subscription_id, rejected.status, headers, received_at, _now(), rejected.reason)
            )
            return web.Response(status=rejected.status, text=rejected.reason)

        # Taken on arrival, so concurrent pushes get the programmed answers in arrival order.
        queue = self._answers.get(subscription_id)
        answer = queue.popleft() if queue else _Answer()
        if answer.delay:
            await asyncio.sleep(answer.delay)  # only this request waits: the server goes on
        delivery = None
        response_headers = dict(answer.headers)
        if 200 <= answer.status < 300:
            delivery = Delivery(subscription_id, payload, headers, received_at, claims, vapid_key)
            response_headers.setdefault("Location", f"/message/{uuid.uuid4().hex}")
        await self._record(Attempt(subscription_id, answer.status, headers, received_at, _now()), delivery)
        return web.Response(status=answer.status, headers=response_headers)

    async def _record(self, attempt: Attempt, delivery: Delivery | None = None) -> None:
        async with self._changed:
            if delivery is not None:
                self.deliveries.append(delivery)
            self.attempts.append(attempt)
            self._changed.notify_all()

    @staticmethod
    def _check_headers(headers: dict[str, str]) -> None:
        if headers.get("content-encoding", "").lower() != "aes128gcm":
            raise _Rejected(f"Content-Encoding must be aes128gcm, not {headers.get('content-encoding')!r}")
        if not re.fullmatch(r"\d+", headers.get("ttl", "")):
            raise _Rejected(f"TTL must be a number of seconds, not {headers.get('ttl')!r}")
        urgency = headers.get("urgency")
        if urgency is not None and urgency not in URGENCIES:
            raise _Rejected(f"Urgency must be one of {', '.join(URGENCIES)}, not {urgency!r}")
        topic = headers.get("topic")
        if topic is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", topic):
            raise _Rejected(f"Topic must be 1 to 32 base64url characters, not {topic!r}")

    def _check_vapid(self, authorization: str | None) -> tuple[dict, str]:
        """RFC 8292: ``vapid t=<ES256 JWT>, k=<public key>``; returns the claims and k."""
        scheme, _, params = (authorization or "").partition(" ")
        if scheme.lower() != "vapid":
            raise _Rejected(f"Authorization must be 'vapid t=..., k=...', not {authorization!r}")
        fields = dict(part.strip().split("=", 1) for part in params.split(",") if "=" in part)
        token, key = fields.get("t", ""), fields.get("k", "")
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            header = json.loads(b64url_decode(header_b64))
            claims = json.loads(b64url_decode(claims_b64))
            key_raw = b64url_decode(key)
            public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key_raw)
            signature = b64url_decode(signature_b64)
        except ValueError as error:  # binascii.Error and JSONDecodeError are ValueErrors
            raise _Rejected(f"malformed VAPID header: {error}") from None
        if header.get("alg") != "ES256" or len(signature) != 64:
            raise _Rejected(f"a VAPID token is signed with ES256, got {header!r}")
        # JWS carries r || s (32 bytes each); cryptography wants the DER form.
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        try:
            public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise _Rejected("the VAPID signature does not match the key k") from None
        if self._expected_vapid_key is not None and key_raw != self._expected_vapid_key:
            raise _Rejected(f"VAPID key {key} is not the expected application server key")
        if claims.get("aud") != self.url:
            raise _Rejected(f"VAPID aud must be {self.url}, not {claims.get('aud')!r}")
        exp, now = claims.get("exp"), time.time()
        if not isinstance(exp, int) or not now < exp <= now + VAPID_MAX_LIFETIME:
            raise _Rejected(f"VAPID exp must be in the future and within 24 h, not {exp!r}")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
            raise _Rejected(f"VAPID sub must be a mailto: or https: URL, not {sub!r}")
        return claims, key

    @staticmethod
    def _decrypt(subscription: PushSubscription, body: bytes) -> dict | bytes:
        if len(body) > MAX_PAYLOAD:
            raise _Rejected(f"payload of {len(body)} bytes, push services take {MAX_PAYLOAD}", status=413)
        try:
            plain = http_ece.decrypt(
                body,
                private_key=subscription.private_key,
                auth_secret=subscription.auth_secret,
                version="aes128gcm",
            )
        except Exception as error:  # any failure (bad tag, bad header, wrong key) means undecryptable
            raise _Rejected(f"body does not decrypt: {type(error).__name__}: {error}") from None
        try:
            parsed = json.loads(plain)
        except ValueError:
            return plain
        return parsed if isinstance(parsed, dict) else plain


# == SMTP ==============================================================================


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    received_at: datetime.datetime

    @property
    def text(self) -> str | None:
        """The text/plain body (of a multipart/alternative, or the whole message)."""
        return self._body("plain")

    @property
    def html(self) -> str | None:
        return self._body("html")

    def header(self, name: str) -> str | None:
        value = self.message[name]
        return None if value is None else str(value)

    def _body(self, subtype: str) -> str | None:
        part = self.message.get_body(preferencelist=(subtype,))
        return None if part is None else part.get_content()


class _SmtpHandler:
    """aiosmtpd hooks; they run in the Controller's thread."""

    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    async def handle_MAIL(self, server, session, envelope, address: str, mail_options: list[str]) -> str:
        # AUTH is checked here rather than with auth_required=True, which aiosmtpd only
        # likes together with TLS (it warns otherwise), and plain SMTP is the usual test set-up.
        if self.receiver.login is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        # Line ends as the rest of Python has them: the wire's CRLF would show in mail.text.
        content = envelope.original_content.replace(b"\r\n", b"\n")
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.receiver._received(Mail(envelope.mail_from, list(envelope.rcpt_tos), message, _now()))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism: str, auth_data: Any) -> AuthResult:
        expected = (self.receiver.login, self.receiver.password)
        ok = (
            isinstance(auth_data, LoginPassword)
            and (
                auth_data.login.decode(),
                auth_data.password.decode(),
            )
            == expected
        )
        # handled=False: aiosmtpd answers the failure itself (535) instead of leaving it to us.
        return AuthResult(success=ok, handled=False)


class SmtpReceiver:
    """An SMTP server on 127.0.0.1 that keeps every message, parsed.

    login/password: AUTH (PLAIN, LOGIN) is offered and required before MAIL FROM.
    tls: "starttls" (STARTTLS required) or "implicit" (smtps), with a self-signed
    certificate for 127.0.0.1 and localhost; clients trust ``cert_path``.

    stop() and start() simulate an outage: the server comes back on the same port.
    """

    def __init__(
        self,
        login: str | None = None,
        password: str | None = None,
        tls: Literal["starttls", "implicit"] | None = None,
    ) -> None:
        if (login is None) != (password is None):
            raise ValueError("login and password go together")
        self.login, self.password, self.tls = login, password, tls
        self.port = _free_port()  # kept across stop()/start(), so the service's URL stays right
        self.mails: list[Mail] = []
        self._handler = _SmtpHandler(self)
        self._controller: Controller | None = None
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._tls_dir: tempfile.TemporaryDirectory | None = None
        self.cert_path: Path | None = None
        self._ssl_context: ssl.SSLContext | None = None
        if tls is not None:
            self._make_certificate()

    @property
    def url(self) -> str:
        """As the service's SMTP_URL wants it."""
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        credentials = ""
        if self.login is not None:
            credentials = f"{quote(self.login, safe='')}:{quote(self.password or '', safe='')}@"
        query = "?starttls=true" if self.tls == "starttls" else ""
        return f"{scheme}://{credentials}127.0.0.1:{self.port}{query}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    # -- life ---------------------------------------------------------------------------

    def start(self) -> None:
        """Serve (again) on self.port; blocks until the server answers."""
        assert self._controller is None, "the SMTP receiver already runs"
        options: dict[str, Any] = {}
        if self.login is not None:
            # With implicit TLS aiosmtpd does not know the link is encrypted, hence only STARTTLS.
            options |= {
                "authenticator": self._handler.authenticate,
                "auth_require_tls": self.tls == "starttls",
            }
        if self.tls == "starttls":
            options |= {"tls_context": self._ssl_context, "require_starttls": True}
        elif self.tls == "implicit":
            options["ssl_context"] = self._ssl_context
        # A new Controller each time: a stopped one has closed its event loop.
        controller = Controller(self._handler, hostname="127.0.0.1", port=self.port, **options)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Close the port and the open connections: senders now get 'connection refused'."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def __aenter__(self) -> SmtpReceiver:
        await asyncio.to_thread(self.start)  # start() waits for the server thread: not in the loop
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.to_thread(self.stop)
        if self._tls_dir is not None:
            self._tls_dir.cleanup()

    # -- waiting ------------------------------------------------------------------------

    async def wait_for(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[Mail]:
        """The mails received, once there are at least ``count``."""
        wake = asyncio.Event()
        waiter = (asyncio.get_running_loop(), wake)
        with self._lock:
            self._waiters.add(waiter)
        try:
            async with asyncio.timeout(timeout):
                while len(self.mails) < count:
                    # No lost wake-up: the server thread sets the event through this loop,
                    # so a set() can only run at the await, after this clear().
                    wake.clear()
                    if len(self.mails) < count:
                        await wake.wait()
        except TimeoutError:
            raise AssertionError(
                f"waited {timeout:g}s for {count} mails, {len(self.mails)} arrived:\n{self.describe()}"
            ) from None
        finally:
            with self._lock:
                self._waiters.discard(waiter)
        return list(self.mails)

    def describe(self) -> str:
        return "\n".join(
            f"  {m.received_at:%H:%M:%S.%f} {m.mail_from} -> {', '.join(m.rcpt_tos)}: {m.header('Subject')!r}"
            for m in self.mails
        )

    def _received(self, mail: Mail) -> None:
        """Called in the server's thread: wake the waiters in their own loops."""
        with self._lock:
            self.mails.append(mail)
            waiters = list(self._waiters)
        for loop, wake in waiters:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits there
                loop.call_soon_threadsafe(wake.set)

    # -- TLS ------------------------------------------------------------------------------

    def _make_certificate(self) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "liaison-tests")])
        now = _now()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        self._tls_dir = tempfile.TemporaryDirectory(prefix="liaison-smtp-")
        self.cert_path = Path(self._tls_dir.name) / "cert.pem"
        key_path = Path(self._tls_dir.name) / "key.pem"
        self.cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        self._ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ssl_context.load_cert_chain(self.cert_path, key_path)

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context trusting this server's certificate."""
        assert self.cert_path is not None, "this receiver has no TLS"
        return ssl.create_default_context(cafile=str(self.cert_path))


__all__ = [
    "Attempt",
    "Delivery",
    "Mail",
    "PushReceiver",
    "PushSubscription",
    "Rejection",
    "SmtpReceiver",
    "b64url_decode",
    "b64url_encode",
]
