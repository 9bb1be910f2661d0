"""Unit tests for the roster CSV parser (pure, no I/O)."""

import datetime

import pytest

from liaison.directory.csv_import import (
    MAX_ROWS,
    RosterError,
    RosterRow,
    RowError,
    child_key,
    class_key,
    guardian_key,
    identity_text,
    parse_roster,
)

TODAY = datetime.date(2025, 6, 15)

HEADER = (
    "Classe;Nom élève;Prénom élève;Date naissance;"
    "Nom responsable;Prénom responsable;Courriel responsable;Lien"
)


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\r\n".join([header, *lines]).encode(encoding) + b"\r\n"


def row(
    classe: str = "CE1 A",
    nom: str = "Martin",
    prenom: str = "Léa",
    naissance: str = "14/03/2017",
    nom_resp: str = "Martin",
    prenom_resp: str = "Sophie",
    courriel: str = "sophie.martin@example.fr",
    lien: str = "Mère",
    sep: str = ";",
) -> str:
    return sep.join([classe, nom, prenom, naissance, nom_resp, prenom_resp, courriel, lien])


def parse(data: bytes) -> list[RosterRow]:
    return parse_roster(data, today=TODAY)


def errors_of(data: bytes) -> list[RowError]:
    with pytest.raises(RosterError) as info:
        parse(data)
    return info.value.errors


def single_error(data: bytes) -> RowError:
    errors = errors_of(data)
    assert len(errors) == 1, errors
    return errors[0]


EXPECTED_LEA = RosterRow(
    line=2,
    class_name="CE1 A",
    child_last_name="Martin",
    child_first_name="Léa",
    birth_date=datetime.date(2017, 3, 14),
    guardian_last_name="Martin",
    guardian_first_name="Sophie",
    guardian_email="sophie.martin@example.fr",
    relationship="Mère",
)


# --- Encoding and separators ------------------------------------------------


def test_parses_a_simple_file():
    assert parse(csv_bytes(row())) == [EXPECTED_LEA]


def test_utf8_bom_is_ignored():
    assert parse(b"\xef\xbb\xbf" + csv_bytes(row())) == [EXPECTED_LEA]


def test_cp1252_file_is_decoded():
    data = csv_bytes(row(), encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert parse(data) == [EXPECTED_LEA]


def test_comma_separator():
    header = HEADER.replace(";", ",")
    assert parse(csv_bytes(row(sep=","), header=header)) == [EXPECTED_LEA]


def test_semicolon_wins_when_header_has_both():
    header = "Classe;Nom élève;Prénom élève;Nom responsable;Prénom responsable;Remarques, divers"
    rows = parse(csv_bytes("CE1 A;Martin;Léa;Martin;Sophie;a, b", header=header))
    assert rows[0].guardian_first_name == "Sophie"


def test_quoted_fields_may_contain_separators_and_quotes():
    line = '"CM1, B";"Dupont; Durand";"Jean ""Jo""";2016-01-02;"Dupont";Marc;;'
    (parsed,) = parse(csv_bytes(line))
    assert parsed.class_name == "CM1, B"
    assert parsed.child_last_name == "Dupont; Durand"
    assert parsed.child_first_name == 'Jean "Jo"'


# --- Header matching ----------------------------------------------------------


def test_headers_match_without_case_accents_or_punctuation():
    header = (
        "  CLASSE ;NOM_ELEVE;Prénom de l'élève;date-de-naissance;"
        "Nom du responsable;PRENOM REPRESENTANT LEGAL;E-mail responsable;Lien de parenté"
    )
    assert parse(csv_bytes(row(), header=header)) == [EXPECTED_LEA]


def test_columns_may_be_in_any_order_and_extras_are_ignored():
    header = "Remarque;Prénom responsable;Nom responsable;Prénom enfant;Nom enfant;Classe"
    (parsed,) = parse(csv_bytes("rien;Sophie;Martin;Léa;Martin;CE1 A", header=header))
    assert parsed.child_first_name == "Léa"
    assert parsed.class_name == "CE1 A"
    assert parsed.birth_date is None
    assert parsed.guardian_email is None
    assert parsed.relationship is None


def test_missing_required_columns_are_named_in_french_on_line_1():
    header = "Classe;Nom élève;Date naissance;Nom responsable"
    error = single_error(csv_bytes("CE1 A;Martin;14/03/2017;Martin", header=header))
    assert error.line == 1
    assert error.column is None
    assert "Colonnes obligatoires manquantes" in error.message
    assert "« Prénom élève »" in error.message
    assert "« Prénom responsable »" in error.message
    assert "Classe" not in error.message


def test_a_column_given_twice_is_refused():
    header = HEADER + ";Courriel"
    error = single_error(csv_bytes(row() + ";autre@example.fr", header=header))
    assert error.line == 1
    assert error.column == "Courriel responsable"
    assert "apparaît deux fois" in error.message


# --- Empty files and limits ---------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n  \r\n"])
def test_empty_file(data):
    error = single_error(data)
    assert error.line == 1
    assert error.message == "Le fichier ne contient aucune ligne d'élève."


def test_header_only_or_blank_rows_only():
    for data in (csv_bytes(), csv_bytes("", ";;;;;;;", "   ")):
        error = single_error(data)
        assert error.message == "Le fichier ne contient aucune ligne d'élève."


def test_too_many_rows():
    lines = [row(prenom=f"Enfant{i}") for i in range(MAX_ROWS + 1)]
    error = single_error(csv_bytes(*lines))
    assert error.line == MAX_ROWS + 2
    assert "plus de 20 000 lignes" in error.message


def test_exactly_the_maximum_is_accepted():
    lines = [row(prenom=f"Enfant{i}") for i in range(MAX_ROWS)]
    assert len(parse(csv_bytes(*lines))) == MAX_ROWS


# --- Dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["14/03/2017", "14/3/2017", "14-03-2017", "14.03.2017", "2017-03-14", " 14/03/2017 00:00 "],
)
def test_accepted_date_formats(text):
    (parsed,) = parse(csv_bytes(row(naissance=text)))
    assert parsed.birth_date == datetime.date(2017, 3, 14)


