"""The request carries a cadence block, which a submission cannot contain.

A cadence (start, end, period, jitter) asks for a series of windows.  The
portal does not expand it on submission: it refuses any request with a cadence
and points to its separate cadence endpoint (``POST
/api/requestgroups/cadence/``), which turns the cadence into concrete windows,
keeps only those in which the target is visible, and returns a request group
to submit.  Expand the cadence there (or write the windows yourself), then
submit the result without the ``cadence`` key.  Reported at the key.

Passes, in the request (the windows written out)::

    {"windows": [{"start": "2030-06-10T00:00:00Z", "end": "2030-06-10T12:00:00Z"},
                 {"start": "2030-06-11T00:00:00Z", "end": "2030-06-11T12:00:00Z"}]}

Fails at /cadence, in the request::

    {"cadence": {"start": "2030-06-10T00:00:00Z", "end": "2030-06-20T00:00:00Z",
                 "period": 24, "jitter": 12}}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity

CODE = "R055"
SEVERITY = Severity.ERROR
SCOPE = "request"
#: A field's own check: judged even when other fields of its object are malformed.
JUDGES = "."


def check(context: RequestContext) -> Iterator[Finding]:
    if not context.normalized.get("cadence"):
        return  # the portal only objects to a cadence that is there (truthy)
    yield Finding(
        CODE,
        SEVERITY,
        "a request submitted for scheduling cannot carry a 'cadence'; expand it into windows "
        "first (the portal's cadence endpoint, POST /api/requestgroups/cadence/, does this) "
        "and submit the resulting request group without the 'cadence' key",
        pointer=f"{context.pointer}/cadence",
        at_key=True,
    )
