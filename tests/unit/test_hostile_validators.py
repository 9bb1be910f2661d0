"""The pure validators of hostile input: one-line text, date ranges, unstorable
text, header folding, stored ±infinity times."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pytest

from liaison.core.clock import iso
from liaison.core.errors import ApiError
from liaison.delivery.mail import MailBuildError, compose
from liaison.delivery.mail import one_line as header_line
from liaison.realtime.routes import _position
from liaison.web.requests import Body, moment, parse_day, trimmed, validate


class Named(Body):
    name: Annotated[str, trimmed(50)]
    reason: Annotated[str, trimmed(200, lines=True)] = "x"


@pytest.mark.parametrize("name", ["a\nb", "a\rb", "a\tb", "a\x1bb", "a\x00b", "a\u2028b", "a\x9bb"])
def test_one_line_fields_refuse_control_characters(name):
    with pytest.raises(ApiError) as error:
        validate(Named, {"name": name})
    assert set(error.value.fields or {}) == {"name"}


def test_one_line_fields_keep_ordinary_text_and_lines_where_allowed():
    assert validate(Named, {"name": "  Léa O'Brien 😀 ", "reason": "l1\nl2"}).name == "Léa O'Brien 😀"


@pytest.mark.parametrize("text", ["a\x00", "\ud800", "x\udfff"])
def test_unstorable_text_anywhere_is_refused(text):
    with pytest.raises(ApiError) as error:
        validate(Named, {"name": "ok", "reason": text})
    assert error.value.status == 422 and set(error.value.fields or {}) == {"reason"}


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59Z", "1999-12-31T23:59:59Z"],
)
def test_moments_out_of_range_are_refused(value):
    with pytest.raises(ApiError) as error:
        moment(value, "starts_at")
    assert error.value.status == 422 and set(error.value.fields or {}) == {"starts_at"}


def test_moments_in_range_are_kept():
    assert moment("2026-12-03T08:30:00", "at") == dt.datetime(2026, 12, 3, 8, 30, tzinfo=dt.UTC)
    assert moment("2100-12-31T23:59:59Z", "at").year == 2100


@pytest.mark.parametrize(
    "value", ["0001-01-01", "2101-01-01", "20261203", "2026-W49-4", "2026-02-30", "٢٠٢٦-01-01"]
)
def test_days_are_exact_and_in_range(value):
    with pytest.raises(ValueError):
        parse_day(value)
    assert parse_day("2026-12-03") == dt.date(2026, 12, 3)


def test_times_stored_as_infinity_still_write():
    assert iso(dt.datetime.min) == "0001-01-01T00:00:00.000Z"  # asyncpg's -infinity
    assert iso(dt.datetime.max).startswith("9999-12-31")
    assert iso(dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))) == "0001-01-01T00:00:00.000Z"


def test_a_subject_with_line_breaks_is_mailed_on_one_line_and_a_bad_address_does_not_build():
    mail = compose("digest", to="a@example.fr", sender="Liaison <l@example.fr>", subject="Sortie\r\nau musée",
                   context={"recipient": "A", "items": [], "preferences_url": "u"})  # fmt: skip
    assert mail["Subject"] == "Sortie au musée" and header_line("a\u2028b\x00c") == "a b c"
    with pytest.raises(MailBuildError):
        compose("digest", to="a\nBcc: b@example.fr", sender="l@example.fr", subject="S",
                context={"recipient": "A", "items": [], "preferences_url": "u"})  # fmt: skip


@pytest.mark.parametrize("since", [2**80, 2**63, -1, 1.5, True, "²", None])
def test_positions_beyond_a_bigint_or_not_integers_are_refused(since):
    assert _position(since) is None
    assert _position(2**63 - 1) == 2**63 - 1 and _position("42") == 42
