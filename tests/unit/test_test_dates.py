"""No test module computes a date when it is imported.

A module's TODAY computed at import is the day the run started; a page computes its own
today when the test runs. A run that crossed midnight in Beijing (16:00 UTC) failed about ten
date assertions this way. Dates are computed where they are used (each test's day is pinned
by tests/conftest.py's one_day_per_test)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
CLOCK_CALLS = {"today", "now", "utcnow"}


def import_time_clock_calls(tree: ast.AST) -> list[int]:
    """Lines that read the clock when the module is imported: module and class bodies,
    decorators (parametrize) and default arguments, not function bodies."""
    found: list[int] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            arguments = node.args
            evaluated = [*arguments.defaults, *(d for d in arguments.kw_defaults if d)]
            if not isinstance(node, ast.Lambda):
                evaluated += node.decorator_list
            for child in evaluated:
                visit(child)
            return
        if isinstance(node, ast.Call):
            called = node.func
            name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            if name in CLOCK_CALLS:
                found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_the_scan_finds_a_date_computed_at_import():
    source = (
        "TODAY = clock.today()\n"
        "@pytest.mark.parametrize('d', [date.today()])\n"
        "def test(d, at=datetime.now(UTC)):\n"
        "    return clock.today()\n"
    )
    assert import_time_clock_calls(ast.parse(source)) == [1, 3, 2]


def test_no_test_module_reads_the_clock_when_imported():
    offenders = {
        str(path.relative_to(TESTS)): lines
        for path in sorted(TESTS.rglob("*.py"))
        if (lines := import_time_clock_calls(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert offenders == {}
