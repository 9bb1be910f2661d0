"""QR codes drawn here, as SVG (segno), never by a web service: what they hold
(a private calendar address, a code) must not leave the server."""

from __future__ import annotations

import io

import segno
from starlette.responses import Response


def qr_svg(text: str, title: str) -> bytes:
    """`text` as a QR code: black on white (readable in a dark theme too), a
    quiet zone of four modules, sized by whoever shows it (a viewBox, no size)."""
    code = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=1, border=4, dark="#000", light="#fff", omitsize=True, title=title)
    return out.getvalue()


def qr_response(text: str, title: str) -> Response:
    """The QR code as an image of its own; `no-store`: it holds a secret."""
    return Response(
        qr_svg(text, title), media_type="image/svg+xml", headers={"Cache-Control": "private, no-store"}
    )
