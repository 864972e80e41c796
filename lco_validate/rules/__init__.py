"""Rule checks: one module per rule, each with a stable code.

A rule module has ``CODE``, ``SEVERITY``, a docstring that is its
documentation (what it checks, why, a passing and a failing example; the first
line is the summary ``lco-validate rules`` shows), ``SCOPE`` (``"configuration"``,
``"request"`` or ``"group"``) and ``check(context)`` yielding findings.  A
configuration rule is given a request holding a single configuration, and its
findings are reused for identical configurations (see ``_configurations``).
``lco-validate explain CODE`` prints the docstring.  Its examples end it:
``Passes, in PLACE::`` or ``Fails at POINTER, in PLACE::`` over a JSON
fragment that ``tests/test_rule_examples.py`` merges into the valid request
group ``tests/rule_examples/base.json`` at PLACE (the request, the
configuration...; objects key by key, lists of objects item by item) and
checks for no finding of the rule's code, or for one at PLACE + POINTER.

The portal judges an object only once its own fields are well formed, and
each object on its own: a window whose end is before its start is reported
beside a malformed exposure count elsewhere in the request.  ``JUDGES`` says
which object a rule's verdict belongs to, as a pointer pattern relative to the
request (``*`` for any list index): ``"/windows/*"`` a window, ``"."`` the
finding's own field, ``""`` (the default for request rules) the whole request,
``"/configurations/*"`` (the default for configuration rules) the configuration.
A finding is kept only when no structural error lies under that object.

A rule that reports a consequence (D002: no duration can be computed) sets
``SILENT_BESIDE_AN_ERROR_AT_ITS_POINTER``: its finding is left out when
another rule's error at the same pointer already says why (R001 at the
unknown instrument type), so that each cause is reported once.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._configurations import configuration_findings
from ._visibility import applies


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


@functools.cache
def _rules_by_code() -> dict[str, ModuleType]:
    return {rule.CODE: rule for rule in all_rules()}


def judges(rule: ModuleType) -> str:
    """The rule's ``JUDGES`` pattern, or its scope's default."""
    default = "/configurations/*" if rule.SCOPE == "configuration" else ""
    return str(getattr(rule, "JUDGES", default))


def judged_object(finding: Finding, request_pointer: str) -> str:
    """The pointer of the object whose well-formedness the finding's verdict needs."""
    pattern = judges(_rules_by_code()[finding.code])
    if pattern == ".":
        return finding.pointer
    depth = pattern.count("/")
    below = finding.pointer[len(request_pointer) :].split("/")[1 : depth + 1]
    return request_pointer + "".join(f"/{part}" for part in below)


def run(scope: str, context: object, malformed: Pointers | None = None) -> Iterator[Finding]:
    """Every rule of the scope, in code order (D, R, V); for requests, configuration rules too.

    ``malformed`` holds the pointers of structural errors in the request: then
    only its well-formed objects are judged (``judged_by_parts``).  The portal
    computes visibility only for a request that passed every other check, so
    once an R rule has refused the request the V rules are skipped.
    """
    if scope == "request":
        assert isinstance(context, RequestContext)
        yield from request_findings(context, malformed)
        return
    for rule in rules_for(scope):
        yield from rule.check(context)


def request_findings(context: RequestContext, malformed: Pointers | None = None) -> list[Finding]:
    """``run("request", context, malformed)`` as a list: what the pipeline asks per request."""
    if malformed:
        return judged_by_parts(context, malformed)
    configuration_rules, checks, visibility = _request_rules_split()
    found = configuration_findings(context, configuration_rules)
    extend = found.extend
    for check in checks:
        extend(check(context))
    if not found:  # an archive's requests mostly: nothing to sort, explain or refuse
        return found if not visibility or not applies(context) else _visible(context, visibility)
    found.sort(key=_code)  # stable: per code, in document order
    found = without_explained_consequences(found)
    if any(f.severity is Severity.ERROR and f.code.startswith("R") for f in found):
        return found
    if not visibility or not applies(context):  # each V rule asks this first
        return found
    found.extend(_visible(context, visibility))
    return found


