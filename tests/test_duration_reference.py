"""The duration model against a frozen reference copy of its straightforward first version.

``lco_validate.model.duration`` walks each request with as few calls and
objects as it can (prices kept per catalogue and instrument type, the term
breakdown built only when asked for).  The ``Reference*`` classes and
``reference_request_duration`` below are the model as it was before that:
term by term, one object per term, in the portal's order.  They are the
reference, not code under test: every RequestDuration field, every
configuration's and instrument config's term, and every error must come out
the same, floats to the last bit, over requests varied from the seed page on
two catalogues (the LCO one, mostly zero overheads, and the test one, where
every overhead is distinct and non-zero).
"""

from __future__ import annotations

import copy
import gc
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lco_validate.catalogue.snapshot import (
    Catalogue,
    CatalogueError,
    RequestOverheads,
    load_catalogue,
)
from lco_validate.model.duration import (
    DurationError,
    RequestDuration,
    angular_distance_arcsec,
    request_duration,
)

from .conftest import mini_sites, seed_page

JSON = dict[str, Any]

# -- the reference: the algorithm as it stood before it was made cheaper -------------------


@dataclass(slots=True)
class ReferenceInstrumentConfigTime:
    exposure_count: float
    exposure_time: float
    overhead_per_exposure: float

    @property
    def duration(self) -> float:
        return self.exposure_count * (self.exposure_time + self.overhead_per_exposure)


@dataclass(slots=True)
class ReferenceConfigurationTime:
    index: int
    instrument_type: str
    type: str
    instrument_configs: list[ReferenceInstrumentConfigTime]
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


_REFERENCE_TIME_TERMS = (
    "exposure",
    "readout_and_fixed",
    "config_front_padding",
    "repeat_duration",
    "instrument_change",
    "optical_element_change",
    "slew",
    "acquisition",
    "acquisition_exposure",
    "guiding",
    "configuration_type_change",
)


@dataclass
class ReferenceRequestDuration:
    duration: int
    unrounded: float
    configuration_repeats: int
    configurations: list[ReferenceConfigurationTime]
    by_instrument_type: dict[str, float] = field(default_factory=dict)
    observation_front_padding: dict[str, float] = field(default_factory=dict)

    def portal_configurations(self) -> list[JSON]:
        in_submitted_order = sorted(self.configurations, key=lambda c: c.index)
        return [c.as_portal_reports() for c in in_submitted_order]

    def dominant_terms(self, count: int = 3) -> list[tuple[str, float]]:
        totals: dict[str, float] = {}
        for configuration in self.configurations:
            for name, value in configuration.terms().items():
                if name in _REFERENCE_TIME_TERMS and value:
                    totals[name] = totals.get(name, 0.0) + value * self.configuration_repeats
        totals["observation_front_padding"] = sum(self.observation_front_padding.values())
        return sorted(totals.items(), key=lambda item: -item[1])[:count]


def reference_request_duration(request: JSON, catalogue: Catalogue) -> ReferenceRequestDuration:
    too_large = "a number in it is too large to compute with (beyond about 1.8e308)"
    try:
        timed = _reference_request_duration(request, catalogue)
        timed.duration  # noqa: B018
    except CatalogueError as error:
        raise DurationError(str(error)) from error
    except ArithmeticError as error:
        raise DurationError(too_large) from error
    except ValueError as error:
        if "NaN" in str(error):
            raise DurationError(too_large) from error
        raise DurationError(f"the request is not complete enough to time: {error!r}") from error
    except (KeyError, TypeError) as error:
        raise DurationError(f"the request is not complete enough to time: {error!r}") from error
    return timed


