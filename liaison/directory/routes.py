"""Directory routes: schools, staff, the roster import, letters, members, /api/me."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from pydantic import Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts import store as accounts
from liaison.accounts.auth import csrf_for, require_session, require_user
from liaison.core.errors import ApiError, ErrorCode, not_found
from liaison.core.people import User
from liaison.directory import policy, store
from liaison.directory.csv_import import RosterError, parse_roster
from liaison.directory.policy import ClassAction, SchoolAction
from liaison.web.pages import page
from liaison.web.requests import Body, parse_body, read_body, trimmed
from liaison.web.routing import route

_UAI = re.compile(r"^\d{7}[A-Z]$")
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$")
_CSV_TYPES = {"text/csv", "text/plain", "application/csv", "application/octet-stream",
              "application/vnd.ms-excel", ""}  # fmt: skip


class NewSchool(Body):
    name: Annotated[str, trimmed(200)]
    city: Annotated[str, trimmed(100)]
    uai: Annotated[str, trimmed(8)]

    @field_validator("uai")
    @classmethod
    def _uai(cls, value: str) -> str:
        value = value.upper()
        if not _UAI.match(value):
            raise ValueError("Numéro UAI invalide : 7 chiffres et une lettre (ex. 0691234A).")
        return value


class NewStaff(Body):
    role: Literal["director", "teacher"]
    display_name: Annotated[str, trimmed(100)]
    email: Annotated[str, trimmed(254, min_length=0)] | None = None
    class_names: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not _EMAIL.match(value):
            raise ValueError("Adresse courriel invalide.")
        return value.lower()

    @field_validator("class_names")
    @classmethod
    def _class_names(cls, values: list[str]) -> list[str]:
        cleaned = [" ".join(v.split()) for v in values]
        if any(not v or len(v) > 50 for v in cleaned):
            raise ValueError("Chaque nom de classe fait de 1 à 50 caractères.")
        return cleaned


def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


async def me(request: Request) -> Response:
    session = await require_session(request)
    profile = await store.profile(_pool(request), session.user)
    return JSONResponse({"user": session.user.to_api(), **profile, "csrf_token": csrf_for(request, session)})


async def create_school(request: Request) -> Response:
    user = await require_user(request)
    policy.enforce(policy.may_create_school(user))
    body = await parse_body(request, NewSchool)
    async with _pool(request).acquire() as conn:
        try:
            school = await store.create_school(conn, body.name, body.city, body.uai)
        except store.DuplicateSchool:
            raise ApiError(
                409,
                ErrorCode.UAI_TAKEN,
                "Une école avec ce numéro UAI existe déjà.",
                fields={"uai": "Déjà utilisé."},
            ) from None
    return JSONResponse(store.school_to_api(school), status_code=201)


async def _school_for(request: Request, action: SchoolAction) -> tuple[User, asyncpg.Record]:
    """The school of the path, once the user may act on it."""
    user = await require_user(request)
    school_id: UUID = request.path_params["school_id"]
    policy.enforce(policy.school_decision(user, school_id, action))
    school = await store.get_school(_pool(request), school_id)
    if school is None:
        raise not_found()
    return user, school


async def add_staff(request: Request) -> Response:
    _, school = await _school_for(request, SchoolAction.ADD_STAFF)
    body = await parse_body(request, NewStaff)
    settings = request.app.state.settings
    async with _pool(request).acquire() as conn, conn.transaction():
        user, _ = await store.add_staff(
            conn,
            school["id"],
            role=body.role,
            display_name=body.display_name,
            email=body.email,
            class_names=body.class_names,
        )
        codes = await accounts.issue_activation_codes(conn, [user.id], settings.activation_days)
    return JSONResponse(
        {"user": user.to_api(), "login": user.login, "activation_code": codes[user.id]},
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
    _, school = await _school_for(request, SchoolAction.IMPORT_ROSTER)
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in _CSV_TYPES:
        raise ApiError(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Envoyez le fichier au format CSV (text/csv).")
    settings = request.app.state.settings
    data = await read_body(request, settings.max_import_bytes)
    try:
        rows = parse_roster(data)
    except RosterError as error:
        raise _roster_error(error) from None
    async with _pool(request).acquire() as conn, conn.transaction():
        result = await store.import_roster(conn, school["id"], rows, settings.activation_days)
    return JSONResponse(result.to_api())


async def activation_letters(request: Request) -> Response:
    _, school = await _school_for(request, SchoolAction.PRINT_LETTERS)
    settings = request.app.state.settings
    async with _pool(request).acquire() as conn, conn.transaction():
        letters = await store.letters(conn, school["id"], settings.activation_days)
    return page(
        __file__, "activation_letters.html", school=school, letters=letters, public_url=settings.public_url
    )


async def class_members(request: Request) -> Response:
    user = await require_user(request)
    klass = await store.get_class(_pool(request), request.path_params["class_id"])
    if klass is None:
        raise not_found()
    policy.enforce(policy.class_decision(user, klass["school_id"], ClassAction.VIEW_MEMBERS))
    return JSONResponse(await store.class_members(_pool(request), klass))


async def pupil_account(request: Request) -> Response:
    user = await require_user(request)
    pool = _pool(request)
    child = await store.get_child(pool, request.path_params["child_id"])
    if child is None:
        raise not_found()
    teaches = await store.teaches_class(pool, user.id, child["class_id"])
    policy.enforce(policy.child_account_decision(user, child["school_id"], teaches))
    settings = request.app.state.settings
    async with pool.acquire() as conn, conn.transaction():
        pupil, code, created = await store.ensure_pupil_account(conn, child, settings.activation_days)
    return JSONResponse(
        {"user": pupil.to_api(), "login": pupil.login, "activation_code": code},
        status_code=201 if created else 200,
    )


routes = [
    route("/api/me", GET=me),
    route("/api/schools", POST=create_school),
    route("/api/schools/{school_id:uuid}/staff", POST=add_staff),
    route("/api/schools/{school_id:uuid}/import", POST=import_roster),
    route("/api/schools/{school_id:uuid}/activation-letters", GET=activation_letters),
    route("/api/classes/{class_id:uuid}/members", GET=class_members),
    route("/api/children/{child_id:uuid}/account", POST=pupil_account),
]
