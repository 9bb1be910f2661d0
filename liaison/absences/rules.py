"""Absence reports: what a valid report is, and how it reads (pure, no I/O)."""

from __future__ import annotations

import datetime as dt

MAX_SPAN_DAYS = 31
HORIZON = dt.timedelta(days=366)  # no report about a day more than a year away
PARTS = {"day": "toute la journée", "morning": "le matin", "afternoon": "l'après-midi"}
REASONS = {
    "illness": "maladie",
    "medical": "rendez-vous médical",
    "family": "raison familiale",
    "other": "autre raison",
}
_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"]  # fmt: skip


def school_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Weekdays of the span: classes run Monday to Friday (Wednesday morning
    in some towns); holidays differ by zone and are left to the school."""
    return [
        start + dt.timedelta(days=i)
        for i in range((end - start).days + 1)
        if (start + dt.timedelta(days=i)).weekday() < 5
    ]


def problems(start: dt.date, end: dt.date, today: dt.date) -> dict[str, str]:
    """Field → French message; empty when the report is acceptable."""
    found: dict[str, str] = {}
    if end < start:
        found["end"] = "La fin de l'absence est avant son début."
    elif (end - start).days + 1 > MAX_SPAN_DAYS:
        found["end"] = f"Une absence dure au plus {MAX_SPAN_DAYS} jours ; faites plusieurs déclarations."
    if abs(start - today) > HORIZON:
        found["start"] = "Cette date est trop loin d'aujourd'hui."
    if abs(end - today) > HORIZON:
        found["end"] = "Cette date est trop loin d'aujourd'hui."
    if not found and not school_days(start, end):
        found["start"] = "Il n'y a pas classe le samedi ni le dimanche."
    return found


def french_date(day: dt.date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day}{'er' if day.day == 1 else ''} {_MONTHS[day.month - 1]}"


def subject(first_name: str, start: dt.date, end: dt.date) -> str:
    if start == end:
        return f"Absence de {first_name} – {french_date(start)}"
    return f"Absence de {first_name} – du {french_date(start)} au {french_date(end)}"


def body(first_name: str, start: dt.date, end: dt.date, part: str, reason: str, note: str) -> str:
    when = f"le {french_date(start)}" if start == end else f"du {french_date(start)} au {french_date(end)}"
    text = f"{first_name} sera absent·e {when}, {PARTS[part]} ({REASONS[reason]})."
    return f"{text}\n\n{note}" if note.strip() else text
