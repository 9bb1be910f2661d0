"""Names in French sentences: the server's helper (liaison/core/french.py) and the
web app's (static/js/french.js) give the answers of one table of names
(tests/unit/french_names.json); the JavaScript runs in node."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from liaison.absences import rules
from liaison.core import french
from liaison.web.pages import page

ROOT = Path(__file__).resolve().parents[2]
TABLE = json.loads((Path(__file__).parent / "french_names.json").read_text())
NAMES = TABLE["names"]

# Imports the module (copied as .mjs: there is no package.json saying "module"),
# and prints its answers for the table read from stdin.
RUNNER = """
import { de, que, deEach } from "./french.mjs";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const table = JSON.parse(input);
console.log(JSON.stringify({
  names: table.names.map((row) => ({ name: row.name, de: de(row.name), que: que(row.name) })),
  each: table.each.map((row) => ({ names: row.names, de: deEach(row.names) })),
}));
"""


@pytest.mark.parametrize("row", NAMES, ids=[r["name"].strip() for r in NAMES])
def test_python_names(row: dict[str, str]) -> None:
    assert french.de(row["name"]) == row["de"]
    assert french.que(row["name"]) == row["que"]
    assert french.de_word(row["name"]) + row["name"].strip() == row["de"]


def test_python_lists_and_counts() -> None:
    for row in TABLE["each"]:
        assert french.de_each(row["names"]) == row["de"]
    assert french.join([]) == "" and french.join(["a", "b", "c"]) == "a, b et c"
    assert not french.elides("") and not french.elides("   ")
    assert [french.plural(n, "autre parent", "autres parents") for n in (0, 1, 2)] == [
        "autre parent",
        "autre parent",
        "autres parents",
    ]
    assert french.plural(3, "élève") == "élèves"


def test_javascript_gives_the_same_answers(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "node is not installed: run tests/browser/install (it brings it)"
    shutil.copy(ROOT / "static" / "js" / "french.js", tmp_path / "french.mjs")
    (tmp_path / "run.mjs").write_text(RUNNER)
    done = subprocess.run(
        [node, "run.mjs"], cwd=tmp_path, input=json.dumps(TABLE), capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout)
    assert answers["names"] == [{"name": r["name"], "de": r["de"], "que": r["que"]} for r in NAMES]
    assert answers["each"] == TABLE["each"]


def test_generated_absence_texts_read_right() -> None:
    """The subject elides; the text needs no gender ("absent·e" was read aloud as is)."""
    monday = dt.date(2026, 11, 30)
    assert rules.subject("Éden", monday, monday) == "Absence d'Éden – lundi 30 novembre"
    assert rules.subject("Paul", monday, monday) == "Absence de Paul – lundi 30 novembre"
    text = rules.body("Isaac", monday, monday, "day", "illness", "")
    assert "·" not in text and "absent" not in text
    assert text == "Isaac ne sera pas en classe le lundi 30 novembre, toute la journée (maladie)."


def render(capability: str, template: str, **context: object) -> str:
    """A printable page as the server renders it, whitespace folded."""
    response = page(str(ROOT / "liaison" / capability / "routes.py"), template, **context)
    return " ".join(bytes(response.body).decode().split())


def test_printed_pages_use_the_helper() -> None:
    """The paper slips and the activation letters: Jinja filters `de_word`, `de`."""
    slip = render(
        "messaging",
        "paper.html",
        thread={"subject": "Sortie", "require_ack": True},
        slips=[{"child": "Éden"}, {"child": "Paul"}],
        author="Émile Durand",
        body="Jeudi.",
        sent_on="01/12/2026",
        later=0,
        later_until="",
    )
    assert "Pour la famille d&#39;<strong>Éden</strong> – d&#39;Émile Durand" in slip
    assert "Pour la famille de <strong>Paul</strong>" in slip
    assert "(e)" not in slip and "·" not in slip

    letters = render(
        "directory",
        "activation_letters.html",
        school={"name": "École du Centre", "city": "Lyon"},
        public_url="https://liaison.example",
        letters=[
            {
                "staff": False,
                "display_name": "Claire Roux",
                "children": ["Éden", "Paul"],
                "login": "claire.roux",
                "code": "ABCD-EFGH",
                "expires": dt.date(2026, 12, 31),
            }
        ],
    )
    assert "au sujet d&#39;<strong>Éden</strong> et de <strong>Paul</strong> :" in letters
