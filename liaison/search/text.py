"""The text side of search, pure: folding accents as the database does, and
turning a `ts_headline` of folded text back into a snippet of the real text.

The index and the query are folded in SQL (`search_fold`, migration 0026);
`fold` here is the same function, character by character, so that the
highlights found in the folded text can be placed on the original one
("École", not "Ecole").

A snippet is plain text (never HTML) whose highlighted words are enclosed in
`MARK_START` and `MARK_END`, two characters of Unicode's private use area
that no message can contain (they are removed from the text first): a client
splits on them and inserts every piece as text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

MARK_START = "\ue000"
MARK_END = "\ue001"
MAX_QUERY_LENGTH = 200

_COMBINING = range(0x300, 0x370)
_LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS"}
_STROKES = str.maketrans("øØđĐłŁıħĦ", "oOdDlLihH")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character as `search_fold` makes it: decomposed, without its
    combining marks, ligatures spelt out ("œ" → "oe"); "" for a lone mark."""
    pieces = []
    for part in unicodedata.normalize("NFD", char):
        if ord(part) in _COMBINING:
            continue
        pieces.append(_LIGATURES.get(part, part.translate(_STROKES)))
    return "".join(pieces)


def fold(text: str) -> str:
    return "".join(fold_char(c) for c in text)


@dataclass(frozen=True)
class Folded:
    """A text without the marks' characters, its folded form, and for each
    folded character the index of the character of `text` it comes from."""

    text: str
    folded: str
    origins: tuple[int, ...]

    @classmethod
    def of(cls, raw: str) -> Folded:
        text = raw.replace(MARK_START, "").replace(MARK_END, "")
        pieces: list[str] = []
        origins: list[int] = []
        for index, char in enumerate(text):
            folded = fold_char(char)
            pieces.append(folded)
            origins.extend([index] * len(folded))
        return cls(text, "".join(pieces), tuple(origins))

    def start(self, position: int) -> int:
        """Where the folded character at `position` starts in `text`."""
        return self.origins[position]

    def end(self, position: int) -> int:
        """Where the folded character at `position` ends in `text`: the start of
        the next character that folds to something (marks that fold to nothing
        stay with the letter before them)."""
        origin = self.origins[position]
        for following in self.origins[position + 1 :]:
            if following != origin:
                return following
        return len(self.text)


def _marked(headline: str) -> tuple[str, list[tuple[int, int]]]:
    """The headline's text without its marks, and the spans they enclosed."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    opened: int | None = None
    for char in headline:
        if char == MARK_START:
            opened = length
        elif char == MARK_END:
            if opened is not None and length > opened:
                spans.append((opened, length))
            opened = None
        else:
            plain.append(char)
            length += 1
    return "".join(plain), spans


def snippet(source: Folded, headline: str, fallback_length: int = 160) -> str:
    """The excerpt of `source.text` that `headline` (a `ts_headline` of
    `source.folded` with the marks as StartSel and StopSel) shows, with the
    same words marked, "…" where it is cut, and blanks made single spaces.
    Without a headline that fits the text, the beginning of the text, unmarked."""
    plain, spans = _marked(headline)
    at = source.folded.find(plain) if plain.strip() else -1
    if at < 0:
        text = _SPACES.sub(" ", source.text).strip()
        return text if len(text) <= fallback_length else text[:fallback_length].rstrip() + " …"
    begin, finish = source.start(at), source.end(at + len(plain) - 1)
    pieces: list[str] = []
    cursor = begin
    for first, last in spans:
        start, end = source.start(at + first), source.end(at + last - 1)
        pieces += [source.text[cursor:start], MARK_START, source.text[start:end], MARK_END]
        cursor = end
    pieces.append(source.text[cursor:finish])
    text = _SPACES.sub(" ", "".join(pieces)).strip()
    if source.text[:begin].strip():
        text = "… " + text
    if source.text[finish:].strip():
        text += " …"
    return text


def clean_query(raw: str) -> str:
    """What was typed, as searched: without the marks' characters, blanks made
    single spaces. The caller refuses it when empty or longer than
    MAX_QUERY_LENGTH."""
    return _SPACES.sub(" ", raw.replace(MARK_START, " ").replace(MARK_END, " ")).strip()
