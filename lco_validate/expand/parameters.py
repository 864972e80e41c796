"""A pattern's parameters as the portal's serializer reads them, each refusal at its field.

The portal's ``PatternExpansionSerializer`` (and its dither and mosaic
forms) declares ``pattern`` a choice, ``num_points``/``num_rows``/
``num_columns`` integers, the spacings, the orientation and the overlaps
floats, ``center`` a boolean; ``orientation`` defaults to 0.0 and
``center`` to false.  ``read_fields`` reads them with DRF's conversions:

* a float: whatever Python's ``float()`` reads (numbers, booleans, numeric
  text, also "nan" and "inf": ``finite`` refuses those later, only where the
  geometry uses them), text of at most 1,000 characters;
* an integer: the text of the value without a trailing ``.0``, ``.00``...
  read by ``int()`` (so 3, 3.0, "3" and "3.00", not 3.5, 1e20 or true);
* a boolean: ``model.values.as_boolean_field`` ("yes", "off", 1, 0.0...);
* ``null`` is refused for every field, even those with a default.

Then, as the serializer's ``validate``, ``missing_counts`` asks for
``num_points`` (line, spiral) or ``num_rows`` and ``num_columns`` (grid).
Messages are ours, each with its finding code (``checking.codes``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..findings import Finding, Severity
from ..model.values import as_boolean_field
from ..reporters.portal_errors import NON_FIELD, nested_errors
from .patterns import GRID, LINE, SPIRAL

JSON = dict[str, Any]

#: DRF's guard against huge numeric text.
LONGEST_NUMBER_TEXT = 1000
_WHOLE_FRACTION = re.compile(r"\.0*\s*$")


class Refused(Exception):
    """A value the field does not take; the message is ours, with its code."""


def _show(value: object) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 40 else text[:37] + "..."


def read_float(name: str, value: object) -> float:
    if isinstance(value, str) and len(value) > LONGEST_NUMBER_TEXT:
        raise Refused(f"S001 {name} is text of {len(value):,} characters, not a number")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Refused(f"S001 {name} must be a number; {_show(value)} is not one") from None
    except OverflowError:
        raise Refused(f"S003 {name} is beyond the largest number the portal can use") from None


def read_integer(name: str, value: object) -> int:
    if isinstance(value, str) and len(value) > LONGEST_NUMBER_TEXT:
        raise Refused(f"S001 {name} is text of {len(value):,} characters, not a whole number")
    try:
        return int(_WHOLE_FRACTION.sub("", str(value)))
    except (TypeError, ValueError):
        raise Refused(f"S001 {name} must be a whole number; {_show(value)} is not one") from None


def read_boolean(name: str, value: object) -> bool:
    read = as_boolean_field(value)
    if not isinstance(read, bool):
        raise Refused(f"S001 {name} must be true or false; {_show(value)} is neither")
    return read


def choice_reader(choices: tuple[str, ...], what: str) -> Callable[[str, object], str]:
    def read_choice(name: str, value: object) -> str:
        text = str(value)
        if text not in choices:
            offered = ", ".join(choices)
            raise Refused(f"S004 {name} {_show(value)} is not {what}; choose from {offered}")
        return text

    return read_choice


def percent_reader(name: str, value: object) -> float:
    number = read_float(name, value)
    if number < 0.0 or number > 100.0:
        raise Refused(f"S003 {name} is {number:g}; an overlap is between 0 and 100 percent")
    return number


@dataclass(frozen=True)
class Field:
    """One field of the serializer: how to read it, and what stands when it is absent."""

    name: str
    read: Callable[[str, object], Any]
    required: bool = False
    default: Any = None
    #: Why it is required, for the message when it is missing.
    needed_for: str = ""


@dataclass
class ReadFields:
    """The values read (defaults filled) and the refusals, by field name."""

    values: JSON = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


def read_fields(body: JSON, fields: Iterable[Field]) -> ReadFields:
    """Each field of ``body`` read as its DRF field reads it; absent optional ones omitted."""
    read = ReadFields()
    for spec in fields:
        if spec.name not in body:
            if spec.required:
                read.errors[spec.name] = [f"S002 {spec.name} is missing: {spec.needed_for}"]
            elif spec.default is not None:
                read.values[spec.name] = spec.default
            continue
        value = body[spec.name]
        if value is None:
            read.errors[spec.name] = [f"S001 {spec.name} is null; leave it out or give a value"]
            continue
        try:
            read.values[spec.name] = spec.read(spec.name, value)
        except Refused as refusal:
            read.errors[spec.name] = [str(refusal)]
    return read


def pattern_fields(patterns: tuple[str, ...], what: str) -> list[Field]:
    """The fields every pattern expansion shares (``PatternExpansionSerializer``)."""
    return [
        Field(
            "pattern",
            choice_reader(patterns, what),
            required=True,
            needed_for=f"the pattern to expand ({', '.join(patterns)})",
        ),
        Field("num_points", read_integer),
        Field("point_spacing", read_float),
        Field("line_spacing", read_float),
        Field("orientation", read_float, default=0.0),
        Field("num_rows", read_integer),
        Field("num_columns", read_integer),
        Field("center", read_boolean, default=False),
    ]


def missing_counts(values: JSON) -> str | None:
    """The serializer's own refusal when the pattern's counts are not all given, or None."""
    pattern = values.get("pattern")
    if pattern in (LINE, SPIRAL) and "num_points" not in values:
        return f"S002 a {pattern} pattern needs num_points, the number of points"
    if pattern == GRID and ("num_rows" not in values or "num_columns" not in values):
        return "S002 a grid pattern needs both num_rows and num_columns"
    return None


def not_finite(name: str, value: float) -> str:
    return (
        f"S003 {name} is {value}; the pattern needs a finite number "
        "(the portal fails with a server error on it)"
    )


def finite(values: JSON, names: Iterable[str]) -> dict[str, list[str]]:
    """A refusal for each of ``names`` whose value is NaN or infinite."""
    return {
        name: [not_finite(name, values[name])]
        for name in names
        if name in values and not math.isfinite(values[name])
    }


def kind_of(value: object) -> str:
    """A JSON value's kind, as a message names it."""
    if isinstance(value, bool):
        return "a boolean"
    names = {list: "a list", str: "text", int: "a number", float: "a number", dict: "an object"}
    return names.get(type(value), "null" if value is None else type(value).__name__)


