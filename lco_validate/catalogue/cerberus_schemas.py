"""configdb's Cerberus ``validation_schema``s, applied as the portal applies them.

configdb attaches a Cerberus schema to instrument types, to configuration
types of an instrument type, and to each generic mode (readout, acquisition,
guiding, rotator, exposure).  The portal validates with ``allow_unknown`` (keys
the schema does not name are fine, at every depth) and keeps Cerberus'
normalised document (schema defaults such as ``extra_params.bin_x``) only when
it is valid.  ``apply_schema`` does the same with the same library, and turns
each error into a ``SchemaProblem``: the path of the offending field in the
checked document, and a message in our own words.  Documents that plainly
pass a plain schema are decided by ``cerberus_quick`` without importing
Cerberus (a pre-commit hook would spend most of its time building validators).

Two differences from plain Cerberus, both following what the portal must do:

* configdb's schemas annotate fields with ``description`` (shown as help text in
  the portal's forms).  Cerberus 1.3.8 refuses unknown rules, so the portal's
  validator class must accept it; ``PortalValidator`` accepts and ignores it.
* A schema Cerberus cannot use (``null``, not an object, unknown rules, or one
  that fails while validating) makes the portal fail with a server error; here
  the outcome is ``unusable`` with the reason, and rules report that instead.

Which errors the portal shows: an instrument-type or configuration-type schema
is applied to the whole configuration, and the portal reports errors only for
the keys in ``PORTAL_REPORTED_KEYS``; errors elsewhere are dropped
(docs/catalogue.md, Which errors the portal shows).
``SchemaProblem.reported_by_portal`` tells them apart; the rules report both
(the dropped ones as warnings).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..documents.jsondata import from_key, json_copy, value_key
from .cerberus_quick import is_plain, plainly_valid

JSON = dict[str, Any]
PathPart = str | int

#: Configuration keys whose schema errors the portal reports; others it silently drops.
PORTAL_REPORTED_KEYS = frozenset(
    {
        "extra_params",
        "instrument_configs",
        "guiding_config",
        "acquisition_config",
        "target",
        "constraints",
    }
)

_TYPE_PHRASES = {
    "float": "a number",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "string": "text",
    "dict": "an object",
    "list": "a list",
}


@dataclass(frozen=True)
class SchemaProblem:
    """One Cerberus error on one field.

    ``path`` leads from the checked document to the field; for a missing
    required field it ends with the missing key.  ``rule`` is the Cerberus rule
    that failed (``max``, ``allowed``, ``required``...).
    """

    path: tuple[PathPart, ...]
    rule: str
    constraint: Any
    value: Any
    expectation: str  # what the schema wants there, in words ("a number between -5.0 and 5.0")
    fallback: str  # Cerberus' own wording, for rules we do not phrase ourselves

    @property
    def missing(self) -> bool:
        return self.rule == "required"

    @property
    def location(self) -> tuple[PathPart, ...]:
        """Where to point: the field itself, or for a missing field the object that lacks it."""
        return self.path[:-1] if self.missing else self.path

    @property
    def reported_by_portal(self) -> bool:
        """For whole-configuration schemas: whether the portal shows this error."""
        return bool(self.path) and self.path[0] in PORTAL_REPORTED_KEYS

    def describe(self, owner: str) -> str:
        """The problem in words; ``owner`` names whose schema it is ("readout mode full_frame")."""
        field = dotted(self.path)
        wanted = f" ({self.expectation})" if self.expectation else ""
        if self.missing:
            return f"{owner} requires {field}{wanted}; add it"
        reason = _reason(self)
        instead = f"; use {self.expectation}" if self.expectation else ""
        return f"{field} {show(self.value)} is not accepted by {owner}: {reason}{instead}"


@dataclass(frozen=True)
class SchemaOutcome:
    """What applying one schema to one document gave.

    ``document`` is the normalised document (defaults filled) when the
    document is valid, else None.  ``unusable`` is the reason the schema could
    not be applied at all (the portal would fail with a server error).
    """

    problems: tuple[SchemaProblem, ...] = ()
    document: JSON | None = None
    unusable: str = ""

    @property
    def valid(self) -> bool:
        return not self.problems and not self.unusable


def apply_schema(schema: object, document: JSON) -> SchemaOutcome:
    """Validate ``document`` (not changed) against a configdb Cerberus schema.

    The normalised document shares unchanged parts with ``document``: callers put it
    in the place of ``document``, never beside it.
    """
    if schema is None:
        return SchemaOutcome(unusable="its validation_schema is null, not an object")
    if not isinstance(schema, dict):
        return SchemaOutcome(unusable=f"its validation_schema is {show(schema)}, not an object")
    if not schema:  # the usual case; Cerberus is slow enough to be worth skipping
        return SchemaOutcome(document=dict(document))
    schema_text, projectable = _schema_facts(schema)
    if not projectable:
        return _apply(schema_text, json_copy(document))
    # The outcome depends only on the parts of the document the schema names (unknown
    # keys are allowed), and those repeat across requests: apply to them, once each.
    projection = _project_mapping(schema, document)
    outcome = _apply_cached(schema_text, value_key(projection))
    if outcome.document is None:
        return outcome
    return SchemaOutcome(outcome.problems, _merge(document, outcome.document), outcome.unusable)


def fields_read(schema: object) -> frozenset[str] | None:
    """The top-level fields whose values can change ``apply_schema``'s outcome.

    None when any field can: a schema that is not a usable mapping, or one with
    rules that look beyond their own field.  (Unknown keys are always allowed.)
    """
    if not isinstance(schema, dict) or not _projectable(schema):
        return None
    return frozenset(schema)


@functools.lru_cache(maxsize=65536)
def _apply_cached(schema_text: str, projection_key: bytes) -> SchemaOutcome:
    return _apply(schema_text, from_key(projection_key))


def _apply(schema_text: str, document: JSON) -> SchemaOutcome:
    plain = _plain_schema(schema_text)
    if plain is not None:
        normalized = plainly_valid(plain, document)
        if normalized is not None:
            return SchemaOutcome(document=normalized)
    try:
        validator = _validator(schema_text)
    except Exception as error:  # cerberus.SchemaError, or a schema Cerberus chokes on
        return SchemaOutcome(unusable=f"Cerberus refuses its validation_schema: {_short(error)}")
    try:
        valid = validator.validate(document)
    except Exception as error:  # e.g. Cerberus' 'items' rule takes len() of a number
        return SchemaOutcome(unusable=f"Cerberus fails while applying it: {_short(error)}")
    if valid:
        return SchemaOutcome(document=validator.document)
    root_rules = validator.schema
    problems = tuple(_problem(error, root_rules) for error in _leaf_errors(validator._errors))
    return SchemaOutcome(problems=problems)


_schema_facts_by_id: dict[int, tuple[object, str, bool]] = {}


def _schema_facts(schema: JSON) -> tuple[str, bool]:
    """The schema as canonical text, and whether it can be applied to a projection.

    Remembered per schema object (they live in the catalogue).
    """
    known = _schema_facts_by_id.get(id(schema))
    if known is None or known[0] is not schema:
        known = (schema, json.dumps(schema, sort_keys=True), _projectable(schema))
        _schema_facts_by_id[id(schema)] = known
    return known[1], known[2]


#: Rules that look at fields other than their own, or reshape the document: a schema using
#: any of them is applied to the whole document, never to a projection.
_NON_LOCAL_RULES = frozenset(
    {
        "dependencies",
        "excludes",
        "rename",
        "rename_handler",
        "purge_unknown",
        "keysrules",
        "valuesrules",
        "keyschema",
        "valueschema",
        "allow_unknown",
        "require_all",
        "anyof",
        "allof",
        "oneof",
        "noneof",
        "items",
    }
)


def _projectable(schema: Mapping[str, Any]) -> bool:
    """True when every field's rules are local and nested schemas declare dict or list."""
    for rules in schema.values():
        if not isinstance(rules, Mapping) or _NON_LOCAL_RULES.intersection(rules):
            return False
        nested = rules.get("schema")
        if nested is None:
            continue
        if not isinstance(nested, Mapping):
            return False
        if rules.get("type") == "dict":
            if not _projectable(nested):
                return False
        elif rules.get("type") == "list":
            if _NON_LOCAL_RULES.intersection(nested) or not _projectable({"item": nested}):
                return False
        else:
            return False
    return True


