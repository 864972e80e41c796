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

Passes, in the instrument config::

    {"extra_params": {"defocus": 2.5}}

Fails at /extra_params/defocus, in the instrument config (Sinistro's limit is 5 mm)::

    {"extra_params": {"defocus": 7}}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._validation_schemas import whole_configuration_findings

CODE = "R011"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    yield from whole_configuration_findings(context, "instrument type", CODE)