def _visible(context: RequestContext, visibility: tuple[ModuleType, ...]) -> list[Finding]:
    return [finding for rule in visibility for finding in rule.check(context)]


def _code(finding: Finding) -> str:
    return finding.code


@functools.cache
def _request_rules_split() -> tuple[
    tuple[ModuleType, ...],
    tuple[Callable[[RequestContext], Iterable[Finding]], ...],
    tuple[ModuleType, ...],
]:
    """The configuration rules, the checks of the request rules but the V rules, and those."""
    every = rules_for("request")
    return (
        tuple(rules_for("configuration")),
        tuple(rule.check for rule in every if not rule.CODE.startswith("V")),
        tuple(rule for rule in every if rule.CODE.startswith("V")),
    )


def judged_by_parts(context: RequestContext, malformed: Pointers) -> list[Finding]:
    """The findings on the well-formed objects of a request that has structural errors.

    A rule whose object is fixed (the location, the window list, the whole
    request) runs only if that object is well formed; one that judges each
    window, target or configuration runs on the well-formed ones, and a
    field's own check (``"."``) runs everywhere.  Rules read malformed objects
    defensively, but only these are ever given them.
    """
    configurations = context.request.get("configurations")
    indices = range(len(configurations)) if isinstance(configurations, list) else range(0)
    broken = {
        index
        for index in indices
        if malformed.holds_any(f"{context.pointer}/configurations/{index}")
    }
    every = rules_for("configuration")
    own_fields = [rule for rule in every if judges(rule) == "."]
    found = configuration_findings(context, every, [i for i in indices if i not in broken])
    found += configuration_findings(context, own_fields, sorted(broken))
    for rule in rules_for("request"):
        pattern = judges(rule)
        fixed = pattern != "." and "*" not in pattern
        if rule.CODE.startswith("V") or (fixed and malformed.holds_any(context.pointer + pattern)):
            continue
        found.extend(rule.check(context))
    kept = [f for f in found if not malformed.holds_any(judged_object(f, context.pointer))]
    kept.sort(key=lambda finding: finding.code)
    return without_explained_consequences(kept)


@functools.cache
def _consequence_codes() -> frozenset[str]:
    return frozenset(
        rule.CODE
        for rule in all_rules()
        if getattr(rule, "SILENT_BESIDE_AN_ERROR_AT_ITS_POINTER", False)
    )


def without_explained_consequences(found: list[Finding]) -> list[Finding]:
    """``found`` without the consequences that another rule's error at their pointer explains."""
    consequences = _consequence_codes()
    if not any(finding.code in consequences for finding in found):
        return found
    explained = {
        finding.pointer
        for finding in found
        if finding.severity is Severity.ERROR and finding.code not in consequences
    }
    return [f for f in found if f.code not in consequences or f.pointer not in explained]


class Pointers:
    """Pointers (of structural errors), filed so that asking about one costs its depth.

    Each pointer is filed under itself and each of its ancestors, so "which lie
    under this object?" is one lookup: a group of thousands of requests, or a
    request of thousands of broken configurations, is not searched once per
    object (which made checking quadratic in their number).
    """

    __slots__ = ("_under",)

    def __init__(self, pointers: Iterable[str] = ()) -> None:
        self._under: dict[str, list[str]] = {}
        for pointer in pointers:
            ancestor = pointer
            while True:
                self._under.setdefault(ancestor, []).append(pointer)
                cut = ancestor.rfind("/")
                if cut < 0:
                    break
                ancestor = ancestor[:cut]

    def lying_under(self, pointer: str) -> Pointers:
        """Those that are ``pointer`` or lie under it, in the order they were given."""
        return Pointers(self._under.get(pointer, ()))

    def holds_any(self, pointer: str) -> bool:
        """Whether any is ``pointer`` or lies under it."""
        return pointer in self._under

    def __bool__(self) -> bool:
        return bool(self._under)

    def __iter__(self) -> Iterator[str]:
        return iter(self._under.get("", ()))  # the whole document holds each one
