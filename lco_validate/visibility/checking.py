"""When the V rules judge a request, and helpers they share.

The portal decides visibility at the end of ``RequestSerializer.validate``,
so it never gets there for a request that an earlier rule refuses; the rule
runner (``rules.run``) therefore skips the V rules for a request with an
R-code error.  Here: the V rules also stay silent when the duration cannot be
computed (D002 says why), when visibility is turned off, and for archive
records unless ``--now`` is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..catalogue.snapshot import Catalogue
from ..model.duration import DurationError, request_duration

JSON = dict[str, Any]

if TYPE_CHECKING:
    from ..checking.context import RequestContext


def applies(context: RequestContext) -> bool:
    """True when the portal would compute visibility for this request."""
    if not context.settings.visibility or not context.time_rules_apply:
        return False
    if isinstance(context.duration, DurationError):
        return False
    windows = context.normalized.get("windows")
    return isinstance(windows, list) and bool(windows)


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


def hours_and_seconds(seconds: float) -> str:
    """Both units, as users compare them with portal messages (hours) and durations (seconds)."""
    return f"{seconds / 3600:.2f} h ({seconds:.0f} s)"


def windows_pointer(context: RequestContext) -> str:
    """The single window when there is one, else the list: what the user would change."""
    windows = context.request.get("windows") or []
    suffix = "/windows/0" if len(windows) == 1 else "/windows"
    return context.pointer + suffix
