"""An instrument config's readout mode is not one the instrument type offers.

The readout mode (``mode`` of each instrument config) decides the readout
overhead and, through its validation schema, the binning.  It is chosen as
for guiding (R005): empty takes the only mode or the group default; a given
one must exist (case-insensitively) and be schedulable.  The message lists
the schedulable readout modes, sorted.

Difference from the portal: an instrument type with no readout mode group
makes the portal fail with a server error (HTTP 500); reported here instead.
A configuration with an invalid readout mode is not checked against its
minimum repeat duration (R024), which depends on the readout overhead.

Passes, in the instrument config::

    {"mode": "central_2k_2x2"}

Fails at /mode, in the instrument config::

    {"mode": "1m0_sbig_2"}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._modes import mode_findings

CODE = "R007"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    yield from mode_findings(context, "readout", CODE)
