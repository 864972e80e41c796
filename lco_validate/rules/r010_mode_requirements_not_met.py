"""An object does not meet the requirements of the mode chosen for it.

Each mode in configdb may carry a Cerberus ``validation_schema`` that the
portal applies, with the mode filled in, to the object holding the mode: the
guiding or acquisition config, or the instrument config for readout, rotator
and exposure modes.  Readout modes fix the binning (``extra_params.bin_x`` and
``bin_y``, filled in as defaults when missing) or limit exposure times and
counts; the FLOYDS ``BRIGHTEST`` acquisition needs
``extra_params.acquire_radius`` once ``extra_params`` is given (its schema does
not require ``extra_params`` itself, so an acquisition config without it
passes); a rotator in ``SKY`` mode limits
``extra_params.rotator_angle``; MuSCAT exposure modes need one exposure time
per channel.  Each Cerberus error is reported at the field it concerns (a
missing field at the object that lacks it), with what the schema wants there.

Only modes that are themselves valid are checked (R005-R009).  The schema's
defaults are kept only when the object passes, as in the portal.

Passes, in the instrument config::

    {"mode": "central_2k_2x2", "extra_params": {"bin_x": 2}}

Passes, in the configuration (no ``extra_params``, so nothing under it is required)::

    {"instrument_type": "2M0-FLOYDS-SCICAM", "type": "SPECTRUM",
     "acquisition_config": {"mode": "BRIGHTEST"}}

Fails at /extra_params/bin_x, in the instrument config (this readout mode bins 2x2)::

    {"mode": "central_2k_2x2", "extra_params": {"bin_x": 1}}

Fails at /acquisition_config/extra_params, in the configuration (no ``acquire_radius``)::

    {"instrument_type": "2M0-FLOYDS-SCICAM", "type": "SPECTRUM",
     "acquisition_config": {"mode": "BRIGHTEST", "extra_params": {}}}

Fails at /instrument_configs/0/extra_params/rotator_angle, in the configuration::

    {"instrument_type": "2M0-FLOYDS-SCICAM", "type": "SPECTRUM",
     "instrument_configs": [{"rotator_mode": "SKY", "extra_params": {"rotator_angle": 400}}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._configurations import checked_configurations

CODE = "R010"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in checked_configurations(context):
        for schema_check in configuration.review.schema_checks:
            if not schema_check.source.endswith(" mode"):
                continue
            for problem in schema_check.outcome.problems:
                yield configuration.finding(
                    CODE,
                    SEVERITY,
                    problem.describe(schema_check.owner),
                    *schema_check.location,
                    *problem.location,
                )
