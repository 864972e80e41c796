"""A REPEAT configuration's repeat_duration is too short to go through its exposures once.

REPEAT_* configurations cycle through their instrument configs for
``repeat_duration`` seconds.  The portal wants room for at least one pass:
the sum over instrument configs of ``exposure_count x (exposure_time +
readout overhead + fixed overhead per exposure)``, with the readout mode's
overhead from the catalogue (no front padding).  The message gives that
minimum in seconds.

Not checked when the instrument type is unknown (R001) or a readout mode is
invalid (R007): the minimum depends on them.

Passes (Sinistro full_frame: 28 s readout + 1 s fixed)::

    {"type": "REPEAT_EXPOSE", "repeat_duration": 600,
     "instrument_configs": [{"exposure_time": 30, "exposure_count": 2, "mode": "full_frame", ...}]}

Fails (one pass takes 2 x (30 + 29) = 118 s)::

    {"type": "REPEAT_EXPOSE", "repeat_duration": 100,
     "instrument_configs": [{"exposure_time": 30, "exposure_count": 2, "mode": "full_frame", ...}]}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeGuard

from ..catalogue.snapshot import CatalogueError
from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.duration import InstrumentConfigTime
from ..model.modes import choose_mode
from ..model.notions import is_repeat_type
from ._configurations import CheckedConfiguration, checked_configurations

CODE = "R024"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def minimum_repeat_duration(configuration: CheckedConfiguration) -> float | None:
    """Seconds one pass through the instrument configs takes; None if it cannot be known."""
    catalogue, instrument_type = configuration.catalogue, configuration.instrument_type
    group = catalogue.mode_group(instrument_type, "readout")
    if group is None:
        return None
    written_configs = configuration.written.get("instrument_configs") or []
    normalized_configs = configuration.normalized.get("instrument_configs") or []
    total = 0.0
    for written, normalized in zip(written_configs, normalized_configs, strict=False):
        if not isinstance(written, dict) or not isinstance(normalized, dict):
            return None
        if choose_mode(group, written.get("mode")).problem:
            return None
        count, time = normalized.get("exposure_count"), normalized.get("exposure_time")
        if not _is_number(count) or not _is_number(time):
            return None
        try:
            overhead = catalogue.exposure_overhead(instrument_type, str(normalized.get("mode", "")))
        except CatalogueError:
            return None
        total += InstrumentConfigTime(count, time, overhead).duration
    return total


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def seconds(value: float) -> str:
    return f"{value:.10g}"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in checked_configurations(context):
        repeat_duration = configuration.normalized.get("repeat_duration")
        if not is_repeat_type(configuration.normalized.get("type")):
            continue
        if not _is_number(repeat_duration):
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
