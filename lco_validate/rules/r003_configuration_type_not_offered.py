"""A configuration type the instrument type does not offer.

Each instrument type in configdb lists the configuration types it can do
(an imager EXPOSE, SKY_FLAT, BIAS...; a spectrograph SPECTRUM, ARC,
LAMP_FLAT...).  The portal refuses a ``type`` that is not in that list.  The
spelling is exact: a lower-case ``expose`` is not one of the portal's
configuration types at all (S004).  The message lists the instrument type's
configuration types from the catalogue in use, sorted.

Only checked when the instrument type is known (R001).  The configuration
type's own validation schema and its required optical elements are not
checked for a configuration type the instrument does not offer.

Passes, in the configuration::

    {"type": "STANDARD"}

Fails at /type, in the configuration (Sinistro is an imager)::

    {"type": "SPECTRUM"}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._configurations import checked_configurations

CODE = "R003"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in checked_configurations(context):
        configuration_type = configuration.normalized.get("type")
        if not isinstance(configuration_type, str):
            continue
        offered = context.catalogue.configuration_types(configuration.instrument_type)
        if configuration_type in offered:
            continue
        yield configuration.finding(
            CODE,
            SEVERITY,
            f"configuration type {configuration_type} is not offered by "
            f"{configuration.instrument_type}; use one of its configuration types: "
            f"{', '.join(sorted(offered)) or '(none)'}",
            "type",
        )
