"""The request carries a cadence block, which a submission cannot contain.

A cadence (start, end, period, jitter) asks for a series of windows.  The
portal does not expand it on submission: it refuses any request with a cadence
and points to its separate cadence endpoint (``POST
/api/requestgroups/cadence/``), which turns the cadence into concrete windows,
keeps only those in which the target is visible, and returns a request group
to submit.  Expand the cadence there (or write the windows yourself), then
submit the result without the ``cadence`` key.  Reported at the key.

Passes::

    {"windows": [{"start": "2031-01-05T00:00:00Z", "end": "2031-01-06T00:00:00Z"}], ...}

Fails::

    {"cadence": {"start": "2031-01-05T00:00:00Z", "end": "2031-01-25T00:00:00Z",
                 "period": 24, "jitter": 4}, ...}
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
