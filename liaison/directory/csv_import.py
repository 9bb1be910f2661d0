"""Parse the pupil/guardian roster CSV exported by a French school.

Pure module: bytes in, validated rows (or a list of French error messages) out.
No I/O, no database. One CSV row describes one (pupil, guardian) pair.

Errors are collected over the whole file rather than stopping at the first one,
because a school secretary fixes the file in a spreadsheet and should be able to
correct everything in a single round trip.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "MAX_ROWS",
    "RosterError",
    "RosterRow",
    "RowError",
    "child_key",
    "class_key",
    "guardian_key",
    "identity_text",
    "parse_roster",
]

MAX_ROWS = 20_000
MAX_NAME_LENGTH = 100
MAX_RELATIONSHIP_LENGTH = 50
MAX_EMAIL_LENGTH = 254
MIN_BIRTH_YEAR = 1990

NO_ROWS_MESSAGE = "Le fichier ne contient aucune ligne d'élève."


# --------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    line: int
    class_name: str
    child_last_name: str
    child_first_name: str
    birth_date: datetime.date | None
    guardian_last_name: str
    guardian_first_name: str
    guardian_email: str | None
    relationship: str | None


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None  # French label of the column, e.g. "Date naissance"
    message: str  # French, meant to be shown as-is to a school secretary


class RosterError(Exception):
    """The file was rejected; `errors` lists every problem found, by line."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors, key=lambda error: error.line)
        first = self.errors[0] if self.errors else None
        summary = f"{len(self.errors)} erreur(s) dans le fichier"
        if first is not None:
            summary += f" ; ligne {first.line} : {first.message}"
        super().__init__(summary)


# --------------------------------------------------------------------------
# Identity helpers: used to decide that two rows describe the same person.
# Display values keep accents and case; only these keys are normalised.
# --------------------------------------------------------------------------

# Hyphens and apostrophes are typed inconsistently ("Jean-Pierre",
# "Jean Pierre", "D'Almeida", "D’Almeida", "D Almeida"), so they all become
# spaces.
_SEPARATOR_CHARS = "-\u2010\u2011\u2012\u2013\u2014\u2212'\u2019\u2018\u02bc`\u00b4"
_SEPARATORS = str.maketrans({char: " " for char in _SEPARATOR_CHARS})
# NFKD does not split French ligatures, yet "Cœur" and "Coeur" are the same name.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def _strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def identity_text(value: str) -> str:
    """Comparison form of a name: "  Lé-a  D’Élie " -> "le a d elie"."""
    # casefold before removing accents: casefolding can itself produce
    # combining marks (e.g. "İ" -> "i̇").
    folded = value.casefold().translate(_LIGATURES).translate(_SEPARATORS)
    return " ".join(_strip_accents(folded).split())


# Comparison forms: the same child (names and birth date), the same guardian
# (names and email).
ChildKey = tuple[str, str, datetime.date | None]
GuardianKey = tuple[str, str, str | None]


def child_key(row: RosterRow) -> ChildKey:
    return (
        identity_text(row.child_last_name),
        identity_text(row.child_first_name),
        row.birth_date,
    )


def guardian_key(first_name: str, last_name: str, email: str | None) -> GuardianKey:
    """Same guardian = same names and same email (or both without email)."""
    normalised_email = email.strip().lower() if email else None
    return (identity_text(last_name), identity_text(first_name), normalised_email or None)


def class_key(name: str) -> str:
    return identity_text(name)


# --------------------------------------------------------------------------
# Columns and header matching
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    field: str  # RosterRow attribute
    label: str  # French header shown in error messages
    aliases: tuple[str, ...]  # other accepted headers (label is accepted too)
    required: bool


