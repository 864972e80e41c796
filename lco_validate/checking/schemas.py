"""Structural checks: the JSON Schemas under ``schemas/`` and their errors as findings.

The schemas mirror the portal's field-level checks (types, ranges, choices, required
fields).  Each jsonschema error becomes one ``Finding`` with a stable code (S001...S900)
and a message in our own words; positions are filled in later by the caller.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..documents.kinds import REQUEST
from ..documents.pointers import pointer_from_parts, pointer_parts
from ..documents.schema_files import load_schema, schema_dir
from ..documents.sexagesimal import read_sexagesimal
from ..documents.times import parse_portal_datetime
from ..findings import Finding, Fix, Severity
from ..model.values import as_boolean_field, as_text

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

SCHEMA_BASE_URI = "https://lco-validate.example/schemas/"
ENTRY_SCHEMAS = {"request-group": "request-group.json", "request": "request.json"}
DATETIME_FORM = "YYYY-MM-DDThh:mm[:ss[.ffffff]][Z|±hh:mm] (no zone means UTC)"

# DRF's IntegerField strips a trailing ".000" before calling int().
_TRAILING_ZERO_FRACTION = re.compile(r"\.0*\s*$")
# What target.json's $defs/present and present-text exclude: values the portal takes as missing.
_MISSING_VALUES = ({"type": "null"}, {"const": ""})
_TYPE_NAMES = {
    "number": "a number",
    "integer": "a whole number",
    "string": "a string",
    "object": "an object",
    "array": "a list",
    "boolean": "true or false",
    "null": "null",
}
_LIST_ITEM_NOUNS = {
    "requests": "request",
    "configurations": "configuration",
    "instrument_configs": "instrument config",
    "windows": "window",
    "rois": "region of interest",
}
# Keys too generic to name a value on their own ("type is ..."): prefix their object.
_GENERIC_KEYS = {"type", "mode", "name", "optional", "exposure_time", "start", "end"}


def _is_portal_datetime(instance: object) -> bool:
    return not isinstance(instance, str) or parse_portal_datetime(instance) is not None


@functools.cache
def _registry() -> Registry[Any]:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = []
    for path in sorted(schema_dir().glob("*.json")):
        contents = load_schema(path.name)
        if isinstance(contents, dict):
            uri = contents.get("$id") or SCHEMA_BASE_URI + path.name
            resources.append((uri, Resource.from_contents(contents, DRAFT202012)))
    return Registry().with_resources(resources)


@functools.cache
def validator_for(kind: str) -> Draft202012Validator:
    """The validator for ``kind`` ("request-group" or "request"), built once per process.

    jsonschema is imported here, not at the top: valid documents never need it.
    """
    from jsonschema import Draft202012Validator, FormatChecker

    if kind not in ENTRY_SCHEMAS:
        raise ValueError(f"unknown document kind {kind!r}; expected one of {sorted(ENTRY_SCHEMAS)}")
    registry = _registry()
    schema = registry.contents(SCHEMA_BASE_URI + ENTRY_SCHEMAS[kind])
    format_checker = FormatChecker(formats=())
    format_checker.checks("date-time")(_is_portal_datetime)
    return Draft202012Validator(schema, registry=registry, format_checker=format_checker)


#: The timestamps ``parse_portal_datetime`` reads, calendar included, as one pattern in a
#: syntax Python and jsonschema-rs read alike ([0-9]: Rust's backslash-d takes any Unicode
#: digit).  February 29 only in leap years; hours, minutes, seconds and offsets in range.
_MULTIPLE_OF_4 = "(?:0[48]|[2468][048]|[13579][26])"  # two digits, 00 left out
PORTAL_DATETIME_PATTERN = (
    "^(?:(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-"
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    f"|(?:[0-9]{{2}}{_MULTIPLE_OF_4}|{_MULTIPLE_OF_4}00)-02-29)"
    "[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.][0-9]{1,6})?)?"
    "(?:Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?$"
)


@functools.cache
def fast_validator_for(kind: str) -> Any:
    """A jsonschema-rs validator for ``kind`` (about 30x faster), or None if not installed.

    It only answers "valid or not": documents it accepts have no schema findings;
    the others go through jsonschema for the detailed findings.  Its date-time check
    is ``PORTAL_DATETIME_PATTERN``, run in Rust (asking Python about each timestamp
    cost as much as the rest of the validation); it accepts exactly what jsonschema's
    check does, so both engines agree (tests/test_fast_schema.py).
    """
    try:
        import jsonschema_rs
    except ImportError:
        return None
    resources = [
        (SCHEMA_BASE_URI + path.name, _with_datetime_patterns(load_schema(path.name)))
        for path in sorted(schema_dir().glob("*.json"))
    ]
    return jsonschema_rs.validator_for(
        _with_datetime_patterns(load_schema(ENTRY_SCHEMAS[kind])),
        registry=jsonschema_rs.Registry(resources),
        base_uri=SCHEMA_BASE_URI + ENTRY_SCHEMAS[kind],
        validate_formats=False,
        offline=True,
    )


def _with_datetime_patterns(schema: Any) -> Any:
    """The schema with each ``"format": "date-time"`` replaced by that pattern."""
    if isinstance(schema, list):
        return [_with_datetime_patterns(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    rewritten = {key: _with_datetime_patterns(value) for key, value in schema.items()}
    if rewritten.get("format") == "date-time":
        del rewritten["format"]
        rewritten["pattern"] = PORTAL_DATETIME_PATTERN
    return rewritten


def schema_findings(instance: object, kind: str) -> Iterator[Finding]:
    """Yield one finding per schema problem in ``instance``, in document order."""
    fast = fast_validator_for(kind)
    if fast is not None and fast.is_valid(instance):
        return
    # An ordered set: the same problem can be reached through two schema paths.
    findings: dict[Finding, None] = {}
    for error in validator_for(kind).iter_errors(instance):
        findings.update(dict.fromkeys(_findings_for(error, kind, instance)))
    key_orders: dict[int, dict[str, int]] = {}
    yield from sorted(
        findings, key=lambda found: _document_order(instance, found.pointer, key_orders)
    )


def _findings_for(error: ValidationError, kind: str, document: object) -> Iterator[Finding]:
    keyword: Any = error.validator
    rule: Any = error.validator_value
    value: Any = error.instance
    schema: Any = error.schema
    path = list(error.absolute_path)
    label = _value_label(path, kind)
    if keyword == "type" and _portal_stores_as_is(path, value, kind):
        message = (
            f"{label} is {_show(value)}, not an object; the portal stores it as it is, "
            "so none of its parameters take effect: write an object"
        )
        yield Finding("S009", Severity.WARNING, message, pointer_from_parts(path))
    elif keyword == "type":
        converted = _portal_conversion(value, rule) or _portal_text(value, rule, schema, path)
        if not converted:
            message = f"{label} is {_show(value)}; it must be {_type_names(rule)}"
            yield _sexagesimal_finding(label, value, path) or _error("S001", message, path)
            return
        number = converted[0]
        if isinstance(number, str):
            message = (
                f"{label} is the number {_show(value)}; the portal turns it into the text "
                f"{json.dumps(number)}, but write it in quotes"
            )
            fix = Fix.replace_value(number, f"write {json.dumps(number)}")
            yield Finding("S008", Severity.WARNING, message, pointer_from_parts(path), fix=fix)
            return
        if isinstance(value, bool):
            message = (
                f"{label} is {_show(value)}; the portal reads it as the number {number:g}, "
                f"but write {number:g} if that is meant"
            )
        elif isinstance(value, int | float):
            message = (
                f"{label} is {_show(value)}; the portal reads it as {json.dumps(number)}, "
                f"but write {json.dumps(number)}"
            )
        else:
            message = (
                f"{label} is the string {_show(value)}; the portal converts it, "
                f"but write {_as_json(value, number)} without quotes"
            )
        fix = _written_as_meant(value, number)
        yield Finding("S008", Severity.WARNING, message, pointer_from_parts(path), fix=fix)
        if not _within_bounds(number, schema):
            message = f"{label} is {_show(number)} once converted; it must be {_bounds(schema)}"
            yield _error("S003", message, path)
    elif keyword == "required":
        for field in rule:
            if field not in value:
                yield _error("S002", f"{_object_noun(path, kind, value)} needs '{field}'", path)
    elif keyword == "not" and rule in _MISSING_VALUES:
        parent = path[:-1]
        noun = _object_noun(parent, kind, _member(document, parent))
        given = "null" if value is None else "blank"
        yield _error(
            "S002", f"{noun} needs '{path[-1]}'; a {given} value counts as missing", parent
        )
    elif keyword == "enum" and (spelled := _choice_in_other_case(value, rule)) is not None:
        message = (
            f"{label} {_show(value)} is not valid; the portal is exact about letter case: "
            f"write {_show(spelled)}"
        )
        fix = Fix.replace_value(spelled, f"write {json.dumps(spelled)}")
        yield Finding("S004", Severity.ERROR, message, pointer_from_parts(path), fix=fix)
    elif keyword == "additionalProperties" and isinstance(value, dict):
        from .key_matches import key_match

        known = list(schema.get("properties", {}))
        noun = _object_noun(path, kind, value)
        for key in (key for key in value if key not in known):
            match = key_match(key, known)
            message = f"unknown key '{key}' in {noun} is ignored by the portal{match.hint()}"
            pointer = pointer_from_parts([*path, key])
            new = match.rename_to if match.rename_to not in value else None
            rename = (
                Fix.rename_key(new, f"rename to '{new}'", safe=match.same_words) if new else None
            )
            yield Finding("S101", Severity.WARNING, message, pointer, at_key=True, fix=rename)
    else:
        yield _error(*_describe(keyword, rule, value, schema, label), path)


def _describe(keyword: str, rule: Any, value: Any, schema: Any, label: str) -> tuple[str, str]:
    """Code and message for the keywords that map to exactly one error."""
    if keyword in ("minimum", "maximum"):
        return "S003", f"{label} is {_show(value)}; it must be {_bounds(schema)}"
    if keyword in ("enum", "const"):
        choices = rule if keyword == "enum" else [rule]
        listed = ", ".join(sorted(str(choice) or "(blank)" for choice in choices))
        return "S004", f"{label} {_show(value)} is not valid; choose one of: {listed}"
    if keyword == "maxLength":
        return "S005", f"{label} {_show(value)} has {len(value)} characters; at most {rule} fit"
    if keyword == "minLength":
        return "S005", f"{label} must not be blank"
    if keyword == "minItems":
        return "S006", f"{label} has {len(value)} items; it needs at least {rule}"
    if keyword == "format":
        return (
            "S007",
            f"{label} {_show(value)} is not a valid date-time; use {DATETIME_FORM}",
        )
    return (
        "S900",
        f"{label} {_show(value)} breaks the schema rule '{keyword}: {_show(rule)}'",
    )


def _sexagesimal_finding(label: str, value: object, path: Sequence[object]) -> Finding | None:
    """S001 for ``ra``/``dec`` written as text like ``12:34:56.7``: the value in decimal degrees.

    Its fix writes that number (safe: the text says one angle, read without guessing,
    and the number keeps the precision it was written to).
    """
    if not isinstance(value, str) or path[-2:-1] != ["target"] or path[-1] not in ("ra", "dec"):
        return None
    right_ascension = path[-1] == "ra"
    reading = read_sexagesimal(value, right_ascension=right_ascension)
    if reading is None:
        return None
    if reading.degrees is None:
        span = "from 0 to 360" if right_ascension else "from -90 to 90"
        message = (
            f"{label} is {_show(value)}, sexagesimal text that cannot be converted "
            f"({reading.problem}); the portal wants decimal degrees: write a number {span}"
        )
        return _error("S001", message, path)
    unit = "hours" if reading.in_hours else "degrees"
    message = (
        f"{label} is {_show(value)}, sexagesimal {unit} as text; the portal wants decimal "
        f"degrees: write {reading.text}"
    )
    fix = Fix.replace_value(reading.number, f"write {reading.text}")
    return Finding("S001", Severity.ERROR, message, pointer_from_parts(path), fix=fix)


def _choice_in_other_case(value: object, choices: Sequence[object]) -> str | None:
    """The one choice ``value`` spells in other letter case (``expose``: ``EXPOSE``), if any."""
    if not isinstance(value, str):
        return None
    same = [c for c in choices if isinstance(c, str) and c.casefold() == value.casefold()]
    return same[0] if len(same) == 1 else None


def _error(code: str, message: str, path: Sequence[object]) -> Finding:
    return Finding(code, Severity.ERROR, message, pointer_from_parts(path))


def _portal_conversion(value: object, expected: str | list[str]) -> tuple[object] | None:
    """What the portal makes of a string in a number/integer/boolean field, if it converts.

    Also of a boolean in a number field: DRF's FloatField takes ``float(true)``, 1.0
    (its IntegerField refuses booleans).
    """
    types = [expected] if isinstance(expected, str) else expected
    if isinstance(value, bool) and "number" in types:
        return (float(value),)
    if "boolean" in types and not isinstance(value, bool):
        converted = as_boolean_field(value)
        if isinstance(converted, bool):
            return (converted,)
    if not isinstance(value, str):
        return None
    try:
        if "number" in types and math.isfinite(number := float(value)):
            return (number,)
        if "integer" in types:
            return (int(_TRAILING_ZERO_FRACTION.sub("", value)),)
    except ValueError:
        return None
    return None


def _portal_stores_as_is(path: list[Any], value: object, kind: str) -> bool:
    """Whether the portal accepts these non-object extra_params and stores them unread.

    The constraints' extra_params are never read; the request's are only
    searched for a mosaic pattern (``"mosaic_pattern" in value``), which text
    and lists survive unless they hold that word; a number there is a server
    error, as is anything but an object in the other extra_params.
    """
    if not path or path[-1] != "extra_params" or value is None:
        return False
    owner = path[:-1]
    if owner[-1:] == ["constraints"]:
        return True
    at_request = owner == [] if kind == REQUEST else len(owner) == 2 and owner[0] == "requests"
    return at_request and isinstance(value, str | list) and "mosaic_pattern" not in value


def _portal_text(
    value: object, expected: str | list[str], schema: dict[str, Any], path: list[Any]
) -> tuple[str] | None:
    """What the portal makes of a number in a text field: DRF's CharField takes its text.

    Not for date-times (DRF's DateTimeField refuses numbers) nor optical
    elements (a JSON field whose values the portal lower-cases: a number
    there is a server error).
    """
    types = [expected] if isinstance(expected, str) else expected
    if "string" not in types or "format" in schema or path[-2:-1] == ["optical_elements"]:
        return None
    converted = as_text(value)
    return (converted,) if isinstance(converted, str) else None


def _written_as_meant(value: object, converted: object) -> Fix:
    """S008's fix: the value the portal converts to, written as its field means it.

    Unsafe for true or false in a number field (the portal's 1.0 or 0.0 may not be
    what was meant); safe otherwise, the portal reading the result as it read the value.
    """
    if isinstance(value, bool):
        number = int(converted) if isinstance(converted, float) else converted
        return Fix.replace_value(number, f"write {number}", safe=False)
    # A number field's "30" becomes 30, as written, rather than the portal's 30.0.
    written = converted
    if isinstance(value, str) and isinstance(converted, float):
        written = json.loads(_as_json(value, converted))
    return Fix.replace_value(written, f"write {json.dumps(written)}")


def _as_json(text: str, converted: object) -> str:
    """``text`` unquoted when that is already JSON for ``converted`` ("20"), else canonical."""
    try:
        plain = json.loads(text)
    except ValueError:
        plain = None
    same = plain == converted and isinstance(plain, bool) == isinstance(converted, bool)
    return text.strip() if same else json.dumps(converted)


def _within_bounds(number: Any, schema: dict[str, Any]) -> bool:
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        return True
    return (low is None or number >= low) and (high is None or number <= high)


def _bounds(schema: dict[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _type_names(expected: str | list[str]) -> str:
    types = [expected] if isinstance(expected, str) else expected
    return " or ".join(_TYPE_NAMES.get(name, name) for name in types)


def _show(value: object) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = repr(value)
    else:
        text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _object_noun(path: Sequence[object], kind: str, obj: object = None) -> str:
    """How a message names the object at ``path``, e.g. 'target of type ICRS'."""
    if not path:
        return kind.replace("-", " ")
    last = path[-1]
    if isinstance(last, int):
        container = str(path[-2]) if len(path) > 1 else "item"
        return _LIST_ITEM_NOUNS.get(container, container)
    if last != "target" or not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        return str(last).replace("_", " ")
    scheme = obj.get("scheme")
    if obj["type"] == "ORBITAL_ELEMENTS" and scheme and isinstance(scheme, str):
        return f"target of type ORBITAL_ELEMENTS with scheme {scheme}"
    return f"target of type {obj['type']}"


def _value_label(path: Sequence[object], kind: str) -> str:
    """How a message names the value at ``path``, e.g. 'max_airmass', 'configuration type'."""
    if not path:
        return kind.replace("-", " ")
    last = path[-1]
    if isinstance(last, int):
        return f"{path[-2]}[{last}]" if len(path) > 1 else f"item {last}"
    if len(path) > 1 and path[-2] == "optical_elements":
        return f"optical element '{last}'"
    if last in _GENERIC_KEYS and len(path) > 1:
        return f"{_object_noun(path[:-1], kind)} {last}"
    return str(last)


def _member(document: object, parts: Sequence[object]) -> object:
    node: Any = document
    for part in parts:
        node = node[part]
    return node


def _document_order(
    document: object, pointer: str, key_orders: dict[int, dict[str, int]]
) -> list[int]:
    """Sort key placing a pointer where its members appear in the document.

    ``key_orders`` keeps each object's key positions by the object's identity,
    so an object with many findings (thousands of unknown keys) is listed once,
    not once per finding; the document outlives the sort, so identities hold.
    """
    order: list[int] = []
    node = document
    for part in pointer_parts(pointer):
        if isinstance(node, dict):
            positions = key_orders.get(id(node))
            if positions is None:
                positions = key_orders[id(node)] = {key: at for at, key in enumerate(node)}
            order.append(positions.get(part, len(positions)))
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            order.append(int(part))
            node = node[int(part)]
        else:
            order.append(0)
            node = None
    return order
