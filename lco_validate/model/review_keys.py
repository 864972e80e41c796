"""What a configuration's review depends on: exposure times and counts, mostly not.

A configuration's review (``normalize.review_configuration``: the portal's
defaults and every configdb schema applied on the way) is cached by the
configuration's content, and so are the configuration rules' findings
(``rules/_configurations``, by the review's key).  Real archives rarely repeat
a configuration exactly: the same instrument set-up comes back with other
exposure times and counts.  Those two numbers enter the duration arithmetic,
and otherwise only what the catalogue's schemas say of them, so the key leaves
them out when that cannot matter.

``exposure_limits`` reads, once per (catalogue, instrument type, configuration
type), every schema that can meet an instrument config's ``exposure_time`` or
``exposure_count``: the instrument type's and configuration type's schemas
(applied to the whole configuration, ``instrument_configs`` among its fields)
and those of every readout, rotator and exposure mode (applied to each
instrument config).  A field can be left out when each schema naming it has
only rules whose verdict on a present number depends on its type and on
numeric bounds (``type``, ``min``, ``max``; ``default``, ``nullable``,
``required`` and ``description`` change nothing for one), and reads only the
fields it names (``cerberus_schemas.fields_read``).  A REPEAT configuration type
keeps both: R023 and R024 weigh the exposures against ``repeat_duration``; no
other configuration rule reads them.

``without_exposures`` then puts, in the key, a placeholder for each value that
is a plain number (bool excepted) whose converted value (``as_float``,
``as_integer``, as normalisation converts it) is finite and within every
bound: the placeholder names the written and converted types, all that any
schema can still tell apart.  Other values stay in the key as written.  The
review is computed on the first configuration seen with a key;
``with_exposures`` puts each configuration's own values, converted, into a copy
of the normalised instrument configs (no schema changes a present value that
passes it: configdb's schemas do not coerce).  The schema checks' normalised
documents, which only the review's own steps read, keep the first configuration's.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

from ..catalogue.cerberus_schemas import fields_read
from ..catalogue.snapshot import Catalogue
from .notions import is_repeat_type
from .values import as_float, as_integer

JSON = dict[str, Any]

#: The fields of an instrument config whose values the review key may leave out.
EXPOSURE_FIELDS = ("exposure_time", "exposure_count")
_CONVERSIONS: dict[str, Callable[[object], object]] = {
    "exposure_time": as_float,
    "exposure_count": as_integer,
}
#: Mode groups whose schemas are applied to each instrument config.
_INSTRUMENT_CONFIG_MODES = ("readout", "rotator", "exposure")
#: Cerberus rules whose verdict on a present number depends only on its type and bounds.
_NUMERIC_RULES = frozenset({"type", "min", "max", "default", "nullable", "required", "description"})
#: Rules of ``instrument_configs`` (and of its items) that report no value of an item.
_CONTAINER_RULES = frozenset({"type", "schema", "description"})
#: A placeholder is a tuple, which JSON never holds, so no written value equals one.
_PLACEHOLDER = "exposure value left out of the review"

Bound = tuple[float | None, float | None]  # (min, max)
#: The fields that may be left out, each with the bounds a value must keep within.
ExposureLimits = Mapping[str, tuple[Bound, ...]]
#: A configuration's exposure values left out: (instrument config index, field, converted value).
Exposures = tuple[tuple[int, str, object], ...]


@functools.lru_cache(maxsize=1024)
def exposure_limits(
    catalogue: Catalogue, instrument_type: str, configuration_type: str
) -> ExposureLimits:
    """Which exposure fields the review key of this pair may leave out, within which bounds."""
    if is_repeat_type(configuration_type):
        return {}
    limits: dict[str, list[Bound] | None] = {name: [] for name in EXPOSURE_FIELDS}
    type_dict = catalogue.instrument_type(instrument_type)
    properties = catalogue.configuration_types(instrument_type).get(configuration_type)
    for owner in (type_dict, properties):
        if owner is not None:
            _limit_by_configuration_schema(owner.get("validation_schema", {}), limits)
    for mode_type in _INSTRUMENT_CONFIG_MODES:
        group = catalogue.mode_group(instrument_type, mode_type) or {}
        for mode in group.get("modes", []):
            schema = mode.get("validation_schema", {}) if isinstance(mode, dict) else None
            _limit_by_instrument_config_schema(schema, limits)
    return {name: tuple(bounds) for name, bounds in limits.items() if bounds is not None}


def _limit_by_configuration_schema(schema: object, limits: dict[str, list[Bound] | None]) -> None:
    """A whole-configuration schema's say on the exposure fields (None: keep them)."""
    if not isinstance(schema, Mapping) or (schema and fields_read(dict(schema)) is None):
        limits.update(dict.fromkeys(EXPOSURE_FIELDS))
        return
    rules = schema.get("instrument_configs")
    if rules is None:
        return
    # Projected, the list keeps of each item only the fields its items' schema names;
    # without such a schema the items (exposures and all) are read whole.
    items = rules.get("schema")
    fields = items.get("schema") if isinstance(items, Mapping) else None
    if not isinstance(fields, Mapping):
        limits.update(dict.fromkeys(EXPOSURE_FIELDS))
        return
    shown_whole = set(rules) - _CONTAINER_RULES or set(items) - _CONTAINER_RULES
    if shown_whole and any(name in fields for name in EXPOSURE_FIELDS):
        limits.update(dict.fromkeys(EXPOSURE_FIELDS))  # e.g. maxlength: its error shows the list
        return
    _limit_by_instrument_config_schema(fields, limits)


