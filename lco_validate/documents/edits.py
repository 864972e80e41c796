"""Fixes applied to the text of a file: only the tokens they fix change (docs/fixes.md).

A fix's edits name JSON Pointers; this module finds the span of text each one
replaces, using the position index of its document (``positions.scan``), and
splices the new text in.  Everything else, byte for byte, stays as written:
indentation, key order, line endings (CRLF included), the header lines of a
saved API page, the other lines of a JSON Lines file.

* replace-value: the value's token (for an object or array, all of it) becomes
  the new value written as JSON on one line: ``json.dumps`` with ``", "`` and
  ``": "`` separators, so numbers take Python's shortest form (30, 1.5,
  1e+20), and strings are escaped to ASCII only when the file is ASCII
  throughout (a file that already holds "é" gets "é", one that does not gets
  "\\u00e9").
* rename-key: the key's string token becomes the new key; the value stays.
* remove-key: the member goes with one comma and the whitespace between them:
  a member followed by another takes the text up to that one's key (so the
  next member lands on its line and indentation); the last of several takes
  the text from the end of the previous value; the only member leaves ``{}``.

An edit that cannot be placed (its pointer is not in the document, a rename
onto a key the object already has, a member whose key is written twice, a
value JSON cannot write) makes its whole fix unplaceable.  Fixes whose spans
overlap one already taken are left for the next pass, as ruff does; the
caller checks the new text again and repeats (``checking/fixing.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..findings import Edit, EditKind, Finding, TextChange
from .pointers import escape_token
from .positions import PositionIndex, scan

__all__ = ["Applied", "Span", "apply_fixes", "edit_span", "fix_spans", "located_changes"]

_JSON_SPACE = " \t\r\n"
_SCALAR = re.compile(
    r'"[^"\\]*(?:\\.[^"\\]*)*"'
    r"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
    r"|true|false|null|NaN|Infinity|-Infinity",
    re.DOTALL,
)
# Strings first, so that brackets inside them are skipped whole.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Span:
    """Text ``[start, end)`` of the file, to be replaced by ``text``."""

    start: int
    end: int
    text: str

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass
class Applied:
    """The text after one pass of fixes, and what the pass did."""

    text: str
    #: The spans replaced, in the original text's offsets, sorted.
    spans: list[Span]
    #: The findings whose fixes were applied, whole, in the order taken.
    fixed: list[Finding]

    @property
    def fixes(self) -> int:
        return len(self.fixed)


def value_end(text: str, start: int) -> int:
    """Offset just after the JSON value that starts at ``start``."""
    if text[start] not in "[{":
        scalar = _SCALAR.match(text, start)
        if scalar is None:
            raise ValueError(f"no JSON value at offset {start}")
        return scalar.end()
    depth = 0
    for token in _STRING_OR_BRACKET.finditer(text, start):
        first = token.group()[0]
        if first in "[{":
            depth += 1
        elif first in "]}":
            depth -= 1
            if depth == 0:
                return token.end()
    raise ValueError(f"unclosed value at offset {start}")


def _skip_space(text: str, offset: int) -> int:
    while offset < len(text) and text[offset] in _JSON_SPACE:
        offset += 1
    return offset


def _skip_space_back(text: str, offset: int) -> int:
    """The offset of the first of the whitespace characters that end just before ``offset``."""
    while offset > 0 and text[offset - 1] in _JSON_SPACE:
        offset -= 1
    return offset


def json_text(value: object, *, ascii_only: bool) -> str | None:
    """``value`` written as JSON on one line; None for what JSON cannot hold (NaN, sets)."""
    try:
        return json.dumps(value, ensure_ascii=ascii_only, allow_nan=False, separators=(", ", ": "))
    except (TypeError, ValueError):
        return None


def edit_span(text: str, index: PositionIndex, edit: Edit, *, ascii_only: bool) -> Span | None:
    """The span of ``text`` that ``edit`` (with an absolute pointer) replaces; None if none.

    ``index`` is the position index of the document the pointer is in.
    """
    pointer = edit.at
    if any(duplicate == pointer for duplicate, _ in index.duplicates):
        return None  # the key is written twice: which one the user meant is not ours to say
    value_start = index.value_offset(pointer)
    if value_start is None:
        return None
    if edit.kind is EditKind.REPLACE_VALUE:
        new = json_text(edit.value, ascii_only=ascii_only)
        if new is None:
            return None
        return Span(value_start, value_end(text, value_start), new)
    key_start = index.key_offset(pointer)
    if key_start is None:
        return None  # the root or a list item: it has no key
    if edit.kind is EditKind.RENAME_KEY:
        parent = pointer[: pointer.rfind("/")]
        if index.value_offset(f"{parent}/{escape_token(edit.key)}") is not None:
            return None  # the object has that key already: renaming would write it twice
        new = json_text(edit.key, ascii_only=ascii_only)
        if new is None:
            return None
        _key, key_end = _scanstring(text, key_start + 1, False)
        return Span(key_start, key_end, new)
    return _member_span(text, key_start, value_end(text, value_start))


def _member_span(text: str, key_start: int, member_end: int) -> Span:
    """The span removing the member ``text[key_start:member_end]`` and one comma beside it."""
    after = _skip_space(text, member_end)
    if text[after] == ",":
        return Span(key_start, _skip_space(text, after + 1), "")
    before = _skip_space_back(text, key_start)
    if text[before - 1] == ",":
        return Span(_skip_space_back(text, before - 1), member_end, "")
    return Span(before, after, "")  # the only member: "{}" is left


def fix_spans(
    text: str, index: PositionIndex, finding: Finding, *, ascii_only: bool
) -> list[Span] | None:
    """The spans of all of a finding's edits; None when one of them cannot be placed."""
    try:
        edits = finding.placed_edits()
    except ValueError:
        return None
    spans: list[Span] = []
    for edit in edits:
        try:
            span = edit_span(text, index, edit, ascii_only=ascii_only)
        except (ValueError, IndexError):
            span = None
        if span is None or any(span.overlaps(taken) for taken in spans):
            return None
        spans.append(span)
    return spans or None


