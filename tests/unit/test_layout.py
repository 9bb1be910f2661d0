"""The project's layout: `workers/` (the Procfile's worker process) imports
`liaison`, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an `import` or `from … import` names (absolute imports)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def imports_workers(module: str) -> bool:
    return module == "workers" or module.startswith("workers.")


def test_the_check_sees_every_form_of_import() -> None:
    source = """
import workers
import workers.main as entry
from workers import main
from workers.main import main as run
def later():
    import workers.loops
from workersish import x
from liaison import workers_count
"""
    modules = [module for _, module in imported_modules(ast.parse(source))]
    assert sorted(m for m in modules if imports_workers(m)) == [
        "workers",
        "workers",
        "workers.loops",
        "workers.main",
        "workers.main",
    ]


def test_liaison_never_imports_workers() -> None:
    sources = sorted((ROOT / "liaison").rglob("*.py"))
    assert sources, "liaison/ not found"
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sources
        for line, module in imported_modules(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if imports_workers(module)
    ]
    assert offenders == [], "liaison/ must not import workers/ (workers/ imports liaison):\n" + "\n".join(
        offenders
    )
