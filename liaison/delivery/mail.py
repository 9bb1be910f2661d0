"""Email: composing French messages from templates, and sending them.

`SmtpMailer` keeps one SMTP connection open between sends; `FileMailer`
(the single-process default without SMTP_URL) writes each mail as an .eml
file under `<data-dir>/mail/`, listed for the operator at /operator/mail.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, select_autoescape

from liaison.config import Settings
from liaison.core import french


def template_environment(folder: Path) -> Environment:
    """The Jinja environment of a folder of mail templates (HTML autoescaped)."""
    environment = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(french.FILTERS)  # {{ child|de }}: "d'Éden"
    return environment


_templates = template_environment(Path(__file__).parent / "templates")


class MailError(Exception):
    """The mail could not be handed to the server; worth trying again later."""


class MailBuildError(ValueError):
    """The mail cannot be built (a header Python's email refuses, an address it
    cannot write): trying again would fail again, a permanent failure."""


# Control characters and line or paragraph separators: a header is one line.
_HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """A header's text on one line: every run of control characters (line
    breaks of a subject stored before they were refused) becomes a space."""
    return _HEADER_BREAKS.sub(" ", text).strip()


def thread_message_id(thread_id: str, seq: int, domain: str) -> str:
    """Stable ids, so that a thread stays one conversation in a mail client."""
    return f"<thread-{thread_id}-{seq}@{domain}>"


def compose(
    template: str,
    *,
    to: str,
    sender: str,
    subject: str,
    context: dict[str, Any],
    message_id: str | None = None,
    in_reply_to: str | None = None,
    unsubscribe_url: str | None = None,
    templates: Environment | None = None,
) -> EmailMessage:
    """Text and HTML from `<template>.txt` and `<template>.html` (of `templates`, by
    default delivery's own folder); never an image. The subject is put on one
    line; a mail that cannot be built anyway raises MailBuildError."""
    try:
        message = _compose(
            template, to=to, sender=sender, subject=one_line(subject), context=context,
            message_id=message_id, in_reply_to=in_reply_to, unsubscribe_url=unsubscribe_url,
            templates=templates or _templates,
        )  # fmt: skip
        message.as_bytes()  # what the mailer will write: fails here, not at each try
    except (ValueError, TypeError, LookupError, MessageError) as error:
        raise MailBuildError(f"{type(error).__name__}: {error}") from error
    return message


def _compose(
    template: str,
    *,
    to: str,
    sender: str,
    subject: str,
    context: dict[str, Any],
    message_id: str | None,
    in_reply_to: str | None,
    unsubscribe_url: str | None,
    templates: Environment,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = message_id or make_msgid(domain=_domain(sender))
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(templates.get_template(f"{template}.txt").render(**context))
    message.add_alternative(templates.get_template(f"{template}.html").render(**context), subtype="html")
    return message


def _domain(sender: str) -> str:
    match = re.search(r"@([^>\s]+)", sender)
    return match.group(1) if match else "localhost"


def domain_of(sender: str) -> str:
    return _domain(sender)


class SmtpMailer:
    def __init__(self, url: str, timeout: float = 20.0) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.host = parts.hostname or "localhost"
        self.use_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.use_tls else 25)
        self.start_tls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.use_tls,
            start_tls=self.start_tls if not self.use_tls else False,
            timeout=self.timeout,
        )
        await client.connect()
        if self.username:
            await client.login(self.username, self.password or "")
        self._client = client
        return client

    async def send(self, message: EmailMessage) -> None:
        # One connection, used by one send at a time (SMTP is a dialogue).
        async with self._lock:
            for attempt in (1, 2):
                try:
                    client = await self._connected()
                    await client.send_message(message)
                    return
                except aiosmtplib.SMTPServerDisconnected as error:
                    self._client = None  # the server closed an idle connection: once more, afresh
                    if attempt == 2:
                        raise MailError(str(error)) from error
                except (TimeoutError, aiosmtplib.SMTPException, OSError) as error:
                    await self._drop()
                    raise MailError(str(error) or type(error).__name__) from error

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.quit()
            except (TimeoutError, aiosmtplib.SMTPException, OSError):
                client.close()

    async def close(self) -> None:
        async with self._lock:
            await self._drop()


def mailer_for(settings: Settings) -> SmtpMailer | FileMailer:
    """SMTP_URL's server, else .eml files under `<data-dir>/mail/`."""
    return SmtpMailer(settings.smtp_url) if settings.smtp_url else FileMailer(settings.data_dir / "mail")


class FileMailer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._write, message)

    def _write(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(bytes(message))
        temporary.rename(path)  # a reader never sees half a mail

    async def close(self) -> None:
        return None
