"""fill_window on a configuration that is not REPEAT_* does nothing (warning).

``fill_window`` stretches a REPEAT configuration's ``repeat_duration`` to the
longest visible interval.  On any other configuration type the portal accepts
it and ignores it, so the observation will not fill the window as intended.

Passes, in the configuration::

    {"type": "REPEAT_EXPOSE", "repeat_duration": 600, "fill_window": true}

Fails at /fill_window, in the configuration::

    {"type": "EXPOSE", "fill_window": true}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.notions import is_repeat_type
from ._configurations import all_configurations

CODE = "R027"
SEVERITY = Severity.WARNING
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in all_configurations(context):
        configuration_type = configuration.normalized.get("type")
        if configuration.normalized.get("fill_window") is not True:
            continue
        if not isinstance(configuration_type, str) or is_repeat_type(configuration_type):
            continue
        yield configuration.finding(
            CODE,
            SEVERITY,
            f"fill_window has no effect on configuration type {configuration_type} (only REPEAT_* "
            "types are stretched); use a REPEAT_* type with a repeat_duration, or remove it",
            "fill_window",
        )
