"""An instrument config has more regions of interest than the detector supports.

``rois`` lists detector sub-windows to read out.  The portal allows at most
the ``max_rois`` of the instrument type's first science camera type; an empty
list is always fine.  In the built-in LCO catalogue every camera has
``max_rois`` 0: regions of interest are not offered at all.

When the detector supports none, the regions themselves are not checked
further (R019-R021): removing them is the fix.

Passes, in the instrument config::

    {"rois": []}

Passes, in the instrument config, with catalogue sites.json (a camera with one region)::

    {"rois": [{"x1": 0, "x2": 1000}]}

Fails at /rois, in the instrument config (Sinistro supports no regions of interest)::

    {"rois": [{"x1": 0, "x2": 1000}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._regions_of_interest import region_lists

CODE = "R018"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def _count(number: int) -> str:
    return f"{number} region{'s' if number != 1 else ''} of interest"


def check(context: RequestContext) -> Iterator[Finding]:
    for regions in region_lists(context):
        limit = regions.detector.max_rois
        if len(regions.written) <= limit:
            continue
        instrument_type = regions.configuration.instrument_type
        if limit == 0:
            advice = f"{instrument_type} does not support regions of interest; remove them"
        else:
            advice = f"{instrument_type} supports at most {limit}; remove some"
        yield regions.configuration.finding(
            CODE,
            SEVERITY,
            f"{_count(len(regions.written))} given; {advice}",
            "instrument_configs",
            regions.index,
            "rois",
        )
