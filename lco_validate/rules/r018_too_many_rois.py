"""An instrument config has more regions of interest than the detector supports.

``rois`` lists detector sub-windows to read out.  The portal allows at most
the ``max_rois`` of the instrument type's first science camera type; an empty
list is always fine.  In the built-in LCO catalogue every camera has
``max_rois`` 0: regions of interest are not offered at all.

When the detector supports none, the regions themselves are not checked
further (R019-R021): removing them is the fix.

Passes::

    {"instrument_type": "1M0-SCICAM-SINISTRO", "instrument_configs": [{"rois": [], ...}]}

Fails (Sinistro supports no regions of interest)::

    {"instrument_type": "1M0-SCICAM-SINISTRO",
     "instrument_configs": [{"rois": [{"x1": 0, "x2": 1000}], ...}]}
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.notions import Detector, detector_of
from ._configurations import CheckedConfiguration, checked_configurations

CODE = "R018"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


@dataclass(frozen=True)
class RegionList:
    """The regions of interest of one instrument config, as written and normalised."""

    configuration: CheckedConfiguration
    index: int  # of the instrument config
    written: list[Any]
    normalized: list[Any]
    detector: Detector


def region_lists(context: RequestContext) -> list[RegionList]:
    """Every instrument config that has ``rois``, with its detector (when the catalogue has one).

    Computed once per request: four rules read them.
    """
    return context.remembered("region lists", lambda: list(_region_lists(context)))


def _region_lists(context: RequestContext) -> Iterator[RegionList]:
    for configuration in checked_configurations(context):
        detector = detector_of(context.catalogue, configuration.instrument_type)
        if detector is None:
            continue
        written_configs = configuration.written.get("instrument_configs") or []
        normalized_configs = configuration.normalized.get("instrument_configs") or []
        for index, (written, normalized) in enumerate(
            zip(written_configs, normalized_configs, strict=False)
        ):
            if not isinstance(written, dict) or not isinstance(normalized, dict):
                continue
            rois, filled = written.get("rois"), normalized.get("rois")
            if isinstance(rois, list) and isinstance(filled, list):
                yield RegionList(configuration, index, rois, filled, detector)


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
