"""An instrument config's exposure mode is not one the instrument type offers.

Only instrument types with an exposure mode group (MuSCAT) have exposure
modes; the mode lives in the instrument config's
``extra_params.exposure_mode`` and is chosen as for guiding (R005): empty
takes the only mode or the group default (MuSCAT ``SYNCHRONOUS``), a given one
must exist (case-insensitively) and be schedulable.  The mode's requirements
(MuSCAT's per-channel ``exposure_time_g``/``_r``/``_i``/``_z``) are R010.

Passes, in the configuration::

    {"instrument_type": "2M0-SCICAM-MUSCAT",
     "instrument_configs": [{"extra_params": {"exposure_mode": "ASYNCHRONOUS"}}]}

Fails at /instrument_configs/0/extra_params/exposure_mode, in the configuration::

    {"instrument_type": "2M0-SCICAM-MUSCAT",
     "instrument_configs": [{"extra_params": {"exposure_mode": "STAGGERED"}}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._modes import mode_findings

CODE = "R009"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    yield from mode_findings(context, "exposure", CODE)
