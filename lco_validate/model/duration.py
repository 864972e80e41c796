"""Request durations exactly as the portal computes them (docs/duration.md).

The arithmetic follows the portal term by term and in the same order, so that
floating-point sums round the same way before the final ``ceil``.  Every term
is also kept, so a user can see where the time goes.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
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

    # The sums go through sum() over a list, as the portal's do, so that they
    # round the same way on every Python (3.12 made sum() of floats compensated).

    @property
    def exposure(self) -> float:
        return sum([ic.exposure_count * ic.exposure_time for ic in self.instrument_configs])

    @property
    def readout_and_fixed(self) -> float:
        return sum([ic.exposure_count * ic.overhead_per_exposure for ic in self.instrument_configs])

    @property
    def block(self) -> float:
        """What the portal calls the configuration duration (exposures + front padding)."""
        if self.repeat_duration is not None:
            return self.repeat_duration
        durations = [
            ic.exposure_count * (ic.exposure_time + ic.overhead_per_exposure)
            for ic in self.instrument_configs
        ]
        return sum(durations) + self.front_padding

    @property
    def total(self) -> float:
        # Left to right from 0.0, as _request_duration adds them (0.0 + -0.0 is 0.0).
        return (
            0.0
            + self.block
            + self.instrument_change
            + self.optical_element_change
            + self.slew
            + self.acquisition
            + self.acquisition_exposure
            + self.guiding
            + self.configuration_type_change
        )

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


#: What _request_duration keeps of one configuration until its ConfigurationTime is asked
#: for: index, instrument type, type, (count, time, overhead per exposure) per instrument
#: config, front padding, repeat duration, then the CHANGE_TERMS in order.
_Timing = tuple[Any, ...]


class RequestDuration:
    """A request's duration and the terms it is made of.

    Most callers (an audit) read only ``duration``; the per-configuration
    breakdown is built from the kept terms on first use of ``configurations``.
    """

    __slots__ = (
        "_configurations",
        "_timings",
        "by_instrument_type",
        "configuration_repeats",
        "duration",
        "observation_front_padding",
        "unrounded",
    )

    def __init__(
        self,
        duration: int,
        unrounded: float,
        configuration_repeats: int,
        configurations: list[ConfigurationTime] | None = None,
        by_instrument_type: dict[str, float] | None = None,  # x repeats, no padding
        observation_front_padding: dict[str, float] | None = None,  # share per type
        *,
        timings: list[_Timing] | None = None,
    ) -> None:
        self.duration = duration
        self.unrounded = unrounded
        self.configuration_repeats = configuration_repeats
        self.by_instrument_type = {} if by_instrument_type is None else by_instrument_type
        self.observation_front_padding = (
            {} if observation_front_padding is None else observation_front_padding
        )
        self._configurations = configurations
        self._timings = timings

    @property
    def configurations(self) -> list[ConfigurationTime]:
        """The configurations' terms in the order the portal visits them (priority)."""
        # The kept terms stay: two threads building at once then build the same list.
        if self._configurations is None:
            self._configurations = [_configuration_time(*t) for t in self._timings or ()]
        return self._configurations

    def _fields(self) -> tuple[Any, ...]:
        return (
            self.duration,
            self.unrounded,
            self.configuration_repeats,
            self.configurations,
            self.by_instrument_type,
            self.observation_front_padding,
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, RequestDuration)
        return self._fields() == other._fields()

    # Unhashable, as the (mutable) dataclass it replaces was.
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"RequestDuration(duration={self.duration!r}, unrounded={self.unrounded!r}, "
            f"configuration_repeats={self.configuration_repeats!r}, "
            f"configurations={self.configurations!r}, "
            f"by_instrument_type={self.by_instrument_type!r}, "
            f"observation_front_padding={self.observation_front_padding!r})"
        )

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


def _configuration_time(
    index: int,
    instrument_type: str,
    type_: str,
    instrument_configs: list[tuple[Any, Any, float]],
    front_padding: float,
    repeat_duration: float | None,
    *changes: float,
) -> ConfigurationTime:
    return ConfigurationTime(
        index,
        instrument_type,
        type_,
        [InstrumentConfigTime(*ic) for ic in instrument_configs],
        front_padding,
        repeat_duration,
        *changes,
    )


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


def _priority(item: tuple[int, JSON]) -> Any:
    return item[1]["priority"]


#: Per instrument type: its overheads, its configuration types and, by readout mode as
#: written, the overhead per exposure.
_Prices = tuple[RequestOverheads, dict[str, JSON], dict[Any, float]]


@functools.lru_cache(maxsize=8)  # a catalogue lives for the whole run, as the others' caches
def _prices_of(catalogue: Catalogue) -> dict[Any, _Prices]:
    """The catalogue's prices, filled in as instrument types are met."""
    return {}


