"""The rule table reads as records: every row built by keyword, full enum names, no index.

Issue 19: rows were positional tuples with one-letter aliases (`A.avoid`, `S.danger`), so a
reader had to count commas to know which string was the message and which the source. The speed
machinery (bit masks over the rows) lives in logic.engine._rule_index, which rules.py applies to
the finished table; the rows themselves never mention it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from logic.engine import rules

SOURCE = Path(rules.__file__).read_text(encoding="utf-8")
TREE = ast.parse(SOURCE)


def _table(name: str) -> ast.expr:
    for node in TREE.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == name:
            assert node.value is not None
            return node.value
    raise AssertionError(f"{name} not found in {rules.__file__}")


def _rows(name: str) -> list[ast.Call]:
    table = _table(name)
    assert isinstance(table, ast.Tuple)
    return [row for row in table.elts if isinstance(row, ast.Call)]


@pytest.mark.parametrize("table", ["RULES", "STEP_RULES"])
def test_every_row_is_a_keyword_built_rule(table: str) -> None:
    rows = _rows(table)
    assert len(rows) == len(getattr(rules, table))  # every element of the tuple is a Rule call
    positional = [
        ast.get_source_segment(SOURCE, row)[:60]  # type: ignore[index]
        for row in rows
        if row.args or getattr(row.func, "id", None) != "Rule"
    ]
    assert positional == []
    for row in rows:
        given = {k.arg for k in row.keywords}
        assert {"id", "trigger", "target", "action", "message", "source"} <= given


def test_no_one_letter_aliases_at_module_level() -> None:
    """`Action.avoid`, not `A.avoid`: the names say what they are."""
    short = [
        target.id
        for node in TREE.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and len(target.id) == 1
    ]
    assert short == []


@pytest.mark.parametrize("table", ["RULES", "STEP_RULES"])
def test_rows_never_mention_the_index(table: str) -> None:
    from logic.engine import _rule_index

    private = {n for n in vars(_rule_index) if not n.startswith("__")} | {"_rule_index"}
    named = {n.id for n in ast.walk(_table(table)) if isinstance(n, ast.Name)}
    attributes = {n.attr for n in ast.walk(_table(table)) if isinstance(n, ast.Attribute)}
    assert (named | attributes) & private == set()
    assert not [n for n in named | attributes if "mask" in n.lower()]


def test_rows_in_the_table_are_the_rows_parsed() -> None:
    """The ids parsed from the source are the ids the module holds, in order (so the checks
    above look at the real table, not a copy)."""

    def row_id(row: ast.Call) -> str:
        (value,) = [k.value for k in row.keywords if k.arg == "id"]
        assert isinstance(value, ast.Constant)
        return str(value.value)

    assert [row_id(r) for r in _rows("RULES")] == [r.id for r in rules.RULES]
    assert [row_id(r) for r in _rows("STEP_RULES")] == [r.id for r in rules.STEP_RULES]
