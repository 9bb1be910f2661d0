"""Directory routes: schools, staff, the roster import, letters, members, /api/me."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from pydantic import Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import csrf_for, require_session, require_user
from liaison.accounts.routes import code_attempt
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode, bad_request
from liaison.directory import service
from liaison.directory.csv_import import RosterError, parse_roster
from liaison.directory.policy import SchoolAction
from liaison.web.pages import page
from liaison.web.requests import Body, parse_body, path_id, read_body, trimmed
from liaison.web.routing import route

_UAI = re.compile(r"^\d{7}[A-Z]$")
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$")
_CSV_TYPES = {"text/csv", "text/plain", "application/csv", "application/octet-stream",
              "application/vnd.ms-excel", ""}  # fmt: skip


# An id as JSON sends it (a string); a malformed one is a 422 naming its field.
Id = Annotated[UUID, Field(strict=False)]


class NewSchool(Body):
    name: Annotated[str, trimmed(200)]
    city: Annotated[str, trimmed(100)]
    uai: Annotated[str, trimmed(8)]
    circonscription_id: Id | None = None

    @field_validator("uai")
    @classmethod
    def _uai(cls, value: str) -> str:
        value = value.upper()
        if not _UAI.match(value):
            raise ValueError("Numéro UAI invalide : 7 chiffres et une lettre (ex. 0691234A).")
        return value


def _checked_email(value: str | None) -> str | None:
    if not value:
        return None
    if not _EMAIL.match(value):
        raise ValueError("Adresse courriel invalide.")
    return value.lower()


class NewStaff(Body):
    role: Literal["director", "teacher"]
    display_name: Annotated[str, trimmed(100)]
    email: Annotated[str, trimmed(254, min_length=0)] | None = None
    class_names: list[str] = Field(default_factory=list, max_length=20)

    _email = field_validator("email")(_checked_email)

    @field_validator("class_names")
    @classmethod
    def _class_names(cls, values: list[str]) -> list[str]:
        cleaned = [" ".join(v.split()) for v in values]
        if any(not v or len(v) > 50 for v in cleaned):
            raise ValueError("Chaque nom de classe fait de 1 à 50 caractères.")
        return cleaned


async def me(request: Request) -> Response:
    session = await require_session(request)
    profile = await service.profile(Context.of(request), session.user)
    return JSONResponse({"user": session.user.own_api(), **profile, "csrf_token": csrf_for(request, session)})


async def create_school(request: Request) -> Response:
    user = await require_user(request)
    service.check_creates_schools(user)
    body = await parse_body(request, NewSchool)
    school = await service.create_school(
        Context.of(request), body.name, body.city, body.uai, body.circonscription_id
    )
    return JSONResponse(school, status_code=201)


async def _school_for(request: Request, action: SchoolAction) -> tuple[Context, asyncpg.Record]:
    """The school of the path, once the user may act on it."""
    user = await require_user(request)
    ctx = Context.of(request)
    return ctx, await service.open_school(ctx, user, request.path_params["school_id"], action)


async def add_staff(request: Request) -> Response:
    ctx, school = await _school_for(request, SchoolAction.ADD_STAFF)
    body = await parse_body(request, NewStaff)
    user, code, existing = await service.add_staff(
        ctx,
        school,
        role=body.role,
        display_name=body.display_name,
        email=body.email,
        class_names=body.class_names,
    )
    return JSONResponse(
        {
            "user": user.to_api(school["id"]),
            "login": user.login,
            "activation_code": code,
            "existing_account": existing,
        },
        status_code=201,
    )


def _roster_error(error: RosterError) -> ApiError:
    first = error.errors[0]
    count = len(error.errors)
    summary = f"Ligne {first.line} : {first.message}"
    if count > 1:
        summary += f" (et {count - 1} autre{'s' if count > 2 else ''} erreur{'s' if count > 2 else ''})"
    shown = error.errors[:200]  # enough to fix a file; the rest follows the same pattern
    return ApiError(
        422,
        ErrorCode.INVALID_ROSTER,
        f"{summary}. Rien n'a été importé : corrigez le fichier puis recommencez.",
        fields={f"ligne {e.line}": (f"{e.column} : {e.message}" if e.column else e.message) for e in shown},
        extra={
            "lines": [{"line": e.line, "column": e.column, "message": e.message} for e in shown],
            "error_count": count,
        },
    )


async def import_roster(request: Request) -> Response:
    ctx, school = await _school_for(request, SchoolAction.IMPORT_ROSTER)
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in _CSV_TYPES:
        raise ApiError(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Envoyez le fichier au format CSV (text/csv).")
    data = await read_body(request, ctx.settings.max_import_bytes)
    try:
        rows = parse_roster(data)
    except RosterError as error:
        raise _roster_error(error) from None
    return JSONResponse(await service.import_roster(ctx, school, rows))


def _query_id(request: Request, name: str) -> UUID | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return UUID(raw)
    except ValueError:
        raise bad_request(f"Le paramètre {name} doit être un identifiant.") from None


async def activation_letters(request: Request) -> Response:
    """Every letter still to print, or one family's (`?guardian_id=` or `?child_id=`)."""
    ctx, school = await _school_for(request, SchoolAction.PRINT_LETTERS)
    guardian_id, child_id = _query_id(request, "guardian_id"), _query_id(request, "child_id")
    if guardian_id and child_id:
        raise bad_request("Donnez guardian_id ou child_id, pas les deux.")
    letters = await service.activation_letters(ctx, school, guardian_id=guardian_id, child_id=child_id)
    return page(
        __file__,
        "activation_letters.html",
        school=school,
        letters=letters,
        family=bool(guardian_id or child_id),
        public_url=ctx.settings.public_url,
    )


