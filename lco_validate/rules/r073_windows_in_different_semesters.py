"""A request's windows lie in different semesters.

Each request is charged to one semester's time allocation, so the portal
refuses a request whose windows fall in more than one semester (each window
fitting a semester of its own).  The first window's semester is taken as the
request's; every window in another semester is reported.  Windows that fit no
semester are R072's, and, as in the portal, do not take part.  Semesters come
from our table (see R072), not from the portal's database.

Passes, in the request (both in 2030A)::

    {"windows": [{"start": "2030-06-10T00:00:00Z", "end": "2030-06-20T00:00:00Z"},
                 {"start": "2030-07-01T00:00:00Z", "end": "2030-07-05T00:00:00Z"}]}

Fails at /windows/1, in the request (2030A, then 2030B)::

    {"windows": [{"start": "2030-06-10T00:00:00Z", "end": "2030-06-20T00:00:00Z"},
                 {"start": "2030-08-05T00:00:00Z", "end": "2030-08-10T00:00:00Z"}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue.semesters import Semester, semester_containing
from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._windows import start_or_now, window_times

CODE = "R073"
SEVERITY = Severity.ERROR
SCOPE = "request"
#: Judged once every window of the request is well formed.
JUDGES = "/windows"


def check(context: RequestContext) -> Iterator[Finding]:
    windows = window_times(context)
    if len(windows) < 2:
        return  # a window's semester is reported only beside another window's
    placed: list[tuple[int, Semester]] = []
    for window in windows:
        start = start_or_now(window, context)
        if start is None or window.end <= start:
            continue
        semester = semester_containing(start, window.end)
        if semester is not None:
            placed.append((window.index, semester))
    if len({semester.code for _, semester in placed}) < 2:
        return
    first_index, first = placed[0]
    for index, semester in placed[1:]:
        if semester.code == first.code:
            continue
        yield Finding(
            CODE,
            SEVERITY,
            f"window {index} lies in semester {semester.code} but window {first_index} lies in "
            f"{first.code}; all windows of a request must share one semester, so move this "
            "window into a request of its own",
            pointer=f"{context.pointer}/windows/{index}",
        )
