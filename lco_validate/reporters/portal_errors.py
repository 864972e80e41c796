"""Findings in the portal's error shape: each message where DRF would put an error.

The portal answers refusals as its serializers nest them: an object for each
object with a problem, a list with one entry per item for a list (``{}`` for
the items without one), a list of messages at a field, and
``non_field_errors`` for a problem of a whole object.  Each message here
starts with its finding code ("S003 ...").  The validate endpoint, the
expansions and ``check --output-format portal`` all answer in this shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..documents.pointers import pointer_parts
from ..findings import Finding

JSON = dict[str, Any]
NON_FIELD = "non_field_errors"


def nested_errors(document: object, findings: Iterable[Finding]) -> JSON:
    """Each finding's message (with its code) where the portal would put an error at its pointer."""
    errors: JSON = {}
    for finding in findings:
        message = f"{finding.code} {finding.message}"
        _place(errors, document, pointer_parts(finding.pointer), message)
    return errors


def _place(errors: JSON, node: object, parts: list[str], message: str) -> None:
    if not parts:
        _messages(errors, NON_FIELD).append(message)
        return
    key, rest = parts[0], parts[1:]
    value = node.get(key) if isinstance(node, dict) else None
    if isinstance(value, dict):
        child = errors.get(key)
        if not isinstance(child, dict):
            child = errors[key] = {NON_FIELD: child} if isinstance(child, list) else {}
        _place(child, value, rest, message)
    elif isinstance(value, list) and rest and rest[0].isdigit() and int(rest[0]) < len(value):
        items = errors.get(key)
        if not (isinstance(items, list) and len(items) == len(value) and _holds_items(items)):
            if items:  # messages about the list itself already stand here
                _messages(errors, NON_FIELD).extend(items)
            items = errors[key] = [{} for _ in value]
        index = int(rest[0])
        _place(items[index], value[index], rest[1:], message)
    else:
        existing = errors.get(key)
        if isinstance(existing, dict):
            _messages(existing, NON_FIELD).append(message)
        elif isinstance(existing, list) and _holds_items(existing):
            _messages(errors, NON_FIELD).append(message)
        else:
            _messages(errors, key).append(message)


def _messages(errors: JSON, key: str) -> list[Any]:
    found = errors.get(key)
    if not isinstance(found, list):
        found = errors[key] = []
    return found


def _holds_items(entries: list[Any]) -> bool:
    """Whether a list of errors is one entry per item (objects), not messages (strings).

    The two kinds never mix (a list of messages moves to ``non_field_errors``
    before items replace it), so the first entry tells: looking at every entry
    made placing N findings in a list of N items quadratic.
    """
    return bool(entries) and isinstance(entries[0], dict)
