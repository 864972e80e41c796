"""A location's enclosure is not at its site, or its telescope is not in its enclosure.

Each code can exist in the catalogue and still not fit together: ``aqwb``
is an enclosure at ``lsc`` and ``elp`` but not at ``cpt``.  The portal then
refuses the location and lists the enclosures at that site (or the telescopes
in that enclosure); so does this rule, from the catalogue in use.  It is
decided only once every code is known (R050) and the location is complete
(R051), as in the portal.

Passes::

    "location": {"telescope_class": "0m4", "site": "lsc", "enclosure": "aqwb", "telescope": "0m4a"}

Fails (``cpt`` has no enclosure ``aqwb``)::

    "location": {"telescope_class": "0m4", "site": "cpt", "enclosure": "aqwb"}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from .r050_location_code_unknown import location_findings

CODE = "R052"
SEVERITY = Severity.ERROR
SCOPE = "request"
#: Judged once the location is well formed.
JUDGES = "/location"


def check(context: RequestContext) -> Iterator[Finding]:
    yield from location_findings(context, "not_nested", CODE, SEVERITY)
