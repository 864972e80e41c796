"""A window does not fit inside one semester.

LCO allocates time by semester, and the portal refuses a window unless one
semester contains all of it (semester start <= window start and window end <=
semester end).  A window without a start starts on submission ("now", or
``--now``); for an archive record without ``--now`` such a window is skipped.

The portal reads its semesters from its database.  Offline, they come from our
table, ``lco_validate/catalogue/data/semesters.json``: 2014A to 2030B with their sources
(LCO's calls for proposals and news, and the semester arithmetic of
NEOexchange, LCO's own client) in its ``_source``.  The boundaries were not
regular: April/October semesters until 2016B, a single eight-month 2017AB,
December/June semesters 2018A-2019B, a 2020A extended to the end of June
2020, and February/August semesters since 2021.  The end of 2020B, 2021A and
everything from 2022A on follow the regular pattern and are marked inferred; a
semester ends at 23:59:59 UTC of its last day.  Differences from the portal: the portal knows
only the semesters LCO has already created, so a window in a later semester
of our table may still be refused there; a window after 2030B is refused here
because the table ends there.

Passes, in the window (2030A ends on 31 July 2030)::

    {"start": "2030-07-20T00:00:00Z", "end": "2030-07-31T23:00:00Z"}

Fails at /windows/0, in the request (runs past the end of 2030A)::

    {"windows": [{"start": "2030-07-25T00:00:00Z", "end": "2030-08-05T00:00:00Z"}]}

Fails at /windows/0, in the request (after 2030B, where the table ends)::

    {"windows": [{"start": "2031-03-01T00:00:00Z", "end": "2031-03-05T00:00:00Z"}]}
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from ..catalogue.semesters import semester_at, semester_containing, semesters
from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._windows import format_time, start_or_now, window_times

CODE = "R072"
SEVERITY = Severity.ERROR
SCOPE = "request"
#: Judged once the window is well formed.
JUDGES = "/windows/*"


def _why_no_semester(start: datetime, end: datetime) -> str:
    """Where [start, end] falls relative to the table, and what to do about it."""
    table = semesters()
    first, last = table[0], table[-1]
    if start < first.start:
        return (
            f"it starts before {first.code}, the first semester in our table (from "
            f"{format_time(first.start)}); move it into a semester"
        )
    opening = semester_at(start)
    if opening is None:
        return (
            f"it starts after {last.code}, the last semester in our table (to "
            f"{format_time(last.end)}); the portal accepts windows only in semesters LCO has "
            "already defined, so it cannot be submitted until its semester exists"
        )
    rest = ""
    if opening is not last:
        rest = ", and put the rest in a separate request (a request's windows share one semester)"
    return (
        f"it starts in {opening.code}, which ends at {format_time(opening.end)}; end the window "
        f"by then{rest}"
    )


def check(context: RequestContext) -> Iterator[Finding]:
    for window in window_times(context):
        start = start_or_now(window, context)
        if start is None or window.end <= start:
            continue  # no start to judge by, or an inverted window (R070)
        if semester_containing(start, window.end) is not None:
            continue
        yield Finding(
            CODE,
            SEVERITY,
            f"window {format_time(start)} to {format_time(window.end)} does not fit in one "
            f"semester: {_why_no_semester(start, window.end)}",
            pointer=f"{context.pointer}/windows/{window.index}",
        )
