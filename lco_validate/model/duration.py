"""Request durations exactly as the portal computes them (docs/duration.md).

The arithmetic follows the portal term by term and in the same order, so that
floating-point sums round the same way before the final ``ceil``.  Every term
is also kept, so a user can see where the time goes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..catalogue.snapshot import Catalogue, CatalogueError, RequestOverheads

JSON = dict[str, Any]


class DurationError(Exception):
    """The duration cannot be computed (e.g. an instrument type the catalogue lacks)."""


@dataclass(slots=True)
class InstrumentConfigTime:
    exposure_count: float
    exposure_time: float
    overhead_per_exposure: float  # readout + fixed

    @property
    def duration(self) -> float:
        return self.exposure_count * (self.exposure_time + self.overhead_per_exposure)


@dataclass(slots=True)
class ConfigurationTime:
    """The terms one configuration adds, in the order the portal adds them."""

    index: int  # position in the submitted list
    instrument_type: str
    type: str
    instrument_configs: list[InstrumentConfigTime]
    front_padding: float
    repeat_duration: float | None
    instrument_change: float = 0.0
    optical_element_change: float = 0.0
    slew: float = 0.0
    acquisition: float = 0.0
    acquisition_exposure: float = 0.0
    guiding: float = 0.0
    configuration_type_change: float = 0.0

    @property
    def exposure(self) -> float:
        return sum(ic.exposure_count * ic.exposure_time for ic in self.instrument_configs)

    @property
    def readout_and_fixed(self) -> float:
        return sum(ic.exposure_count * ic.overhead_per_exposure for ic in self.instrument_configs)

    @property
    def block(self) -> float:
        """What the portal calls the configuration duration (exposures + front padding)."""
        if self.repeat_duration is not None:
            return self.repeat_duration
        return sum(ic.duration for ic in self.instrument_configs) + self.front_padding

    @property
    def total(self) -> float:
        total = 0.0
        for term in (
            self.block,
            self.instrument_change,
            self.optical_element_change,
            self.slew,
            self.acquisition,
            self.acquisition_exposure,
            self.guiding,
            self.configuration_type_change,
        ):
            total += term
        return total

    def as_portal_reports(self) -> JSON:
        """The entry of the portal's ``/validate/`` response for this configuration."""
        return {
            "instrument_configs": [{"duration": ic.duration} for ic in self.instrument_configs],
            "duration": self.block,
        }

    def terms(self) -> JSON:
        return {
            "index": self.index,
            "instrument_type": self.instrument_type,
            "type": self.type,
            "exposure": self.exposure,
            "readout_and_fixed": self.readout_and_fixed,
            "config_front_padding": self.front_padding if self.repeat_duration is None else 0.0,
            "repeat_duration": self.repeat_duration,
            "instrument_change": self.instrument_change,
            "optical_element_change": self.optical_element_change,
            "slew": self.slew,
            "acquisition": self.acquisition,
            "acquisition_exposure": self.acquisition_exposure,
            "guiding": self.guiding,
            "configuration_type_change": self.configuration_type_change,
            "total": self.total,
        }


@dataclass
class RequestDuration:
    """A request's duration and the terms it is made of."""

    duration: int
    unrounded: float
    configuration_repeats: int
    configurations: list[ConfigurationTime]  # in the order the portal visits them (priority)
    by_instrument_type: dict[str, float] = field(default_factory=dict)  # x repeats, no padding
    observation_front_padding: dict[str, float] = field(default_factory=dict)  # share per type

    def portal_configurations(self) -> list[JSON]:
        """Per-configuration durations as ``/validate/`` reports them, in submitted order."""
        in_submitted_order = sorted(self.configurations, key=lambda c: c.index)
        return [c.as_portal_reports() for c in in_submitted_order]

    def dominant_terms(self, count: int = 3) -> list[tuple[str, float]]:
        """The largest contributions over the whole request, for messages."""
        totals: dict[str, float] = {}
        for configuration in self.configurations:
            for name, value in configuration.terms().items():
                if name in _TIME_TERMS and value:
                    totals[name] = totals.get(name, 0.0) + value * self.configuration_repeats
        totals["observation_front_padding"] = sum(self.observation_front_padding.values())
        return sorted(totals.items(), key=lambda item: -item[1])[:count]


