"""Reading request bodies: size limits, JSON, validation with French messages.

Request bodies are described by pydantic models (strict types, unknown
fields refused); their errors become the API's 400/422 with `fields`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any, TypeVar
from uuid import UUID

from annotated_types import GroupedMetadata
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationError
from starlette.requests import Request

from liaison.core.errors import ApiError, ErrorCode, invalid
from liaison.core.paging import Cursor, decode_cursor

Model = TypeVar("Model", bound=BaseModel)


class Body(BaseModel):
    """Base of every request body: strict types, no unknown field. Text is
    kept as sent (a message's layout matters); short fields that name things
    are `Annotated[str, trimmed(n)]`."""

    model_config = ConfigDict(extra="forbid", strict=True)


def one_line(value: str) -> str:
    """A one-line field (a subject, a title, a label, a name): no control
    character at all, tab and line breaks included (a line break in a subject
    would break every email of it), no NUL, no line or paragraph separator."""
    for char in value:
        if unicodedata.category(char) in _CONTROL_CATEGORIES:
            if char in "\r\n\u2028\u2029\x85":
                raise ValueError("Une seule ligne : pas de retour à la ligne.")
            raise ValueError(f"Caractère de contrôle interdit (U+{ord(char):04X}).")
    return value


# Cc: C0 (tab and line feed included), DEL and C1; Zl, Zp: U+2028, U+2029.
_CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


@dataclasses.dataclass(frozen=True)
class _Trimmed(GroupedMetadata):
    max_length: int
    min_length: int
    lines: bool

    def __iter__(self) -> Iterator[Any]:
        yield StringConstraints(strip_whitespace=True, min_length=self.min_length, max_length=self.max_length)
        yield AfterValidator(storable_text if self.lines else one_line)


def trimmed(max_length: int, min_length: int = 1, *, lines: bool = False) -> GroupedMetadata:
    """The checks of a short text field, stripped of surrounding spaces before
    them: `title: Annotated[str, trimmed(200)]`. One line (`one_line`) unless
    `lines=True` (a short text that may hold line breaks, still no NUL)."""
    return _Trimmed(max_length, min_length, lines)


def Trimmed(max_length: int, min_length: int = 1) -> Any:
    """The former spelling, `title: Trimmed(200)`: the same field for pydantic,
    but no type for a type checker. Use `Annotated[str, trimmed(200)]`."""
    return Annotated[str, trimmed(max_length, min_length)]


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise too_large(limit)
        except ValueError:
            raise ApiError(400, ErrorCode.BAD_REQUEST, "En-tête Content-Length invalide.") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(limit: int) -> ApiError:
    return ApiError(
        413, ErrorCode.TOO_LARGE, f"La requête est trop volumineuse (au plus {limit // 1024} Ko)."
    )


async def read_json(request: Request) -> Any:
    content_type = request.headers.get("content-type", "")
    if content_type and "json" not in content_type.split(";", 1)[0]:
        raise ApiError(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Envoyez du JSON (application/json).")
    raw = await read_body(request, request.app.state.settings.max_body_bytes)
    if not raw.strip():
        raise ApiError(400, ErrorCode.BAD_REQUEST, "Le corps de la requête est vide.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[…" nested too deep
        raise ApiError(400, ErrorCode.BAD_JSON, "Le corps de la requête n'est pas du JSON valide.") from None


async def read_json_object(request: Request) -> dict[str, Any]:
    """The body, a JSON object, before it is known which model reads it."""
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ApiError(400, ErrorCode.BAD_REQUEST, "Le corps de la requête doit être un objet JSON.")
    return data


async def parse_body(request: Request, model: type[Model]) -> Model:
    return validate(model, await read_json_object(request))


def validate(model: type[Model], data: Any) -> Model:
    """`data` read by `model`; 422 with `fields` for invalid fields, NUL in any
    text (no PostgreSQL text) included, whatever the model."""
    unstorable = _unstorable_paths(data)
    if unstorable:
        raise invalid({path: _UNSTORABLE for path in unstorable})
    try:
        return model.model_validate(data)
    except RecursionError:
        raise ApiError(400, ErrorCode.BAD_JSON, "Le corps de la requête est trop imbriqué.") from None
    except ValidationError as error:
        raise ApiError(
            422,
            ErrorCode.INVALID,
            "Certains champs sont invalides.",
            fields=french_field_errors(error),
        ) from None


_UNSTORABLE = "Caractère non accepté (le caractère nul U+0000, ou une moitié de paire UTF-16 seule)."
# NUL: no PostgreSQL text; a lone surrogate ("\\ud800" is valid JSON): no UTF-8.
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


def _unstorable_paths(data: Any) -> list[str]:
    """The dotted paths of the strings (values or keys) that no PostgreSQL text
    can hold, without recursion (a body may be nested as deep as JSON allows)."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", data)]
    while stack and len(found) < 20:
        path, value = stack.pop()
        if isinstance(value, str):
            if _NOT_TEXT.search(value):
                found.append(path or "body")
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                if _NOT_TEXT.search(key):
                    found.append(_NOT_TEXT.sub("?", name))
                else:
                    stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return found