def body_refusal(body: object, found: Iterable[Finding], endpoint: str, holds: str) -> JSON | None:
    """The refusal of a body that is not an object, or holds what the portal cannot read.

    ``found``: the loader's findings on the body; their errors stand at their places.
    None when the body may be read field by field.
    """
    if isinstance(body, dict):
        unreadable = [finding for finding in found if finding.severity is Severity.ERROR]
        return nested_errors(body, unreadable) if unreadable else None
    return {
        NON_FIELD: [
            f"J013 the body is {kind_of(body)}; {endpoint} takes one object holding {holds}"
        ]
    }


def embedded_object(body: JSON, name: str, what: str) -> tuple[JSON | None, object]:
    """(the object at ``name``, None), or (None, its refusal in the portal's shape)."""
    if name not in body:
        return None, [f"S002 {name} is missing: {what}"]
    value = body[name]
    if value is None:
        return None, [f"S001 {name} is null; it must be {what}"]
    if not isinstance(value, dict):
        return None, {
            NON_FIELD: [f"S001 {name} must be an object ({what}); it is {kind_of(value)}"]
        }
    return value, None


def unusable(values: JSON, used: Iterable[str], spacings: Iterable[str]) -> dict[str, Any]:
    """Refusals for a pattern whose results are not finite numbers.

    The inputs that are NaN or infinite are to blame; failing those, the
    finite spacings were so large that the arithmetic overflowed.
    """
    errors: dict[str, Any] = finite(values, used)
    if not errors:
        errors = {
            name: [f"S003 {name} is {values[name]:g}, too large: the pattern's offsets overflow"]
            for name in spacings
            if name in values
        }
    return errors or {NON_FIELD: ["S003 the pattern's offsets are not finite numbers"]}


def too_many(count: int, each: str) -> JSON:
    """The answer to an expansion larger than this tool makes (the portal has no bound)."""
    return {
        "detail": f"The pattern makes {count:,} {each}; lco-validate expands at most "
        f"{MOST_EXPANDED:,}, beyond what a request can hold (the portal would work until "
        "its time limit)."
    }


#: The most instrument configs (dither) or configurations (mosaic) an expansion makes.
MOST_EXPANDED = 10_000
