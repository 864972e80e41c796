"""The portal leaves out every configuration of the request, then refuses it for having none.

A configuration whose first failing whole-configuration schema (the
instrument type's, then the configuration type's) fails only on keys the
portal does not report (R013) is dropped silently from the request.  When
that happens to every configuration, the request reaches the portal's
configuration count check with an empty list and is refused ("You must
specify at least 1 configuration").  Reported at ``configurations``; fix the
R013 findings of its configurations.

Passes, in the configuration, with catalogue sites.json (its Sinistro's schema allows the
types EXPOSE, SKY_FLAT and STANDARD)::

    {"type": "EXPOSE"}

Fails at /configurations, in the request, with catalogue sites.json (the same schema; the only
configuration is AUTO_FOCUS)::

    {"configurations": [{"type": "AUTO_FOCUS"}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._validation_schemas import left_out_by_portal

CODE = "R056"
SEVERITY = Severity.ERROR
SCOPE = "request"
#: Judged once every configuration of the request is well formed.
JUDGES = "/configurations"


def check(context: RequestContext) -> Iterator[Finding]:
    reviews = context.reviews
    if not reviews:
        return
    for review in reviews.values():
        if not left_out_by_portal(review):
            return
    count = len(reviews)
    which = "its only configuration" if count == 1 else f"all {count} of its configurations"
    yield Finding(
        CODE,
        SEVERITY,
        f"the portal drops {which} (see R013) and then refuses the request for having no "
        "configuration; correct the values the catalogue's schemas reject",
        pointer=f"{context.pointer}/configurations",
    )
