"""Printable pages (letters, paper slips, consent forms, the cahier export,
the operator's mail list): Jinja2 templates kept beside the capability that
owns them, never cached, and all answered here with the same security headers
as the web app's files.

Their content security policy fits a printed page: nothing loads but the
school's own photos (`img-src 'self'`), nothing frames them, and the only
style and script are the page's own inline ones, carrying this answer's
nonce. A template writes its style as `<style nonce="{{ nonce }}">` and, for
a print button (`<button type="button" data-print>`), puts `{{ print_script }}`
before `</body>`: no inline `onclick`, no `'unsafe-inline'`."""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from liaison.core import french
from liaison.web.webapp import SECURITY_HEADERS

# The print buttons (`data-print`), without an inline `onclick`.
_PRINT = (
    'for (const b of document.querySelectorAll("[data-print]")) '
    'b.addEventListener("click", () => window.print());'
)


def page_policy(nonce: str) -> str:
    """The content security policy of a printable page answered with `nonce`."""
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def page_headers(nonce: str) -> dict[str, str]:
    """The headers of every server-rendered page: the web app's, a policy for
    a printed page, and `no-store` (they hold codes or children's names)."""
    return {**SECURITY_HEADERS, "Content-Security-Policy": page_policy(nonce), "Cache-Control": "no-store"}


def text_headers() -> dict[str, str]:
    """The same for a plain text page the server writes (a written mail):
    nothing runs, nothing loads, never framed nor stored."""
    policy = "default-src 'none'; frame-ancestors 'none'; sandbox"
    return {**SECURITY_HEADERS, "Content-Security-Policy": policy, "Cache-Control": "no-store"}


@cache
def _environment(folder: Path) -> Environment:
    environment = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))
    environment.filters.update(french.FILTERS)  # {{ child|de }}: "d'Éden"
    return environment


def page(module_file: str, template: str, **context: Any) -> HTMLResponse:
    """Render `templates/<template>` of the capability whose module is
    `module_file`, with `nonce` and `print_script` in its context."""
    nonce = secrets.token_urlsafe(18)
    script = Markup('<script nonce="{}">{}</script>').format(nonce, Markup(_PRINT))
    folder = Path(module_file).parent / "templates"
    html = _environment(folder).get_template(template).render(**context, nonce=nonce, print_script=script)
    return HTMLResponse(html, headers=page_headers(nonce))
