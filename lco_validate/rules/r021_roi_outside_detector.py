"""A region of interest reaches beyond the detector.

The portal wants a region's ``x2`` and ``y2`` within the detector size of the
instrument type's first science camera (``pixels_x`` and ``pixels_y`` in the
catalogue).  Negative bounds are refused by the schema already.

Not checked for detectors that support no regions of interest (R018).

Passes, in the instrument config, with catalogue sites.json (a 4096 x 4096 detector)::

    {"rois": [{"x1": 0, "x2": 4096, "y1": 0, "y2": 1000}]}

Fails at /rois/0/x2, in the instrument config, with catalogue sites.json::

    {"rois": [{"x1": 0, "x2": 5000}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._regions_of_interest import region_lists

CODE = "R021"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for regions in region_lists(context):
        detector = regions.detector
        if detector.max_rois == 0:
            continue
        limits = {"x2": detector.pixels_x, "y2": detector.pixels_y}
        instrument_type = regions.configuration.instrument_type
        for position, roi in enumerate(regions.normalized):
            if not isinstance(roi, dict):
                continue
            for bound, limit in limits.items():
                value = roi.get(bound)
                if not isinstance(value, int) or value <= limit:
                    continue
                yield regions.configuration.finding(
                    CODE,
                    SEVERITY,
                    f"region of interest {bound} {value} is beyond the {instrument_type} "
                    f"detector, which is {detector.pixels_x} x {detector.pixels_y} pixels; keep x "
                    f"within 0..{detector.pixels_x} and y within 0..{detector.pixels_y}",
                    "instrument_configs",
                    regions.index,
                    "rois",
                    position,
                    bound,
                )
