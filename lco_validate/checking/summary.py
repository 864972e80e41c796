"""Counts over a run, and the notes a run owes its user."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..findings import Severity

if TYPE_CHECKING:
    from .pipeline import FileResult

NOT_CHECKED_OFFLINE = (
    "not checked offline: proposal membership and state, semesters' time allocations, "
    "account time limits (they need the portal's database)"
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

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.documents += result.documents
        self.requests += result.requests
        self.records += result.records
        for finding in result.findings:
            self.by_severity[finding.severity.value] += 1
            self.by_code[finding.code] += 1

    @property
    def errors(self) -> int:
        return self.by_severity[Severity.ERROR.value]

    @property
    def warnings(self) -> int:
        return self.by_severity[Severity.WARNING.value]

    def as_dict(self) -> dict[str, Any]:
        return {
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


def counted(count: int, word: str) -> str:
    """``1 file``, ``2 files``, ``12,000 files``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"
