"""Auditing archives: every request through schema, rules and durations, summarised.

The work is split into batches of documents (as text) that worker processes
check independently; each batch returns its findings and a partial summary,
and partial summaries merge.  At most ``2 x jobs`` batches are in flight, so
memory stays bounded whatever the archive's size.
"""

from __future__ import annotations

import heapq
import itertools
import json
import multiprocessing
import os
import stat
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from ..checking.context import RequestContext
from ..checking.pipeline import check_unit, fewer_garbage_collections
from ..checking.policy import AUDIT, Resolution, Settings, excluded_by, resolve
from ..documents.kinds import iter_units
from ..documents.loading import expand_paths
from ..findings import Finding
from ..model.duration import DurationError
from .archive import ARCHIVE_INCLUDE, ArchiveDocument, iter_archive_documents

BATCH_CHARACTERS = 1 << 20
#: With several jobs, files up to this size (two API pages of 1000 requests) go to a
#: worker whole: it reads and splits them itself, which spares the main process (whose
#: CPU the workers share) parsing them.  Larger files are split here, so that every
#: worker gets a share of each.
WHOLE_FILE_BYTES = 4 << 20
WORST_KEPT = 20
MIXED = "(several instrument types)"


@dataclass
class Agreement:
    """How recorded durations of one instrument type compare with the model."""

    requests: int = 0
    computed: int = 0
    recorded: int = 0
    exact: int = 0
    differences: Counter[int] = field(default_factory=Counter)  # recorded - computed, s

    def merge(self, other: Agreement) -> None:
        self.requests += other.requests
        self.computed += other.computed
        self.recorded += other.recorded
        self.exact += other.exact
        self.differences.update(other.differences)

    def as_dict(self) -> dict[str, Any]:
        compared = sum(self.differences.values())
        return {
            "requests": self.requests,
            "computed": self.computed,
            "compared": compared,
            "exact": self.exact,
            "exact_fraction": self.exact / compared if compared else None,
            "difference_percentiles": _percentiles(self.differences),
            "difference_histogram": _histogram(self.differences),
        }


class Offender(NamedTuple):
    """A request whose recorded duration disagrees with the model; ordered by size."""

    size: int  # |difference|
    difference: int  # recorded - computed, seconds
    path: str
    document: int
    pointer: str
    id: Any
    recorded: float
    computed: int
    instrument_type: str


@dataclass
class AuditSummary:
    files: int = 0
    documents: int = 0
    units: int = 0
    requests: int = 0
    by_code: Counter[str] = field(default_factory=Counter)
    by_severity: Counter[str] = field(default_factory=Counter)
    agreement: dict[str, Agreement] = field(default_factory=dict)
    worst: list[Offender] = field(default_factory=list)  # a heap, smallest first

    def merge(self, other: AuditSummary) -> None:
        self.documents += other.documents
        self.units += other.units
        self.requests += other.requests
        self.by_code.update(other.by_code)
        self.by_severity.update(other.by_severity)
        for instrument_type, agreement in other.agreement.items():
            self.agreement.setdefault(instrument_type, Agreement()).merge(agreement)
        self.worst = heapq.nlargest(WORST_KEPT, self.worst + other.worst)

    def as_dict(self, seconds: float) -> dict[str, Any]:
        return {
            "files": self.files,
            "documents": self.documents,
            "requests": self.requests,
            "seconds": round(seconds, 3),
            "requests_per_second": round(self.requests / seconds) if seconds else None,
            "findings_by_code": dict(sorted(self.by_code.items())),
            "findings_by_severity": dict(sorted(self.by_severity.items())),
            "duration_agreement": {
                instrument_type: agreement.as_dict()
                for instrument_type, agreement in sorted(self.agreement.items())
            },
            "worst_offenders": [
                {name: value for name, value in offender._asdict().items() if name != "size"}
                for offender in sorted(self.worst, reverse=True)
            ],
        }


def _defaults_only() -> Resolution:
    return resolve(config=False, entry=AUDIT)


@dataclass(frozen=True)
class AuditOptions:
    """An audit's settings, resolved as for ``check`` (``policy.resolve(entry=AUDIT)``).

    They travel to the workers as values; each worker loads the catalogue itself.
    The default is the table's defaults, with no settings file.
    """

    resolution: Resolution = field(default_factory=_defaults_only)
    kind: str | None = None