def test_single_digit_day_and_month():
    (parsed,) = parse(csv_bytes(row(naissance="1/2/2018")))
    assert parsed.birth_date == datetime.date(2018, 2, 1)


@pytest.mark.parametrize(
    "text", ["31/02/2019", "2019-02-30", "14/13/2017", "14/03/17", "14/03-2017", "demain"]
)
def test_invalid_dates(text):
    error = single_error(csv_bytes(row(naissance=text)))
    assert error == RowError(
        2, "Date naissance", f"Date de naissance invalide : « {text} » (attendu JJ/MM/AAAA)."
    )


@pytest.mark.parametrize("text", ["01/01/1989", "01/01/1850", "16/06/2025", "01/01/2030"])
def test_implausible_dates(text):
    error = single_error(csv_bytes(row(naissance=text)))
    assert error.column == "Date naissance"
    assert error.message.startswith(f"Date de naissance improbable : « {text} »")


def test_boundary_dates_are_accepted():
    rows = parse(csv_bytes(row(naissance="01/01/1990"), row(prenom="Tom", naissance="15/06/2025")))
    assert [r.birth_date for r in rows] == [datetime.date(1990, 1, 1), TODAY]


def test_empty_birth_date_is_none():
    (parsed,) = parse(csv_bytes(row(naissance="  ")))
    assert parsed.birth_date is None


# --- Emails -------------------------------------------------------------------


def test_email_is_trimmed_and_lowercased():
    (parsed,) = parse(csv_bytes(row(courriel="  Sophie.Martin@Example.FR ")))
    assert parsed.guardian_email == "sophie.martin@example.fr"


@pytest.mark.parametrize(
    "email",
    [
        "sophie",
        "sophie@example",
        "a@b@example.fr",
        "sophie martin@example.fr",
        "a@example.fr, b@example.fr",
        "@example.fr",
        "a@example..fr",
    ],
)
def test_bad_email(email):
    line = '"' + row(courriel=email).replace(";", '";"') + '"'
    error = single_error(csv_bytes(line))
    assert error.line == 2
    assert error.column == "Courriel responsable"
    assert error.message.startswith("Adresse courriel invalide : « ")


def test_too_long_email():
    email = "a" * 250 + "@example.fr"
    error = single_error(csv_bytes(row(courriel=email)))
    assert error.message == "Adresse courriel trop longue (261 caractères, maximum 254)."


# --- Names and free text ------------------------------------------------------


def test_whitespace_is_trimmed_and_collapsed():
    (parsed,) = parse(csv_bytes(row(classe="  CE1\u00a0  A ", prenom=" Marie   Léa\t", lien="   ")))
    assert parsed.class_name == "CE1 A"
    assert parsed.child_first_name == "Marie Léa"
    assert parsed.relationship is None


def test_decomposed_accents_are_recomposed_for_display():
    (parsed,) = parse(csv_bytes(row(prenom="Le\u0301a")))
    assert parsed.child_first_name == "Léa"


@pytest.mark.parametrize("text", ["Lé\x00a", "Lé\x07a", "Lé\u200ba", "Lé\u202ea", "Lé\x85a"])
def test_control_characters_are_rejected(text):
    error = single_error(csv_bytes(row(prenom=text)))
    assert error.column == "Prénom élève"
    assert "caractère invisible ou de contrôle" in error.message


def test_too_long_name():
    error = single_error(csv_bytes(row(nom="x" * 101)))
    assert error == RowError(2, "Nom élève", "« Nom élève » est trop long (101 caractères, maximum 100).")
    assert parse(csv_bytes(row(nom="x" * 100)))[0].child_last_name == "x" * 100


def test_too_long_relationship():
    error = single_error(csv_bytes(row(lien="m" * 51)))
    assert error.column == "Lien"
    assert "maximum 50" in error.message


def test_required_name_empty():
    error = single_error(csv_bytes(row(prenom_resp="  ")))
    assert error == RowError(
        2, "Prénom responsable", "La colonne « Prénom responsable » doit être renseignée."
    )


