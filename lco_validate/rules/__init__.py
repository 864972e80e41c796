"""Rule checks: one module per rule, each with a stable code.

A rule module has ``CODE``, ``SEVERITY``, a docstring that is its
documentation (what it checks, why, a passing and a failing example; the first
line is the summary ``lco-validate rules`` shows), ``SCOPE`` (``"configuration"``,
``"request"`` or ``"group"``) and ``check(context)`` yielding findings.  A
configuration rule is given a request holding a single configuration, and its
findings are reused for identical configurations (see ``_configurations``).
``lco-validate explain CODE`` prints the docstring.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType

from ..context import RequestContext
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
    """Every rule of the scope, in code order (D, R, V); for requests, configuration rules too.

    The portal computes visibility only for a request that passed every other
    check, so once an R rule has refused the request the V rules are skipped.
    """
    if scope != "request":
        for rule in rules_for(scope):
            yield from rule.check(context)
        return
    from ._configurations import configuration_findings

    assert isinstance(context, RequestContext)
    visibility = [rule for rule in rules_for("request") if rule.CODE.startswith("V")]
    found = configuration_findings(context, rules_for("configuration"))
    for rule in rules_for("request"):
        if rule not in visibility:
            found.extend(rule.check(context))
    found.sort(key=lambda finding: finding.code)  # stable: per code, in document order
    yield from found
    if any(f.code.startswith("R") and f.severity is Severity.ERROR for f in found):
        return
    from ..visibility.checking import applies

    if not applies(context):  # each V rule asks this first; archive audits mostly say no
        return
    for rule in visibility:
        yield from rule.check(context)
