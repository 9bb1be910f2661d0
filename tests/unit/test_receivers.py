"""The test receivers, driven by the real client libraries the service uses.

If these pass, an integration test that sees a delivery knows the service sent a push
a real push service would take (encrypted, VAPID-signed), or a mail a real SMTP server
would take.
"""

from __future__ import annotations

import asyncio
import json
import time
from email.message import EmailMessage
from email.utils import make_msgid

import aiohttp
import aiosmtplib
import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from py_vapid import jwt as vapid_jwt
from pywebpush import WebPushException, webpush_async

from tests.receivers import PushReceiver, SmtpReceiver, b64url_decode, b64url_encode

SUBJECT = "mailto:direction@ecole-des-tilleuls.example"


def new_vapid() -> Vapid:
    vapid = Vapid()
    vapid.generate_keys()
    return vapid


def public_key_of(vapid: Vapid) -> str:
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url_encode(raw)


@pytest.fixture(scope="module")
def vapid() -> Vapid:
    return new_vapid()


@pytest.fixture
async def push():
    async with PushReceiver() as receiver:
        yield receiver


async def send(subscription: dict, payload: dict, vapid: Vapid, **options) -> tuple[int, dict[str, str]]:
    """Send as the service does; the push service's status and headers, whatever they are."""
    try:
        response = await webpush_async(
            subscription,
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=vapid,
            vapid_claims={"sub": SUBJECT},  # a new dict each time: pywebpush writes aud and exp into it
            **options,
        )
    except WebPushException as error:
        assert error.response is not None, error
        response = error.response
    return response.status, dict(response.headers)


# -- Web Push ---------------------------------------------------------------------------


async def test_push_is_decrypted_and_its_vapid_verified(push: PushReceiver, vapid: Vapid) -> None:
    push.expect_vapid_key(public_key_of(vapid))
    subscription = push.new_subscription("alice")
    assert subscription["endpoint"] == f"{push.url}/push/alice"
    assert len(b64url_decode(subscription["keys"]["p256dh"])) == 65  # uncompressed P-256 point
    assert len(b64url_decode(subscription["keys"]["auth"])) == 16
    payload = {"title": "Sortie au musée", "body": "N'oubliez pas l'autorisation signée 🖊️", "thread": "t-42"}

    status, headers = await send(
        subscription, payload, vapid, ttl=3600, headers={"Urgency": "high", "Topic": "thread-42"}
    )

    assert status == 201
    assert headers["Location"].startswith("/message/")
    [delivery] = await push.wait_for(1, subscription="alice")
    assert delivery.payload == payload
    assert (delivery.ttl, delivery.urgency, delivery.topic) == (3600, "high", "thread-42")
    assert delivery.headers["content-encoding"] == "aes128gcm"
    assert delivery.vapid_key == public_key_of(vapid)
    assert delivery.vapid_claims["aud"] == push.url
    assert delivery.vapid_claims["sub"] == SUBJECT
    assert time.time() < delivery.vapid_claims["exp"] <= time.time() + 24 * 3600
    assert push.rejections == []
    assert [a.status for a in push.attempts] == [201]


async def test_a_payload_that_is_not_json_is_kept_as_bytes(push: PushReceiver, vapid: Vapid) -> None:
    subscription = push.new_subscription()
    await webpush_async(
        subscription, data="pas du JSON", vapid_private_key=vapid, vapid_claims={"sub": SUBJECT}
    )
    [delivery] = await push.wait_for(1)
    assert delivery.payload == b"pas du JSON"


async def test_push_signed_with_another_key_is_rejected(push: PushReceiver, vapid: Vapid) -> None:
    push.expect_vapid_key(public_key_of(vapid))
    subscription = push.new_subscription()

    status, _ = await send(subscription, {"title": "?"}, new_vapid())

    assert status == 400
    [rejection] = push.rejections
    assert "not the expected application server key" in rejection.reason
    assert push.deliveries == []
    assert [a.status for a in push.attempts] == [400]


async def raw_push(
    receiver: PushReceiver,
    subscription: dict,
    vapid: Vapid,
    claims: dict | None = None,
    headers: dict | None = None,
    drop: tuple[str, ...] = (),
    body: bytes | None = None,
    signer: Vapid | None = None,
) -> tuple[int, str]:
    """A push built by hand, correct unless told otherwise: to break one thing at a time."""
    if body is None:
        body = http_ece.encrypt(
            b'{"title": "Bonjour"}',
            private_key=ec.generate_private_key(ec.SECP256R1()),
            dh=b64url_decode(subscription["keys"]["p256dh"]),
            auth_secret=b64url_decode(subscription["keys"]["auth"]),
            version="aes128gcm",
        )
    claims = {"aud": receiver.url, "exp": int(time.time()) + 3600, "sub": SUBJECT} | (claims or {})
    token = vapid_jwt.sign(claims, (signer or vapid).private_key)  # no checks: any claims can be signed
    request_headers = {
        "Content-Encoding": "aes128gcm",
        "TTL": "60",
        "Authorization": f"vapid t={token}, k={public_key_of(vapid)}",
    } | (headers or {})
    for name in drop:
        del request_headers[name]
    async with (
        aiohttp.ClientSession() as session,
        session.post(subscription["endpoint"], data=body, headers=request_headers) as response,
    ):
        return response.status, await response.text()


