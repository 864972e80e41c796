"""Source positions for JSON Pointers.

Findings name the offending part of a document by an RFC 6901 JSON Pointer;
this module maps such pointers back to the 1-based line and column (counted in
characters) of the token they name, so findings can be reported as
``file:line:col``.  It also notes duplicate object keys and the non-standard
constants ``NaN``/``Infinity``/``-Infinity``, which the stdlib parser accepts
silently.

The scanner is meant for text that :mod:`json` already accepted; it does not
diagnose syntax errors, but raises :class:`ValueError` on malformed structure.
It does not recurse (parent links serve as the stack), so arbitrarily deep
documents work.  Its numbers are kept in machine-integer arrays, a few words
per value, and empty objects and arrays hold no container: the index of a
3 MB array of a million numbers took 130 MB as lists of Python integers, and
takes 55 MB so.
"""

from __future__ import annotations

import json.decoder
import re
from array import array
from bisect import bisect_right
from collections.abc import Callable
from typing import TypeAlias

from .pointers import escape_token, unescape_token

__all__ = ["PositionIndex", "scan"]

_WS = r"[ \t\n\r]*"
_KEY = r'"([^"\\]*)"'  # keys without escapes: the common case, decoded by slicing
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"

_WS_RE = re.compile(_WS)
_SCALAR_RE = re.compile(rf"{_STRING}|{_NUMBER}|true|false|null|(NaN|Infinity|-Infinity)", re.DOTALL)
_MEMBER_RE = re.compile(rf"{_WS}{_KEY}{_WS}:{_WS}")
_NEXT_MEMBER_RE = re.compile(rf"{_WS},{_WS}{_KEY}{_WS}:{_WS}")
_NEXT_ITEM_RE = re.compile(rf"{_WS},{_WS}")
_SEPARATOR_RE = re.compile(rf"{_WS}([,\]}}])")
_COLON_RE = re.compile(rf"{_WS}:{_WS}")
_NEWLINE_RE = re.compile("\n")
_ARRAY_INDEX_RE = re.compile("0|[1-9][0-9]*")

# C-backed string decoder; typeshed does not declare it.
_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]

_NO_KEY = -1
_NO_PARENT = -1
_NOT_AN_ITEM = -1

#: An object's members (key -> node) or an array's items (nodes, in order).
Container: TypeAlias = "dict[str, int] | array[int]"


def _numbers() -> array[int]:
    return array("q")


# One-entry cache of line starts: a JSON Lines file is scanned once per line,
# with the same ``text`` each time, and recomputing the line starts of the
# whole file for every line would be quadratic.  It keeps the last text alive.
_line_starts_cache: tuple[str, list[int]] | None = None


def _line_starts(text: str) -> list[int]:
    global _line_starts_cache
    cached = _line_starts_cache
    if cached is not None and cached[0] is text:
        return cached[1]
    starts = [0]
    starts.extend(match.end() for match in _NEWLINE_RE.finditer(text))
    _line_starts_cache = (text, starts)
    return starts


