import datetime as dt

from liaison.absences import rules

MONDAY = dt.date(2026, 11, 30)


def test_school_days_skip_weekends():
    assert rules.school_days(MONDAY, MONDAY + dt.timedelta(days=6)) == [
        MONDAY + dt.timedelta(days=i) for i in range(5)
    ]
    assert rules.school_days(MONDAY + dt.timedelta(days=5), MONDAY + dt.timedelta(days=6)) == []


def test_problems():
    today = MONDAY
    assert rules.problems(MONDAY, MONDAY, today) == {}
    assert "end" in rules.problems(MONDAY, MONDAY - dt.timedelta(days=1), today)
    assert "end" in rules.problems(MONDAY, MONDAY + dt.timedelta(days=31), today)
    assert rules.problems(MONDAY, MONDAY + dt.timedelta(days=30), today) == {}
    assert "start" in rules.problems(dt.date(2025, 1, 6), dt.date(2025, 1, 6), today)
    assert "start" in rules.problems(MONDAY + dt.timedelta(days=5), MONDAY + dt.timedelta(days=6), today)


def test_french_wording():
    assert rules.french_date(dt.date(2026, 12, 1)) == "mardi 1er décembre"
    assert rules.subject("Léa", MONDAY, MONDAY) == "Absence de Léa – lundi 30 novembre"
    assert (
        rules.subject("Léa", MONDAY, MONDAY + dt.timedelta(days=1))
        == "Absence de Léa – du lundi 30 novembre au mardi 1er décembre"
    )
    assert (
        rules.body("Léa", MONDAY, MONDAY, "morning", "medical", "")
        == "Léa ne sera pas en classe le lundi 30 novembre, le matin (rendez-vous médical)."
    )
    assert rules.body("Léa", MONDAY, MONDAY, "day", "other", "Mariage.").endswith("\n\nMariage.")


def test_parts_and_overlaps():
    assert rules.parts_meet("day", "morning") and rules.parts_meet("afternoon", "day")
    assert rules.parts_meet("morning", "morning") and not rules.parts_meet("morning", "afternoon")
    tuesday = MONDAY + dt.timedelta(days=1)
    assert rules.overlaps(MONDAY, tuesday, "day", tuesday, tuesday, "afternoon")
    assert not rules.overlaps(MONDAY, MONDAY, "day", tuesday, tuesday, "day")
    assert not rules.overlaps(MONDAY, tuesday, "morning", tuesday, tuesday, "afternoon")
    # A half-day marked absent is explained by a report covering it.
    assert rules.explained("morning", ["day"]) and rules.explained("afternoon", ["morning", "afternoon"])
    assert not rules.explained("afternoon", ["morning"]) and not rules.explained("morning", [])
    assert rules.merged_part({"morning", "afternoon"}) == "day"
    assert rules.merged_part({"afternoon"}) == "afternoon"


def test_roll_call_dates():
    assert rules.roll_call_problems(MONDAY, MONDAY) == {}
    assert rules.roll_call_problems(MONDAY - dt.timedelta(days=31), MONDAY) == {}
    assert "date" in rules.roll_call_problems(MONDAY - dt.timedelta(days=32), MONDAY)
    assert "date" in rules.roll_call_problems(MONDAY + dt.timedelta(days=1), MONDAY)


def test_why_a_span_has_no_school():
    saturday = MONDAY - dt.timedelta(days=2)
    assert "samedi" in rules.no_school(saturday, saturday + dt.timedelta(days=1))
    wednesday = MONDAY + dt.timedelta(days=2)
    assert "ce jour-là" in rules.no_school(wednesday, wednesday)
    assert "ces jours-là" in rules.no_school(wednesday, wednesday + dt.timedelta(days=10))


def test_the_question_to_the_family():
    assert rules.question_subject("Éden", MONDAY) == "Absence d'Éden non signalée – lundi 30 novembre"
    body = rules.question_body("Léa", MONDAY, "morning")
    assert body.startswith("À l'appel du matin, le lundi 30 novembre, Léa n'était pas en classe")
    assert "pourquoi ?" in body and "·" not in body
    assert "de l'après-midi" in rules.question_body("Léa", MONDAY, "afternoon")
    assert rules.back_in_class("Léa").startswith("Finalement, Léa est bien en classe")