@pytest.mark.parametrize(
    ("broken", "status", "reason"),
    [
        ({}, 201, ""),  # the hand-made push is right, so each case below breaks only one thing
        ({"signer": new_vapid()}, 400, "signature does not match"),
        ({"drop": ("Authorization",)}, 400, "Authorization must be"),
        ({"headers": {"Authorization": "WebPush abc.def.ghi"}}, 400, "Authorization must be"),
        ({"claims": {"aud": "https://push.example.org"}}, 400, "aud must be"),
        ({"claims": {"exp": int(time.time()) - 60}}, 400, "exp must be"),
        ({"claims": {"exp": int(time.time()) + 25 * 3600}}, 400, "exp must be"),
        ({"claims": {"sub": "direction@ecole.example"}}, 400, "sub must be"),
        ({"drop": ("TTL",)}, 400, "TTL must be"),
        ({"headers": {"TTL": "une heure"}}, 400, "TTL must be"),
        ({"headers": {"Urgency": "urgent"}}, 400, "Urgency must be"),
        ({"headers": {"Urgency": "very-low", "Topic": "x" * 33}}, 400, "Topic must be"),
        ({"headers": {"Content-Encoding": "aesgcm"}}, 400, "Content-Encoding must be"),
        ({"body": b"\x00" * 120}, 400, "does not decrypt"),
        ({"body": b"\x00" * 5000}, 413, "push services take 4096"),
    ],
)
async def test_what_a_push_service_refuses_is_a_rejection(
    push: PushReceiver, vapid: Vapid, broken: dict, status: int, reason: str
) -> None:
    subscription = push.new_subscription()

    answer = await raw_push(push, subscription, vapid, **broken)

    assert answer[0] == status, answer
    assert reason in answer[1]
    if status == 201:
        assert push.rejections == []
        [delivery] = await push.wait_for(1)
        assert delivery.payload == {"title": "Bonjour"}
    else:
        assert [r.reason for r in push.rejections] == [answer[1]]
        assert push.deliveries == []


async def test_push_with_wrong_keys_does_not_decrypt(push: PushReceiver, vapid: Vapid) -> None:
    subscription = push.new_subscription()
    other = push.new_subscription()
    subscription["keys"]["auth"] = other["keys"]["auth"]  # encrypted for a secret the browser does not have

    status, _ = await send(subscription, {"title": "?"}, vapid)

    assert status == 400
    assert "does not decrypt" in push.rejections[0].reason


async def test_programmed_answers_are_served_in_order_then_201(push: PushReceiver, vapid: Vapid) -> None:
    subscription = push.new_subscription("bob")
    push.answer("bob", 410)
    push.answer(subscription["endpoint"], (429, {"Retry-After": "2"}))  # by endpoint as well
    push.answer(subscription, 500)  # or by the subscription itself

    answers = [await send(subscription, {"n": n}, vapid) for n in range(4)]

    assert [status for status, _ in answers] == [410, 429, 500, 201]
    assert answers[1][1]["Retry-After"] == "2"
    assert [a.status for a in await push.wait_for_attempts(4, subscription="bob")] == [410, 429, 500, 201]
    [delivery] = await push.wait_for(1, subscription="bob")
    assert delivery.payload == {"n": 3}  # only the accepted push is a delivery
    assert push.rejections == []


async def test_a_slow_answer_does_not_hold_other_pushes(push: PushReceiver, vapid: Vapid) -> None:
    slow, fast = push.new_subscription("slow"), push.new_subscription("fast")
    push.answer(slow, ("slow", 2))
    started = time.monotonic()

    slow_send = asyncio.create_task(send(slow, {"to": "slow"}, vapid))
    fast_send = asyncio.create_task(send(fast, {"to": "fast"}, vapid))
    done, _ = await asyncio.wait({slow_send, fast_send}, return_when=asyncio.FIRST_COMPLETED)

    assert done == {fast_send}
    assert fast_send.result()[0] == 201
    assert [d.subscription_id for d in push.deliveries] == ["fast"]
    assert (await slow_send)[0] == 201
    assert time.monotonic() - started >= 2
    assert [d.subscription_id for d in await push.wait_for(2)] == ["fast", "slow"]


async def test_unknown_and_unsubscribed_endpoints(push: PushReceiver, vapid: Vapid) -> None:
    subscription = push.new_subscription()
    stranger = {**subscription, "endpoint": f"{push.url}/push/nobody"}
    assert (await send(stranger, {}, vapid))[0] == 404

    push.forget(subscription)
    assert (await send(subscription, {}, vapid))[0] == 410
    assert [a.status for a in push.attempts] == [404, 410]


