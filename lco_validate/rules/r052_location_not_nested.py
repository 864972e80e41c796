"""A location's enclosure is not at its site, or its telescope is not in its enclosure.

Each code can exist in the catalogue and still not fit together: ``aqwb``
is an enclosure at ``lsc`` and ``elp`` but not at ``cpt``.  The portal then
refuses the location and lists the enclosures at that site (or the telescopes
in that enclosure); so does this rule, from the catalogue in use.  It is
decided only once every code is known (R050) and the location is complete
(R051), as in the portal.

Passes, in the location::

    {"site": "elp", "enclosure": "doma", "telescope": "1m0a"}

Fails at /enclosure, in the location (``cpt`` has no enclosure ``aqwb``; ``lsc`` and ``elp`` have
one)::

    {"site": "cpt", "enclosure": "aqwb"}

Fails at /telescope, in the location (the telescope ``0m4a`` of ``lsc`` is in ``aqwa`` and
``aqwb``, not in ``doma``)::

    {"site": "lsc", "enclosure": "doma", "telescope": "0m4a"}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._locations import location_findings

CODE = "R052"
SEVERITY = Severity.ERROR
SCOPE = "request"
#: Judged once the location is well formed.
JUDGES = "/location"


def check(context: RequestContext) -> Iterator[Finding]:
    yield from location_findings(context, "not_nested", CODE, SEVERITY)
