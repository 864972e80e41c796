"""A window has already ended (time-relative).

Nothing can be scheduled in a window that is over, and the portal refuses a
window whose end is earlier than the time of submission.  "Now" is ``--now``
when given, else the current time.  Archive records (documents carrying fields
only the portal writes, such as ``id``, ``state`` or ``created``) describe the
past, so this rule is off for them unless ``--now`` is given.  Reported at the
window's ``end``.

Passes, in the window (now is 2030-06-01T00:00:00Z; a window may have started)::

    {"start": "2030-05-31T00:00:00Z", "end": "2030-06-02T00:00:00Z"}

Fails at /end, in the window (it ended in May)::

    {"start": "2030-05-01T00:00:00Z", "end": "2030-05-10T00:00:00Z"}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._windows import format_time, window_times

CODE = "R071"
SEVERITY = Severity.ERROR
SCOPE = "request"
#: A field's own check: judged even when other fields of its object are malformed.
JUDGES = "."


def check(context: RequestContext) -> Iterator[Finding]:
    if not context.time_rules_apply:
        return
    now = context.settings.effective_now
    for window in window_times(context):
        if window.end >= now:
            continue
        yield Finding(
            CODE,
            SEVERITY,
            f"window end {format_time(window.end)} has already passed (now is "
            f"{format_time(now)}); move the window so that it ends in the future",
            pointer=f"{context.pointer}/windows/{window.index}/end",
        )
