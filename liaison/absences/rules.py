"""Absence reports: what a valid report is, and how it reads (pure, no I/O)."""

from __future__ import annotations

import datetime as dt

from liaison.core.french import de

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
        return f"Absence {de(first_name)} – {french_date(start)}"
    return f"Absence {de(first_name)} – du {french_date(start)} au {french_date(end)}"


def body(first_name: str, start: dt.date, end: dt.date, part: str, reason: str, note: str) -> str:
    when = f"le {french_date(start)}" if start == end else f"du {french_date(start)} au {french_date(end)}"
    # No "absent·e": the child's gender is unknown, and "Écouter" reads the text aloud.
    text = f"{first_name} ne sera pas en classe {when}, {PARTS[part]} ({REASONS[reason]})."
    return f"{text}\n\n{note}" if note.strip() else text


# -- overlaps, roll calls and cancelling ------------------------------------------------

ROLL_CALL_PARTS = ("morning", "afternoon")
ROLL_CALL_DAYS = 31  # a roll call is taken today, or entered late for the last 31 days


def parts_meet(a: str, b: str) -> bool:
    """Two parts of a day overlap: "day" meets everything, a half-day itself."""
    return a == "day" or b == "day" or a == b


def overlaps(
    start: dt.date, end: dt.date, part: str, other_start: dt.date, other_end: dt.date, other_part: str
) -> bool:
    return start <= other_end and other_start <= end and parts_meet(part, other_part)


def explained(half_day: str, reported_parts: list[str]) -> bool:
    """A child marked absent for a half-day is explained by a report of the
    family covering that day and half-day."""
    return any(parts_meet(half_day, part) for part in reported_parts)


def merged_part(half_days: set[str]) -> str:
    """The morning and the afternoon are the day."""
    return "day" if half_days >= set(ROLL_CALL_PARTS) or "day" in half_days else next(iter(sorted(half_days)))


def roll_call_problems(day: dt.date, today: dt.date) -> dict[str, str]:
    if day > today:
        return {"date": "L'appel se fait le jour même, pas à l'avance."}
    if (today - day).days > ROLL_CALL_DAYS:
        return {"date": f"On peut saisir un appel des {ROLL_CALL_DAYS} derniers jours seulement."}
    return {}


def no_school(start: dt.date, end: dt.date) -> str:
    """Why a span without a school day is refused."""
    if all(
        day.weekday() >= 5 for day in (start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    ):
        return "Il n'y a pas classe le samedi ni le dimanche."
    if start == end:
        return "Il n'y a pas classe ce jour-là (vacances, jour férié ou fermeture de l'école)."
    return "Il n'y a pas classe ces jours-là (vacances, jours fériés ou fermeture de l'école)."


_AT_ROLL_CALL = {"morning": "du matin", "afternoon": "de l'après-midi", "day": "du matin et de l'après-midi"}


def question_subject(first_name: str, day: dt.date) -> str:
    return f"Absence {de(first_name)} non signalée – {french_date(day)}"


def question_body(first_name: str, day: dt.date, part: str) -> str:
    """The school asks a family why its child is absent (no gender: "absent·e"
    would be read aloud as is)."""
    return (
        f"À l'appel {_AT_ROLL_CALL[part]}, le {french_date(day)}, {first_name} n'était pas en classe, "
        "et nous n'avons pas eu de nouvelles. Pouvez-vous nous dire pourquoi ?\n\n"
        "Répondez en un geste ci-dessous : malade, rendez-vous, raison familiale, ou un mot."
    )


def back_in_class(first_name: str) -> str:
    return f"Finalement, {first_name} est bien en classe : ne tenez pas compte du message précédent. Merci !"


CANCELLED = "Absence annulée : ne tenez plus compte de cette déclaration."
