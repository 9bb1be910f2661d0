"""Uploading photos, tagging the children on them, and serving them to the
people who may see them (404 for everyone else, signed out included)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncGenerator
from uuid import UUID

from pydantic import Field
from starlette.applications import Starlette
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response

from liaison.accounts.auth import current_session, require_user
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode, invalid, not_found
from liaison.core.limits import Limit, hold_back
from liaison.media import files, images, service
from liaison.media.policy import MediaAction
from liaison.web.requests import Body, one_line, parse_body, path_id
from liaison.web.routing import route

log = logging.getLogger("liaison.media")

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # the photo itself
# What multipart adds around it: boundaries, part headers, a client_id.
MULTIPART_OVERHEAD = 64 * 1024
# Photos decoded at once by this process: each may take ~160 MB while it
# is decoded, so 30 parents sending at 20:00 queue instead of exhausting memory.
DECODE_SLOTS = 2
MAX_TAGS = 60

SERVE_HEADERS = {
    "Cache-Control": "private, max-age=86400",
    "X-Content-Type-Options": "nosniff",
    "Content-Disposition": "inline",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def _too_large() -> ApiError:
    megabytes = MAX_UPLOAD_BYTES // 1024 // 1024
    return ApiError(413, ErrorCode.TOO_LARGE, f"La photo est trop volumineuse ({megabytes} Mo au plus).")


def _decode_slots(app: Starlette) -> asyncio.Semaphore:
    slots = getattr(app.state, "media_decode_slots", None)
    if slots is None:
        slots = app.state.media_decode_slots = asyncio.Semaphore(DECODE_SLOTS)
    return slots


async def _capped(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    """The body, never more than `limit` bytes (413 as soon as it passes)."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large()
        yield chunk


async def _read_form(request: Request) -> FormData:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != "multipart/form-data":
        raise ApiError(
            415,
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            "Envoyez la photo en multipart/form-data, dans le champ « file ».",
        )
    limit = MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            too_big = int(declared) > limit
        except ValueError:
            raise ApiError(400, ErrorCode.BAD_REQUEST, "En-tête Content-Length invalide.") from None
        if too_big:
            raise _too_large()
    stream = _capped(request, limit)
    parser = MultiPartParser(request.headers, stream, max_files=1, max_fields=3, max_part_size=1024)
    try:
        async with contextlib.aclosing(stream):
            return await parser.parse()
    except MultiPartException:
        message = "Envoi multipart invalide (une seule photo, champ « file »)."
        raise ApiError(400, ErrorCode.BAD_REQUEST, message) from None
    except ClientDisconnect:  # a phone losing its network mid-upload: nobody to answer
        raise ApiError(400, ErrorCode.BAD_REQUEST, "Envoi interrompu.") from None


def _school_id(request: Request, form: FormData | None) -> UUID | None:
    """The school a photo is sent for (`school_id`, a form field or in the query),
    None for the sender's first school."""
    value = form.get("school_id") if form is not None else None
    if value is None:
        value = request.query_params.get("school_id")
    if value is None or value == "":
        return None
    try:
        return UUID(str(value))
    except ValueError:
        raise invalid({"school_id": "Identifiant d'école invalide."}) from None


def _client_id(form: FormData) -> str | None:
    expected = ("file", "client_id", "school_id")
    unexpected = {name: "Ce champ n'est pas attendu." for name in form if name not in expected}
    if unexpected:
        raise invalid(unexpected)
    value = form.get("client_id")
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= 64:
        raise invalid({"client_id": "Au plus 64 caractères."})
    try:  # NUL (no PostgreSQL text) or controls; bytes not UTF-8 arrive as Latin-1, C1 controls
        return one_line(value)
    except ValueError as error:
        raise invalid({"client_id": str(error)}) from None


async def _process(request: Request, upload: UploadFile) -> images.Processed:
    async with _decode_slots(request.app):
        try:
            return await asyncio.to_thread(images.process, upload.file)
        except images.ImageTooLarge as error:
            raise ApiError(422, ErrorCode.IMAGE_TOO_LARGE, error.message) from None
        except images.NotAnImage as error:
            raise ApiError(415, ErrorCode.UNSUPPORTED_MEDIA, error.message) from None


async def upload(request: Request) -> Response:
    user = await require_user(request)
    school_id = service.upload_school(user, _school_id(request, None))  # the query's, before reading
    await hold_back(
        request.app.state.failure_counter,
        user.id,
        Limit("upload", request.app.state.settings.upload_limit_per_hour, 3600),
        "Vous avez envoyé beaucoup de photos en peu de temps. Réessayez un peu plus tard.",
    )
    ctx = Context.of(request)
    form = await _read_form(request)
    try:
        client_id = _client_id(form)
        school_id = service.upload_school(user, _school_id(request, form) or school_id)
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise invalid({"file": "Choisissez une photo."})
        if file.size is not None and file.size > MAX_UPLOAD_BYTES:
            raise _too_large()
        if client_id is not None:
            first = await service.earlier_upload(ctx, user, client_id)
            if first is not None:
                return JSONResponse(first, status_code=201)
        processed = await _process(request, file)
    finally:
        await form.close()
    return JSONResponse(
        await service.keep_upload(ctx, user, processed, client_id, school_id), status_code=201
    )


async def serve(request: Request) -> Response:
    """The file, to the uploader and to whoever a holder lets see it; the same
    404 for everyone else, whether the photo exists or not."""
    key = request.path_params["key"]
    variant = request.path_params["variant"]
    if variant not in files.VARIANTS or not files.valid_key(key):
        raise not_found()
    session = await current_session(request)
    if session is None:
        raise not_found()
    row = await service.visible_file(Context.of(request), session.user, key)
    path = files.path_of(request.app.state.settings.media_root, key, variant)
    try:
        stat = await asyncio.to_thread(os.stat, path)
    except FileNotFoundError:
        log.warning("media %s has no %s file", row["id"], variant)
        raise not_found() from None
    response = FileResponse(path, stat_result=stat, media_type=row["content_type"], headers=SERVE_HEADERS)
    # The file of a key never changes: a browser that has it is told so.
    if request.headers.get("if-none-match") == response.headers["etag"]:
        kept = {name: value for name, value in response.headers.items() if name in ("etag", "cache-control")}
        return Response(status_code=304, headers=kept)
    return response


async def get_media(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    row = await service.open_media(ctx, user, path_id(request, "media_id"), MediaAction.VIEW)
    return JSONResponse(await service.media_view(ctx, user, row))


class Tags(Body):
    child_ids: list[str] = Field(max_length=MAX_TAGS)


async def set_children(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    row = await service.open_media(ctx, user, path_id(request, "media_id"), MediaAction.TAG)
    tags = await parse_body(request, Tags)
    child_ids: list[UUID] = []
    for value in tags.child_ids:
        try:
            child_id = UUID(value)
        except ValueError:
            raise invalid({"child_ids": "Élève inconnu."}) from None
        if child_id not in child_ids:
            child_ids.append(child_id)
    return JSONResponse(await service.tag_children(ctx, user, row, child_ids))


routes = [
    route("/api/media", POST=upload),
    route("/api/media/{media_id:uuid}", GET=get_media),
    route("/api/media/{media_id:uuid}/children", PUT=set_children),
    route("/media/{key}/{variant}", GET=serve),
]
