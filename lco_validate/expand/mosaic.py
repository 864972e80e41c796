"""``POST /api/requests/mosaic/``: a request's configuration repeated at a pattern's positions.

The body holds ``request`` and the pattern: ``pattern`` (line or grid),
``point_spacing`` and ``line_spacing`` (arcsec) or ``point_overlap_percent``
and ``line_overlap_percent`` (0 to 100), ``num_points`` (line),
``num_rows`` and ``num_columns`` (grid), ``orientation`` (degrees, 0) and
``center`` (false).  As the portal:

* the request is validated as a submitted request is (every request rule,
  visibility included), its refusals under ``request``; then, on the
  ``request`` field itself as a list, more than one configuration or a first
  target that is not ICRS; the parameters' refusals at their names; then,
  only if all of those pass, under ``non_field_errors``: missing counts, or
  neither ``point_spacing`` nor ``point_overlap_percent``;
* with ``point_overlap_percent`` the spacings come from the first
  configuration's instrument type (``patterns.overlap_spacings``: its
  detector's size, pixel scale and mean mounting angle), overriding any
  written spacing; ``line_overlap_percent`` defaults to the point overlap;
  near 90 and 270 degrees the two spacings swap (``patterns.flips``);
* the answer is the request's validated data with ``configurations``
  replaced by one copy of the first configuration per offset, its target
  moved by the offset (declination first, then right ascension at the new
  declination, without wrapping or clipping) and given ``extra_params``
  ({} when it had none), and ``extra_params.mosaic_pattern`` set to the
  pattern on the request.  Nothing is validated again after the expansion.

Where this tool differs from the portal, which answers HTTP 500 instead:

* ``point_overlap_percent`` with an orientation of exactly 315 degrees
  (modulo 360: -45, 675...): the portal's choice between swapping the
  spacings or not has no branch for 315 and fails; here 315 starts the
  unswapped band, as every other boundary belongs to the band above it
  (45 swaps, 135 does not, 225 swaps), and the answer is 200;
* a NaN or infinite value the geometry uses ("nan", "inf" written as text,
  which DRF's FloatField reads, in a spacing, an overlap or the
  orientation; spacings so large that the positions overflow): 400, at that
  field, where the portal fails to render non-finite positions (or, for the
  orientation with overlaps, to decide the swap);
* a request whose ``extra_params`` are text or a list, which the portal
  stores but cannot add the pattern to: 400, at ``request.extra_params``;
* more than ``MOST_EXPANDED`` positions: 400 ``{"detail": ...}``, where the
  portal would compute until its worker times out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..catalogue.snapshot import Catalogue
from ..checking.pipeline import check_unit
from ..checking.policy import Settings
from ..documents.jsondata import json_copy
from ..documents.kinds import READ_ONLY_FIELDS, REQUEST, Unit
from ..findings import Finding, Severity
from ..model.fill_window import filled_request, fills_window
from ..reporters.portal_errors import NON_FIELD, nested_errors
from .parameters import (
    MOST_EXPANDED,
    Field,
    body_refusal,
    embedded_object,
    missing_counts,
    not_finite,
    pattern_fields,
    percent_reader,
    read_fields,
    too_many,
    unusable,
)
from .patterns import (
    GRID,
    LINE,
    MOSAIC_PATTERNS,
    Detector,
    PatternParameters,
    mosaic_position,
    offset_count,
    overlap_spacings,
    pattern_offsets,
)
from .validated import validated_request

JSON = dict[str, Any]
PATH = "/api/requests/mosaic/"

FIELDS = [
    *pattern_fields(MOSAIC_PATTERNS, "a mosaic pattern"),
    Field("point_overlap_percent", percent_reader),
    Field("line_overlap_percent", percent_reader),
]


def mosaic(document: object, settings: Settings, found: Iterable[Finding] = ()) -> tuple[int, JSON]:
    """(HTTP status, body) as the portal's mosaic endpoint answers ``document``.

    ``found``: the loader's findings on the body; its errors refuse it at their places.
    """
    refusal = body_refusal(document, found, "the mosaic endpoint", "request and a pattern")
    if refusal is not None:
        return 400, refusal
    assert isinstance(document, dict)
    read = read_fields(document, FIELDS)
    errors: JSON = dict(read.errors)
    request, request_errors = embedded_object(document, "request", "the request to mosaic")
    validated: JSON | None = None
    if request is not None:
        request_errors, validated = checked_request(request, settings)
    if request_errors:
        errors["request"] = request_errors
    if errors:
        return 400, errors
    assert request is not None and validated is not None
    values = read.values
    missing = missing_counts(values)
    if missing:
        return 400, {NON_FIELD: [missing]}
    if values["pattern"] == GRID and "point_spacing" in values:
        values.setdefault("line_spacing", values["point_spacing"])
    if "point_overlap_percent" in values:
        used: tuple[str, ...] = ("point_overlap_percent", "line_overlap_percent", "orientation")
        if not math.isfinite(values["orientation"]):
            return 400, {"orientation": [not_finite("orientation", values["orientation"])]}
        instrument_type = str(request["configurations"][0].get("instrument_type", ""))
        detector = detector_of(settings.catalogue, instrument_type)
        if detector is None:  # validation has found the type at an active place
            raise ValueError(f"no science camera for {instrument_type}")
        point_overlap: float = values["point_overlap_percent"]
        line_overlap: float = values.get("line_overlap_percent", point_overlap)
        values["point_spacing"], values["line_spacing"] = overlap_spacings(
            detector, point_overlap, line_overlap, values["orientation"]
        )
        spacings: tuple[str, ...] = ()
    elif "point_spacing" not in values:
        return 400, {
            NON_FIELD: ["S002 a mosaic needs point_spacing or point_overlap_percent, or both"]
        }
    else:
        used = ("point_spacing", "line_spacing", "orientation")
        spacings = ("point_spacing", "line_spacing")
    if values["pattern"] == LINE:
        used = tuple(name for name in used if not name.startswith("line_"))
        spacings = tuple(name for name in spacings if not name.startswith("line_"))
    return expanded(validated, values, used, spacings)


def checked_request(request: JSON, settings: Settings) -> tuple[object, JSON | None]:
    """(the request's refusals in the portal's shape, or None; its validated data, if valid)."""
    # The portal ignores read-only members (id, state...): the request is judged as submitted.
    submitted = {key: value for key, value in request.items() if key not in READ_ONLY_FIELDS}
    checked = check_unit(Unit(REQUEST, submitted, ""), settings)
    refusals = [finding for finding in checked.findings if finding.severity is Severity.ERROR]
    if refusals:
        return nested_errors(submitted, refusals), None
    context = checked.well_formed[0]
    configurations = submitted["configurations"]
    if len(configurations) > 1:
        return [
            f"S900 a mosaic repeats one configuration; this request has {len(configurations)} "
            "(expand each in a request of its own)"
        ], None
    target_type = configurations[0]["target"].get("type")
    if target_type != "ICRS":
        return [
            f"S004 a mosaic moves an ICRS target; this one is {target_type} "
            "(a dither offsets the telescope for any target type)"
        ], None
    extra_params = submitted.get("extra_params", {})
    if not isinstance(extra_params, dict):
        return {
            "extra_params": [
                "S001 extra_params must be an object for the mosaic pattern to be recorded in it"
            ]
        }, None
    normalized: JSON = json_copy(context.normalized)
    if fills_window(normalized):
        largest = float(context.visibility.largest)
        normalized = filled_request(normalized, settings.catalogue, largest)
    validated = validated_request(submitted, normalized, settings.effective_now)
    for configuration in validated["configurations"]:
        configuration.pop("fill_window", None)  # the portal's validation drops it once used
    return None, validated


def detector_of(catalogue: Catalogue, instrument_type: str) -> Detector | None:
    """The detector a mosaic's overlaps are measured against, as the portal looks it up.

    Every instrument of the type at an active site, enclosure and telescope (in
    any state) counts: the mounting angle is the mean over all their science
    cameras; size and pixel scale are those of the first one's first camera.
    """
    wanted = instrument_type.upper()
    angles: list[float] = []
    first: JSON | None = None
    for placement in catalogue.placements:
        if placement.type_code != wanted or not placement.active:
            continue
        cameras = placement.instrument.get("science_cameras") or []
        angles.extend(float(camera.get("orientation", 0.0)) for camera in cameras)
        if first is None and cameras:
            first = cameras[0].get("camera_type") or {}
    if first is None or not angles:
        return None
    return Detector(
        orientation=sum(angles) / len(angles),
        pixels_x=int(first["pixels_x"]),
        pixels_y=int(first["pixels_y"]),
        pixel_scale=float(first["pscale"]),
    )


def expanded(
    validated: JSON, values: JSON, used: tuple[str, ...], spacings: tuple[str, ...]
) -> tuple[int, JSON]:
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
    count = offset_count(parameters)
    if count > MOST_EXPANDED:
        return 400, too_many(count, "configurations")
    first = validated["configurations"][0]
    target = first["target"]
    try:
        positions = [
            mosaic_position(target["ra"], target["dec"], offset)
            for offset in pattern_offsets(parameters)
        ]
    except (ValueError, OverflowError):  # sin(inf)
        return 400, unusable(values, used, spacings)
    if not all(math.isfinite(ra) and math.isfinite(dec) for ra, dec in positions):
        return 400, unusable(values, used, spacings)
    configurations = []
    for ra, dec in positions:
        configuration: JSON = json_copy(first)
        configuration["target"]["dec"] = dec
        configuration["target"]["ra"] = ra
        configuration.setdefault("extra_params", {})
        configurations.append(configuration)
    validated["configurations"] = configurations
    validated.setdefault("extra_params", {})["mosaic_pattern"] = parameters.pattern
    return 200, validated
