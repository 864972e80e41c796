"""A recorded duration differs from the one the overhead model gives.

The portal stores each request's ``duration`` (seconds, rounded up) computed
from exposures and the instrument's overheads in configdb.  A recorded value
that the model does not reproduce means the overheads in the catalogue, the
request, or the record itself have changed since it was computed.
``--duration-tolerance SECONDS`` allows a difference up to that many seconds.

Passes, in the request (one 60 s Sinistro exposure through rp: 60 + 29 + 16 + 2 + 90)::

    {"duration": 197}

Fails at /duration, in the request (the recorded value is 17 s short)::

    {"duration": 180}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity, number_text
from ..model.duration import DurationError

CODE = "D001"
SEVERITY = Severity.ERROR
SCOPE = "request"


def check(context: RequestContext) -> Iterator[Finding]:
    recorded = context.request.get("duration")
    computed = context.duration
    if isinstance(computed, DurationError) or isinstance(recorded, bool):
        return
    if not isinstance(recorded, int | float):
        return
    difference = recorded - computed.duration
    if abs(difference) <= context.settings.duration_tolerance:
        return
    terms = ", ".join(
        f"{name.replace('_', ' ')} {value:g} s" for name, value in computed.dominant_terms()
    )
    yield Finding(
        CODE,
        SEVERITY,
        f"recorded duration {number_text(recorded)} s differs from the {computed.duration} s the "
        f"overhead model gives ({number_text(difference, sign=True)} s); largest terms: {terms}. "
        "Check the catalogue's overheads or the record",
        pointer=f"{context.pointer}/duration",
    )
