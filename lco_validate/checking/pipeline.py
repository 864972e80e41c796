"""The pipeline: file -> documents -> units -> schema -> rules and durations -> located findings.

Whole files and documents come out under the run's policy (``settings.policy``:
select, ignore, severity), so every entry point that checks them reports alike.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .. import rules
from ..documents.kinds import REQUEST_GROUP, Unit, iter_units
from ..documents.loading import SourceFile, line_col, load_file
from ..findings import Finding, Severity
from .context import GroupContext, RequestContext
from .policy import Settings
from .schemas import schema_findings


@dataclass
class FileResult:
    """What checking one file found."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    documents: int = 0
    requests: int = 0
    records: int = 0


def check_file(path: str, settings: Settings) -> FileResult:
    """Check one file (``-`` for standard input); findings carry line and column."""
    return check_source(load_file(path), settings)


def check_source(source: SourceFile, settings: Settings) -> FileResult:
    result = FileResult(path=source.path, documents=len(source.documents))
    located = list(source.located)
    for document in source.documents:
        for item in iter_units(document.value, settings.kind):
            if isinstance(item, Finding):
                located.append((item.with_path(source.path), document.start))
                continue
            result.requests += sum(1 for _ in item.requests())
            result.records += item.is_record
            for finding in check_unit(item, settings).findings:
                located.append((finding.with_path(source.path), document.start))
    result.findings = settings.policy.applied(locate(source, located))
    return result


def check_document(document: object, settings: Settings) -> list[Finding]:
    """Check an already-parsed document; findings have pointers but no line or column."""
    found: list[Finding] = []
    for item in iter_units(document, settings.kind):
        if isinstance(item, Finding):
            found.append(item)
        else:
            found.extend(check_unit(item, settings).findings)
    return settings.policy.applied(found)


@dataclass
class CheckedUnit:
    """What checking one unit gives: its findings, and its requests that were judged whole."""

    findings: list[Finding]
    #: The requests with no structural error, whose durations the portal would compute.
    well_formed: list[RequestContext]


def check_unit(unit: Unit, settings: Settings) -> CheckedUnit:
    """Findings for one unit (a request group or a request), schema first, then the rules.

    Every finding, whatever ``settings.policy`` says: the callers of whole files and
    documents apply it, and the portal's answers (``server``) must not.
    """
    structural = [finding.under(unit.pointer) for finding in schema_findings(unit.value, unit.kind)]
    found = list(structural)
    broken = [f.pointer for f in structural if f.severity is Severity.ERROR]
    well_formed: list[RequestContext] = []
    for pointer, request in unit.requests():
        context = RequestContext(request, pointer, unit, settings)
        malformed = rules.lying_under(pointer, broken)
        if not malformed:
            well_formed.append(context)
        # Objects of a malformed request that are well formed are still judged, as the
        # portal judges them: one round of fixes, not two.
        found.extend(rules.run("request", context, malformed))
    is_group = unit.kind == REQUEST_GROUP and isinstance(unit.value, dict)
    if is_group and not rules.holds_any(unit.pointer, broken):
        group = GroupContext(unit.value, unit.pointer, unit, settings, well_formed)  # type: ignore[arg-type]
        found.extend(rules.run("group", group))
    return CheckedUnit(found, well_formed)


@contextlib.contextmanager
def fewer_garbage_collections() -> Iterator[None]:
    """Run the young-generation collector rarely while checking many requests.

    Checking allocates many short-lived objects but leaves no reference cycles
    behind, so the collector's frequent passes (every 700 allocations) find
    nothing; on archives they cost about a fifth of the time.  Forked workers
    inherit the setting.
    """
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def locate(source: SourceFile, located: Iterable[tuple[Finding, int]]) -> list[Finding]:
    """Give each finding a line and column; the text is scanned only if a finding needs it."""
    from ..documents.positions import PositionIndex, scan

    documents = {document.start: document for document in source.documents}
    indexes: dict[int, PositionIndex] = {}
    placed: list[Finding] = []
    for finding, start in located:
        if not finding.line:
            document = documents.get(start)
            if document is None:
                line, column = line_col(source.text, start)
            else:
                if start not in indexes:
                    indexes[start] = scan(source.text, document.start, document.end)
                line, column = indexes[start].locate(finding.pointer, at_key=finding.at_key)
            finding = finding.with_position(line, column)
        placed.append(finding)
    return sorted(placed, key=lambda f: (f.line, f.column, f.code))
