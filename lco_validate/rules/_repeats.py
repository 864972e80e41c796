"""The shortest repeat_duration a REPEAT configuration may have, and how it is written.

Serves R024 (a repeat_duration below one pass through the instrument configs)
and R023 (a missing repeat_duration, whose message suggests that minimum).
"""

from __future__ import annotations

from typing import TypeGuard

from ..catalogue.snapshot import CatalogueError
from ..model.duration import InstrumentConfigTime
from ..model.modes import choose_mode
from ._configurations import CheckedConfiguration


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
        if not is_number(count) or not is_number(time):
            return None
        try:
            overhead = catalogue.exposure_overhead(instrument_type, str(normalized.get("mode", "")))
        except CatalogueError:
            return None
        total += InstrumentConfigTime(count, time, overhead).duration
    return total


def is_number(value: object) -> TypeGuard[int | float]:
    """Whether ``value`` is a JSON number (a bool is not one, though Python counts it)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def seconds(value: float) -> str:
    return f"{value:.10g}"