def _request_duration(request: JSON, catalogue: Catalogue) -> RequestDuration:
    # Lookups and arithmetic happen in the order the straightforward walk makes them
    # (all of a configuration's lookups, then its sums), so that a malformed request
    # fails with the same error.  The catalogue's answers are the same objects every
    # time (it caches them), so keeping them here changes no value.
    configurations = list(enumerate(request["configurations"]))
    for _, configuration in configurations:
        if "priority" not in configuration:
            break
    else:
        configurations.sort(key=_priority)
    prices = _prices_of(catalogue)
    previous_type = ""
    previous_instrument = ""
    previous_elements: JSON = {}
    previous_target: JSON = {}
    by_type: dict[str, float] = {}
    timings: list[_Timing] = []
    for index, configuration in configurations:
        instrument_type = configuration["instrument_type"]
        try:
            overheads, configuration_types, per_exposure = prices[instrument_type]
        except (KeyError, TypeError):  # new, or unhashable: the catalogue raises as it would
            overheads = catalogue.request_overheads(instrument_type)
            configuration_types = catalogue.configuration_types(instrument_type)
            per_exposure = {}
            prices[instrument_type] = (overheads, configuration_types, per_exposure)

        written_configs = configuration["instrument_configs"]
        instrument_configs = []
        for instrument_config in written_configs:
            count = instrument_config["exposure_count"]
            seconds = instrument_config["exposure_time"]
            mode = instrument_config.get("mode", "")
            try:
                overhead = per_exposure[mode]
            except (KeyError, TypeError):
                overhead = catalogue.exposure_overhead(instrument_type, mode)
                per_exposure[mode] = overhead
            instrument_configs.append((count, seconds, overhead))
        type_ = configuration["type"]
        repeat_duration = configuration.get("repeat_duration")
        if "REPEAT" not in type_ or repeat_duration is None:
            repeat_duration = None
        else:
            repeat_duration = float(repeat_duration)

        instrument_change = 0.0
        if previous_instrument != instrument_type:
            instrument_change = overheads.instrument_change_overhead
        previous_instrument = instrument_type

        # Per instrument config the largest change overhead among the elements that
        # changed: max() semantics, the first of equals and the first if incomparable.
        change_overheads = overheads.optical_element_change_overheads
        optical_element_change = 0.0
        for instrument_config in written_configs:
            elements = instrument_config.get("optical_elements") or {}
            largest = None
            for kind, value in elements.items():
                if (
                    kind not in previous_elements or value != previous_elements[kind]
                ) and kind + "s" in change_overheads:
                    overhead = change_overheads[kind + "s"]
                    if largest is None or overhead > largest:
                        largest = overhead
            optical_element_change += 0 if largest is None else largest
            previous_elements = elements

        target = configuration["target"]
        slew = _slew(previous_target, target, overheads)
        previous_target = target

        acquisition = configuration["acquisition_config"]
        acquisition_mode = acquisition.get("mode", "OFF")
        if acquisition_mode == "OFF" or acquisition_mode not in overheads.acquisition_overheads:
            acquisition_overhead = acquisition_exposure = 0.0
        else:
            exposure = (
                acquisition.get("exposure_time") or overheads.default_acquisition_exposure_time
            )
            acquisition_overhead = overheads.acquisition_overheads[acquisition_mode]
            acquisition_exposure = float(exposure)

        guiding = configuration["guiding_config"]
        guiding_mode = guiding.get("mode", "")
        if (
            guiding_mode == "OFF"
            or guiding.get("optional", True)
            or guiding_mode not in overheads.guiding_overheads
        ):
            guiding_overhead = 0.0
        else:
            guiding_overhead = overheads.guiding_overheads[guiding_mode]

        type_change = 0.0
        if previous_type != type_:
            properties = configuration_types.get(type_, {})
            type_change = float(properties.get("config_change_overhead", 0.0))
        previous_type = type_

        front_padding = overheads.config_front_padding
        if repeat_duration is None:
            durations = [
                count * (seconds + overhead) for count, seconds, overhead in instrument_configs
            ]
            block = sum(durations) + front_padding
        else:
            block = repeat_duration
        # ConfigurationTime.total, term by term
        total = (
            0.0
            + block
            + instrument_change
            + optical_element_change
            + slew
            + acquisition_overhead
            + acquisition_exposure
            + guiding_overhead
            + type_change
        )
        by_type[instrument_type] = by_type.get(instrument_type, 0.0) + total
        timings.append(
            (
                index,
                instrument_type,
                type_,
                instrument_configs,
                front_padding,
                repeat_duration,
                instrument_change,
                optical_element_change,
                slew,
                acquisition_overhead,
                acquisition_exposure,
                guiding_overhead,
                type_change,
            )
        )

    repeats = int(request.get("configuration_repeats") or 1)
    total = 0.0
    for instrument_type in by_type:
        by_type[instrument_type] *= repeats
        total += by_type[instrument_type]
    padding: dict[str, float] = {}
    padded = []
    for instrument_type, seconds in by_type.items():
        front = prices[instrument_type][0].observation_front_padding
        share = seconds / total if total > 0 else 1 / len(by_type)
        padding[instrument_type] = share * front
        padded.append(seconds + padding[instrument_type])
    unrounded = sum(padded)
    return RequestDuration(
        math.ceil(unrounded),
        unrounded,
        repeats,
        None,
        by_type,
        padding,
        timings=timings,
    )


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
