"""The text side of search (`liaison/search/text.py`): folding as the database
does, and snippets of the real text from a headline of the folded one."""

from __future__ import annotations

import pytest

from liaison.search.text import MARK_END, MARK_START, Folded, clean_query, fold, fold_char, snippet

FOLDS = [
    ("École", "Ecole"),
    ("ÉCOLE élèves à côté", "ECOLE eleves a cote"),
    ("ça Ça", "ca Ca"),
    ("cœur Œuvre", "coeur OEuvre"),
    ("Ærø straße", "AEro strasse"),
    ("Nguyễn Łukasz Đorđe", "Nguyen Lukasz Dorde"),
    ("e\u0301te\u0301", "ete"),  # decomposed, as some keyboards type it
    ("İı", "Ii"),
    ("rien à changer 123 !", "rien a changer 123 !"),
    ("日本 😀", "日本 😀"),
]


@pytest.mark.parametrize(("text", "expected"), FOLDS)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_a_lone_combining_mark_folds_to_nothing() -> None:
    assert fold_char("\u0301") == ""


def test_folded_knows_where_each_character_comes_from() -> None:
    source = Folded.of("Œuf e\u0301te\u0301")
    assert source.folded == "OEuf ete"
    assert source.origins == (0, 0, 1, 2, 3, 4, 6, 7)
    # "ete" spans the decomposed "été", its marks included.
    start, end = source.start(5), source.end(7)
    assert source.text[start:end] == "e\u0301te\u0301"
    # The two letters of a ligature end where the ligature does.
    assert source.end(0) == 1


def test_the_marks_cannot_come_from_the_text() -> None:
    source = Folded.of(f"a{MARK_START}b{MARK_END}c")
    assert source.text == "abc"


def headline_of(source: Folded, *words: str, begin: int = 0, end: int | None = None) -> str:
    """What ts_headline answers: a stretch of the folded text, `words` marked."""
    text = source.folded[begin:end]
    for word in words:
        text = text.replace(word, f"{MARK_START}{word}{MARK_END}")
    return text


def test_the_snippet_marks_the_real_words() -> None:
    source = Folded.of("La sortie à l'École des Beaux-Arts.\n\nPrévoir un cœur.")
    text = snippet(source, headline_of(source, "Ecole", "coeur"))
    assert (
        text
        == f"La sortie à l'{MARK_START}École{MARK_END} des Beaux-Arts. Prévoir un {MARK_START}cœur{MARK_END}."
    )


def test_a_cut_snippet_says_so() -> None:
    body = "Début du message. " + "Bla " * 30 + "la piscine reprend lundi. " + "Fin " * 30
    source = Folded.of(body)
    at = source.folded.index("la piscine")
    text = snippet(source, headline_of(source, "piscine", begin=at, end=at + 25))
    assert text == f"… la {MARK_START}piscine{MARK_END} reprend lundi. …"


def test_a_headline_that_does_not_fit_gives_the_beginning() -> None:
    source = Folded.of("Bonjour,\n  voici le programme " + "de la semaine " * 20)
    text = snippet(source, "rien de tout cela", fallback_length=40)
    assert text == "Bonjour, voici le programme de la semain …"
    assert snippet(Folded.of("Court."), "") == "Court."


def test_an_unclosed_mark_marks_nothing() -> None:
    source = Folded.of("Une école")
    assert snippet(source, f"Une {MARK_START}ecole") == "Une école"


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("  sortie   piscine ", "sortie piscine"),
        ("\tsortie\n", "sortie"),
        (f"{MARK_START}sortie{MARK_END}", "sortie"),
        ("   ", ""),
        ('"sortie au musée" -piscine', '"sortie au musée" -piscine'),
    ],
)
def test_clean_query(typed: str, cleaned: str) -> None:
    assert clean_query(typed) == cleaned
