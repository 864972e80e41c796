"""The guiding mode is not one the instrument type offers (or none can be chosen).

The portal treats every kind of mode (guiding, acquisition, readout, rotator,
exposure) the same way.  An empty mode takes a default: the only mode of the
instrument type's group, else the group's default; with several modes and no
default the user must choose.  A given mode must exist in the group (compared
case-insensitively; the case written is kept) and be schedulable.  ``OFF`` is
not special: an instrument type whose guiding group has no ``OFF`` mode (NRES,
FLOYDS in some catalogues) refuses it.  The message lists the schedulable
modes, sorted.

Difference from the portal: an instrument type with no guiding mode group at
all makes the portal fail with a server error (HTTP 500); this rule reports
that as an error at the instrument type instead.  The mode's own Cerberus
requirements are R010.

Passes, in the configuration (Sinistro guiding can be switched off)::

    {"guiding_config": {"mode": "OFF"}}

Passes, in the configuration (compared case-insensitively)::

    {"guiding_config": {"mode": "on", "optional": true}}

Fails at /guiding_config/mode, in the configuration (NRES guiding cannot be switched off)::

    {"instrument_type": "1M0-NRES-SCICAM", "type": "NRES_SPECTRUM",
     "guiding_config": {"mode": "OFF"}}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._modes import mode_findings

CODE = "R005"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    yield from mode_findings(context, "guiding", CODE)
