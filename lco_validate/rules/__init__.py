"""Rule checks: one module per rule, each with a stable code.

A rule module has ``CODE``, ``SEVERITY``, a docstring that is its
documentation (what it checks, why, a passing and a failing example; the first
line is the summary ``lco-validate rules`` shows), ``SCOPE`` (``"request"`` or
``"group"``) and ``check(context)`` yielding findings.  ``lco-validate explain
CODE`` prints the docstring.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType

from ..findings import Finding, Severity


@functools.cache
def all_rules() -> list[ModuleType]:
    """Every rule module, sorted by code."""
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    ]
    return sorted(modules, key=lambda module: module.CODE)


@functools.cache
def rules_for(scope: str) -> list[ModuleType]:
    return [rule for rule in all_rules() if scope == rule.SCOPE]


def summary(rule: ModuleType) -> str:
    return (rule.__doc__ or "").strip().splitlines()[0]


def run(scope: str, context: object) -> Iterator[Finding]:
    """Every rule of the scope, in code order (D, R, V).

    The portal computes visibility only for a request that passed every other
    check, so once an R rule has refused the request the V rules are skipped.
    """
    refused = False
    for rule in rules_for(scope):
        if refused and rule.CODE.startswith("V"):
            continue
        for found in rule.check(context):
            refused = refused or (found.code.startswith("R") and found.severity is Severity.ERROR)
            yield found
