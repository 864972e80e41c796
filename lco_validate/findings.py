"""Findings: what every check produces and every reporter consumes."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class EditKind(enum.StrEnum):
    """What an edit does to the text of a document."""

    #: The value at the pointer becomes ``Edit.value``, written as JSON.
    REPLACE_VALUE = "replace-value"
    #: The key of the member at the pointer becomes ``Edit.key``; its value stays as written.
    RENAME_KEY = "rename-key"
    #: The member at the pointer goes, with one comma and the whitespace that belonged to it.
    REMOVE_KEY = "remove-key"


@dataclass(frozen=True)
class Edit:
    """One change to a document, at ``at``.

    Inside a ``Fix``, ``at`` is a relative JSON Pointer (draft-bhutton-relative-json-pointer)
    from the finding's own place: ``"0"`` is that place, ``"1/start"`` the ``start``
    member of its parent.  Being relative, a fix follows its finding wherever the
    finding's pointer is moved (``Finding.under``, a configuration's findings reused
    in another request).  ``Finding.placed_edits`` gives the edits with absolute
    JSON Pointers, which is what ``documents/edits.py`` applies.
    """

    kind: EditKind
    at: str = "0"
    #: REPLACE_VALUE: the new value, any JSON value (not part of the hash: it may be a list).
    value: Any = field(default=None, hash=False)
    #: RENAME_KEY: the new key.
    key: str = ""

    @classmethod
    def replace_value(cls, value: Any, at: str = "0") -> Edit:
        return cls(EditKind.REPLACE_VALUE, at, value=value)

    @classmethod
    def rename_key(cls, key: str, at: str = "0") -> Edit:
        return cls(EditKind.RENAME_KEY, at, key=key)

    @classmethod
    def remove_key(cls, at: str = "0") -> Edit:
        return cls(EditKind.REMOVE_KEY, at)

    def as_dict(self) -> dict[str, object]:
        shown: dict[str, object] = {"kind": self.kind.value, "pointer": self.at}
        if self.kind is EditKind.REPLACE_VALUE:
            shown["value"] = self.value
        elif self.kind is EditKind.RENAME_KEY:
            shown["key"] = self.key
        return shown


@dataclass(frozen=True)
class TextChange:
    """Where an edit falls in the file, once located: the region it replaces and the new text.

    Lines and columns are 1-based and counted in characters; the end is exclusive.
    """

    start_line: int
    start_column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True)
class Fix:
    """A repair a finding carries: edits applied together, all or none (docs/fixes.md).

    ``safe``: the result is what the user certainly meant, and the portal treats it
    as it treated what was written, or accepts it where it refused; ``check --fix``
    applies only these.  An unsafe fix is a judgement (a typo's likeliest
    correction): ``--unsafe-fixes`` applies it too.  ``description`` says in a few
    words what the fix writes (``write 30 without quotes``), for messages, ``--diff``
    summaries and ``explain``.  ``changes`` is filled in when the finding is located.
    """

    description: str
    safe: bool
    edits: tuple[Edit, ...]
    changes: tuple[TextChange, ...] = field(default=(), compare=False)

    @classmethod
    def replace_value(
        cls, value: Any, description: str, *, safe: bool = True, at: str = "0"
    ) -> Fix:
        """The value at ``at`` (the finding's own place by default) becomes ``value``."""
        return cls(description, safe, (Edit.replace_value(value, at),))

    @classmethod
    def rename_key(cls, key: str, description: str, *, safe: bool, at: str = "0") -> Fix:
        """The member at ``at`` is renamed ``key``, its value kept as written."""
        return cls(description, safe, (Edit.rename_key(key, at),))

    @classmethod
    def remove_key(cls, description: str, *, safe: bool, at: str = "0") -> Fix:
        """The member at ``at`` is removed."""
        return cls(description, safe, (Edit.remove_key(at),))

    @property
    def applicability(self) -> str:
        return "safe" if self.safe else "unsafe"

    def as_dict(self, edits: Sequence[Edit] | None = None) -> dict[str, object]:
        """The fix as JSON output shows it, with ``edits`` (placed ones) instead of its own."""
        return {
            "description": self.description,
            "applicability": self.applicability,
            "edits": [edit.as_dict() for edit in (self.edits if edits is None else edits)],
        }


@dataclass(frozen=True)
class FixDocumentation:
    """What a code's fixes do, for ``lco-validate rules`` and ``explain``.

    A rule module declares it as ``FIX``; the J and S codes in ``checking/codes.py``.
    ``applicability`` is ``safe``, ``unsafe`` or ``safe or unsafe`` (by case).
    """

    applicability: str
    what: str


def relative_pointer(base: str, relative: str) -> str:
    """The absolute JSON Pointer ``relative`` names from ``base`` ("1/start" from "/w/0/end").

    Raises ValueError when it climbs above the document or is not a relative pointer.
    """
    digits = len(relative) - len(relative.lstrip("0123456789"))
    if digits == 0 or (relative[0] == "0" and digits > 1):
        raise ValueError(f"not a relative JSON Pointer: {relative!r}")
    up, tail = int(relative[:digits]), relative[digits:]
    if tail and not tail.startswith("/"):
        raise ValueError(f"not a relative JSON Pointer: {relative!r}")
    parts = base.split("/") if base else [""]
    if up > len(parts) - 1:
        raise ValueError(f"{relative!r} climbs above the document from {base!r}")
    return "/".join(parts[: len(parts) - up]) + tail


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
    #: A repair of the problem, if one is known (``with_fix``; docs/fixes.md).
    fix: Fix | None = None

    def as_dict(self) -> dict[str, object]:
        """The finding as JSON output carries it (``fix`` only when there is one)."""
        shown: dict[str, object] = {
            "path": self.path,
            "pointer": self.pointer,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
        }
        if self.fix is not None:
            try:
                placed: list[Edit] | None = self.placed_edits()
            except ValueError:
                placed = None
            shown["fix"] = self.fix.as_dict(placed)
        return shown

    def with_fix(self, fix: Fix | None) -> Finding:
        """The same finding carrying ``fix`` (None: none): ``yield finding.with_fix(...)``."""
        return replace(self, fix=fix)

    def fixable(self, *, unsafe: bool = False) -> bool:
        """Whether it carries a fix that a run with or without ``--unsafe-fixes`` applies."""
        return self.fix is not None and (self.fix.safe or unsafe)

    def placed_edits(self) -> list[Edit]:
        """The fix's edits with absolute JSON Pointers (none without a fix).

        Raises ValueError for an edit whose relative pointer leaves the document.
        """
        if self.fix is None:
            return []
        return [
            replace(edit, at=relative_pointer(self.pointer, edit.at)) for edit in self.fix.edits
        ]

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
