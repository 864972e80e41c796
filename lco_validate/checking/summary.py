"""Counts over a run, and the notes a run owes its user."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from ..catalogue.provenance import PULL_COMMAND, STALE_AFTER_MONTHS
from ..findings import Severity

if TYPE_CHECKING:
    from ..catalogue.snapshot import Catalogue
    from .pipeline import FileResult

NOT_CHECKED_OFFLINE = (
    "not checked offline: proposal membership and state, semesters' time allocations, "
    "account time limits (they need the portal's database)"
)


def stale_catalogue_note(catalogue: Catalogue, today: date) -> str | None:
    """The note owed for a built-in snapshot over ``STALE_AFTER_MONTHS`` old on ``today``.

    ``today`` is the real date, not a run's ``--now``: the note is about how far the
    snapshot may lag behind the network as it is, whatever time requests are judged at.
    """
    origin = catalogue.origin
    if not origin.stale(today) or origin.taken is None:
        return None
    return (
        f"the built-in catalogue is a snapshot of {origin.taken.isoformat()}, more than "
        f"{STALE_AFTER_MONTHS} months old: instruments and overheads may have changed since; "
        f"'{PULL_COMMAND}' fetches the current one (then --configdb sites.json)"
    )


@dataclass
class Summary:
    files: int = 0
    documents: int = 0
    requests: int = 0
    records: int = 0
    by_severity: Counter[str] = field(default_factory=Counter)
    by_code: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    #: Findings that carry a fix, by whether it is safe (docs/fixes.md).
    safe_fixes: int = 0
    unsafe_fixes: int = 0
    #: Set by ``check --fix`` (fixes applied) and ``--diff`` (fixes that would be).
    fixed: int | None = None

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.documents += result.documents
        self.requests += result.requests
        self.records += result.records
        for finding in result.findings:
            self.by_severity[finding.severity.value] += 1
            self.by_code[finding.code] += 1
            if finding.fix is not None:
                if finding.fix.safe:
                    self.safe_fixes += 1
                else:
                    self.unsafe_fixes += 1

    @property
    def errors(self) -> int:
        return self.by_severity[Severity.ERROR.value]

    @property
    def warnings(self) -> int:
        return self.by_severity[Severity.WARNING.value]

    def as_dict(self) -> dict[str, Any]:
        fixing = {} if self.fixed is None else {"fixed": self.fixed}
        return {
            **fixing,
            "files": self.files,
            "documents": self.documents,
            "requests": self.requests,
            "errors": self.errors,
            "warnings": self.warnings,
            "infos": self.by_severity[Severity.INFO.value],
            "by_code": dict(sorted(self.by_code.items())),
            "notes": self.notes,
        }

    def line(self) -> str:
        return (
            f"Checked {counted(self.files, 'file')}, {counted(self.documents, 'document')}, "
            f"{counted(self.requests, 'request')}: {counted(self.errors, 'error')}, "
            f"{counted(self.warnings, 'warning')}."
        )

    def fix_line(self, *, unsafe: bool, preview: bool = False) -> str | None:
        """What fixing did or can do: ``Fixed 3 findings; 2 remaining.``, or None to say.

        Without ``fixed`` (a plain check), the count of findings ``--fix`` would fix;
        ``preview`` (``--diff``): the count it would have fixed.  Either way, the
        findings only ``--unsafe-fixes`` would fix are counted apart when it is off.
        """
        fixable = self.safe_fixes + (self.unsafe_fixes if unsafe else 0)
        hidden = 0 if unsafe else self.unsafe_fixes
        more = f" ({hidden:,} more with --unsafe-fixes)" if hidden else ""
        if self.fixed is None:
            if fixable:
                return f"{counted(fixable, 'finding')} fixable with --fix{more}."
            if hidden:
                return f"{counted(hidden, 'finding')} fixable with --fix --unsafe-fixes."
            return None
        remaining = sum(self.by_severity.values())
        left = f" ({hidden:,} fixable with --unsafe-fixes)" if hidden else ""
        if preview:
            return f"Would fix {counted(self.fixed, 'finding')}; {remaining:,} would remain{left}."
        return f"Fixed {counted(self.fixed, 'finding')}; {remaining:,} remaining{left}."


def counted(count: int, word: str) -> str:
    """``1 file``, ``2 files``, ``12,000 files``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"