async def test_waiting_too_long_says_what_arrived(push: PushReceiver, vapid: Vapid) -> None:
    subscription = push.new_subscription("carla")
    push.answer(subscription, 500)
    await send(subscription, {}, vapid)

    with pytest.raises(AssertionError, match=r"(?s)1 push deliveries for 'carla', 0 arrived.*carla -> 500"):
        await push.wait_for(1, subscription="carla", timeout=0.2)


# -- SMTP -------------------------------------------------------------------------------


def new_mail(subject: str = "Réunion de rentrée") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Liaison <ne-pas-repondre@liaison.example>"
    message["To"] = "parent.durand@example.org"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="liaison.example")
    message.set_content("Bonjour,\nla réunion a lieu jeudi à 18 h.\n")
    message.add_alternative("<p>Bonjour,<br>la réunion a lieu <b>jeudi</b> à 18 h.</p>\n", subtype="html")
    return message


async def test_mail_is_received_and_parsed() -> None:
    async with SmtpReceiver() as smtp:
        message = new_mail()

        await aiosmtplib.send(message, hostname="127.0.0.1", port=smtp.port)

        [mail] = await smtp.wait_for(1)
    assert mail.mail_from == "ne-pas-repondre@liaison.example"
    assert mail.rcpt_tos == ["parent.durand@example.org"]
    assert mail.header("Subject") == "Réunion de rentrée"
    assert mail.header("Message-ID") == message["Message-ID"]
    assert mail.header("X-Absent") is None
    assert mail.text == "Bonjour,\nla réunion a lieu jeudi à 18 h.\n"
    assert mail.html == "<p>Bonjour,<br>la réunion a lieu <b>jeudi</b> à 18 h.</p>\n"
    assert smtp.url == f"smtp://127.0.0.1:{smtp.port}"


async def test_smtp_down_then_back_on_the_same_port() -> None:
    async with SmtpReceiver() as smtp:
        port = smtp.port
        await aiosmtplib.send(new_mail("avant"), hostname="127.0.0.1", port=port)
        connected = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
        await connected.connect()  # a pooled connection, open when the server goes down

        smtp.stop()

        with pytest.raises(aiosmtplib.SMTPConnectError):
            await aiosmtplib.send(new_mail("pendant"), hostname="127.0.0.1", port=port)
        with pytest.raises(aiosmtplib.SMTPServerDisconnected):
            await connected.send_message(new_mail("pendant, déjà connecté"))

        smtp.start()

        assert smtp.port == port
        await aiosmtplib.send(new_mail("après"), hostname="127.0.0.1", port=port)
        mails = await smtp.wait_for(2)
    assert [m.header("Subject") for m in mails] == ["avant", "après"]


@pytest.mark.parametrize("tls", [None, "starttls", "implicit"])
async def test_smtp_auth_and_tls(tls) -> None:
    async with SmtpReceiver(login="liaison", password="mot de passe à 20 €", tls=tls) as smtp:
        options = {"hostname": "127.0.0.1", "port": smtp.port}
        if tls is not None:
            options |= {"tls_context": smtp.client_ssl_context(), "use_tls": tls == "implicit"}

        with pytest.raises(aiosmtplib.SMTPSenderRefused, match="Authentication required"):
            await aiosmtplib.send(new_mail("sans mot de passe"), **options)
        with pytest.raises(aiosmtplib.SMTPAuthenticationError):
            await aiosmtplib.send(new_mail("mauvais"), username="liaison", password="faux", **options)
        await aiosmtplib.send(new_mail("bon"), username="liaison", password="mot de passe à 20 €", **options)

        [mail] = await smtp.wait_for(1)
    assert mail.header("Subject") == "bon"
    scheme = "smtps" if tls == "implicit" else "smtp"
    query = "?starttls=true" if tls == "starttls" else ""
    assert (
        smtp.url
        == f"{scheme}://liaison:mot%20de%20passe%20%C3%A0%2020%20%E2%82%AC@127.0.0.1:{smtp.port}{query}"
    )


async def test_smtp_with_starttls_refuses_plain_text() -> None:
    async with SmtpReceiver(tls="starttls") as smtp:
        with pytest.raises(aiosmtplib.SMTPResponseException, match="STARTTLS"):
            await aiosmtplib.send(new_mail(), hostname="127.0.0.1", port=smtp.port, start_tls=False)
        assert smtp.mails == []


async def test_waiting_too_long_for_mail_says_what_arrived() -> None:
    async with SmtpReceiver() as smtp:
        await aiosmtplib.send(new_mail("seul"), hostname="127.0.0.1", port=smtp.port)
        with pytest.raises(AssertionError, match=r"(?s)2 mails, 1 arrived.*'seul'"):
            await smtp.wait_for(2, timeout=0.5)
