"""A location names a telescope class, site, enclosure or telescope the catalogue does not have.

The portal offers each location field as a fixed choice list built from its
configdb: every telescope class (from the telescopes' apertures: 1.0 m is
``1m0``, 0.4 m is ``0m4``), every site code, every enclosure code and every
telescope code in the network, active or not.  A value outside those lists is
refused before anything else about the request is looked at; matching is
exact, so ``LSC`` or ``1M0`` is refused too, and so is an empty string.  The
lists come from the catalogue in use (the built-in one or ``--configdb``).

Whether the codes nest (the enclosure at that site, the telescope in that
enclosure) is rule R052; a location that is incomplete is R051.

Passes, in the location::

    {"telescope_class": "1m0", "site": "lsc", "enclosure": "doma"}

Fails at /site, in the location (there is no site ``lsx``)::

    {"site": "lsx"}

Fails at /telescope_class, in the location (codes are matched exactly: ``1M0`` is not ``1m0``)::

    {"telescope_class": "1M0"}

Fails at /site, in the location (an empty code is no choice either)::

    {"site": ""}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._locations import location_findings

CODE = "R050"
SEVERITY = Severity.ERROR
SCOPE = "request"
#: A field's own check: judged even when other fields of its object are malformed.
JUDGES = "."


def check(context: RequestContext) -> Iterator[Finding]:
    yield from location_findings(context, "unknown", CODE, SEVERITY)
