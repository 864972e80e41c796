"""A RAPID_RESPONSE window ends more than 24 h plus the duration after now (time-relative).

A rapid-response observation must start within a day of submission, so the
portal refuses a RAPID_RESPONSE group if any window ends more than 24 hours
plus the observation's duration after the moment of submission.  "Now" is
``--now`` when given, else the current time; for archive records the rule
needs ``--now``.  Reported at the window's ``end``.

The duration is the one the portal charges to the proposal's time
allocation: per request and instrument type, keyed by the semester of
the request's windows; for SINGLE groups the unrounded sum over requests, for
MANY the longest request (rounded up to whole seconds).  The portal compares
every window of every request against each of these in turn, so the shortest
one sets the limit for all windows, and so it does here.  When a duration
cannot be computed (an instrument type the catalogue lacks, see D002), the
rule is skipped.  As with R083, the portal only gets here when the proposal
has a rapid-response allocation; offline we assume it does.

Passes, in the group (now is 2030-06-01T00:00:00Z; the observation takes 197 s, so a window
may end until 2030-06-02T00:03:17Z)::

    {"observation_type": "RAPID_RESPONSE", "requests": [{"windows":
        [{"start": "2030-05-31T23:00:00Z", "end": "2030-06-02T00:03:00Z"}]}]}

Fails at /requests/0/windows/0/end, in the group (a minute too late)::

    {"observation_type": "RAPID_RESPONSE", "requests": [{"windows":
        [{"start": "2030-05-31T23:00:00Z", "end": "2030-06-02T00:04:00Z"}]}]}
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from ..catalogue.semesters import semester_containing
from ..checking.context import GroupContext
from ..findings import Finding, Severity
from ..model.duration import AllocationKey, DurationError, RequestDuration, charged_by_allocation
from ._observation_types import RAPID_RESPONSE
from ._windows import format_time, start_or_now, window_times

CODE = "R084"
SEVERITY = Severity.ERROR
SCOPE = "group"

RAPID_RESPONSE_LEAD_SECONDS = 86400


def _charged_durations(context: GroupContext) -> dict[AllocationKey, float] | None:
    """Seconds the group charges to each allocation; None if a duration cannot be computed."""
    timed_requests: list[tuple[str | None, RequestDuration]] = []
    for request in context.requests:
        timed = request.duration
        if isinstance(timed, DurationError):
            return None
        windows = window_times(request)
        starts = [s for window in windows if (s := start_or_now(window, request)) is not None]
        semester = None
        if windows and len(starts) == len(windows):
            semester = semester_containing(min(starts), max(window.end for window in windows))
        timed_requests.append((semester.code if semester else None, timed))
    return charged_by_allocation(str(context.group.get("operator", "")), timed_requests)


def check(context: GroupContext) -> Iterator[Finding]:
    if context.group.get("observation_type") != RAPID_RESPONSE or not context.time_rules_apply:
        return
    charged = _charged_durations(context)
    if not charged:
        return
    duration = min(charged.values())
    now = context.settings.effective_now
    latest_end = now + timedelta(seconds=duration + RAPID_RESPONSE_LEAD_SECONDS)
    for request in context.requests:
        for window in window_times(request):
            if window.end <= latest_end:
                continue
            yield Finding(
                CODE,
                SEVERITY,
                f"this RAPID_RESPONSE window ends at {format_time(window.end)}, but a "
                "rapid-response window must end within 24 hours plus the observation's "
                f"duration ({duration:g} s) of now ({format_time(now)}), that is by "
                f"{format_time(latest_end)}; end it by then, or use observation type NORMAL "
                "or TIME_CRITICAL for a longer window",
                pointer=f"{request.pointer}/windows/{window.index}/end",
            )
