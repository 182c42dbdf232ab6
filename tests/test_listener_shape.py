"""Thin listeners: every function in `handlers/*.py` (listeners, their helpers and the
composers; not the view builders in `handlers/views/`) stays short, and the actor's
workspace is read in one place, so each listener is the one skeleton and not a copy."""

from __future__ import annotations

import ast
from pathlib import Path

HANDLERS = Path(__file__).parent.parent / "handlers"
MOST_LINES = 25


def functions(path: Path) -> list[tuple[str, int]]:
    """Each function (nested ones too) in `path` and how many lines it spans, from its
    `def` to its last line (decorators aside)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        (f"{path.name}:{node.lineno} {node.name}", node.end_lineno - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno
    ]


def test_the_measure_sees_every_listener_module() -> None:
    measured = {name.split(":")[0] for path in HANDLERS.glob("*.py") for name, _ in functions(path)}
    assert {"admin.py", "agreements.py", "checkins.py", "intros.py", "listening.py"} <= measured


def test_no_function_in_handlers_is_longer_than_25_lines() -> None:
    spans = [span for path in sorted(HANDLERS.glob("*.py")) for span in functions(path)]
    too_long = sorted((lines, name) for name, lines in spans if lines > MOST_LINES)
    print(f"\nhandlers/*.py: {len(spans)} functions, longest {max(n for _, n in spans)} lines")
    assert too_long == [], f"over {MOST_LINES} lines: {too_long}"


def test_the_workspace_is_read_from_slack_in_one_place() -> None:
    reads = {path.name: path.read_text().count('team_id or ""') for path in HANDLERS.glob("*.py")}
    assert {name: count for name, count in reads.items() if count} == {"actor.py": 1}
