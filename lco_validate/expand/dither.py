"""``POST /api/configurations/dither/``: instrument configs repeated at a pattern's offsets.

The body holds ``configuration`` and the pattern (``parameters``):
``pattern`` (line, grid or spiral), ``point_spacing`` (arcsec, required),
``num_points`` (line, spiral), ``num_rows`` and ``num_columns`` (grid),
``line_spacing`` (grid; ``point_spacing`` when absent), ``orientation``
(degrees, 0) and ``center`` (false).  As the portal:

* the configuration is validated as the portal validates one configuration
  (schemas and every configuration rule, the target's orbital elements
  included: no request, location, window or visibility rule), its refusals
  under ``configuration``; the parameters' at their names; then, only if
  all of those pass, the missing counts under ``non_field_errors``;
* no bounds on counts or spacings: no points gives a configuration without
  instrument configs, a spiral always has its first point;
* the answer is the configuration's validated data with
  ``instrument_configs`` replaced by, for each offset in the pattern's order,
  a copy of each original instrument config whose ``extra_params`` get
  ``offset_ra`` and ``offset_dec`` (the offset rounded to 0.001"), and
  ``extra_params.dither_pattern`` set to the pattern.  Nothing is validated
  again after the expansion.

Where this tool differs from the portal, which answers HTTP 500 instead:

* a spiral with a negative ``point_spacing`` (the portal takes the square
  root of a negative number): 400, at ``point_spacing``;
* a NaN or infinite value the geometry uses ("nan", "inf" written as text,
  which DRF's FloatField reads; or spacings so large that the offsets
  overflow): 400, at that field, where the portal fails to render the
  non-finite offsets;
* more than ``MOST_EXPANDED`` instrument configs: 400 ``{"detail": ...}``,
  where the portal would compute until its worker times out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ..checking.pipeline import check_unit
from ..checking.policy import Settings
from ..documents.jsondata import json_copy
from ..documents.kinds import REQUEST, Unit
from ..findings import Finding, Severity
from ..model.normalize import normalized_configuration
from ..reporters.portal_errors import NON_FIELD, nested_errors
from ..rules import rules_for
from .parameters import (
    MOST_EXPANDED,
    Field,
    body_refusal,
    embedded_object,
    missing_counts,
    pattern_fields,
    read_fields,
    read_float,
    too_many,
    unusable,
)
from .patterns import (
    DITHER_PATTERNS,
    GRID,
    LINE,
    SPIRAL,
    PatternParameters,
    offset_count,
    pattern_offsets,
)
from .validated import validated_configuration

JSON = dict[str, Any]
PATH = "/api/configurations/dither/"

FIELDS = [
    *(
        spec
        for spec in pattern_fields(DITHER_PATTERNS, "a dither pattern")
        if spec.name != "point_spacing"
    ),
    Field(
        "point_spacing",
        read_float,
        required=True,
        needed_for="the distance between neighbouring points, in arcseconds",
    ),
]
#: Request-level rules that judge a configuration's own content: the target's elements
#: (the portal's target validation).  The other request rules need a request.
_CONFIGURATION_CONTENT_RULES = frozenset({"R060"})
_INSIDE = "/configurations/0"


def dither(document: object, settings: Settings, found: Iterable[Finding] = ()) -> tuple[int, JSON]:
    """(HTTP status, body) as the portal's dither endpoint answers ``document``.

    ``found``: the loader's findings on the body; its errors refuse it at their places.
    """
    refusal = body_refusal(document, found, "the dither endpoint", "configuration and a pattern")
    if refusal is not None:
        return 400, refusal
    assert isinstance(document, dict)
    read = read_fields(document, FIELDS)
    errors: JSON = dict(read.errors)
    configuration, configuration_errors = embedded_object(
        document, "configuration", "the configuration to dither"
    )
    if configuration is not None:
        configuration_errors = configuration_refusals(configuration, settings) or None
    if configuration_errors is not None:
        errors["configuration"] = configuration_errors
    if errors:
        return 400, errors
    assert configuration is not None
    values = read.values
    missing = missing_counts(values)
    if missing:
        return 400, {NON_FIELD: [missing]}
    if values["pattern"] == GRID:
        values.setdefault("line_spacing", values["point_spacing"])
    return expanded(configuration, values, settings)


def configuration_refusals(configuration: JSON, settings: Settings) -> JSON:
    """The portal's refusals of one configuration, in its shape (empty: valid)."""
    alone = {"configurations": [configuration]}
    checked = check_unit(Unit(REQUEST, alone, ""), settings)
    judged_here = {rule.CODE for rule in rules_for("configuration")} | _CONFIGURATION_CONTENT_RULES
    refusals = [
        replace(finding, pointer=finding.pointer[len(_INSIDE) :])
        for finding in checked.findings
        if finding.severity is Severity.ERROR
        and (finding.pointer == _INSIDE or finding.pointer.startswith(_INSIDE + "/"))
        and (finding.code[0] in "JS" or finding.code in judged_here)
    ]
    return nested_errors(configuration, refusals)


def expanded(configuration: JSON, values: JSON, settings: Settings) -> tuple[int, JSON]:
    parameters = PatternParameters(
        pattern=values["pattern"],
        point_spacing=values["point_spacing"],
        line_spacing=values.get("line_spacing", 0.0),
        num_points=values.get("num_points", 0),
        num_rows=values.get("num_rows", 0),
        num_columns=values.get("num_columns", 0),
        orientation=values["orientation"],
        center=values["center"],
    )
    instrument_configs = configuration.get("instrument_configs") or []
    count = offset_count(parameters) * len(instrument_configs)
    if count > MOST_EXPANDED:
        return 400, too_many(count, "instrument configs")
    if parameters.pattern == SPIRAL and parameters.point_spacing < 0 and parameters.num_points > 1:
        return 400, {
            "point_spacing": [
                f"S003 point_spacing is {parameters.point_spacing:g}; a spiral's spacing must "
                "be 0 or more (its radius is the square root of it)"
            ]
        }
    used = {LINE: ("point_spacing", "orientation"), SPIRAL: ("point_spacing",)}.get(
        parameters.pattern, ("point_spacing", "line_spacing", "orientation")
    )
    spacings = [name for name in used if name != "orientation"]
    try:
        offsets = [(round(x, 3), round(y, 3)) for x, y in pattern_offsets(parameters)]
    except (ValueError, OverflowError):  # sin(inf), sqrt(inf) then cos(inf)
        return 400, unusable(values, used, spacings)
    if not all(math.isfinite(x) and math.isfinite(y) for x, y in offsets):
        return 400, unusable(values, used, spacings)
    normalized = normalized_configuration(configuration, settings.catalogue)
    validated = validated_configuration(configuration, normalized)
    validated["instrument_configs"] = [
        _offset(instrument_config, x, y)
        for x, y in offsets
        for instrument_config in validated["instrument_configs"]
    ]
    extra_params = validated.setdefault("extra_params", {})
    extra_params["dither_pattern"] = parameters.pattern
    return 200, validated


def _offset(instrument_config: JSON, x: float, y: float) -> JSON:
    copy: JSON = json_copy(instrument_config)
    extra_params = copy.setdefault("extra_params", {})
    extra_params["offset_ra"] = x
    extra_params["offset_dec"] = y
    return copy
