"""Names in French sentences: "de Paul" but "d'Éden", "que Léa" but "qu'Isaac".

The rules, kept identical in static/js/french.js (tests/unit/test_french.py
checks both on the table tests/unit/french_names.json):

- "de" and "que" elide before a vowel (accents ignored: Éden, Œlia) and before a
  mute h. In first names the h is mute in French usage (d'Hugo, d'Hélène,
  d'Henri: the Académie and the Office québécois de la langue française give
  elision as the common use); it is sounded, and so not elided, in a few names
  of English, German or Arabic origin said with their h (de Harry, de Hamza):
  the short list H_SOUNDED below, added to when a family says so.
- Before a y, they elide when the y is said as a vowel (Yves, Yvonne, Ylan: a
  consonant follows), not when it is a consonant (Yanis, Yasmine, Yaël).
- Anything else (a consonant, a title such as "Mme Martin") keeps "de".

Where the gender of a person is unknown, the texts are phrased so that none
is needed ("ne sera pas en classe", not "sera absent·e").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

# First names whose initial h is sounded, lower case without accents.
H_SOUNDED = frozenset(
    {"hamid", "hamza", "hans", "harold", "haroun", "harry", "hassan", "heidi", "hind", "howard", "hussein"}
)
_VOWELS = "aeiouœæ"


def _plain(name: str) -> str:
    """The name lower case, without accents or surrounding spaces."""
    decomposed = unicodedata.normalize("NFD", name.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def elides(name: str) -> bool:
    """Whether "de"/"que" lose their e before this name (see the module's rules)."""
    plain = _plain(name)
    if not plain:
        return False
    first = plain[0]
    if first in _VOWELS:
        return True
    if first == "h":
        word = plain.replace("-", " ").split()[0]
        return word not in H_SOUNDED
    if first == "y":
        return len(plain) > 1 and plain[1].isalpha() and plain[1] not in _VOWELS + "y"
    return False


def de_word(name: str) -> str:
    """The preposition to put before the name, with its space: "de " or "d'"
    (for templates that style the name apart: `{{ n|de_word }}<strong>{{ n }}</strong>`)."""
    return "d'" if elides(name) else "de "


def de(name: str) -> str:
    """ "de Paul", "d'Éden"."""
    name = name.strip()
    return de_word(name) + name


def que(name: str) -> str:
    """ "que Paul", "qu'Éden"."""
    name = name.strip()
    return f"qu'{name}" if elides(name) else f"que {name}"


def join(items: Sequence[str]) -> str:
    """ "a", "a et b", "a, b et c"."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} et {items[-1]}"


def de_each(names: Sequence[str]) -> str:
    """ "de" repeated before each name, as French wants: "d'Éden et de Paul"."""
    return join([de(n) for n in names])


def plural(count: int, one: str, many: str | None = None) -> str:
    """`one` for 0 or 1 (French counts zero as singular), else `many` (`one` + "s")."""
    return one if count < 2 else (many if many is not None else f"{one}s")


# The filters the server's templates use: {{ child|de }}, {{ n|plural("élève") }}.
FILTERS: dict[str, Callable[..., str]] = {
    "de": de,
    "de_word": de_word,
    "que": que,
    "de_each": de_each,
    "plural": plural,
}