# -- one batch (runs in a worker process) -----------------------------------------------------

_worker_settings: Settings | None = None


def _settings_for(options: AuditOptions) -> Settings:
    return options.resolution.settings(kind=options.kind)


def _start_worker(options: AuditOptions) -> None:
    global _worker_settings
    _worker_settings = _settings_for(options)


@dataclass(frozen=True)
class WholeFiles:
    """Files a worker reads and splits itself."""

    paths: list[str]


def audit_files(files: WholeFiles) -> tuple[AuditSummary, list[Finding]]:
    """``audit_batch`` on every document of the files, read here (in a worker)."""
    return audit_batch(itertools.chain.from_iterable(map(iter_archive_documents, files.paths)))


def audit_batch(
    documents: Iterable[ArchiveDocument | Finding], settings: Settings | None = None
) -> tuple[AuditSummary, list[Finding]]:
    """Check a batch of documents: a partial summary and the findings (pointers, no columns).

    A finding among the documents is a problem reading them, kept as it is.  Only
    what the run's policy keeps is handed back and counted.
    """
    settings = settings or _worker_settings
    assert settings is not None
    summary = AuditSummary()
    findings: list[Finding] = []

    def keep(found: list[Finding], document: ArchiveDocument | None = None) -> None:
        for finding in settings.policy.applied(found):
            if document is not None and not finding.line:
                finding = replace(finding, path=document.path, line=document.line, column=1)
            findings.append(finding)
            summary.by_code[finding.code] += 1
            summary.by_severity[finding.severity.value] += 1

    for document in documents:
        if isinstance(document, Finding):
            keep([document])
            continue
        summary.documents += 1
        value = document.value if document.value is not None else json.loads(document.text)
        for unit in iter_units(value, settings.kind):
            if isinstance(unit, Finding):
                keep([unit], document)
                continue
            summary.units += 1
            checked_unit = check_unit(unit, settings)
            if checked_unit.findings:
                keep(checked_unit.findings, document)
            checked = {context.pointer: context for context in checked_unit.well_formed}
            for pointer, request in unit.requests():
                summary.requests += 1
                context = checked.get(pointer)
                agreement = _agreement_for(summary, request)
                if context is None:  # malformed: the portal would not time it either
                    agreement.requests += 1
                else:
                    _record_agreement(agreement, summary, context, document)
    return summary, findings


def _instrument_type(request: dict[str, Any]) -> str:
    configurations = request.get("configurations")
    if not isinstance(configurations, list):
        return MIXED
    types = {
        str(c.get("instrument_type", "")).upper() for c in configurations if isinstance(c, dict)
    }
    return types.pop() if len(types) == 1 else MIXED


def _agreement_for(summary: AuditSummary, request: dict[str, Any]) -> Agreement:
    return summary.agreement.setdefault(_instrument_type(request), Agreement())


def _record_agreement(
    agreement: Agreement, summary: AuditSummary, context: RequestContext, document: ArchiveDocument
) -> None:
    agreement.requests += 1
    computed = context.duration
    if isinstance(computed, DurationError):
        return
    agreement.computed += 1
    recorded = context.request.get("duration")
    if not isinstance(recorded, int | float) or isinstance(recorded, bool):
        return
    agreement.recorded += 1
    difference = round(recorded - computed.duration)
    agreement.differences[difference] += 1
    agreement.exact += difference == 0
    if difference:
        entry = Offender(
            abs(difference),
            difference,
            document.path,
            document.index,
            context.pointer,
            context.request.get("id"),
            recorded,
            computed.duration,
            _instrument_type(context.request),
        )
        if len(summary.worst) < WORST_KEPT:
            heapq.heappush(summary.worst, entry)
        else:
            heapq.heappushpop(summary.worst, entry)


# -- the whole run ----------------------------------------------------------------------------


