"""A RAPID_RESPONSE window starts in the future (time-relative).

Rapid-response time is for observations that must begin at once, so the
portal refuses a RAPID_RESPONSE group if any window of any of its requests
starts later than the moment of submission.  A window without a start opens on
submission and passes.  "Now" is ``--now`` when given, else the current time;
for archive records the rule needs ``--now`` (they describe the past).
Reported at the window's ``start``.

The portal makes this check while it looks up the proposal's rapid-response
allocation, so it is only reached when that allocation exists; offline we
assume it does.

Passes, in the group (now is 2030-06-01T00:00:00Z; the window opened an hour ago)::

    {"observation_type": "RAPID_RESPONSE", "requests": [{"windows":
        [{"start": "2030-05-31T23:00:00Z", "end": "2030-06-01T20:00:00Z"}]}]}

Fails at /requests/0/windows/0/start, in the group (it opens in six hours)::

    {"observation_type": "RAPID_RESPONSE", "requests": [{"windows":
        [{"start": "2030-06-01T06:00:00Z", "end": "2030-06-01T20:00:00Z"}]}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import GroupContext
from ..findings import Finding, Severity
from ._observation_types import RAPID_RESPONSE
from ._windows import format_time, window_times

CODE = "R083"
SEVERITY = Severity.ERROR
SCOPE = "group"


def check(context: GroupContext) -> Iterator[Finding]:
    if context.group.get("observation_type") != RAPID_RESPONSE or not context.time_rules_apply:
        return
    now = context.settings.effective_now
    for request in context.requests:
        for window in window_times(request):
            if window.start is None or window.start <= now:
                continue
            yield Finding(
                CODE,
                SEVERITY,
                f"this RAPID_RESPONSE window starts at {format_time(window.start)}, after now "
                f"({format_time(now)}); rapid-response windows must already be open, so start "
                "it now or earlier (or leave 'start' out), or use observation type NORMAL or "
                "TIME_CRITICAL for a later observation",
                pointer=f"{request.pointer}/windows/{window.index}/start",
            )