def _project_mapping(schema: Mapping[str, Any], document: Mapping[str, Any]) -> JSON:
    return {
        field: _project_value(rules, document[field])
        for field, rules in schema.items()
        if field in document
    }


def _project_value(rules: Mapping[str, Any], value: Any) -> Any:
    nested = rules.get("schema")
    if nested is None:
        return value
    if rules.get("type") == "dict" and isinstance(value, dict):
        return _project_mapping(nested, value)
    if rules.get("type") == "list" and isinstance(value, list):
        return [_project_value(nested, item) for item in value]
    return value


def _merge(original: Any, normalized: Any) -> Any:
    """``original`` with the normalised projection laid over it (defaults, coercions).

    New containers along the projection's paths; the rest is shared with
    ``original``, and what comes from the (cached) projection is copied.
    """
    if isinstance(original, dict) and isinstance(normalized, dict):
        merged = dict(original)
        for key, value in normalized.items():
            merged[key] = _merge(original[key], value) if key in original else json_copy(value)
        return merged
    same_list = isinstance(original, list) and isinstance(normalized, list)
    if same_list and len(original) == len(normalized):
        return [_merge(old, new) for old, new in zip(original, normalized, strict=True)]
    return json_copy(normalized) if isinstance(normalized, dict | list) else normalized


