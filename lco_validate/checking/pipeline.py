"""The pipeline: file -> documents -> units -> schema -> rules and durations -> located findings.

Whole files and documents come out under the run's policy (``settings.policy``:
select, ignore, severity), so every entry point that checks them reports alike,
and with at most ``MOST_FINDINGS`` findings each, so junk cannot exhaust memory.
"""

from __future__ import annotations

import contextlib
import gc
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .. import rules
from ..documents.kinds import REQUEST_GROUP, Unit, iter_units
from ..documents.loading import SourceFile, line_col, load_file
from ..findings import Finding, Severity
from .context import GroupContext, RequestContext
from .policy import Policy, Settings
from .schemas import schema_findings

if TYPE_CHECKING:
    from ..documents.positions import PositionIndex

#: The most findings one file or document reports.  Junk can hold a finding
#: per two bytes (a JSON array of a million numbers, none of them a request)
#: and each finding kept costs a few hundred bytes: past this many they are
#: counted, not kept, and one J018 says how many were left out.  Far more
#: than anyone reads, and about 50 MB at most.
MOST_FINDINGS = 100_000


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
    result, kept = checked_source(source, settings)
    result.findings = locate(source, kept)
    return result


def checked_source(
    source: SourceFile, settings: Settings
) -> tuple[FileResult, list[tuple[Finding, int]]]:
    """A file's result, and its findings not yet located, each with its document's start."""
    result = FileResult(path=source.path, documents=len(source.documents))
    kept = ReportedFindings(settings.policy)
    for finding, start in source.located:
        kept.add([finding], start)
    for document in source.documents:
        for item in iter_units(document.value, settings.kind):
            if isinstance(item, Finding):
                kept.add([item], document.start)
                continue
            result.requests += sum(1 for _ in item.requests())
            result.records += item.is_record
            kept.add(check_unit(item, settings).findings, document.start)
    return result, kept.all()


def check_document(document: object, settings: Settings) -> list[Finding]:
    """Check an already-parsed document; findings have pointers but no line or column."""
    kept = ReportedFindings(settings.policy)
    for item in iter_units(document, settings.kind):
        if isinstance(item, Finding):
            kept.add([item])
        else:
            kept.add(check_unit(item, settings).findings)
    return [finding for finding, _ in kept.all()]


class ReportedFindings:
    """The findings a file or document reports: the policy's, and at most ``MOST_FINDINGS``.

    Each is kept with the offset of its document (for ``locate``); past the
    limit only their number and severities are, and ``all`` ends with one
    J018 at the first finding left out, as severe as the worst of them, so
    the run fails as it would with all of them.  The notice is under the
    policy like any finding: ignored or not selected, it is not reported
    (nor are the findings it counts); a severity override sets its level.
    """

    def __init__(self, policy: Policy, most: int | None = None) -> None:
        self.policy = policy
        self.most = MOST_FINDINGS if most is None else most
        self.kept: list[tuple[Finding, int]] = []
        self.left_out: Counter[Severity] = Counter()
        self.first_left_out: tuple[Finding, int] | None = None

    def add(self, findings: Iterable[Finding], document_start: int = 0) -> None:
        for finding in self.policy.applied(findings):
            if len(self.kept) < self.most:
                self.kept.append((finding, document_start))
                continue
            if self.first_left_out is None:
                self.first_left_out = (finding, document_start)
            self.left_out[finding.severity] += 1

    def all(self) -> list[tuple[Finding, int]]:
        if self.first_left_out is None:
            return self.kept
        first, document_start = self.first_left_out
        severity = next(level for level in Severity if self.left_out[level])
        counts = ", ".join(
            f"{count:,} {level.value}{'s' if count != 1 else ''}"
            for level in Severity
            if (count := self.left_out[level])
        )
        message = (
            f"only the first {self.most:,} findings are reported; {self.left_out.total():,} more "
            f"from here on are left out ({counts}): fix these first, or check a smaller file"
        )
        notice = replace(first, code="J018", severity=severity, message=message, fix=None)
        return [*self.kept, *((shown, document_start) for shown in self.policy.applied([notice]))]


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
    found = [finding.under(unit.pointer) for finding in schema_findings(unit.value, unit.kind)]
    broken = rules.Pointers(f.pointer for f in found if f.severity is Severity.ERROR)
    well_formed: list[RequestContext] = []
    for pointer, request in unit.requests():
        context = RequestContext(request, pointer, unit, settings)
        malformed = broken.lying_under(pointer) if broken else broken  # mostly: none at all
        if not malformed:
            well_formed.append(context)
        # Objects of a malformed request that are well formed are still judged, as the
        # portal judges them: one round of fixes, not two.
        found += rules.request_findings(context, malformed)
    is_group = unit.kind == REQUEST_GROUP and isinstance(unit.value, dict)
    if is_group and not broken.holds_any(unit.pointer):
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
    """Give each finding a line and column; the text is scanned only if a finding needs it.

    A fix is placed too (``Fix.changes``: the regions it replaces and their new
    text); one that cannot be placed in the text is dropped (``documents/edits.py``).
    """
    from ..documents.positions import scan

    documents = {document.start: document for document in source.documents}
    # Findings come in document order, so one index at a time serves them all:
    # keeping each line's index of a long JSON Lines file would cost as much again.
    indexed: tuple[int, PositionIndex] | None = None
    ascii_only: bool | None = None  # how fixes write text: as the file does
    placed: list[Finding] = []
    for finding, start in located:
        if finding.line:
            placed.append(finding if finding.path else replace(finding, path=source.path))
            continue
        document = documents.get(start)
        if document is None:
            line, column = line_col(source.text, start)
        else:
            if indexed is None or indexed[0] != start:
                indexed = start, scan(source.text, document.start, document.end)
            line, column = indexed[1].locate(finding.pointer, at_key=finding.at_key)
            if finding.fix is not None:
                if ascii_only is None:
                    ascii_only = source.text.isascii()
                finding = _with_placed_fix(source.text, indexed[1], finding, ascii_only)
        placed.append(replace(finding, path=source.path, line=line, column=column))
    return sorted(placed, key=lambda f: (f.line, f.column, f.code))


def _with_placed_fix(
    text: str, index: PositionIndex, finding: Finding, ascii_only: bool
) -> Finding:
    from ..documents.edits import located_changes

    assert finding.fix is not None
    changes = located_changes(text, index, finding, ascii_only=ascii_only)
    return finding.with_fix(None if changes is None else replace(finding.fix, changes=changes))
