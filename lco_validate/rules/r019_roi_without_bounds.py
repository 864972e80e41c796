"""A region of interest gives none of its bounds.

A region of interest is ``x1``, ``x2``, ``y1``, ``y2`` in detector pixels;
missing bounds take the detector's edges (x1 = y1 = 0, x2 and y2 the detector
size), but the portal wants at least one of the four.  A bound written as
``null`` counts as missing here (the portal's handling of explicit nulls is
not documented; it may fail on them).

Not checked for detectors that support no regions of interest (R018).

Passes, in the instrument config, with catalogue sites.json (a camera with one region)::

    {"rois": [{"x1": 100}]}

Fails at /rois/0, in the instrument config, with catalogue sites.json::

    {"rois": [{}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._regions_of_interest import region_lists

CODE = "R019"
SEVERITY = Severity.ERROR
SCOPE = "configuration"

BOUNDS = ("x1", "x2", "y1", "y2")


def check(context: RequestContext) -> Iterator[Finding]:
    for regions in region_lists(context):
        if regions.detector.max_rois == 0:
            continue
        for position, roi in enumerate(regions.written):
            if not isinstance(roi, dict) or any(roi.get(bound) is not None for bound in BOUNDS):
                continue
            detector = regions.detector
            yield regions.configuration.finding(
                CODE,
                SEVERITY,
                "a region of interest needs at least one of x1, x2, y1, y2 (the others default "
                f"to the detector edges 0..{detector.pixels_x} and 0..{detector.pixels_y}); give "
                "its bounds or remove it",
                "instrument_configs",
                regions.index,
                "rois",
                position,
            )