_COLUMNS = (
    _Column("class_name", "Classe", (), True),
    _Column("child_last_name", "Nom élève", ("Nom de l'élève", "Nom enfant"), True),
    _Column("child_first_name", "Prénom élève", ("Prénom de l'élève", "Prénom enfant"), True),
    _Column("birth_date", "Date naissance", ("Date de naissance", "Né(e) le", "Né le", "Née le"), False),
    _Column(
        "guardian_last_name",
        "Nom responsable",
        ("Nom du responsable", "Nom représentant légal"),
        True,
    ),
    _Column(
        "guardian_first_name",
        "Prénom responsable",
        ("Prénom du responsable", "Prénom représentant légal"),
        True,
    ),
    _Column(
        "guardian_email",
        "Courriel responsable",
        (
            "Email responsable",
            "E-mail responsable",
            "Mail responsable",
            "Adresse courriel",
            "Courriel",
        ),
        False,
    ),
    _Column("relationship", "Lien", ("Lien de parenté", "Lien avec l'élève", "Qualité"), False),
)
_LABELS = {column.field: column.label for column in _COLUMNS}

# Small words that exports add or drop freely ("Nom de l'élève" vs "Nom élève").
_FILLER_WORDS = frozenset({"d", "de", "des", "du", "l", "la", "le", "les"})


def _header_key(header: str) -> str:
    """Case, accent, spacing and punctuation insensitive form of a header."""
    text = _strip_accents(header.casefold())
    words = "".join(char if char.isalnum() else " " for char in text).split()
    return " ".join(word for word in words if word not in _FILLER_WORDS)


_COLUMN_BY_HEADER = {
    _header_key(name): column for column in _COLUMNS for name in (column.label, *column.aliases)
}


def _map_header(line: int, headers: list[str]) -> tuple[dict[str, int], list[RowError]]:
    """Return {field: index in the row} for the recognised columns."""
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for index, header in enumerate(headers):
        column = _COLUMN_BY_HEADER.get(_header_key(header))
        if column is None:
            continue  # unknown extra columns are allowed and ignored
        if column.field in positions:
            # Two columns could both be read as e.g. the email: refuse to guess.
            first = headers[positions[column.field]].strip()
            errors.append(
                RowError(
                    line,
                    column.label,
                    f"La colonne « {column.label} » apparaît deux fois "
                    f"(« {first} » et « {header.strip()} ») ; gardez-en une seule.",
                )
            )
            continue
        positions[column.field] = index

    missing = [c.label for c in _COLUMNS if c.required and c.field not in positions]
    if missing:
        names = ", ".join(f"« {label} »" for label in missing)
        prefix = "Colonnes obligatoires manquantes" if len(missing) > 1 else "Colonne obligatoire manquante"
        errors.append(
            RowError(
                line,
                None,
                f"{prefix} : {names}. "
                "Vérifiez que la première ligne du fichier contient les noms des colonnes.",
            )
        )
    return positions, errors


# --------------------------------------------------------------------------
# Decoding and CSV reading
# --------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    # "utf-8-sig" drops a leading BOM when present and is plain UTF-8 otherwise.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Older spreadsheet exports on Windows are cp1252. A few bytes are
    # undefined in cp1252; latin-1 accepts everything and the resulting C1
    # control characters are then rejected by field validation.
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _detect_separator(text: str) -> str:
    """Look at the header line only; ";" wins (French Excel default)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    if ";" in header:
        return ";"
    if "," in header:
        return ","
    return ";"


class _MalformedCsv(Exception):
    def __init__(self, line: int):
        self.line = line


def _records(text: str, separator: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first file line of the record, fields), skipping blank lines.

    Line numbers come from the reader's `line_num`, so quoted fields that span
    several lines keep the following records correctly numbered.
    """
    # newline="" hands raw line endings to the csv module, as its docs require.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _MalformedCsv(start) from exc
        # Spreadsheets often leave rows of empty cells (";;;;") at the end.
        if any(field.strip() for field in fields):
            yield start, fields
        start = reader.line_num + 1


# --------------------------------------------------------------------------
# Field validation
# --------------------------------------------------------------------------


class _FieldError(Exception):
    """A single field is invalid; message is the French text for the user."""


def _shown(value: str, limit: int = 40) -> str:
    """Quote a user value inside a message, shortened so messages stay readable."""
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return f"« {value} »"