def located_changes(
    text: str, index: PositionIndex, finding: Finding, *, ascii_only: bool
) -> tuple[TextChange, ...] | None:
    """The finding's fix as regions of the file and their new text (SARIF ``fixes``)."""
    spans = fix_spans(text, index, finding, ascii_only=ascii_only)
    if spans is None:
        return None
    changes = []
    for span in spans:
        start_line, start_column = index.line_col(span.start)
        end_line, end_column = index.line_col(span.end)
        changes.append(TextChange(start_line, start_column, end_line, end_column, span.text))
    return tuple(changes)


def apply_fixes(
    text: str, documents: Sequence[tuple[int, int]], chosen: Iterable[tuple[Finding, int]]
) -> Applied:
    """Apply the fixes of ``chosen`` (finding, start of its document) that do not overlap.

    ``documents`` are the (start, end) ranges of the file's documents.  Fixes are
    taken in the order given; one whose spans overlap a fix already taken waits
    for the next pass.
    """
    ends = dict(documents)
    ascii_only = text.isascii()
    indexes: dict[int, PositionIndex] = {}
    taken: list[Span] = []
    fixed: list[Finding] = []
    for finding, start in chosen:
        if finding.fix is None or start not in ends:
            continue
        if start not in indexes:
            indexes[start] = scan(text, start, ends[start])
        spans = fix_spans(text, indexes[start], finding, ascii_only=ascii_only)
        if spans is None or any(span.overlaps(other) for span in spans for other in taken):
            continue
        taken.extend(spans)
        fixed.append(finding)
    taken.sort(key=lambda span: span.start)
    pieces: list[str] = []
    at = 0
    for span in taken:
        pieces += [text[at : span.start], span.text]
        at = span.end
    pieces.append(text[at:])
    return Applied("".join(pieces), taken, fixed)