def _reference_request_duration(request: JSON, catalogue: Catalogue) -> ReferenceRequestDuration:
    configurations = list(enumerate(request["configurations"]))
    if all("priority" in configuration for _, configuration in configurations):
        configurations.sort(key=lambda item: item[1]["priority"])
    previous_type = ""
    previous_instrument = ""
    previous_elements: JSON = {}
    previous_target: JSON = {}
    by_type: dict[str, float] = {}
    timed: list[ReferenceConfigurationTime] = []
    for index, configuration in configurations:
        instrument_type = configuration["instrument_type"]
        overheads = catalogue.request_overheads(instrument_type)
        configuration_types = catalogue.configuration_types(instrument_type)
        time = _reference_configuration_time(index, configuration, catalogue, overheads)
        if previous_instrument != instrument_type:
            time.instrument_change = overheads.instrument_change_overhead
        previous_instrument = instrument_type
        time.optical_element_change, previous_elements = _reference_optical_element_change(
            configuration, overheads, previous_elements
        )
        target = configuration["target"]
        time.slew = _reference_slew(previous_target, target, overheads)
        previous_target = target
        time.acquisition, time.acquisition_exposure = _reference_acquisition(
            configuration["acquisition_config"], overheads
        )
        time.guiding = _reference_guiding(configuration["guiding_config"], overheads)
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
    return ReferenceRequestDuration(
        duration=math.ceil(unrounded),
        unrounded=unrounded,
        configuration_repeats=repeats,
        configurations=timed,
        by_instrument_type=unpadded,
        observation_front_padding=padding,
    )


def _reference_configuration_time(
    index: int, configuration: JSON, catalogue: Catalogue, overheads: RequestOverheads
) -> ReferenceConfigurationTime:
    instrument_type = configuration["instrument_type"]
    instrument_configs = [
        ReferenceInstrumentConfigTime(
            exposure_count=ic["exposure_count"],
            exposure_time=ic["exposure_time"],
            overhead_per_exposure=catalogue.exposure_overhead(instrument_type, ic.get("mode", "")),
        )
        for ic in configuration["instrument_configs"]
    ]
    repeat_duration = configuration.get("repeat_duration")
    if "REPEAT" not in configuration["type"] or repeat_duration is None:
        repeat_duration = None
    return ReferenceConfigurationTime(
        index=index,
        instrument_type=instrument_type,
        type=configuration["type"],
        instrument_configs=instrument_configs,
        front_padding=overheads.config_front_padding,
        repeat_duration=None if repeat_duration is None else float(repeat_duration),
    )


def _reference_optical_element_change(
    configuration: JSON, overheads: RequestOverheads, previous: JSON
) -> tuple[float, JSON]:
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


def _reference_slew(previous: JSON, target: JSON, overheads: RequestOverheads) -> float:
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


def _reference_acquisition(acquisition: JSON, overheads: RequestOverheads) -> tuple[float, float]:
    mode = acquisition.get("mode", "OFF")
    if mode == "OFF" or mode not in overheads.acquisition_overheads:
        return 0.0, 0.0
    exposure = acquisition.get("exposure_time") or overheads.default_acquisition_exposure_time
    return overheads.acquisition_overheads[mode], float(exposure)


def _reference_guiding(guiding: JSON, overheads: RequestOverheads) -> float:
    mode = guiding.get("mode", "")
    if mode == "OFF" or guiding.get("optional", True) or mode not in overheads.guiding_overheads:
        return 0.0
    return overheads.guiding_overheads[mode]


# -- comparing to the last bit ---------------------------------------------------------------


