"""A region of interest does not start before it ends.

After missing bounds take the detector's edges (x1 = y1 = 0, x2 and y2 the
detector size), the portal wants ``x1 < x2`` and ``y1 < y2``.  Reported at the
start bound when it is written, else at the end bound.

Not checked for detectors that support no regions of interest (R018).

Passes, in the instrument config, with catalogue sites.json (a camera with one region)::

    {"rois": [{"x1": 100, "x2": 600}]}

Fails at /rois/0/x1, in the instrument config, with catalogue sites.json::

    {"rois": [{"x1": 600, "x2": 100}]}

Fails at /rois/0/y2, in the instrument config, with catalogue sites.json (``y1`` is 0)::

    {"rois": [{"y2": 0}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._regions_of_interest import region_lists

CODE = "R020"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for regions in region_lists(context):
        if regions.detector.max_rois == 0:
            continue
        for position, (written, roi) in enumerate(
            zip(regions.written, regions.normalized, strict=False)
        ):
            if not isinstance(written, dict) or not isinstance(roi, dict):
                continue
            for start, end in (("x1", "x2"), ("y1", "y2")):
                first, last = roi.get(start), roi.get(end)
                if not isinstance(first, int) or not isinstance(last, int) or first < last:
                    continue
                at = start if written.get(start) is not None else end
                yield regions.configuration.finding(
                    CODE,
                    SEVERITY,
                    f"region of interest {start} {first} is not below {end} {last}; a region "
                    f"must start before it ends (give {start} < {end})",
                    "instrument_configs",
                    regions.index,
                    "rois",
                    position,
                    at,
                )
