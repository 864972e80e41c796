"""The regions of interest of each instrument config, with the detector they lie on.

Serves R018 (more regions than the detector supports) and R019-R021 (a region
without bounds, with bounds out of order, or beyond the detector).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..checking.context import RequestContext
from ..model.notions import Detector, detector_of
from ._configurations import CheckedConfiguration, checked_configurations


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
    return context.once(_region_lists)


def _region_lists(context: RequestContext) -> list[RegionList]:
    found = []
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
                found.append(RegionList(configuration, index, rois, filled, detector))
    return found
