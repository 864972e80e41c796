"""The pipeline: file -> documents -> units -> schema -> rules and durations -> located findings."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .. import rules
from ..documents.kinds import REQUEST_GROUP, Unit, iter_units
from ..documents.loading import SourceFile, line_col, load_file
from ..findings import Finding, Severity
from .context import GroupContext, RequestContext, Settings
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
    located = list(zip(source.findings, source.finding_starts, strict=True))
    for document in source.documents:
        for item in iter_units(document.value, settings.kind):
            if isinstance(item, Finding):
                located.append((item.with_path(source.path), document.start))
                continue
            result.requests += sum(1 for _ in item.requests())
            result.records += item.is_record
            for finding in check_unit(item, settings):
                located.append((finding.with_path(source.path), document.start))
    result.findings = locate(source, located)
    return result


def check_document(document: object, settings: Settings) -> list[Finding]:
    """Check an already-parsed document; findings have pointers but no line or column."""
    found: list[Finding] = []
    for item in iter_units(document, settings.kind):
        if isinstance(item, Finding):
            found.append(item)
        else:
            found.extend(check_unit(item, settings))
    return found


def check_unit(
    unit: Unit, settings: Settings, contexts: list[RequestContext] | None = None
) -> Iterator[Finding]:
    """Findings for one unit; ``contexts`` collects the checked requests' contexts."""
    structural = [finding.under(unit.pointer) for finding in schema_findings(unit.value, unit.kind)]
    yield from structural
    broken = [f.pointer for f in structural if f.severity is Severity.ERROR]
    contexts = [] if contexts is None else contexts
    for pointer, request in unit.requests():
        context = RequestContext(request, pointer, unit, settings)
        malformed = rules.lying_under(pointer, broken)
        if not malformed:
            contexts.append(context)
        # Objects of a malformed request that are well formed are still judged, as the
        # portal judges them: one round of fixes, not two.
        yield from rules.run("request", context, malformed)
    is_group = unit.kind == REQUEST_GROUP and isinstance(unit.value, dict)
    if is_group and not rules.holds_any(unit.pointer, broken):
        group = GroupContext(unit.value, unit.pointer, unit, settings, contexts)  # type: ignore[arg-type]
        yield from rules.run("group", group)


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

    indexes: dict[int, PositionIndex] = {}
    placed: list[Finding] = []
    for finding, start in located:
        if not finding.line:
            document = next((d for d in source.documents if d.start == start), None)
            if document is None:
                line, column = line_col(source.text, start)
            else:
                if start not in indexes:
                    indexes[start] = scan(source.text, document.start, document.end)
                line, column = indexes[start].locate(finding.pointer, at_key=finding.at_key)
            finding = finding.with_position(line, column)
        placed.append(finding)
    return sorted(placed, key=lambda f: (f.line, f.column, f.code))
