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
        == "Léa sera absent·e le lundi 30 novembre, le matin (rendez-vous médical)."
    )
    assert rules.body("Léa", MONDAY, MONDAY, "day", "other", "Mariage.").endswith("\n\nMariage.")