#: The terms a configuration change adds, in the order the portal adds them.
CHANGE_TERMS = (
    "instrument_change",
    "optical_element_change",
    "slew",
    "acquisition",
    "acquisition_exposure",
    "guiding",
    "configuration_type_change",
)
_TIME_TERMS = (
    "exposure",
    "readout_and_fixed",
    "config_front_padding",
    "repeat_duration",
    *CHANGE_TERMS,
)


#: (semester code or None, instrument type): the portal's TimeAllocationKey.
AllocationKey = tuple[str | None, str]


def charged_by_allocation(
    operator: str, requests: list[tuple[str | None, RequestDuration]]
) -> dict[AllocationKey, float]:
    """Seconds a request group charges to each allocation, as the portal totals them.

    ``requests`` pairs each request's semester with its duration.  SINGLE sums
    the unrounded per-instrument-type durations of its requests; MANY and
    ONEOF take the longest request per allocation and AND adds them up, each
    request rounded up to whole seconds first.
    """
    charged: dict[AllocationKey, float] = {}
    for semester, timed in requests:
        for instrument_type, seconds in timed.by_instrument_type.items():
            key = (semester, instrument_type)
            seconds += timed.observation_front_padding[instrument_type]
            if operator == "SINGLE":
                charged[key] = charged.get(key, 0.0) + seconds
            elif operator == "AND":
                charged[key] = charged.get(key, 0.0) + math.ceil(seconds)
            else:
                charged[key] = max(charged.get(key, 0.0), math.ceil(seconds))
    return charged


def request_duration(request: JSON, catalogue: Catalogue) -> RequestDuration:
    """The portal's ``Request.duration`` of a (normalised) request, with its breakdown.

    Expects defaults to be filled in (``normalize.normalized_request``).
    Raises ``DurationError`` when the catalogue cannot price it.
    """
    too_large = "a number in it is too large to compute with (beyond about 1.8e308)"
    try:
        timed = _request_duration(request, catalogue)
        timed.duration  # noqa: B018 - evaluates every term: absurd numbers fail here, not in a rule
    except CatalogueError as error:
        raise DurationError(str(error)) from error
    except ArithmeticError as error:  # an integer beyond 2**1024 meets a float
        raise DurationError(too_large) from error
    except ValueError as error:
        if "NaN" in str(error):  # infinity minus infinity, rounded up
            raise DurationError(too_large) from error
        raise DurationError(f"the request is not complete enough to time: {error!r}") from error
    except (KeyError, TypeError) as error:
        raise DurationError(f"the request is not complete enough to time: {error!r}") from error
    return timed


def _request_duration(request: JSON, catalogue: Catalogue) -> RequestDuration:
    configurations = list(enumerate(request["configurations"]))
    if all("priority" in configuration for _, configuration in configurations):
        configurations.sort(key=lambda item: item[1]["priority"])
    previous_type = ""
    previous_instrument = ""
    previous_elements: JSON = {}
    previous_target: JSON = {}
    by_type: dict[str, float] = {}
    timed: list[ConfigurationTime] = []
    for index, configuration in configurations:
        instrument_type = configuration["instrument_type"]
        overheads = catalogue.request_overheads(instrument_type)
        configuration_types = catalogue.configuration_types(instrument_type)
        time = _configuration_time(index, configuration, catalogue, overheads)
        if previous_instrument != instrument_type:
            time.instrument_change = overheads.instrument_change_overhead
        previous_instrument = instrument_type
        time.optical_element_change, previous_elements = _optical_element_change(
            configuration, overheads, previous_elements
        )
        target = configuration["target"]
        time.slew = _slew(previous_target, target, overheads)
        previous_target = target
        time.acquisition, time.acquisition_exposure = _acquisition(
            configuration["acquisition_config"], overheads
        )
        time.guiding = _guiding(configuration["guiding_config"], overheads)
        if previous_type != configuration["type"]:
            properties = configuration_types.get(configuration["type"], {})
            time.configuration_type_change = float(properties.get("config_change_overhead", 0.0))
        previous_type = configuration["type"]
        by_type[instrument_type] = by_type.get(instrument_type, 0.0) + time.total
        timed.append(time)

    repeats = int(request.get("configuration_repeats") or 1)
    total = 0.0
    for instrument_type in by_type:
        by_type[instrument_type] *= repeats
        total += by_type[instrument_type]
    unpadded = dict(by_type)
    padding: dict[str, float] = {}
    for instrument_type in by_type:
        front = catalogue.request_overheads(instrument_type).observation_front_padding
        share = by_type[instrument_type] / total if total > 0 else 1 / len(by_type)
        padding[instrument_type] = share * front
        by_type[instrument_type] += padding[instrument_type]
    unrounded = sum(by_type.values())
    return RequestDuration(
        duration=math.ceil(unrounded),
        unrounded=unrounded,
        configuration_repeats=repeats,
        configurations=timed,
        by_instrument_type=unpadded,
        observation_front_padding=padding,
    )


