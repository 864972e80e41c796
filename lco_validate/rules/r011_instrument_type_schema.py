"""A configuration breaks its instrument type's validation schema.

An instrument type in configdb may carry a Cerberus ``validation_schema``
that the portal applies to the whole configuration (after filling in the
guiding and acquisition modes): it limits ``defocus`` in each instrument
config's ``extra_params`` (within 5 mm on Sinistro, 0.5 mm on QHY600), types
the QHY600's ``extra_params.sub_expose``, and may limit constraints or target
fields.  Each Cerberus error is reported at the field it concerns (a missing
field at the object that lacks it), with what the schema wants there.

The portal reports errors only under ``extra_params``, ``instrument_configs``,
``guiding_config``, ``acquisition_config``, ``target`` and ``constraints``;
errors elsewhere are dropped (R013 warns about those).  A schema the portal
cannot apply is R014.

Passes::

    {"instrument_type": "1M0-SCICAM-SINISTRO",
     "instrument_configs": [{"extra_params": {"defocus": 2.5}, ...}]}

Fails::

    {"instrument_type": "1M0-SCICAM-SINISTRO",
     "instrument_configs": [{"extra_params": {"defocus": 7}, ...}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._configurations import checked_configurations

CODE = "R011"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def whole_configuration_findings(
    context: RequestContext, source: str, code: str
) -> Iterator[Finding]:
    """Reported errors of the ``source`` schema ("instrument type" or "configuration type")."""
    for configuration in checked_configurations(context):
        for schema_check in configuration.review.schema_checks:
            if schema_check.source != source:
                continue
            for problem in schema_check.outcome.problems:
                if problem.reported_by_portal:
                    yield configuration.finding(
                        code,
                        Severity.ERROR,
                        problem.describe(schema_check.owner),
                        *problem.location,
                    )


def check(context: RequestContext) -> Iterator[Finding]:
    yield from whole_configuration_findings(context, "instrument type", CODE)
