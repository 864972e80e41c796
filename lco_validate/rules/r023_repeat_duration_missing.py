"""A REPEAT configuration has no repeat_duration.

REPEAT_* configurations (REPEAT_EXPOSE, REPEAT_SPECTRUM, REPEAT_NRES_SPECTRUM)
repeat their instrument configs for ``repeat_duration`` seconds; the portal
wants it given and not null.  Where the catalogue allows, the message gives
the shortest valid value (one pass through the instrument configs, R024).

Passes, in the configuration::

    {"type": "REPEAT_EXPOSE", "repeat_duration": 1800}

Fails at /configurations/0, in the request::

    {"configurations": [{"type": "REPEAT_EXPOSE"}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.notions import instrument_type_known, is_repeat_type
from ._configurations import all_configurations
from ._repeats import minimum_repeat_duration, seconds

CODE = "R023"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in all_configurations(context):
        configuration_type = configuration.normalized.get("type")
        if not is_repeat_type(configuration_type):
            continue
        if configuration.normalized.get("repeat_duration") is not None:
            continue
        minimum = None
        if instrument_type_known(context.catalogue, configuration.instrument_type):
            minimum = minimum_repeat_duration(configuration)
        least = f" (at least {seconds(minimum)} s, one pass)" if minimum is not None else ""
        yield configuration.finding(
            CODE,
            SEVERITY,
            f"a {configuration_type} configuration repeats its instrument configs for "
            f"repeat_duration seconds; give repeat_duration{least}",
            "repeat_duration",
        )
