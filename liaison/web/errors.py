"""The one error shape of the API: {"error": {"code", "message", "fields"?}}."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

log = logging.getLogger("liaison.web")


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers
        self.extra = extra

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields is not None:
            error["fields"] = self.fields
        if self.extra:
            error.update(self.extra)
        return {"error": error}


def not_found() -> ApiError:
    # The same answer for "does not exist" and "not yours to see".
    return ApiError(404, "not_found", "Introuvable.")


def forbidden(message: str = "Vous n'avez pas le droit de faire cela.") -> ApiError:
    return ApiError(403, "forbidden", message)


def invalid(fields: dict[str, str], message: str = "Certains champs sont invalides.") -> ApiError:
    return ApiError(422, "invalid", message, fields=fields)


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


_HTTP_ERRORS = {
    400: ("bad_request", "Requête invalide."),
    401: ("unauthorized", "Vous devez vous connecter."),
    403: ("forbidden", "Vous n'avez pas le droit de faire cela."),
    404: ("not_found", "Introuvable."),
    405: ("method_not_allowed", "Cette méthode n'est pas permise ici."),
    413: ("too_large", "La requête est trop volumineuse."),
    415: ("unsupported_media_type", "Type de contenu non pris en charge."),
}


async def handle_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code, message = _HTTP_ERRORS.get(exc.status_code, ("error", "Erreur."))
    return error_response(ApiError(exc.status_code, code, message, headers=exc.headers))


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(
        ApiError(500, "internal", "Une erreur inattendue est survenue. Réessayez plus tard.")
    )


EXCEPTION_HANDLERS = {
    ApiError: handle_api_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
