"""A location names an enclosure without its site, or a telescope without its enclosure.

Enclosure codes (``doma``, ``aqwa``...) repeat from site to site and
telescope codes (``1m0a``, ``0m4a``...) from enclosure to enclosure, so an
enclosure only means something with a site and a telescope with an enclosure.
The portal refuses a location that narrows to an enclosure without a site, or
to a telescope without an enclosure.  Reported at the location object, which
lacks the field.

Passes, in the location::

    {"site": "lsc", "enclosure": "doma", "telescope": "1m0a"}

Fails at /location, in the request (which site's ``doma``?)::

    {"location": {"enclosure": "doma"}}

Fails at /location, in the request (a telescope without its enclosure)::

    {"location": {"site": "lsc", "telescope": "1m0a"}}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._locations import location_findings

CODE = "R051"
SEVERITY = Severity.ERROR
SCOPE = "request"
#: Judged once the location is well formed.
JUDGES = "/location"


def check(context: RequestContext) -> Iterator[Finding]:
    yield from location_findings(context, "missing_parent", CODE, SEVERITY)