class PositionIndex:
    """Where each value (and each member's key) of one JSON document starts.

    Values are stored as numbered nodes; node 0 is the root.  Pointers are
    resolved by walking the tree rather than stored as strings, because the
    pointers of a deeply nested document have quadratic total length.
    """

    __slots__ = (
        "_children",
        "_item_indexes",
        "_key_offsets",
        "_keys",
        "_parents",
        "_text",
        "_value_offsets",
        "constants",
        "duplicates",
    )

    duplicates: list[tuple[str, int]]
    constants: list[tuple[str, int, str]]

    def __init__(
        self,
        text: str,
        value_offsets: array[int],
        key_offsets: array[int],
        parents: array[int],
        keys: list[str | None],
        item_indexes: array[int],
        children: list[Container | None],
        duplicate_nodes: list[int],
        constant_nodes: list[tuple[int, str]],
    ) -> None:
        self._text = text
        self._value_offsets = value_offsets
        self._key_offsets = key_offsets
        self._parents = parents
        self._keys = keys
        self._item_indexes = item_indexes
        self._children = children
        self.duplicates = [(self._pointer_of(node), key_offsets[node]) for node in duplicate_nodes]
        self.constants = [
            (self._pointer_of(node), value_offsets[node], token) for node, token in constant_nodes
        ]

    def value_offset(self, pointer: str) -> int | None:
        """Offset in the text of the first character of the value ``pointer`` names."""
        node, found = self._resolve(pointer)
        return self._value_offsets[node] if found else None

    def key_offset(self, pointer: str) -> int | None:
        """Offset of the opening quote of the member's key; None for array items and the root."""
        node, found = self._resolve(pointer)
        if not found:
            return None
        offset = self._key_offsets[node]
        return None if offset == _NO_KEY else offset

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and 1-based column (in characters) of ``offset`` in the text."""
        if offset < 0:
            raise ValueError(f"negative offset {offset}")
        starts = _line_starts(self._text)
        line = bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def locate(self, pointer: str, at_key: bool = False) -> tuple[int, int]:
        """Line and column for ``pointer``: its key if ``at_key`` and it names a member,
        else its value.  A pointer that is not in the document falls back to the value
        of its nearest existing ancestor."""
        node, found = self._resolve(pointer)
        offset = self._value_offsets[node]
        if found and at_key and self._key_offsets[node] != _NO_KEY:
            offset = self._key_offsets[node]
        return self.line_col(offset)

    def _resolve(self, pointer: str) -> tuple[int, bool]:
        """The node ``pointer`` names, or its nearest existing ancestor and False."""
        node = 0
        if pointer == "":
            return node, True
        if not pointer.startswith("/"):
            return node, False
        children = self._children
        for raw_token in pointer[1:].split("/"):
            container = children[node]
            if isinstance(container, dict):
                child = container.get(unescape_token(raw_token))
                if child is None:
                    return node, False
                node = child
            elif container is not None:
                if not _ARRAY_INDEX_RE.fullmatch(raw_token):
                    return node, False
                index = int(raw_token)
                if index >= len(container):
                    return node, False
                node = container[index]
            else:
                return node, False
        return node, True

    def _pointer_of(self, node: int) -> str:
        parts: list[str] = []
        parents = self._parents
        while node != 0:
            key = self._keys[node]
            parts.append(escape_token(self._item_indexes[node] if key is None else key))
            node = parents[node]
        parts.append("")
        return "/".join(reversed(parts))


def _skip_whitespace(text: str, pos: int, end: int) -> int:
    match = _WS_RE.match(text, pos, end)
    return pos if match is None else match.end()


def _slow_key(text: str, pos: int, end: int) -> tuple[str, int, int]:
    """Decode a member key that the fast regexes could not (it has escapes).

    Returns the key, the offset of its opening quote, and the offset of the
    member's value.
    """
    pos = _skip_whitespace(text, pos, end)
    if pos >= end or text[pos] != '"':
        raise ValueError(f"expected a member name at offset {pos}")
    key, after = _scanstring(text, pos + 1, False)
    colon = _COLON_RE.match(text, after, end) if after <= end else None
    if colon is None:
        raise ValueError(f"expected ':' at offset {after}")
    return key, pos, colon.end()


def scan(text: str, start: int = 0, end: int | None = None) -> PositionIndex:
    """Index the single JSON value in ``text[start:end]``.

    Offsets (and hence lines and columns) are relative to the whole ``text``,
    so a document that starts after header lines, or one line of a JSON Lines
    file, gets file-level positions.  Raises ValueError if the range does not
    hold exactly one JSON value (surrounded by optional whitespace).
    """
    if end is None or end > len(text):
        end = len(text)
    if start < 0 or start > end:
        raise ValueError(f"bad range {start}:{end}")
    if start < end and text[start] == "\ufeff":
        start += 1

    value_offsets = _numbers()
    key_offsets = _numbers()
    parents = _numbers()
    keys: list[str | None] = []  # a member's key; None for an item and the root
    item_indexes = _numbers()  # an item's index in its array
    children: list[Container | None] = []
    duplicate_nodes: list[int] = []
    constant_nodes: list[tuple[int, str]] = []

    # Where the next value goes: its container and, in an object, its key.
    container: Container | None = None
    container_node = _NO_PARENT
    key = ""
    key_offset = _NO_KEY

    pos = _skip_whitespace(text, start, end)
    while True:
        # pos is at the first character of a value.
        if pos >= end:
            raise ValueError(f"expected a value at offset {pos}")
        node = len(value_offsets)
        value_offsets.append(pos)
        key_offsets.append(key_offset)
        parents.append(container_node)
        if isinstance(container, dict):
            keys.append(key)
            item_indexes.append(_NOT_AN_ITEM)
            if key in container:
                duplicate_nodes.append(node)
            container[key] = node
        elif container is not None:
            keys.append(None)
            item_indexes.append(len(container))
            container.append(node)
        else:
            keys.append(None)
            item_indexes.append(_NOT_AN_ITEM)

        char = text[pos]
        # An empty object or array keeps no container: nothing lies under it to find.
        if char == "{":
            is_empty = False
            member = _MEMBER_RE.match(text, pos + 1, end)
            if member is not None:
                key, key_offset, pos = (
                    member.group(1),
                    member.start(1) - 1,
                    member.end(),
                )
            else:
                pos = _skip_whitespace(text, pos + 1, end)
                is_empty = pos < end and text[pos] == "}"
                if is_empty:
                    pos += 1
                else:
                    key, key_offset, pos = _slow_key(text, pos, end)
            if is_empty:
                children.append(None)
            else:
                members: dict[str, int] = {}
                children.append(members)
                container, container_node = members, node
                continue
        elif char == "[":
            pos = _skip_whitespace(text, pos + 1, end)
            if pos < end and text[pos] == "]":
                children.append(None)
                pos += 1
            else:
                items = _numbers()
                children.append(items)
                container, container_node = items, node
                key_offset = _NO_KEY
                continue
        else:
            children.append(None)
            scalar = _SCALAR_RE.match(text, pos, end)
            if scalar is None:
                raise ValueError(f"unexpected character {char!r} at offset {pos}")
            if scalar.lastindex:
                constant_nodes.append((node, scalar.group(1)))
            pos = scalar.end()

        # pos is just after a complete value: find the next value or close containers.
        while container is not None:
            if isinstance(container, dict):
                member = _NEXT_MEMBER_RE.match(text, pos, end)
                if member is not None:
                    key, key_offset, pos = (
                        member.group(1),
                        member.start(1) - 1,
                        member.end(),
                    )
                    break
            else:
                item = _NEXT_ITEM_RE.match(text, pos, end)
                if item is not None:
                    key_offset = _NO_KEY
                    pos = item.end()
                    break
            separator = _SEPARATOR_RE.match(text, pos, end)
            if separator is None:
                raise ValueError(f"expected ',' or a closing bracket at offset {pos}")
            pos = separator.end()
            closer = separator.group(1)
            if closer == "," and isinstance(container, dict):
                key, key_offset, pos = _slow_key(text, pos, end)
                break
            if closer != ("}" if isinstance(container, dict) else "]"):
                raise ValueError(f"unexpected {closer!r} at offset {pos - 1}")
            # The parent links double as the stack of open containers.
            container_node = parents[container_node]
            container = children[container_node] if container_node != _NO_PARENT else None
        else:
            break  # the root value is complete

    if _skip_whitespace(text, pos, end) != end:
        raise ValueError(f"extra data at offset {pos}")
    return PositionIndex(
        text,
        value_offsets,
        key_offsets,
        parents,
        keys,
        item_indexes,
        children,
        duplicate_nodes,
        constant_nodes,
    )
