"""A window ends at or before its start.

A window is the period in which the request may be scheduled; its ``end``
must come after its ``start``.  The portal refuses a window whose end is not
later than its start (equal times included).  A window without a start starts
when it is submitted, so only its end is checked, against the current time
(R071).  Reported at the window's ``end``.

Passes, in the window::

    {"start": "2030-06-10T00:00:00Z", "end": "2030-06-11T00:00:00Z"}

Fails at /end, in the window (the dates are swapped)::

    {"start": "2030-06-11T00:00:00Z", "end": "2030-06-10T00:00:00Z"}

Fails at /end, in the window (a window of no time)::

    {"start": "2030-06-10T00:00:00Z", "end": "2030-06-10T00:00:00Z"}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, FixDocumentation, Severity
from ._windows import format_time, swapped_bounds, window_times

CODE = "R070"
SEVERITY = Severity.ERROR
SCOPE = "request"
FIX = FixDocumentation(
    "unsafe",
    "swaps the start and end of a window whose end comes before its start (a mistyped date "
    "looks the same, so it is a judgement)",
)
#: Judged once the window is well formed.
JUDGES = "/windows/*"


def check(context: RequestContext) -> Iterator[Finding]:
    for window in window_times(context):
        if window.start is None or window.end > window.start:
            continue
        hint = "" if window.end == window.start else " (are start and end swapped?)"
        windows = context.request.get("windows")
        written = windows[window.index] if isinstance(windows, list) else None
        yield Finding(
            CODE,
            SEVERITY,
            f"window end {format_time(window.end)} is not after its start "
            f"{format_time(window.start)}{hint}; give an end later than the start",
            pointer=f"{context.pointer}/windows/{window.index}/end",
            fix=swapped_bounds(written),
        )