def test_short_row_reports_missing_cells():
    errors = errors_of(csv_bytes("CE1 A;Martin;Léa"))
    assert [e.column for e in errors] == ["Nom responsable", "Prénom responsable"]


# --- Error collection and line numbers ----------------------------------------


def test_all_errors_are_collected_with_true_line_numbers():
    data = csv_bytes(
        row(),  # line 2
        "",  # line 3, blank
        row(prenom="Tom", naissance="31/02/2019"),  # line 4
        ";;;;;;;",  # line 5, empty cells only
        row(prenom="Zoé", courriel="zoe", nom_resp=""),  # line 6
        "   ",  # line 7
        row(prenom="Paul", naissance="2030-01-01"),  # line 8
    )
    errors = errors_of(data)
    assert [(e.line, e.column) for e in errors] == [
        (4, "Date naissance"),
        (6, "Nom responsable"),
        (6, "Courriel responsable"),
        (8, "Date naissance"),
    ]


def test_line_numbers_account_for_multiline_quoted_fields():
    data = csv_bytes(
        row(lien='"Mère\nbiologique"'),  # lines 2-3
        row(prenom="Tom", naissance="31/02/2019"),  # line 4
    )
    errors = errors_of(data)
    assert [(e.line, e.column) for e in errors] == [(4, "Date naissance")]


def test_line_number_of_multiline_record_is_its_first_line():
    data = csv_bytes(row(prenom="Tom", naissance='"31/02/\n2019"'))
    assert single_error(data).line == 2


def test_several_errors_on_one_row():
    errors = errors_of(csv_bytes(row(classe="", naissance="x", courriel="y")))
    assert {e.column for e in errors} == {"Classe", "Date naissance", "Courriel responsable"}
    assert {e.line for e in errors} == {2}


def test_roster_error_str_is_a_french_summary():
    with pytest.raises(RosterError) as info:
        parse(csv_bytes(row(naissance="31/02/2019")))
    assert str(info.value).startswith("1 erreur(s) dans le fichier ; ligne 2 : Date de naissance invalide")


# --- Cross-row checks ---------------------------------------------------------


def test_duplicate_pair_is_deduplicated_keeping_first_line():
    data = csv_bytes(
        row(),
        row(prenom="Tom"),
        row(nom="MARTIN", prenom="lea", courriel="SOPHIE.MARTIN@example.fr", lien="maman"),
    )
    rows = parse(data)
    assert [(r.line, r.child_first_name) for r in rows] == [(2, "Léa"), (3, "Tom")]
    assert rows[0].relationship == "Mère"


def test_same_child_with_two_guardians_is_two_rows():
    data = csv_bytes(row(), row(nom_resp="Durand", prenom_resp="Paul", courriel="", lien="Père"))
    rows = parse(data)
    assert len(rows) == 2
    assert child_key(rows[0]) == child_key(rows[1])


def test_same_class_written_differently_is_not_a_conflict():
    data = csv_bytes(row(classe="CE1 A"), row(classe="ce1  a", prenom_resp="Marc", courriel=""))
    assert len(parse(data)) == 2


def test_child_in_two_classes_is_an_error_on_the_later_line():
    data = csv_bytes(
        row(classe="CE1 A"),
        row(classe="CP", prenom="Tom"),
        row(classe="CE2 B", nom="MARTIN", prenom="lea", prenom_resp="Marc", courriel=""),
    )
    error = single_error(data)
    assert error.line == 4
    assert error.column == "Classe"
    assert "« CE1 A » (ligne 2)" in error.message
    assert "une seule classe" in error.message


def test_homonyms_with_different_birth_dates_are_different_children():
    data = csv_bytes(row(classe="CE1 A"), row(classe="CM2", naissance="01/09/2014"))
    assert len(parse(data)) == 2


# --- Identity helpers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jean-Pierre", "jean pierre"),
        ("  Lé-a  ", "le a"),
        ("Léa", "LEA"),
        ("D'Almeida", "d almeida"),
        ("D’Almeida", "D'Almeida"),
        ("Cœur", "coeur"),
        ("Le\u0301a", "Léa"),
        ("Marie\u00a0  Claire", "marie claire"),
    ],
)
def test_identity_text_matches(a, b):
    assert identity_text(a) == identity_text(b)


def test_identity_text_output():
    assert identity_text("  Jean-Pierre  D’ÉLIE ") == "jean pierre d elie"
    assert identity_text("Léa") != identity_text("Léo")


def test_class_key():
    assert class_key("CE1 A") == class_key(" ce1  a ") == "ce1 a"
    assert class_key("CE1 A") != class_key("CE1 B")


def test_guardian_key():
    assert guardian_key("Sophie", "Martin", " Sophie.Martin@Example.fr") == (
        "martin",
        "sophie",
        "sophie.martin@example.fr",
    )
    assert (
        guardian_key("Sophie", "MARTIN", None)
        == guardian_key("sophie", "Martin", "")
        == ("martin", "sophie", None)
    )
    assert guardian_key("Sophie", "Martin", "a@example.fr") != guardian_key("Sophie", "Martin", None)


def test_child_key():
    assert child_key(EXPECTED_LEA) == ("martin", "lea", datetime.date(2017, 3, 14))
