"""A configuration breaks the validation schema of its configuration type.

configdb may attach a Cerberus ``validation_schema`` to a configuration type
of an instrument type.  The portal applies it to the whole configuration after
the instrument type's schema, in the same way (R011); its defaults are kept
when the configuration passes (a SKY_FLAT on Sinistro gets ``exposure_time``
2.0 where none is given).  Each error is reported at the field it concerns.

Only checked when the configuration type is offered by the instrument type
(R003).  Errors the portal drops are R013; an unusable schema is R014.

Passes, in the configuration, with catalogue sites.json (a schema limiting flats to 60 s)::

    {"type": "SKY_FLAT", "instrument_configs": [{"exposure_time": 20}]}

Fails at /instrument_configs/0/exposure_time, in the configuration, with catalogue
sites.json::

    {"type": "SKY_FLAT", "instrument_configs": [{"exposure_time": 90}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._validation_schemas import whole_configuration_findings

CODE = "R012"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    yield from whole_configuration_findings(context, "configuration type", CODE)
