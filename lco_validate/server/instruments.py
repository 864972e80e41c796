"""The portal's ``GET /api/instruments/`` document, built from a catalogue.

Clients (AEONlib, TOM Toolkit) build their forms from it.  One entry per
instrument type with a SCHEDULABLE instrument at an active site, as a
non-staff user sees it; each field comes from the copies the portal reads:

* ``optical_elements``: per group type, the elements of every non-DISABLED
  instrument of the type, each code once, flagged ``default`` when it is its
  group's default;
* ``modes``: the mode groups of the type's first instrument, active or not;
* ``camera_type``: the first active instrument's science camera (pixel scale,
  size, diagonal fields of view in arcminutes for it and the autoguider) and
  the mean orientation of the science cameras of all active ones.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from ..catalogue.snapshot import DISABLED, SCHEDULABLE, Catalogue, Placement

JSON = dict[str, Any]


def instruments_document(catalogue: Catalogue) -> JSON:
    schedulable = sorted(
        {p.type_code for p in catalogue.placements if p.active and p.state == SCHEDULABLE}
    )
    return {code: _entry(catalogue, code) for code in schedulable}


def _entry(catalogue: Catalogue, code: str) -> JSON:
    every = [p for p in catalogue.placements if p.type_code == code]
    active = [p for p in every if p.active]
    first = active[0]
    instrument_type = first.instrument_type
    cameras = [camera for p in active for camera in p.instrument.get("science_cameras", [])]
    science = first.instrument["science_cameras"][0]["camera_type"]
    autoguider = (first.instrument.get("autoguider_camera") or {}).get("camera_type") or {}
    return {
        "type": instrument_type.get("instrument_category", "None"),
        "class": first.telescope_class,
        "name": instrument_type.get("name", code),
        "optical_elements": _optical_elements([p for p in active if p.state != DISABLED]),
        "modes": {group["type"]: group for group in every[0].instrument_type["mode_types"]},
        "validation_schema": instrument_type.get("validation_schema", {}),
        "default_acceptability_threshold": instrument_type.get("default_acceptability_threshold"),
        "configuration_types": {
            entry["code"]: entry for entry in instrument_type.get("configuration_types", [])
        },
        "default_configuration_type": instrument_type.get("default_configuration_type") or "",
        "camera_type": {
            "science_field_of_view": _diagonal_arcminutes(science),
            "autoguider_field_of_view": _diagonal_arcminutes(autoguider) if autoguider else 0,
            "pixel_scale": science["pscale"],
            "pixels_x": science["pixels_x"],
            "pixels_y": science["pixels_y"],
            "orientation": sum(c.get("orientation", 0.0) for c in cameras) / len(cameras),
        },
    }


def _optical_elements(placements: list[Placement]) -> JSON:
    found: dict[str, list[JSON]] = {}
    seen: dict[str, set[str]] = {}
    for placement in placements:
        for camera in placement.instrument.get("science_cameras", []):
            for group in camera.get("optical_element_groups", []):
                codes = seen.setdefault(group["type"], set())
                for element in group.get("optical_elements", []):
                    if element["code"] in codes:
                        continue
                    codes.add(element["code"])
                    default = str(group.get("default", "")).lower() == element["code"].lower()
                    found.setdefault(group["type"], []).append(
                        {**copy.deepcopy(element), "default": default}
                    )
    return found


def _diagonal_arcminutes(camera_type: JSON) -> float:
    across = camera_type["pixels_x"] * camera_type["pscale"] / 60.0
    down = camera_type["pixels_y"] * camera_type["pscale"] / 60.0
    return math.sqrt(across**2 + down**2)  # not hypot: the portal's rounding, to the last bit
