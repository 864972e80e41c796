"""Every finding code the tool can raise is listed and explained, and none is listed in vain.

The codes raised are read from the source: every string literal that is a code
(``"J004"``, ``CODE = "R050"``) in lco_validate/, except in checking/codes.py,
which holds the documentation itself.  A new code written anywhere without a
rule module or an entry in ``INPUT_AND_SCHEMA_CODES`` fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from click.testing import CliRunner

import lco_validate
from lco_validate.checking import codes
from lco_validate.checking.codes import all_codes, explain_code
from lco_validate.cli import cli

PACKAGE = Path(lco_validate.__file__).parent
DOCUMENTATION = Path(codes.__file__)
A_CODE = re.compile(r"[JSRDV]\d{3}")


def literal_codes(source: str) -> set[str]:
    """The string literals of ``source`` that are finding codes."""
    return {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and A_CODE.fullmatch(node.value)
    }


def raised_codes() -> dict[str, list[str]]:
    """Each code written in the package's source, with the files that write it."""
    where: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == DOCUMENTATION:
            continue
        for code in literal_codes(path.read_text(encoding="utf-8")):
            where.setdefault(code, []).append(str(path.relative_to(PACKAGE)))
    return where


RAISED = raised_codes()
LISTED = [code for code, _ in all_codes()]


def test_codes_are_found_in_the_source_of_every_layer() -> None:
    assert {"J001", "J013", "J016", "S001", "S101", "S900", "R050", "D001", "V003"} <= set(RAISED)
    assert "checking/schemas.py" in RAISED["S007"]
    assert "documents/loading.py" in RAISED["J012"]
    assert "rules/r050_location_code_unknown.py" in RAISED["R050"]


def test_the_reading_of_codes_can_fail() -> None:
    source = 'CODE = "R999"\nyield Finding("J099", "x")\nname = "R0501"\n"""Raises R050."""\n'
    assert literal_codes(source) == {"R999", "J099"}


def test_every_code_raised_is_listed_and_explained() -> None:
    undocumented = {code: files for code, files in RAISED.items() if code not in LISTED}
    assert undocumented == {}
    unexplained = [code for code in RAISED if explain_code(code) is None]
    assert unexplained == []


def test_every_code_listed_is_raised_somewhere() -> None:
    assert [code for code in LISTED if code not in RAISED] == []


def test_the_rules_command_lists_each_code_once_with_a_summary() -> None:
    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 0, result.output
    listed = [line.split("  ", 1) for line in result.output.splitlines()]
    assert [code for code, _ in listed] == sorted(set(RAISED))
    assert all(summary.strip() for _, summary in listed)


def test_explain_prints_the_documentation_of_a_code_of_each_kind() -> None:
    for code in ("J002", "S003", "R050", "D001", "V001"):
        result = CliRunner().invoke(cli, ["explain", code])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"{code}")
        assert result.output.strip() == (explain_code(code) or "").strip()
