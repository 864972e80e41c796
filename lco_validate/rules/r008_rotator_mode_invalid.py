"""An instrument config's rotator mode is not one the instrument type offers.

Only instrument types with a rotator mode group (FLOYDS, the SOAR
instruments) have rotator modes; for them ``rotator_mode`` is chosen as for
guiding (R005): empty takes the only mode or the group default (FLOYDS
``VFLOAT``), a given one must exist (case-insensitively) and be schedulable.
For other instrument types the portal ignores ``rotator_mode`` and so does
this rule.  The mode's requirements (``SKY`` takes
``extra_params.rotator_angle`` between 0 and 360) are R010.

Passes, in the configuration::

    {"instrument_type": "2M0-FLOYDS-SCICAM", "type": "SPECTRUM",
     "instrument_configs": [{"rotator_mode": "SKY"}]}

Passes, in the instrument config (Sinistro has no rotator modes: ignored)::

    {"rotator_mode": "FIXED"}

Fails at /instrument_configs/0/rotator_mode, in the configuration::

    {"instrument_type": "2M0-FLOYDS-SCICAM", "type": "SPECTRUM",
     "instrument_configs": [{"rotator_mode": "FIXED"}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._modes import mode_findings

CODE = "R008"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    yield from mode_findings(context, "rotator", CODE)
