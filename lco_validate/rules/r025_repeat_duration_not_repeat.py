"""A configuration that is not REPEAT_* gives a repeat_duration.

Only REPEAT_* configuration types repeat; the portal refuses a non-null
``repeat_duration`` on any other type (null is accepted).  The message
suggests the instrument type's REPEAT variant of the type where it has one.

Passes, in the configuration::

    {"type": "EXPOSE", "repeat_duration": null}

Fails at /repeat_duration, in the configuration::

    {"type": "EXPOSE", "repeat_duration": 1800}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.notions import is_repeat_type
from ._configurations import all_configurations

CODE = "R025"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in all_configurations(context):
        configuration_type = configuration.normalized.get("type")
        if not isinstance(configuration_type, str) or is_repeat_type(configuration_type):
            continue
        if configuration.normalized.get("repeat_duration") is None:
            continue
        offered = context.catalogue.configuration_types(configuration.instrument_type)
        variant = f"REPEAT_{configuration_type}"
        hint = f", or make the type {variant} to repeat" if variant in offered else ""
        yield configuration.finding(
            CODE,
            SEVERITY,
            f"repeat_duration is only for REPEAT_* configuration types, not {configuration_type}; "
            f"remove it (or set it to null){hint}",
            "repeat_duration",
        )