async def class_members(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(
        await service.class_members(Context.of(request), user, request.path_params["class_id"])
    )


async def pupil_account(request: Request) -> Response:
    user = await require_user(request)
    pupil, code, created = await service.pupil_account(
        Context.of(request), user, request.path_params["child_id"]
    )
    return JSONResponse(
        {"user": pupil.to_api(), "login": pupil.login, "activation_code": code},
        status_code=201 if created else 200,
    )


# -- the territory ------------------------------------------------------------------------


class NewCirconscription(Body):
    name: Annotated[str, trimmed(200)]


class NewTeamMember(Body):
    display_name: Annotated[str, trimmed(100)]
    email: Annotated[str, trimmed(254, min_length=0)] | None = None

    _email = field_validator("email")(_checked_email)


class SchoolChange(Body):
    circonscription_id: Id | None


class NewRpi(Body):
    name: Annotated[str, trimmed(200)]
    school_ids: list[Id] = Field(min_length=1, max_length=50)


class LetterCode(Body):
    code: Annotated[str, trimmed(100)]


async def _territory_admin(request: Request) -> Context:
    user = await require_user(request)
    service.check_manages_territory(user)
    return Context.of(request)


async def create_circonscription(request: Request) -> Response:
    ctx = await _territory_admin(request)
    body = await parse_body(request, NewCirconscription)
    return JSONResponse(await service.create_circonscription(ctx.pool, body.name), status_code=201)


async def circonscriptions(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse({"circonscriptions": await service.circonscriptions(Context.of(request), user)})


async def circonscription_staff(request: Request) -> Response:
    ctx = await _territory_admin(request)
    body = await parse_body(request, NewTeamMember)
    user, code = await service.add_circonscription_staff(
        ctx.pool,
        path_id(request, "circonscription_id"),
        body.display_name,
        body.email,
        ctx.settings.activation_days,
    )
    return JSONResponse(
        {"user": user.to_api(), "login": user.login, "activation_code": code}, status_code=201
    )


async def circonscription_letters(request: Request) -> Response:
    ctx = await _territory_admin(request)
    found, letters = await service.circonscription_letters(ctx, path_id(request, "circonscription_id"))
    return page(
        __file__,
        "activation_letters.html",
        school={"name": found["name"], "city": "Circonscription"},
        letters=letters,
        family=False,
        public_url=ctx.settings.public_url,
    )


async def schools(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse({"schools": await service.schools(Context.of(request), user)})


async def change_school(request: Request) -> Response:
    ctx = await _territory_admin(request)
    body = await parse_body(request, SchoolChange)
    return JSONResponse(
        await service.move_school(ctx.pool, path_id(request, "school_id"), body.circonscription_id)
    )


async def school_overview(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(
        await service.school_overview(Context.of(request), user, path_id(request, "school_id"))
    )


async def create_rpi(request: Request) -> Response:
    ctx = await _territory_admin(request)
    body = await parse_body(request, NewRpi)
    return JSONResponse(await service.create_rpi(ctx.pool, body.name, body.school_ids), status_code=201)


async def rpis(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse({"rpis": await service.rpis(Context.of(request), user)})


async def link(request: Request) -> Response:
    """Another school's letter joined to the signed-in family's account."""
    user = await require_user(request)
    body = await parse_body(request, LetterCode)
    ctx = Context.of(request)
    children = await code_attempt(request, lambda: service.link_letter(ctx, user, body.code))
    return JSONResponse({"children": children})


routes = [
    route("/api/me", GET=me),
    route("/api/me/link", POST=link),
    route("/api/schools", GET=schools, POST=create_school),
    route("/api/schools/{school_id:uuid}", PATCH=change_school),
    route("/api/schools/{school_id:uuid}/overview", GET=school_overview),
    route("/api/circonscriptions", GET=circonscriptions, POST=create_circonscription),
    route("/api/circonscriptions/{circonscription_id:uuid}/staff", POST=circonscription_staff),
    route("/api/circonscriptions/{circonscription_id:uuid}/activation-letters", GET=circonscription_letters),
    route("/api/rpis", GET=rpis, POST=create_rpi),
    route("/api/schools/{school_id:uuid}/staff", POST=add_staff),
    route("/api/schools/{school_id:uuid}/import", POST=import_roster),
    route("/api/schools/{school_id:uuid}/activation-letters", GET=activation_letters),
    route("/api/classes/{class_id:uuid}/members", GET=class_members),
    route("/api/children/{child_id:uuid}/account", POST=pupil_account),
]
