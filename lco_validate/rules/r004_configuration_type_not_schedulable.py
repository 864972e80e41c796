"""A configuration type the instrument type offers but does not allow to be scheduled.

configdb marks each configuration type of an instrument type schedulable or
not (some calibration types are kept for engineering).  The portal refuses a
configuration type that is not schedulable for the configuration's instrument
type.  The message lists the ones that are, sorted.

Passes, in the configuration (SOAR TripleSpec in the built-in catalogue)::

    {"instrument_type": "SOAR_TRIPLESPEC", "type": "SPECTRUM"}

Fails at /type, in the configuration (its LAMP_FLAT is not schedulable)::

    {"instrument_type": "SOAR_TRIPLESPEC", "type": "LAMP_FLAT"}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._configurations import checked_configurations

CODE = "R004"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in checked_configurations(context):
        configuration_type = configuration.normalized.get("type")
        offered = context.catalogue.configuration_types(configuration.instrument_type)
        if not isinstance(configuration_type, str) or configuration_type not in offered:
            continue
        if offered[configuration_type].get("schedulable", False):
            continue
        schedulable = sorted(code for code, p in offered.items() if p.get("schedulable", False))
        yield configuration.finding(
            CODE,
            SEVERITY,
            f"configuration type {configuration_type} cannot be scheduled on "
            f"{configuration.instrument_type}; use one of its schedulable configuration "
            f"types: {', '.join(schedulable) or '(none)'}",
            "type",
        )