def _has_control_character(value: str) -> bool:
    # Tabs and line breaks are tolerated: they are whitespace and get collapsed.
    # Other control/format characters (NUL, C1 codes, zero-width, bidi
    # overrides) are invisible and would make homonyms impossible to spot.
    return any(unicodedata.category(char) in ("Cc", "Cf") and char not in "\t\r\n" for char in value)


def _clean_text(raw: str, label: str) -> str:
    """Common cleanup for every cell: reject control chars, collapse spaces."""
    if _has_control_character(raw):
        raise _FieldError(f"« {label} » contient un caractère invisible ou de contrôle non autorisé.")
    # NFC so that a name typed on a Mac (decomposed accents) displays and
    # compares like the same name typed on Windows.
    return " ".join(unicodedata.normalize("NFC", raw).split())


def _check_length(value: str, label: str, maximum: int) -> str:
    if len(value) > maximum:
        raise _FieldError(f"« {label} » est trop long ({len(value)} caractères, maximum {maximum}).")
    return value


def _required_name(raw: str, label: str) -> str:
    value = _clean_text(raw, label)
    if not value:
        raise _FieldError(f"La colonne « {label} » doit être renseignée.")
    return _check_length(value, label, MAX_NAME_LENGTH)


def _relationship(raw: str, label: str) -> str | None:
    value = _clean_text(raw, label)
    return _check_length(value, label, MAX_RELATIONSHIP_LENGTH) or None


_EMAIL_FORBIDDEN = set(' <>()[]\\,;:"')


def _email(raw: str, label: str) -> str | None:
    value = _clean_text(raw, label).lower()
    if not value:
        return None
    if len(value) > MAX_EMAIL_LENGTH:
        raise _FieldError(
            f"Adresse courriel trop longue ({len(value)} caractères, maximum {MAX_EMAIL_LENGTH})."
        )
    if not _looks_like_email(value):
        # Frequent case: two addresses in one cell ("a@x.fr; b@y.fr").
        raise _FieldError(
            f"Adresse courriel invalide : {_shown(value)} "
            "(une seule adresse par ligne, de la forme nom@domaine.fr)."
        )
    return value


def _looks_like_email(value: str) -> bool:
    if value.count("@") != 1 or not value.isprintable():
        return False
    if any(char in _EMAIL_FORBIDDEN or char.isspace() for char in value):
        return False
    local, domain = value.split("@")
    labels = domain.split(".")
    return bool(local) and len(labels) >= 2 and all(labels)


# J/M/AAAA with "/", "-" or "." (same separator twice), or ISO AAAA-MM-JJ.
# Spreadsheets sometimes append a midnight time ("15/03/2018 00:00"): ignored.
_FRENCH_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})", re.ASCII)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_MIDNIGHT = re.compile(r"\s+0?0:00(:00)?$")


def _birth_date(raw: str, label: str, today: datetime.date) -> datetime.date | None:
    value = _MIDNIGHT.sub("", _clean_text(raw, label))
    if not value:
        return None
    invalid = f"Date de naissance invalide : {_shown(value)} (attendu JJ/MM/AAAA)."
    if match := _FRENCH_DATE.fullmatch(value):
        day, _, month, year = match.groups()
    elif match := _ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    else:
        raise _FieldError(invalid)
    try:
        date = datetime.date(int(year), int(month), int(day))
    except ValueError:  # 31/02, month 13, ...
        raise _FieldError(invalid) from None
    # A typo in the year (1918, 2091) must not slip into the directory.
    if date.year < MIN_BIRTH_YEAR or date > today:
        raise _FieldError(
            f"Date de naissance improbable : {_shown(value)} "
            f"(elle doit être comprise entre {MIN_BIRTH_YEAR} et aujourd'hui)."
        )
    return date


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------


