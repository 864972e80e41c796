"""Findings: what every check produces and every reporter consumes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One problem in one file.

    ``pointer`` is an RFC 6901 JSON Pointer into the JSON document of the file
    (for JSON Lines, into the document on that line).  ``line``/``column`` are
    1-based and counted in characters; they are filled in by ``locate`` only
    for files that have findings.  ``at_key`` asks for the position of the
    member's key rather than its value (unknown keys, duplicate keys).
    """

    code: str
    severity: Severity
    message: str
    pointer: str = ""
    path: str = ""
    line: int = 0
    column: int = 0
    at_key: bool = False

    def as_dict(self) -> dict[str, object]:
        """The finding as JSON output carries it."""
        return {
            "path": self.path,
            "pointer": self.pointer,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
        }

    def with_position(self, line: int, column: int) -> Finding:
        return replace(self, line=line, column=column)

    def with_path(self, path: str) -> Finding:
        return replace(self, path=path)

    def under(self, prefix: str) -> Finding:
        """The same finding with its pointer moved below ``prefix``."""
        return replace(self, pointer=prefix + self.pointer)


def number_text(value: float, *, sign: bool = False) -> str:
    """A number as a message shows it: 30, 1.5, 1e+20; an absurd integer shortened."""
    if isinstance(value, int) and abs(value) >= 10**15:
        text = str(value)
        return f"{text[:8]}... ({len(text.lstrip('-')):,} digits)"
    return format(float(value), "+g" if sign else "g")
