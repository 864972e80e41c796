"""Values as the portal reads them: what DRF's fields make of what was written.

``as_number``, ``as_text``, ``as_boolean_field`` and the float and integer
readings are the conversions of the portal's serializer fields (a numeric string
to a number, a number to text, "yes"/"off"/1/0 to a boolean);
``portal_extra_param`` is one ``extra_params`` value as the portal's
ExtraParamsFormatter leaves it.  Normalisation (``normalize``), the schema
checks and the rules read values through them, so that they all read a value
as the portal does.  Also the small helpers normalisation applies them with.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

_TEXT_BOOLEANS = {"true": True, "True": True, "false": False, "False": False}


def as_number(value: object) -> object:
    """A numeric string as the portal's FloatField reads it; anything else unchanged."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def as_text(value: object) -> object:
    """A CharField's value: DRF turns a number (not a boolean) into its text."""
    if type(value) is str:  # the usual case, first: normalisation converts every field
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:  # an integer longer than Python converts to text
            return value
    return value


def as_float(value: object) -> object:
    """A FloatField's value: numbers, booleans and finite numeric strings become floats."""
    if type(value) is float:  # itself, finite or not; the usual case, first
        return value
    if isinstance(value, int | float | str):
        try:
            number = float(value)
        except (ValueError, OverflowError):  # OverflowError: an integer beyond 2**1024
            return value
        return number if math.isfinite(number) else value
    return value


def as_integer(value: object) -> object:
    """An IntegerField's value: 2, 2.0 and "2" become 2; anything else unchanged."""
    number = as_float(value)
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return value


#: What DRF's BooleanField reads as true and as false (text compared in lower case).
_BOOLEAN_FIELD_TEXT = {
    **dict.fromkeys(("t", "y", "yes", "true", "on", "1"), True),
    **dict.fromkeys(("f", "n", "no", "false", "off", "0"), False),
}


def as_boolean_field(value: object) -> object:
    """A BooleanField's value: DRF also reads "yes", "off", 1, 0 and 0.0 as booleans."""
    if isinstance(value, str):
        return _BOOLEAN_FIELD_TEXT.get(value.lower(), value)
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    return value


def portal_extra_param(value: object) -> object:
    """One ``extra_params`` value as the portal's ExtraParamsFormatter leaves it.

    "true"/"True" and "false"/"False" become booleans; anything ``float()``
    reads becomes an int when whole, else a float ("2" -> 2, 5.0 -> 5);
    booleans and everything else stay.  Non-finite results ("nan") are left as
    written: they have no JSON form.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in _TEXT_BOOLEANS:
        return _TEXT_BOOLEANS[value]
    if not isinstance(value, int | float | str):
        return value
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return value
    if not math.isfinite(number):
        return value
    return int(number) if number.is_integer() else number


def format_extra_params(owner: object) -> None:
    if isinstance(owner, dict) and isinstance(owner.get("extra_params"), dict):
        owner["extra_params"] = {
            key: portal_extra_param(value) for key, value in owner["extra_params"].items()
        }


def list_or_empty(value: object) -> list[Any]:
    """``value`` if it is a list, else an empty one (malformed input is the schemas' business)."""
    return value if isinstance(value, list) else []


def convert_field(owner: object, key: str, conversion: Callable[[object], object]) -> None:
    if isinstance(owner, dict) and key in owner:
        owner[key] = conversion(owner[key])
