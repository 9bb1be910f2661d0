"""Every error the API answers: one code each, in one enum (as Synapse's
`api/errors.py`), and the exception that carries it to the one JSON shape
`{"error": {"code", "message", "fields"?}}`.

A code is part of the contract (clients switch on it; docs/api.md lists them
all and a test keeps the two in step); the message is for a person, French.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any


class ErrorCode(enum.StrEnum):
    # 400: the request itself is malformed
    BAD_REQUEST = "bad_request"
    BAD_JSON = "bad_json"
    BAD_FRAME = "bad_frame"  # a WebSocket frame (sent as an `error` frame, not HTTP)
    # 401, 403
    UNAUTHORIZED = "unauthorized"
    BAD_CREDENTIALS = "bad_credentials"
    SECOND_FACTOR_REQUIRED = "second_factor_required"
    CSRF = "csrf"
    FORBIDDEN = "forbidden"
    # 404, 405
    NOT_FOUND = "not_found"
    UNKNOWN_CODE = "unknown_code"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # 409: the state of things says no
    CONFLICT = "conflict"
    CLIENT_ID_REUSED = "client_id_reused"
    ACK_NOT_REQUIRED = "ack_not_required"
    ALREADY_REMINDED = "already_reminded"
    ALREADY_PUBLISHED = "already_published"
    CLOSED = "closed"
    TOO_LATE = "too_late"
    CONSENT_MISSING = "consent_missing"
    UAI_TAKEN = "uai_taken"
    ALREADY_REPORTED = "already_reported"
    THREAD_CLOSED = "thread_closed"
    # 413, 415
    TOO_LARGE = "too_large"
    IMAGE_TOO_LARGE = "image_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UNSUPPORTED_MEDIA = "unsupported_media"
    # 422: well-formed but invalid
    INVALID = "invalid"
    INVALID_ROSTER = "invalid_roster"
    WEAK_PASSWORD = "weak_password"
    # 429
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    RATE_LIMITED = "rate_limited"  # too many messages or uploads in a window
    # 500: never for bad input
    INTERNAL = "internal"
    # 503: the database is out of reach for a moment (`Retry-After`)
    UNAVAILABLE = "unavailable"


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
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
        error: dict[str, Any] = {"code": self.code.value, "message": self.message}
        if self.fields is not None:
            error["fields"] = self.fields
        if self.extra:
            error.update(self.extra)
        return {"error": error}


def not_found() -> ApiError:
    # The same answer for "does not exist" and "not yours to see".
    return ApiError(404, ErrorCode.NOT_FOUND, "Introuvable.")


def forbidden(message: str = "Vous n'avez pas le droit de faire cela.") -> ApiError:
    return ApiError(403, ErrorCode.FORBIDDEN, message)


def invalid(fields: dict[str, str], message: str = "Certains champs sont invalides.") -> ApiError:
    return ApiError(422, ErrorCode.INVALID, message, fields=fields)


def bad_request(message: str) -> ApiError:
    return ApiError(400, ErrorCode.BAD_REQUEST, message)