def exactly(value: Any) -> Any:
    """A form of ``value`` whose equality is bit equality: types kept, -0.0 apart from 0.0."""
    if isinstance(value, float):
        return ("float", value.hex())
    if isinstance(value, dict):
        return ("dict", [(exactly(k), exactly(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [exactly(item) for item in value])
    return (type(value).__name__, value)


def attempt(read: Callable[[], Any]) -> Any:
    """What reading gives, or the error it raises (a term of an invalid request may)."""
    try:
        return exactly(read())
    except Exception as error:  # the error itself is what is compared
        return ("raised", type(error).__name__, str(error))


def configuration_view(time: Any) -> Any:
    """Every field and derived term of a configuration's timing."""
    fields = [
        time.index,
        time.instrument_type,
        time.type,
        time.front_padding,
        time.repeat_duration,
        time.instrument_change,
        time.optical_element_change,
        time.slew,
        time.acquisition,
        time.acquisition_exposure,
        time.guiding,
        time.configuration_type_change,
    ]
    instrument_configs = [
        [
            exactly([ic.exposure_count, ic.exposure_time, ic.overhead_per_exposure]),
            attempt(lambda ic=ic: ic.duration),
        ]
        for ic in time.instrument_configs
    ]
    return [
        exactly(fields),
        instrument_configs,
        [
            attempt(lambda: time.exposure),
            attempt(lambda: time.readout_and_fixed),
            attempt(lambda: time.block),
            attempt(lambda: time.total),
            attempt(time.terms),
            attempt(time.as_portal_reports),
        ],
    ]


def outcome(timing: Any, request: JSON, catalogue: Catalogue) -> Any:
    """Everything a caller can read of one timing, or the error it raises."""
    try:
        timed = timing(request, catalogue)
    except Exception as error:  # the error itself is what is compared
        return ("raised", type(error).__name__, str(error))
    return [
        exactly(
            [
                timed.duration,
                timed.unrounded,
                timed.configuration_repeats,
                timed.by_instrument_type,
                timed.observation_front_padding,
            ]
        ),
        [configuration_view(c) for c in timed.configurations],
        attempt(timed.portal_configurations),
        attempt(lambda: timed.dominant_terms(count=100)),
    ]


# -- requests varied from the seed page ------------------------------------------------------

OVERHEAD_FIELDS = {
    "overhead",
    "element_change_overhead",
    "config_change_overhead",
    "fixed_overhead_per_exposure",
    "observation_front_padding",
    "config_front_padding",
    "acquire_exposure_time",
    "instrument_change_overhead",
    "slew_rate",
    "minimum_slew_overhead",
}


def fractional_sites() -> list[JSON]:
    """The test snapshot with fractions added to every overhead, so that sums round."""
    fractions = iter([0.1, 1 / 3, 0.7, 2.675, 1e-7, 0.3, 5.55] * 20)

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in OVERHEAD_FIELDS and isinstance(item, int | float):
                    value[key] = item + next(fractions)
                else:
                    visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    sites = mini_sites()
    visit(sites)
    return sites


CATALOGUES = {
    "lco": load_catalogue(),
    "test": Catalogue(mini_sites(), "test snapshot"),
    "fractional": Catalogue(fractional_sites(), "fractional test snapshot"),
}
SEED_REQUESTS: list[JSON] = seed_page()["results"]
SEED_CONFIGURATIONS = [c for r in SEED_REQUESTS for c in r["configurations"]]
SEED_INSTRUMENT_CONFIGS = [ic for c in SEED_CONFIGURATIONS for ic in c["instrument_configs"]]

ICRS = [
    {"type": "ICRS", "name": "A", "ra": 10.0, "dec": 20.0},
    {"type": "ICRS", "name": "B", "ra": 10.0, "dec": 21.0},
    {"type": "ICRS", "name": "C", "ra": 200.125, "dec": -45.5},
    {"type": "ICRS", "name": "D", "ra": 10.0000001, "dec": 20.0},
]
ELEMENT_KINDS = ["filter", "slit", "grating", "narrowband_g_position", "diffuser"]
ELEMENT_VALUES = ["V", "B", "rp", "slit_1.0as", "air", "order"]
# Sums of these do not round the same in every order.
AWKWARD_SECONDS = [0.1, 0.2, 0.3, 1 / 3, 2.675, 1e-9, 1e16, 123456.789, 0.0, -0.0]


def seconds() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(AWKWARD_SECONDS),
        st.floats(min_value=0, max_value=1e5, allow_nan=False),
        st.integers(0, 3600),
        st.floats(min_value=-100, max_value=0, allow_nan=False),  # nothing stops a record
    )


def counts() -> st.SearchStrategy[Any]:
    return st.one_of(st.integers(0, 50), st.sampled_from([1, 3, 7]), st.floats(0, 20))


def type_codes(catalogue: Catalogue) -> list[str]:
    # Differently spelt: the catalogue matches case-blind, the prices kept must not mix them up.
    codes = catalogue.instrument_type_codes()
    return codes + [code.lower() for code in codes[:2]]


@st.composite
def instrument_configs(draw: st.DrawFn, catalogue: Catalogue, instrument_type: str) -> JSON:
    written = copy.deepcopy(draw(st.sampled_from(SEED_INSTRUMENT_CONFIGS)))
    group = catalogue.mode_group(instrument_type, "readout") or {}
    modes = [mode["code"] for mode in group.get("modes", [])]
    modes += [code.upper() for code in modes] + ["", "no-such-mode"]
    mode = draw(st.one_of(st.sampled_from(modes), st.just(written.get("mode", ""))))
    if draw(st.integers(0, 9)) == 0:
        written.pop("mode", None)
    else:
        written["mode"] = mode
    if draw(st.booleans()):
        written["exposure_time"] = draw(seconds())
    if draw(st.booleans()):
        written["exposure_count"] = draw(counts())
    if draw(st.booleans()):
        kinds = draw(st.lists(st.sampled_from(ELEMENT_KINDS), max_size=3, unique=True))
        written["optical_elements"] = {k: draw(st.sampled_from(ELEMENT_VALUES)) for k in kinds}
    return written


@st.composite
def configurations(draw: st.DrawFn, catalogue: Catalogue) -> JSON:
    configuration = copy.deepcopy(draw(st.sampled_from(SEED_CONFIGURATIONS)))
    instrument_type = draw(st.sampled_from(type_codes(catalogue)))
    configuration["instrument_type"] = instrument_type
    configuration["instrument_configs"] = draw(
        st.lists(instrument_configs(catalogue, instrument_type), min_size=0, max_size=5)
    )
    types = [*catalogue.configuration_types(instrument_type), "REPEAT_EXPOSE", "EXPOSE"]
    configuration["type"] = draw(st.sampled_from(types))
    configuration["repeat_duration"] = draw(
        st.one_of(st.none(), seconds(), st.sampled_from([600, "900"]))
    )
    overheads = catalogue.request_overheads(instrument_type)
    acquisition = {"mode": draw(st.sampled_from([*overheads.acquisition_overheads, "OFF", "wcs"]))}
    if draw(st.booleans()):
        acquisition["exposure_time"] = draw(st.one_of(st.none(), seconds()))
    if draw(st.integers(0, 4)) == 0:
        acquisition = {}
    configuration["acquisition_config"] = acquisition
    guiding: JSON = {"mode": draw(st.sampled_from([*overheads.guiding_overheads, "OFF", "on"]))}
    optional = draw(st.sampled_from([True, False, None]))
    if optional is not None:
        guiding["optional"] = optional
    configuration["guiding_config"] = guiding
    if draw(st.booleans()):
        configuration["target"] = copy.deepcopy(draw(st.sampled_from(ICRS)))
    return configuration


def damaged(draw: st.DrawFn, document: JSON) -> None:
    """Now and then a request the model cannot time: both must fail the same way."""
    damage = draw(st.integers(0, 14))  # 0 (Hypothesis's favourite) and above 5: none
    configurations_ = document.get("configurations", [])
    if damage == 5:
        document.pop("configurations")
    elif damage == 1 and configurations_ and configurations_[-1]:
        key = draw(st.sampled_from(sorted(configurations_[-1])))
        configurations_[-1].pop(key)
    elif damage == 2 and configurations_ and configurations_[-1]["instrument_configs"]:
        instrument_config = draw(st.sampled_from(configurations_[-1]["instrument_configs"]))
        key = draw(st.sampled_from(["exposure_time", "exposure_count", "mode"]))
        instrument_config[key] = draw(
            st.sampled_from(["10", None, [], 10**400, 1e308, math.inf, math.nan])
        )
    elif damage == 3 and configurations_:
        configurations_[0]["instrument_type"] = draw(
            st.sampled_from(["2M0-NO-SUCH-TYPE", ["1M0-SCICAM-SINISTRO"], 7])
        )
    elif damage == 4:
        document["configuration_repeats"] = draw(st.sampled_from(["x", 10**400, 2.5, 0]))


@st.composite
def requests_to_time(draw: st.DrawFn) -> tuple[JSON, str]:
    name = draw(st.sampled_from(sorted(CATALOGUES)))
    catalogue = CATALOGUES[name]
    document = copy.deepcopy(draw(st.sampled_from(SEED_REQUESTS)))
    if draw(st.integers(0, 3)) or name != "lco":  # the seed types are only in the LCO one
        document["configurations"] = draw(
            st.lists(configurations(catalogue), min_size=1, max_size=4)
        )
    priorities = draw(st.sampled_from(["all", "none", "some"]))
    for configuration in document["configurations"]:
        configuration.pop("priority", None)
        if priorities == "all" or (priorities == "some" and draw(st.booleans())):
            configuration["priority"] = draw(st.integers(1, 3))  # ties keep submitted order
    document["configuration_repeats"] = draw(st.sampled_from([1, 1, 2, 3, 7, None]))
    for _ in range(draw(st.integers(1, 2))):  # two: which one the error names
        damaged(draw, document)
    return document, name


@settings(max_examples=400, deadline=None)
@given(requests_to_time())
def test_every_term_and_error_is_the_reference_ones_to_the_bit(case: tuple[JSON, str]) -> None:
    document, name = case
    catalogue = CATALOGUES[name]
    before = copy.deepcopy(document)
    expected = outcome(reference_request_duration, document, catalogue)
    assert outcome(request_duration, document, catalogue) == expected
    # Asked a second time (prices now kept), the answer is the same.
    assert outcome(request_duration, document, catalogue) == expected
    assert document == before


@settings(max_examples=60, deadline=None)
@given(requests_to_time())
def test_the_breakdown_built_late_is_the_one_built_at_once(case: tuple[JSON, str]) -> None:
    document, name = case
    try:
        late = request_duration(document, CATALOGUES[name])
    except (DurationError, AttributeError):  # a mode or type that is not text: as before
        return
    early = request_duration(document, CATALOGUES[name])
    early.configurations  # noqa: B018 - builds the breakdown before anything else is read
    assert late.duration == early.duration
    assert late == early
    assert repr(late) == repr(early)


def test_every_seed_record_times_as_the_reference() -> None:
    catalogue = CATALOGUES["lco"]
    for record in SEED_REQUESTS:
        timed = request_duration(record, catalogue)
        assert outcome(request_duration, record, catalogue) == outcome(
            reference_request_duration, record, catalogue
        )
        assert isinstance(timed, RequestDuration)


def test_prices_are_kept_per_catalogue_not_across_catalogues() -> None:
    document = {
        "configurations": [
            {
                "instrument_type": "1M0-TEST-IMAGER",
                "type": "EXPOSE",
                "instrument_configs": [
                    {"exposure_time": 10.0, "exposure_count": 1, "mode": "full"}
                ],
                "target": ICRS[0],
                "acquisition_config": {"mode": "OFF"},
                "guiding_config": {"mode": "OFF"},
            }
        ],
    }
    first = request_duration(document, Catalogue(mini_sites(), "one"))
    gc.collect()  # a new catalogue may now reuse the old one's address
    slower = mini_sites()
    for telescope in slower[0]["enclosure_set"][0]["telescope_set"]:
        for instrument in telescope["instrument_set"]:
            for group in instrument["instrument_type"]["mode_types"]:
                for mode in group["modes"]:
                    mode["overhead"] = float(mode["overhead"]) + 100.0
    second = request_duration(document, Catalogue(slower, "two"))
    assert second.unrounded == first.unrounded + 100.0
    assert second.configurations[0].instrument_configs[0].overhead_per_exposure == (
        first.configurations[0].instrument_configs[0].overhead_per_exposure + 100.0
    )