def iter_batches(
    paths: list[str],
    summary: AuditSummary,
    whole_files: bool = False,
    exclude: Callable[[Path], bool] = lambda path: False,
) -> Iterator[list[ArchiveDocument | Finding] | WholeFiles]:
    """Documents (and read problems) in batches of about ``BATCH_CHARACTERS``.

    With ``whole_files``, regular files up to ``WHOLE_FILE_BYTES`` come as ``WholeFiles``
    instead, grouped up to ``BATCH_CHARACTERS`` bytes, for a worker to read.  Directories
    are searched for archive files (``ARCHIVE_INCLUDE``, whatever the ``include``
    setting, which names a project's request files) not matched by ``exclude``.
    """
    batch: list[ArchiveDocument | Finding] = []
    size = 0
    files: list[str] = []
    files_size = 0
    for path in expand_paths(paths, include=ARCHIVE_INCLUDE, exclude=exclude):
        summary.files += 1
        file_size = _regular_file_size(path) if whole_files else None
        if file_size is not None and file_size <= WHOLE_FILE_BYTES:
            if batch:  # findings come out in file order
                yield batch
                batch, size = [], 0
            files.append(path)
            files_size += file_size
            if files_size >= BATCH_CHARACTERS:
                yield WholeFiles(files)
                files, files_size = [], 0
            continue
        if files:
            yield WholeFiles(files)
            files, files_size = [], 0
        for document in iter_archive_documents(path):
            batch.append(document)  # a read problem too: it is reported in its place
            size += len(document.text) if isinstance(document, ArchiveDocument) else 0
            if size >= BATCH_CHARACTERS:
                yield batch
                batch, size = [], 0
    if batch:
        yield batch
    if files:
        yield WholeFiles(files)


def _regular_file_size(path: str) -> int | None:
    """The size of a regular file, else None (standard input, pipes, unreadable paths)."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def run_audit(
    paths: list[str],
    options: AuditOptions,
    jobs: int,
    on_findings: Callable[[list[Finding]], None],
    on_progress: Callable[[AuditSummary], None] = lambda summary: None,
) -> AuditSummary:
    """Audit the archives with ``jobs`` processes; findings are handed over batch by batch."""
    with fewer_garbage_collections():
        return _run_audit(paths, options, jobs, on_findings, on_progress)


def _run_audit(
    paths: list[str],
    options: AuditOptions,
    jobs: int,
    on_findings: Callable[[list[Finding]], None],
    on_progress: Callable[[AuditSummary], None],
) -> AuditSummary:
    summary = AuditSummary()

    def absorb(result: tuple[AuditSummary, list[Finding]]) -> None:
        partial, findings = result
        summary.merge(partial)
        on_findings(findings)
        on_progress(summary)

    exclude = excluded_by(options.resolution["exclude"])
    batches = iter_batches(paths, summary, whole_files=jobs > 1, exclude=exclude)
    if jobs <= 1:
        settings = _settings_for(options)
        for batch in batches:
            assert not isinstance(batch, WholeFiles)
            absorb(audit_batch(batch, settings))
        return summary
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with context.Pool(jobs, initializer=_start_worker, initargs=(options,)) as pool:
        pending: deque[Any] = deque()
        for batch in batches:
            if isinstance(batch, WholeFiles):
                pending.append(pool.apply_async(audit_files, (batch,)))
            else:
                # Workers parse the text again: a string pickles far faster than the value
                # (unless the value was cleaned: the text would give back what was replaced).
                texts = [
                    replace(item, value=None)
                    if isinstance(item, ArchiveDocument) and not item.cleaned
                    else item
                    for item in batch
                ]
                pending.append(pool.apply_async(audit_batch, (texts,)))
            while len(pending) >= 2 * jobs:
                absorb(pending.popleft().get())
        while pending:
            absorb(pending.popleft().get())
    return summary


def _percentiles(differences: Counter[int]) -> dict[str, int] | None:
    total = sum(differences.values())
    if not total:
        return None
    marks = {"min": 0.0, "p1": 0.01, "p50": 0.5, "p99": 0.99, "max": 1.0}
    ordered = sorted(differences.items())
    result: dict[str, int] = {}
    for name, fraction in marks.items():
        target = fraction * (total - 1)
        seen = 0
        for value, count in ordered:
            if seen + count > target:
                result[name] = value
                break
            seen += count
    return result


_BUCKETS = (
    (-(10**9), -61, "< -60"),
    (-60, -11, "-60..-11"),
    (-10, -2, "-10..-2"),
    (-1, -1, "-1"),
    (0, 0, "0"),
    (1, 1, "+1"),
    (2, 10, "+2..+10"),
    (11, 60, "+11..+60"),
    (61, 10**9, "> +60"),
)


def _histogram(differences: Counter[int]) -> dict[str, int]:
    return {
        label: sum(count for value, count in differences.items() if low <= value <= high)
        for low, high, label in _BUCKETS
    }
