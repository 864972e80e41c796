"""The target is observable, but never for long enough in one stretch to fit the request.

The portal takes the longest single interval in which the target is
observable (over every site carrying the first configuration's instrument
type and every window, counting only what lies after the moment of
submission) and refuses the request unless it is longer than the request's
duration ("the target will only be visible for a maximum of ... hours").
The whole request must fit in one interval: two short nights do not add up.
The finding gives both numbers in hours and seconds, and the site and
interval of the best stretch.  A REPEAT configuration with ``fill_window``
is stretched by the portal to fit (``repeat_duration`` becomes the largest
interval minus the rest of the request, minus 1 s); the portal then
compares again, and a request with ``configuration_repeats`` above 1 fails,
because the stretched configuration is repeated while the stretch was
computed for one pass.

Runs under the same conditions as V001.

Passes, in the request (the 197 s request fits many nights at Sutherland)::

    {"location": {"site": "cpt"}}

Fails at /windows/0, in the request (two minutes of a night at Sutherland, less than 197 s)::

    {"location": {"site": "cpt"},
     "windows": [{"start": "2030-06-10T22:00:00Z", "end": "2030-06-10T22:02:00Z"}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.duration import DurationError, request_duration

CODE = "V002"
SEVERITY = Severity.ERROR
SCOPE = "request"


def check(context: RequestContext) -> Iterator[Finding]:
    from ..model.fill_window import filled_request, fills_window
    from ..visibility.observability import iso
    from ._visibility import applies, hours_and_seconds, windows_pointer

    if not applies(context):
        return
    timed = context.duration
    assert not isinstance(timed, DurationError)  # applies() checked it
    visibility = context.visibility
    if not visibility.computed or visibility.largest <= 0:
        return  # V001's case
    filling = fills_window(context.normalized)
    if filling:
        filled = filled_request(context.normalized, context.catalogue, visibility.largest)
        duration = request_duration(filled, context.catalogue).duration
    else:
        duration = timed.duration
    if visibility.largest > duration:
        return
    assert visibility.best_interval is not None
    start, end = visibility.best_interval
    if visibility.now is not None and start <= visibility.now:
        stretch = f"from now ({iso(visibility.now)}) to {iso(end)}"
    else:
        stretch = f"from {iso(start)} to {iso(end)}"
    if filling:
        repeats = context.normalized.get("configuration_repeats")
        yield Finding(
            CODE,
            SEVERITY,
            f"fill_window stretches the REPEAT configuration to the largest stretch "
            f"({hours_and_seconds(visibility.largest)} at {visibility.best_site}, {stretch}), "
            f"but with configuration_repeats {repeats} the stretched request takes "
            f"{hours_and_seconds(duration)} and no longer fits, so the portal refuses it; "
            "use configuration_repeats 1 with fill_window, or drop fill_window",
            pointer=windows_pointer(context),
        )
        return
    yield Finding(
        CODE,
        SEVERITY,
        f"the target is observable for at most {hours_and_seconds(visibility.largest)} in one "
        f"stretch (at {visibility.best_site}, {stretch}), but the request takes "
        f"{hours_and_seconds(duration)}; it must fit in one stretch, so widen the "
        "window(s), raise max_airmass, lower min_lunar_distance, or shorten the request",
        pointer=windows_pointer(context),
    )