def _configuration_time(
    index: int, configuration: JSON, catalogue: Catalogue, overheads: RequestOverheads
) -> ConfigurationTime:
    instrument_type = configuration["instrument_type"]
    instrument_configs = [
        InstrumentConfigTime(
            exposure_count=ic["exposure_count"],
            exposure_time=ic["exposure_time"],
            overhead_per_exposure=catalogue.exposure_overhead(instrument_type, ic.get("mode", "")),
        )
        for ic in configuration["instrument_configs"]
    ]
    repeat_duration = configuration.get("repeat_duration")
    if "REPEAT" not in configuration["type"] or repeat_duration is None:
        repeat_duration = None
    return ConfigurationTime(
        index=index,
        instrument_type=instrument_type,
        type=configuration["type"],
        instrument_configs=instrument_configs,
        front_padding=overheads.config_front_padding,
        repeat_duration=None if repeat_duration is None else float(repeat_duration),
    )


def _optical_element_change(
    configuration: JSON, overheads: RequestOverheads, previous: JSON
) -> tuple[float, JSON]:
    """Per instrument config the largest change overhead among the elements that changed."""
    change_overheads = overheads.optical_element_change_overheads
    total = 0.0
    for instrument_config in configuration["instrument_configs"]:
        elements = instrument_config.get("optical_elements") or {}
        changed = [
            change_overheads[kind + "s"]
            for kind, value in elements.items()
            if (kind not in previous or value != previous[kind]) and kind + "s" in change_overheads
        ]
        total += max(changed, default=0)
        previous = elements
    return total, previous


def _slew(previous: JSON, target: JSON, overheads: RequestOverheads) -> float:
    """Slew time; with LCO's configdb (no maximum_slew_overhead) this is always 0."""
    if (
        not previous
        or str(previous.get("type", "")).upper() != "ICRS"
        or str(target.get("type", "")).upper() != "ICRS"
    ):
        return overheads.maximum_slew_overhead
    if previous == target:
        return 0.0
    seconds = angular_distance_arcsec(previous, target) * overheads.slew_rate
    return min(max(seconds, overheads.minimum_slew_overhead), overheads.maximum_slew_overhead)


def angular_distance_arcsec(first: JSON, second: JSON) -> float:
    """Great-circle distance between two ICRS targets' catalogue positions.

    The portal measures between apparent places at the window start; the
    difference (aberration and precession act almost equally on both) is far
    below an arcsecond, which no real slew rate turns into a second.
    """
    ra1, dec1 = math.radians(float(first["ra"])), math.radians(float(first["dec"]))
    ra2, dec2 = math.radians(float(second["ra"])), math.radians(float(second["dec"]))
    delta = ra2 - ra1
    numerator = math.hypot(
        math.cos(dec2) * math.sin(delta),
        math.cos(dec1) * math.sin(dec2) - math.sin(dec1) * math.cos(dec2) * math.cos(delta),
    )
    denominator = math.sin(dec1) * math.sin(dec2) + math.cos(dec1) * math.cos(dec2) * math.cos(
        delta
    )
    return math.degrees(math.atan2(numerator, denominator)) * 3600.0


def _acquisition(acquisition: JSON, overheads: RequestOverheads) -> tuple[float, float]:
    """(mode overhead, acquisition exposure); exact-case lookup, so mode 'wcs' adds nothing."""
    mode = acquisition.get("mode", "OFF")
    if mode == "OFF" or mode not in overheads.acquisition_overheads:
        return 0.0, 0.0
    exposure = acquisition.get("exposure_time") or overheads.default_acquisition_exposure_time
    return overheads.acquisition_overheads[mode], float(exposure)


def _guiding(guiding: JSON, overheads: RequestOverheads) -> float:
    mode = guiding.get("mode", "")
    if mode == "OFF" or guiding.get("optional", True) or mode not in overheads.guiding_overheads:
        return 0.0
    return overheads.guiding_overheads[mode]
