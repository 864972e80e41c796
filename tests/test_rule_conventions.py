"""The shape every rule module shares (see lco_validate/rules/__init__.py).

Every module of lco_validate/rules/ whose name does not start with ``_`` is a
rule: its code matches its file name, it declares a severity, a scope and,
optionally, the object it judges, its ``check`` takes one context, its
docstring opens with a one-line summary, and it shares code with other rules
only through the ``_`` helper modules, never by importing another rule.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from lco_validate import rules
from lco_validate.documents.schema_files import load_schema
from lco_validate.findings import Severity

RULE_NAMES = sorted(
    info.name for info in pkgutil.iter_modules(rules.__path__) if not info.name.startswith("_")
)
RULE_MODULES = [importlib.import_module(f"{rules.__name__}.{name}") for name in RULE_NAMES]
FILE_NAME = re.compile(r"(?P<code>[dvr]\d{3})_[a-z0-9_]+")


def short_name(rule: ModuleType) -> str:
    return rule.__name__.rsplit(".", 1)[1]


def test_the_rule_modules_are_found() -> None:
    assert len(RULE_MODULES) >= 50
    assert {rule.__name__ for rule in rules.all_rules()} == {r.__name__ for r in RULE_MODULES}


@pytest.mark.parametrize("rule", RULE_MODULES, ids=short_name)
def test_the_code_matches_the_file_name(rule: ModuleType) -> None:
    name = FILE_NAME.fullmatch(short_name(rule))
    assert name is not None, "a rule file is named like r050_what_it_checks.py"
    assert name["code"].upper() == rule.CODE


def test_every_code_is_unique() -> None:
    codes = [rule.CODE for rule in RULE_MODULES]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("rule", RULE_MODULES, ids=short_name)
def test_severity_and_scope_are_declared(rule: ModuleType) -> None:
    assert isinstance(rule.SEVERITY, Severity)
    assert rule.SCOPE in {"configuration", "request", "group"}


def _schema_below(schema: dict[str, Any], part: str) -> dict[str, Any] | None:
    """The schema of ``part`` (a property name, or ``*`` for a list item) inside ``schema``."""
    if "$ref" in schema:
        schema = load_schema(schema["$ref"])
    if part == "*":
        return schema.get("items") if schema.get("type") == "array" else None
    below = schema.get("properties", {}).get(part)
    return below if isinstance(below, dict) else None


def names_an_object_of_a_request(pattern: str) -> bool:
    """Whether ``pattern`` leads, field by field, to a place the request schema has."""
    if pattern == "":
        return True
    if not pattern.startswith("/"):
        return False
    schema: dict[str, Any] | None = load_schema("request.json")
    for part in pattern.split("/")[1:]:
        if schema is None:
            return False
        schema = _schema_below(schema, part)
    return schema is not None


def test_the_judges_check_itself_can_fail() -> None:
    assert names_an_object_of_a_request("/configurations/*/target")
    assert names_an_object_of_a_request("/windows")
    assert not names_an_object_of_a_request("/window/*")
    assert not names_an_object_of_a_request("/location/*")
    assert not names_an_object_of_a_request("windows")


@pytest.mark.parametrize("rule", [r for r in RULE_MODULES if hasattr(r, "JUDGES")], ids=short_name)
def test_judges_names_a_field_or_an_object_of_the_request(rule: ModuleType) -> None:
    assert isinstance(rule.JUDGES, str)
    assert rule.JUDGES == "." or names_an_object_of_a_request(rule.JUDGES), rule.JUDGES


@pytest.mark.parametrize("rule", RULE_MODULES, ids=short_name)
def test_check_takes_one_context(rule: ModuleType) -> None:
    assert callable(rule.check)
    parameters = list(inspect.signature(rule.check).parameters.values())
    assert len(parameters) == 1
    assert parameters[0].kind in {
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    }


@pytest.mark.parametrize("rule", RULE_MODULES, ids=short_name)
def test_the_docstring_opens_with_a_one_line_summary(rule: ModuleType) -> None:
    lines = (rule.__doc__ or "").split("\n")
    assert lines[0].strip() == lines[0] != "", "the summary starts on the docstring's first line"
    assert lines[0].endswith("."), "the summary is a sentence"
    assert len(lines) == 1 or lines[1].strip() == "", "the summary is one line, then a blank one"


def imported_modules(source: str, package: str) -> set[str]:
    """The dotted names a module's source imports, or imports from, anywhere in it.

    ``package`` is the module's own package, against which relative imports
    resolve.  For ``from X import y`` both ``X`` and ``X.y`` are given, as
    ``y`` may be a module.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                origin = f"{base}.{node.module}" if node.module else base
            else:
                origin = node.module or ""
            found.add(origin)
            found.update(f"{origin}.{alias.name}" for alias in node.names)
    return found


def rules_imported_by(source: str) -> list[str]:
    names = {f"{rules.__name__}.{name}" for name in RULE_NAMES}
    return sorted(names & imported_modules(source, rules.__name__))


def test_the_import_check_itself_can_fail() -> None:
    sources = [
        "from .r050_location_code_unknown import location_findings",
        "from . import r070_window_end_not_after_start",
        "from ..rules.r070_window_end_not_after_start import window_times",
        "import lco_validate.rules.v001_never_observable",
        "def later():\n    from lco_validate.rules.d001_recorded_duration import CODE",
    ]
    for source in sources:
        assert rules_imported_by(source) != [], source
    helpers = "from ._configurations import configuration_findings\nfrom ..findings import Finding"
    assert rules_imported_by(helpers) == []


@pytest.mark.parametrize("rule", RULE_MODULES, ids=short_name)
def test_no_rule_imports_another_rule(rule: ModuleType) -> None:
    # Shared code lives in the rules/_*.py helpers, so that a rule can be read,
    # moved or removed without touching another one.
    source = Path(rule.__file__ or "").read_text(encoding="utf-8")
    assert rules_imported_by(source) == []