def _parse_row(
    line: int, fields: list[str], positions: dict[str, int], today: datetime.date
) -> tuple[RosterRow | None, list[RowError]]:
    """Validate every cell of one record, collecting all its errors."""

    def cell(field: str) -> str:
        index = positions.get(field)
        # Short rows (fewer cells than the header) read as empty cells.
        return fields[index] if index is not None and index < len(fields) else ""

    parsers = {
        "class_name": _required_name,
        "child_last_name": _required_name,
        "child_first_name": _required_name,
        "birth_date": lambda raw, label: _birth_date(raw, label, today),
        "guardian_last_name": _required_name,
        "guardian_first_name": _required_name,
        "guardian_email": _email,
        "relationship": _relationship,
    }
    values: dict[str, object] = {}
    errors: list[RowError] = []
    for field, parse in parsers.items():
        label = _LABELS[field]
        try:
            values[field] = parse(cell(field), label)
        except _FieldError as exc:
            errors.append(RowError(line, label, str(exc)))
    if errors:
        return None, errors
    return RosterRow(line=line, **values), []  # type: ignore[arg-type]


class _CrossRowChecks:
    """Checks that involve several rows: duplicates and class consistency."""

    def __init__(self) -> None:
        self._first_row_of_child: dict[ChildKey, RosterRow] = {}
        self._pairs: set[tuple[ChildKey, GuardianKey]] = set()

    def accept(self, row: RosterRow) -> tuple[bool, RowError | None]:
        """Return (keep the row?, error)."""
        key = child_key(row)
        first = self._first_row_of_child.setdefault(key, row)
        if class_key(first.class_name) != class_key(row.class_name):
            return False, RowError(
                row.line,
                _LABELS["class_name"],
                f"L'élève {_shown(f'{row.child_first_name} {row.child_last_name}')} figure déjà "
                f"dans la classe {_shown(first.class_name)} (ligne {first.line}) ; "
                "un élève ne peut appartenir qu'à une seule classe.",
            )
        pair = (
            key,
            guardian_key(row.guardian_first_name, row.guardian_last_name, row.guardian_email),
        )
        if pair in self._pairs:
            # Exports often repeat a line; the first occurrence is enough.
            return False, None
        self._pairs.add(pair)
        return True, None


def parse_roster(data: bytes, *, today: datetime.date | None = None) -> list[RosterRow]:
    """Parse a roster CSV; raise RosterError listing every problem found."""
    today = today or datetime.date.today()
    text = _decode(data)
    records = _records(text, _detect_separator(text))
    try:
        header = next(records, None)
        if header is None:
            raise RosterError([RowError(1, None, NO_ROWS_MESSAGE)])
        header_line, headers = header
        positions, errors = _map_header(header_line, headers)
        if errors:
            raise RosterError(errors)
        rows = _parse_records(records, positions, today, errors)
    except _MalformedCsv as exc:
        raise RosterError(
            [
                RowError(
                    exc.line,
                    None,
                    "Ligne illisible : le fichier CSV est mal formé (guillemets mal fermés ?).",
                )
            ]
        ) from None
    if errors:
        raise RosterError(errors)
    if not rows:
        raise RosterError([RowError(header_line, None, NO_ROWS_MESSAGE)])
    return rows


def _parse_records(
    records: Iterator[tuple[int, list[str]]],
    positions: dict[str, int],
    today: datetime.date,
    errors: list[RowError],
) -> list[RosterRow]:
    """Parse the data records; append problems to `errors`."""
    rows: list[RosterRow] = []
    checks = _CrossRowChecks()
    for count, (line, fields) in enumerate(records, start=1):
        if count > MAX_ROWS:
            # Stop right away: the file must be split anyway, and the other
            # errors would be noise.
            limit = f"{MAX_ROWS:,}".replace(",", " ")
            raise RosterError(
                [
                    RowError(
                        line,
                        None,
                        f"Le fichier contient plus de {limit} lignes d'élèves ; "
                        "découpez-le en plusieurs fichiers.",
                    )
                ]
            )
        row, row_errors = _parse_row(line, fields, positions, today)
        errors.extend(row_errors)
        if row is None:
            continue
        keep, error = checks.accept(row)
        if error is not None:
            errors.append(error)
        if keep:
            rows.append(row)
    return rows
