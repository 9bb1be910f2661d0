"""A write whose connection a shutdown cut is "unavailable" (503), not a bug (500)."""

from __future__ import annotations

import asyncpg

from liaison.web.errors import _cut_connection


def _raised_during(error: BaseException, context: BaseException) -> BaseException:
    """`error` as raised while handling `context` (its __context__)."""
    try:
        try:
            raise context
        except BaseException:
            raise error  # noqa: B904 - the implicit context is the point
    except BaseException as caught:
        return caught


def test_a_closed_connection_ending_a_transaction_is_a_cut() -> None:
    lost = asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")
    error = asyncpg.exceptions.InterfaceError(
        "cannot call Transaction.__aexit__(): the underlying connection is closed"
    )
    raised = _raised_during(error, lost)
    assert raised.__context__ is lost
    assert _cut_connection(raised)
    assert _cut_connection(error)  # its own words say so, even without the context


def test_other_interface_errors_are_bugs() -> None:
    assert not _cut_connection(
        asyncpg.exceptions.InterfaceError("cannot perform operation: another operation is in progress")
    )
    assert not _cut_connection(ValueError("nothing to do with the database"))
