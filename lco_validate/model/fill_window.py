"""Requests that fill their window: a REPEAT configuration stretched to the largest interval.

The portal computes a ``fill_window`` configuration's repeat duration from the
longest time the target is observable in the request's windows, so its
duration follows visibility (docs/duration.md, docs/visibility.md).
"""

from __future__ import annotations

from typing import Any

from ..catalogue.snapshot import Catalogue
from .duration import request_duration

JSON = dict[str, Any]


def fills_window(request: JSON) -> bool:
    """Whether a REPEAT configuration asks to be stretched to the largest interval."""
    configurations = request.get("configurations")
    return any(map(_fills, configurations if isinstance(configurations, list) else []))


def _fills(configuration: object) -> bool:
    return (
        isinstance(configuration, dict)
        and "REPEAT" in str(configuration.get("type", ""))
        and bool(configuration.get("fill_window"))
    )


def filled_request(request: JSON, catalogue: Catalogue, largest: float) -> JSON:
    """The (normalized) request once the portal has stretched it to fill the largest interval.

    For each REPEAT configuration with fill_window, in order, the portal sets
    ``repeat_duration = largest - duration + repeat_duration - 1`` and
    recomputes the duration.  The request then just fits, except that the
    padding is counted once while the stretched configuration is counted
    ``configuration_repeats`` times: with repeats the filled request overruns
    the interval and the portal refuses it (V002).
    """
    duration = request_duration(request, catalogue).duration
    configurations = [dict(c) for c in request.get("configurations") or []]
    filled = {**request, "configurations": configurations}
    for configuration in configurations:
        if _fills(configuration):
            stretched = largest - duration + float(configuration.get("repeat_duration") or 0) - 1
            configuration["repeat_duration"] = stretched
            duration = request_duration(filled, catalogue).duration
    return filled
