"""The plain case of configdb's Cerberus schemas, without Cerberus.

configdb's ``validation_schema``s use a handful of Cerberus rules (``type``,
``schema``, ``default``, ``allowed``, ``required``, ``min``, ``max``,
``nullable``, ``description``).  For a document that satisfies such a schema,
``plainly_valid`` returns what Cerberus 1.3 returns (the document with the
schema's defaults filled in) in a fraction of a millisecond; importing
Cerberus and building a validator cost tens of milliseconds, which a
pre-commit hook on one valid file would mostly spend there.

It answers only "valid, and here is the normalised document".  Anything else
(a rule outside that set, a malformed schema, a value that breaks a rule, a
case whose Cerberus semantics are subtle) gives None, and the caller asks
Cerberus itself, which alone explains problems.  tests/test_cerberus_quick.py
checks the two agree on every schema of the built-in catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..documents.jsondata import json_copy

JSON = dict[str, Any]

_RULES = frozenset(
    {"type", "schema", "default", "allowed", "required", "min", "max", "nullable", "description"}
)
# Cerberus 1.3's types_mapping, for the JSON values a document can hold: (included, excluded).
_TYPES: dict[str, tuple[tuple[type, ...], tuple[type, ...]]] = {
    "boolean": ((bool,), ()),
    "dict": ((dict,), ()),
    "float": ((float, int), ()),  # bool is an int: Cerberus takes true as a float
    "integer": ((int,), ()),
    "list": ((list,), ()),
    "number": ((int, float), (bool,)),
    "string": ((str,), ()),
}


class _NotPlain(Exception):
    """The document or schema needs Cerberus itself."""


def is_plain(schema: object) -> bool:
    """Whether every rule of ``schema``, at every depth, is one ``plainly_valid`` knows."""
    try:
        _check_mapping_schema(schema)
    except _NotPlain:
        return False
    return True


def plainly_valid(schema: Mapping[str, Any], document: JSON) -> JSON | None:
    """The normalised document when ``document`` plainly satisfies ``schema``, else None.

    ``schema`` must be plain (``is_plain``).  Unknown keys are allowed at every
    depth, as the portal allows them.  ``document`` is not changed.
    """
    try:
        return _mapping(schema, document)
    except _NotPlain:
        return None


def _mapping(schema: Mapping[str, Any], document: Mapping[str, Any]) -> JSON:
    normalized = dict(document)
    for field, rules in schema.items():
        if "default" in rules and (
            field not in normalized
            or (normalized[field] is None and not rules.get("nullable", False))
        ):
            normalized[field] = json_copy(rules["default"])
    for field, rules in schema.items():
        if field in normalized:
            normalized[field] = _value(rules, normalized[field])
        elif rules.get("required") is True:
            raise _NotPlain
    return normalized


def _value(rules: Mapping[str, Any], value: Any) -> Any:
    if value is None:
        if rules.get("nullable") is True:
            return None
        raise _NotPlain
    if "type" in rules and not _has_type(value, rules["type"]):
        raise _NotPlain
    if "allowed" in rules and (isinstance(value, dict | list) or value not in rules["allowed"]):
        raise _NotPlain
    if "min" in rules or "max" in rules:
        # Cerberus compares whatever it is given; a plain number is the plain case.
        if not _is_number(value):
            raise _NotPlain
        if value < rules.get("min", value) or value > rules.get("max", value):
            raise _NotPlain
    if "schema" not in rules:
        return value
    if isinstance(value, dict):  # the type rule made sure it is the declared one
        return _mapping(rules["schema"], value)
    return [_value(rules["schema"], item) for item in value]


def _check_mapping_schema(schema: object) -> None:
    if not isinstance(schema, Mapping):
        raise _NotPlain
    for rules in schema.values():
        _check_rules(rules)


def _check_rules(rules: object) -> None:
    """Only rule sets made of the rules above, each with a constraint of the usual shape.

    A nested ``schema`` only under a single declared type, dict (a mapping of
    fields) or list (the rules of every item): Cerberus picks its meaning from
    the value, and a value of another type fails the type rule first.
    """
    if not isinstance(rules, Mapping) or not _RULES.issuperset(rules):
        raise _NotPlain
    if "schema" in rules:
        if rules.get("type") == "dict":
            _check_mapping_schema(rules["schema"])
        elif rules.get("type") == "list":
            _check_rules(rules["schema"])
        else:
            raise _NotPlain
    for bound in ("min", "max"):
        if bound in rules and not _is_number(rules[bound]):
            raise _NotPlain
    if "allowed" in rules and not isinstance(rules["allowed"], list):
        raise _NotPlain
    wanted = rules.get("type", "string")
    names = [wanted] if isinstance(wanted, str) else wanted
    if not isinstance(names, list) or not names or any(name not in _TYPES for name in names):
        raise _NotPlain
    for flag in ("required", "nullable"):
        if flag in rules and not isinstance(rules[flag], bool):
            raise _NotPlain
    if "description" in rules and not isinstance(rules["description"], str):
        raise _NotPlain


def _has_type(value: object, wanted: str | list[str]) -> bool:
    names = [wanted] if isinstance(wanted, str) else wanted
    for name in names:
        included, excluded = _TYPES[name]
        if isinstance(value, included) and not isinstance(value, excluded):
            return True
    return False


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
