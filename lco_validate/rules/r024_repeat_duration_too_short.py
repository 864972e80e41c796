"""A REPEAT configuration's repeat_duration is too short to go through its exposures once.

REPEAT_* configurations cycle through their instrument configs for
``repeat_duration`` seconds.  The portal wants room for at least one pass:
the sum over instrument configs of ``exposure_count x (exposure_time +
readout overhead + fixed overhead per exposure)``, with the readout mode's
overhead from the catalogue (no front padding).  The message gives that
minimum in seconds.

Not checked when the instrument type is unknown (R001) or a readout mode is
invalid (R007): the minimum depends on them.

Passes, in the configuration (Sinistro full_frame: 28 s readout + 1 s fixed)::

    {"type": "REPEAT_EXPOSE", "repeat_duration": 600,
     "instrument_configs": [{"exposure_time": 30, "exposure_count": 2, "mode": "full_frame"}]}

Fails at /repeat_duration, in the configuration (one pass takes 2 x (30 + 29) = 118 s)::

    {"type": "REPEAT_EXPOSE", "repeat_duration": 100,
     "instrument_configs": [{"exposure_time": 30, "exposure_count": 2, "mode": "full_frame"}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.notions import is_repeat_type
from ._configurations import checked_configurations
from ._repeats import is_number, minimum_repeat_duration, seconds

CODE = "R024"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in checked_configurations(context):
        repeat_duration = configuration.normalized.get("repeat_duration")
        if not is_repeat_type(configuration.normalized.get("type")):
            continue
        if not is_number(repeat_duration):
            continue
        minimum = minimum_repeat_duration(configuration)
        if minimum is None or minimum <= repeat_duration:
            continue
        yield configuration.finding(
            CODE,
            SEVERITY,
            f"repeat_duration {seconds(repeat_duration)} s is shorter than one pass through the "
            f"instrument configs ({seconds(minimum)} s of exposures and their overheads on "
            f"{configuration.instrument_type}); make it at least {seconds(minimum)} s",
            "repeat_duration",
        )
