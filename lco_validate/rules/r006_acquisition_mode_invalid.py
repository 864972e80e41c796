"""The acquisition mode is not one the instrument type offers (or none can be chosen).

Acquisition puts the target on the slit or fibre before exposing.  Modes
are chosen as for guiding (R005): an empty mode takes the only mode or the
group default, and when there is still none the portal uses ``OFF``; a given
mode must exist (case-insensitively) and be schedulable.  Configuration types
that force acquisition off (ARC, LAMP_FLAT, BIAS, DARK... per the catalogue)
get ``OFF`` whatever is written, so nothing is checked for them.

Note: the portal keeps the case written, but prices acquisition overheads by
the exact code, so ``"wcs"`` is accepted and then adds no acquisition time.

Difference from the portal: an instrument type with no acquisition mode group
makes the portal fail with a server error (HTTP 500); reported here instead.

Passes, in the configuration::

    {"acquisition_config": {"mode": "OFF"}}

Passes, in the configuration (FLOYDS acquires on the target's coordinates)::

    {"instrument_type": "2M0-FLOYDS-SCICAM", "type": "SPECTRUM",
     "acquisition_config": {"mode": "WCS"}}

Passes, in the configuration (a BIAS forces acquisition off)::

    {"type": "BIAS", "acquisition_config": {"mode": "WCS"}}

Fails at /acquisition_config/mode, in the configuration (imagers offer only OFF)::

    {"acquisition_config": {"mode": "WCS"}}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._modes import mode_findings

CODE = "R006"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    yield from mode_findings(context, "acquisition", CODE)