def _limit_by_instrument_config_schema(
    schema: object, limits: dict[str, list[Bound] | None]
) -> None:
    """A schema applied to an instrument config: its bounds on the exposure fields."""
    if not isinstance(schema, Mapping) or (schema and fields_read(dict(schema)) is None):
        limits.update(dict.fromkeys(EXPOSURE_FIELDS))
        return
    for name in EXPOSURE_FIELDS:
        rules = schema.get(name)
        bounds = limits[name]
        if rules is None or bounds is None:
            continue
        low, high = rules.get("min"), rules.get("max")
        if not set(rules) <= _NUMERIC_RULES or not (_is_bound(low) and _is_bound(high)):
            limits[name] = None
        else:
            bounds.append((low, high))


def _is_bound(value: object) -> bool:
    return value is None or type(value) is int or (type(value) is float and math.isfinite(value))


def without_exposures(configuration: JSON, limits: ExposureLimits) -> tuple[JSON, Exposures]:
    """The configuration with placeholders for the exposure values ``limits`` lets go, and those.

    Instrument configs with such values are shallow copies; the rest is shared.  The
    values come back converted, as normalisation converts them.
    """
    instrument_configs = configuration.get("instrument_configs")
    if not limits or type(instrument_configs) is not list:
        return configuration, ()
    fields = [(name, _CONVERSIONS[name], bounds) for name, bounds in limits.items()]
    exposures: list[tuple[int, str, object]] = []
    abstracted: list[object] = []
    for index, instrument_config in enumerate(instrument_configs):
        if type(instrument_config) is dict:
            copy = None
            for name, convert, bounds in fields:
                value = instrument_config.get(name)
                written = type(value)
                if written is not float and written is not int:
                    continue
                number: Any = convert(value)
                converted = type(number)
                if converted is float:
                    if not math.isfinite(number):
                        continue
                elif converted is not int:  # an int is finite, however long
                    continue
                for low, high in bounds:
                    if (low is not None and number < low) or (high is not None and number > high):
                        break
                else:
                    if copy is None:
                        copy = dict(instrument_config)
                    copy[name] = _PLACEHOLDERS[written, converted]
                    exposures.append((index, name, number))
            if copy is not None:
                instrument_config = copy
        abstracted.append(instrument_config)
    if not exposures:
        return configuration, ()
    return {**configuration, "instrument_configs": abstracted}, tuple(exposures)


#: What stands for a value in the key, by written and converted type: all that any schema
#: can still tell apart.  Made once: keys are built per request.
_PLACEHOLDERS: dict[tuple[type, type], tuple[str, ...]] = {
    (written, converted): (_PLACEHOLDER, written.__name__, converted.__name__)
    for written in (int, float)
    for converted in (int, float)
}


def with_exposures(normalized: JSON, exposures: Exposures) -> JSON:
    """A copy of a normalised configuration with this configuration's exposure values.

    ``normalized`` is the review's (shared: never changed); the copy shares all but
    the instrument configs holding exposure values.
    """
    instrument_configs = list(normalized["instrument_configs"])
    copied: set[int] = set()
    for index, name, value in exposures:
        if index not in copied:
            instrument_configs[index] = dict(instrument_configs[index])
            copied.add(index)
        instrument_configs[index][name] = value
    return {**normalized, "instrument_configs": instrument_configs}