_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
    "string_type": "Une chaîne de caractères est attendue.",
    "int_type": "Un nombre entier est attendu.",
    "int_parsing": "Un nombre entier est attendu.",
    "bool_type": "Une valeur vraie ou fausse (true/false) est attendue.",
    "list_type": "Une liste est attendue.",
    "dict_type": "Un objet est attendu.",
    "model_type": "Un objet est attendu.",
    "literal_error": "Valeur non reconnue.",
    "enum": "Valeur non reconnue.",
    "date_from_datetime_parsing": "Date invalide (attendu AAAA-MM-JJ).",
    "date_parsing": "Date invalide (attendu AAAA-MM-JJ).",
    "date_type": "Date invalide (attendu AAAA-MM-JJ).",
    "string_pattern_mismatch": "Format invalide.",
    "greater_than_equal": "Valeur trop petite.",
    "less_than_equal": "Valeur trop grande.",
}


def french_field_errors(error: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "body"
        kind = item["type"]
        context = item.get("ctx") or {}
        if kind == "string_too_short":
            message = (
                "Ce champ ne peut pas être vide."
                if context.get("min_length") == 1
                else f"Au moins {context.get('min_length')} caractères."
            )
        elif kind == "string_too_long":
            message = f"Au plus {context.get('max_length')} caractères."
        elif kind in ("too_long", "too_short"):
            message = "Nombre d'éléments invalide."
        elif kind == "value_error":
            message = str(context.get("error", "Valeur invalide."))
        else:
            message = _MESSAGES.get(kind, "Valeur invalide.")
        fields.setdefault(name, message)
    return fields


def query_int(request: Request, name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, ErrorCode.BAD_REQUEST, f"Le paramètre {name} doit être un nombre.") from None
    if not minimum <= value <= maximum:
        raise ApiError(
            400, ErrorCode.BAD_REQUEST, f"Le paramètre {name} doit être entre {minimum} et {maximum}."
        )
    return value


def path_id(request: Request, name: str) -> UUID:
    """An id of the path, already a UUID: its route converts it (`{name:uuid}`)."""
    value: UUID = request.path_params[name]
    return value


def query_cursor(request: Request) -> Cursor | None:
    """The `next` cursor of a paged list (liaison.core.paging), None on the first page."""
    raw = request.query_params.get("next")
    if not raw:
        return None
    cursor = decode_cursor(raw)
    if cursor is None:
        raise ApiError(400, ErrorCode.BAD_REQUEST, "Curseur « next » invalide.")
    return cursor


# Every date the API accepts is a day of a possible school year: from
# FIRST_DAY to LAST_DAY (Paris days). Beyond, 422: a year-1 date is a mistake
# (or an attack), and PostgreSQL or Python cannot always write it back.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(2101, 1, 1, tzinfo=dt.UTC)  # excluded
OUT_OF_RANGE = "Date hors des années possibles (2000 à 2100)."
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def moment(value: str, field: str) -> dt.datetime:
    """A date and time of a body (RFC 3339; without an offset, UTC), from
    2000 to 2100 (`FIRST_DAY`, `LAST_DAY`), else 422 on `field`."""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        utc = parsed.astimezone(dt.UTC)  # year 1 with an offset: out of Python's range
    except (ValueError, OverflowError):
        raise invalid({field: "Date et heure invalides (RFC 3339, ex. 2026-12-03T08:30:00Z)."}) from None
    if not _EARLIEST <= utc < _LATEST:
        raise invalid({field: OUT_OF_RANGE})
    return parsed


def parse_day(value: str) -> dt.date:
    """A date `YYYY-MM-DD` from FIRST_DAY to LAST_DAY; ValueError (in French) else.
    For a pydantic validator; `day` and `query_day` answer the API's errors."""
    try:
        parsed = dt.date.fromisoformat(value) if _DAY.fullmatch(value) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValueError("Date invalide (attendu AAAA-MM-JJ).")
    if not FIRST_DAY <= parsed <= LAST_DAY:
        raise ValueError(OUT_OF_RANGE)
    return parsed


def day(value: str, field: str) -> dt.date:
    """A date of a body (`YYYY-MM-DD`, 2000 to 2100), else 422 on `field`."""
    try:
        return parse_day(value)
    except ValueError as error:
        raise invalid({field: str(error)}) from None


def query_day(request: Request, name: str, default: dt.date) -> dt.date:
    """A date of the query (`?date=YYYY-MM-DD`, 2000 to 2100), else 400."""
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return parse_day(raw)
    except ValueError as error:
        raise ApiError(400, ErrorCode.BAD_REQUEST, f"Paramètre « {name} » : {error}") from None


# Field validators shared by the models of every capability.
def storable(value: str | None) -> str | None:
    """Valid JSON, but no PostgreSQL text: refused here rather than a 500 there."""
    if value is not None and "\x00" in value:
        raise ValueError("Le caractère nul (U+0000) n'est pas accepté.")
    return value


def storable_text(value: str) -> str:
    storable(value)
    return value


def nonblank(value: str) -> str:
    if not value.strip():
        raise ValueError("Ce champ ne peut pas être vide.")
    storable(value)
    return value