@functools.lru_cache(maxsize=256)
def _plain_schema(schema_text: str) -> JSON | None:
    """The schema, when ``cerberus_quick`` can decide plainly valid documents for it."""
    schema = json.loads(schema_text)
    return schema if is_plain(schema) else None


@functools.lru_cache(maxsize=256)
def _validator(schema_text: str) -> Any:
    """One validator per distinct schema (building one validates the schema, which is slow)."""
    from cerberus import Validator

    class PortalValidator(Validator):  # type: ignore[misc]
        def _validate_description(self, description: object, field: object, value: object) -> None:
            """An annotation for forms; it constrains nothing.

            The rule's arguments are validated against this schema:
            {'type': 'string'}
            """

    validator = PortalValidator(json.loads(schema_text))
    validator.allow_unknown = True
    return validator


def _leaf_errors(errors: Sequence[Any]) -> Iterator[Any]:
    for error in errors:
        if error.is_group_error:
            yield from _leaf_errors(error.child_errors)
        else:
            yield error


def _problem(error: Any, root_rules: Mapping[str, Any]) -> SchemaProblem:
    field_rules = _rules_at(root_rules, tuple(error.schema_path[:-1]))
    return SchemaProblem(
        path=tuple(error.document_path),
        rule=str(error.rule),
        constraint=error.constraint,
        value=error.value,
        expectation=expectation(field_rules),
        fallback=_cerberus_wording(error),
    )


def _rules_at(schema: Mapping[str, Any], schema_path: tuple[PathPart, ...]) -> Mapping[str, Any]:
    """The rules dict a Cerberus schema path leads to ({} when it leads elsewhere)."""
    node: Any = schema
    for part in schema_path:
        if not isinstance(node, Mapping) or part not in node:
            return {}
        node = node[part]
    return node if isinstance(node, Mapping) else {}


def expectation(rules: Mapping[str, Any]) -> str:
    """What a field's rules ask for, in words: 'a number between -5.0 and 5.0', 'one of: 1'."""
    if "allowed" in rules and isinstance(rules["allowed"], list):
        return "one of: " + ", ".join(sorted(show(choice) for choice in rules["allowed"]))
    wanted = rules.get("type")
    kinds = wanted if isinstance(wanted, list) else [wanted] if wanted else []
    phrase = " or ".join(_TYPE_PHRASES.get(str(kind), str(kind)) for kind in kinds)
    low, high = rules.get("min"), rules.get("max")
    if low is not None and high is not None:
        bounds = f"between {low} and {high}"
    elif low is not None:
        bounds = f"at least {low}"
    elif high is not None:
        bounds = f"at most {high}"
    else:
        bounds = ""
    if phrase and bounds:
        return f"{phrase} {bounds}"
    return phrase or (f"a value {bounds}" if bounds else "")


def _reason(problem: SchemaProblem) -> str:
    rule, constraint = problem.rule, problem.constraint
    reasons = {
        "max": f"it is above the maximum of {constraint}",
        "min": f"it is below the minimum of {constraint}",
        "allowed": "it is not one of the allowed values",
        "forbidden": "it is one of the forbidden values",
        "type": f"it is not {_type_phrase(constraint)}",
        "nullable": "it may not be null",
        "empty": "it may not be empty",
        "minlength": f"it is shorter than {constraint}",
        "maxlength": f"it is longer than {constraint}",
        "regex": f"it does not match the pattern {constraint}",
    }
    return reasons.get(rule, f"Cerberus says: {problem.fallback}")


def _type_phrase(constraint: object) -> str:
    kinds = constraint if isinstance(constraint, list) else [constraint]
    return " or ".join(_TYPE_PHRASES.get(str(kind), str(kind)) for kind in kinds)


def _cerberus_wording(error: Any) -> str:
    from cerberus.errors import BasicErrorHandler

    template = BasicErrorHandler.messages.get(error.code, "")
    field = error.document_path[-1] if error.document_path else ""
    try:
        return str(template).format(
            *(error.info or ()), constraint=error.constraint, field=field, value=error.value
        )
    except (IndexError, KeyError, ValueError):
        return f"rule {error.rule} failed"


def dotted(path: Sequence[PathPart]) -> str:
    """``instrument_configs[1].extra_params.defocus``: a path as people write it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the document"


def show(value: object) -> str:
    """A value as it would appear in JSON, shortened."""
    try:
        text = json.dumps(value, default=str)
    except ValueError:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _short(error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= 200 else text[:197] + "..."
