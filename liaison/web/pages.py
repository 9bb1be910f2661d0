"""Printable pages (letters, paper slips, the operator's mail list): Jinja2
templates kept beside the capability that owns them, never cached."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from liaison.core import french


@cache
def _environment(folder: Path) -> Environment:
    environment = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))
    environment.filters.update(french.FILTERS)  # {{ child|de }}: "d'Éden"
    return environment


def page(module_file: str, template: str, **context: Any) -> HTMLResponse:
    """Render `templates/<template>` of the capability whose module is
    `module_file`. `no-store`: these pages hold codes or children's names."""
    html = _environment(Path(module_file).parent / "templates").get_template(template).render(**context)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
