"""The duration model, term by term, against hand-worked numbers (tests/conftest.py snapshot).

Snapshot values used below (seconds): imager readout full 20 / binned 5, fixed 1,
config front padding 16, observation front padding 90, filter change 2,
acquisition WCS 60 with default exposure 10, guiding ON 3, STANDARD change 12,
SKY_FLAT change 5; spectrograph readout 40, fixed 0.5, config padding 10,
observation padding 180, acquisition WCS 90 / BRIGHTEST 95 with default
exposure 30, slit change 7, filter change 3, ARC change 100 (acquisition off);
telescope instrument change 30, slew 0.01 s/arcsec clamped to [2, 240].
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lco_validate import request_duration
from lco_validate.catalogue.snapshot import Catalogue
from lco_validate.model.duration import angular_distance_arcsec, charged_by_allocation

from .conftest import mini_sites

IMAGER = "1M0-TEST-IMAGER"
SPECTRO = "1M0-TEST-SPECTRO"
STAR_A = {"type": "ICRS", "name": "A", "ra": 10.0, "dec": 20.0}
STAR_B = {"type": "ICRS", "name": "B", "ra": 10.0, "dec": 21.0}  # 3600 arcsec from A
COMET = {
    "type": "ORBITAL_ELEMENTS",
    "name": "C",
    "scheme": "MPC_COMET",
    "epochofel": 60600.0,
    "orbinc": 10.0,
    "longascnode": 10.0,
    "argofperih": 10.0,
    "perihdist": 1.0,
    "epochofperih": 60000.0,
    "eccentricity": 0.5,
}


def exposure(
    filter_: str | None = "V", time: float = 100.0, count: int = 1, mode: str = "full", **extra: Any
) -> dict[str, Any]:
    elements = {"filter": filter_} if filter_ else {}
    return {
        "exposure_time": time,
        "exposure_count": count,
        "mode": mode,
        "optical_elements": elements | extra,
    }


def configuration(
    *instrument_configs: dict[str, Any],
    instrument_type: str = IMAGER,
    type_: str = "EXPOSE",
    target: dict[str, Any] | None = None,
    acquisition: dict[str, Any] | None = None,
    guiding: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "instrument_type": instrument_type,
        "type": type_,
        "instrument_configs": list(instrument_configs) or [exposure()],
        "target": copy.deepcopy(target or STAR_A),
        "acquisition_config": {"mode": "OFF"} if acquisition is None else acquisition,
        "guiding_config": {"mode": "ON", "optional": True} if guiding is None else guiding,
        "constraints": {},
        **extra,
    }


def request(*configurations: dict[str, Any], repeats: int = 1) -> dict[str, Any]:
    return {
        "location": {"telescope_class": "1m0"},
        "configurations": list(configurations),
        "windows": [{"start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"}],
        "configuration_repeats": repeats,
    }


@pytest.fixture
def timed(mini_catalogue: Catalogue) -> Any:
    return lambda document: request_duration(document, mini_catalogue)


def test_single_configuration_every_first_time_term(timed: Any) -> None:
    # block 2*(100+21) + (50+6) + 16 = 314; instrument change 30; two filter changes 4;
    # first target: maximum slew 240; optional guiding adds nothing; EXPOSE change 0.
    result = timed(request(configuration(exposure("V", 100, 2), exposure("B", 50, mode="binned"))))
    terms = result.configurations[0]
    assert terms.block == 314
    assert (terms.instrument_change, terms.optical_element_change, terms.slew) == (30, 4, 240)
    assert result.unrounded == 314 + 30 + 4 + 240 + 90
    assert result.duration == 678


def test_portal_configuration_report_has_exposures_and_front_padding_only(timed: Any) -> None:
    result = timed(request(configuration(exposure("V", 100, 2))))
    assert result.portal_configurations() == [
        {"instrument_configs": [{"duration": 242.0}], "duration": 258.0}
    ]


def test_non_optional_guiding_adds_its_mode_overhead(timed: Any) -> None:
    guided = configuration(guiding={"mode": "ON", "optional": False})
    unguided = configuration(guiding={"mode": "ON", "optional": True})
    assert timed(request(guided)).unrounded - timed(request(unguided)).unrounded == 3


def test_guiding_optional_defaults_to_true(timed: Any) -> None:
    assert timed(request(configuration(guiding={"mode": "ON"}))).configurations[0].guiding == 0


def test_acquisition_uses_the_instrument_default_exposure_unless_given(timed: Any) -> None:
    default = timed(request(configuration(acquisition={"mode": "WCS"}))).configurations[0]
    own = timed(request(configuration(acquisition={"mode": "WCS", "exposure_time": 5})))
    assert (default.acquisition, default.acquisition_exposure) == (60, 10)
    assert (own.configurations[0].acquisition, own.configurations[0].acquisition_exposure) == (
        60,
        5,
    )


def test_acquisition_mode_lookup_is_exact_case(timed: Any) -> None:
    assert (
        timed(request(configuration(acquisition={"mode": "wcs"}))).configurations[0].acquisition
        == 0
    )


def test_missing_acquisition_mode_takes_the_instrument_default(timed: Any) -> None:
    spectrum = configuration(
        exposure(None, 300, mode="default", slit="slit_1.0as"),
        instrument_type=SPECTRO,
        type_="SPECTRUM",
        acquisition={},
    )
    terms = timed(request(spectrum)).configurations[0]
    assert (terms.acquisition, terms.acquisition_exposure) == (90, 30)


def test_forced_acquisition_off_for_arc(timed: Any) -> None:
    arc = configuration(
        exposure(None, 30, mode="default", slit="slit_1.0as"),
        instrument_type=SPECTRO,
        type_="ARC",
        acquisition={"mode": "WCS"},
    )
    terms = timed(request(arc)).configurations[0]
    assert terms.acquisition == 0
    assert terms.configuration_type_change == 100


def test_unchanged_filter_and_target_across_configurations_cost_nothing(timed: Any) -> None:
    result = timed(request(configuration(exposure("V")), configuration(exposure("V"))))
    second = result.configurations[1]
    assert (second.instrument_change, second.optical_element_change, second.slew) == (0, 0, 0)
    assert second.total == second.block


def test_filter_change_state_carries_across_configurations(timed: Any) -> None:
    result = timed(
        request(configuration(exposure("V"), exposure("B")), configuration(exposure("B")))
    )
    assert result.configurations[1].optical_element_change == 0


def test_slit_and_filter_changing_together_cost_the_larger(timed: Any) -> None:
    spectrum = configuration(
        exposure("order", 300, mode="default", slit="slit_1.0as"),
        instrument_type=SPECTRO,
        type_="SPECTRUM",
    )
    assert timed(request(spectrum)).configurations[0].optical_element_change == 7


def test_slew_between_different_icrs_targets_is_clamped(timed: Any) -> None:
    result = timed(request(configuration(target=STAR_A), configuration(target=STAR_B)))
    # 3600 arcsec * 0.01 s/arcsec = 36 s, within [2, 240]
    assert result.configurations[1].slew == pytest.approx(36.0)
    nearby = dict(STAR_A, name="A again")  # same place, different dict -> minimum
    assert timed(request(configuration(), configuration(target=nearby))).configurations[1].slew == 2


def test_non_sidereal_target_costs_the_maximum_slew(timed: Any) -> None:
    result = timed(request(configuration(target=COMET), configuration(target=COMET)))
    assert [c.slew for c in result.configurations] == [240, 240]


def test_configuration_type_change_counts_on_first_and_on_each_change(timed: Any) -> None:
    result = timed(
        request(
            configuration(type_="STANDARD"),
            configuration(type_="STANDARD"),
            configuration(type_="SKY_FLAT"),
        )
    )
    assert [c.configuration_type_change for c in result.configurations] == [12, 0, 5]


def test_repeat_configuration_with_repeat_duration_counts_it_exactly(timed: Any) -> None:
    repeat = configuration(exposure("V", 10, 1), type_="REPEAT_EXPOSE", repeat_duration=600)
    terms = timed(request(repeat)).configurations[0]
    assert terms.block == 600
    assert terms.total == 600 + 30 + 2 + 240


def test_repeat_configuration_without_repeat_duration_counts_exposures(timed: Any) -> None:
    repeat = configuration(exposure("V", 10, 1), type_="REPEAT_EXPOSE")
    assert timed(request(repeat)).configurations[0].block == 10 + 21 + 16


def test_configuration_repeats_multiply_everything_but_the_observation_padding(
    timed: Any,
) -> None:
    once = timed(request(configuration()))
    thrice = timed(request(configuration(), repeats=3))
    per_pass = once.unrounded - 90
    assert thrice.unrounded == pytest.approx(3 * per_pass + 90)


def test_two_instrument_types_share_the_observation_padding_in_proportion(timed: Any) -> None:
    imaging = configuration(exposure("V", 100))
    spectrum = configuration(
        exposure(None, 300, mode="default", slit="slit_1.0as"),
        instrument_type=SPECTRO,
        type_="SPECTRUM",
        acquisition={"mode": "OFF"},  # not a mode the spectrograph knows: adds nothing
    )
    result = timed(request(imaging, spectrum))
    imager = 121 + 16 + 30 + 2 + 240  # 409
    spectro = (300 + 40.5 + 10) + 30 + 7 + 0  # identical target: no slew; 387.5
    assert result.by_instrument_type == {IMAGER: imager, SPECTRO: spectro}
    total = imager + spectro
    expected = imager + imager / total * 90 + spectro + spectro / total * 180
    assert result.unrounded == pytest.approx(expected)
    assert result.duration == 931  # 796.5 + 46.21 + 87.57 = 930.29 -> 931


def test_priorities_decide_the_order_for_records(mini_catalogue: Catalogue) -> None:
    first = configuration(type_="STANDARD", priority=2)
    second = configuration(type_="SKY_FLAT", priority=1)
    record = request(first, second) | {"id": 1}
    result = request_duration(record, mini_catalogue)
    assert [c.type for c in result.configurations] == ["SKY_FLAT", "STANDARD"]
    submitted = request_duration(request(first, second), mini_catalogue)
    assert [c.type for c in submitted.configurations] == ["STANDARD", "SKY_FLAT"]


def test_angular_distance() -> None:
    assert angular_distance_arcsec(STAR_A, STAR_B) == pytest.approx(3600.0)
    pole = {"ra": 0.0, "dec": 90.0}
    assert angular_distance_arcsec(pole, {"ra": 123.0, "dec": 0.0}) == pytest.approx(324000.0)


def test_the_input_is_not_modified(timed: Any) -> None:
    document = request(configuration(acquisition={}, guiding={}))
    before = copy.deepcopy(document)
    timed(document)
    assert document == before


# -- properties ------------------------------------------------------------------------------

exposure_times = st.floats(min_value=0, max_value=3600, allow_nan=False).map(lambda t: round(t, 3))
filters = st.sampled_from(["V", "B", "rp"])
modes = st.sampled_from([("full", 21.0), ("binned", 6.0)])


@st.composite
def imaging_requests(draw: st.DrawFn) -> dict[str, Any]:
    configurations = []
    for _ in range(draw(st.integers(1, 3))):
        exposures = [
            exposure(draw(filters), draw(exposure_times), draw(st.integers(1, 5)), draw(modes)[0])
            for _ in range(draw(st.integers(1, 3)))
        ]
        configurations.append(
            configuration(
                *exposures,
                type_=draw(st.sampled_from(["EXPOSE", "STANDARD", "SKY_FLAT"])),
                target=draw(st.sampled_from([STAR_A, STAR_B, COMET])),
            )
        )
    return request(*configurations, repeats=draw(st.integers(1, 3)))


@given(imaging_requests(), exposure_times, st.data())
def test_one_more_exposure_adds_its_time_and_overheads(
    document: dict[str, Any], seconds: float, data: st.DataObject
) -> None:
    catalogue = Catalogue(mini_sites(), "test")
    before = request_duration(document, catalogue)
    configuration_index = data.draw(st.integers(0, len(document["configurations"]) - 1))
    chosen = document["configurations"][configuration_index]
    index = data.draw(st.integers(0, len(chosen["instrument_configs"]) - 1))
    instrument_config = chosen["instrument_configs"][index]
    overhead = {"full": 21.0, "binned": 6.0}[instrument_config["mode"]]
    grown = copy.deepcopy(document)
    extra = dict(instrument_config, exposure_time=seconds, exposure_count=1)
    grown["configurations"][configuration_index]["instrument_configs"].insert(index + 1, extra)
    # The copy has the same filter as its neighbour before it: no filter change, but the
    # neighbour after it may have lost (or kept) its change; compare without padding terms.
    after = request_duration(grown, catalogue)
    change_before = sum(c.optical_element_change for c in before.configurations)
    change_after = sum(c.optical_element_change for c in after.configurations)
    repeats = document["configuration_repeats"]
    added = (after.unrounded - before.unrounded) - (change_after - change_before) * repeats
    # one imaging type: the observation padding is a constant 90
    assert added == pytest.approx((seconds + overhead) * repeats, abs=1e-6)


@given(imaging_requests(), st.randoms())
def test_submitted_order_does_not_matter_once_priorities_are_explicit(
    document: dict[str, Any], random: Any
) -> None:
    catalogue = Catalogue(mini_sites(), "test")
    record = copy.deepcopy(document) | {"id": 1}
    for priority, entry in enumerate(record["configurations"], start=1):
        entry["priority"] = priority
    shuffled = copy.deepcopy(record)
    random.shuffle(shuffled["configurations"])
    assert (
        request_duration(shuffled, catalogue).duration
        == request_duration(record, catalogue).duration
    )


def test_group_totals_follow_the_operator(mini_catalogue: Catalogue) -> None:
    spectrum = configuration(
        exposure(None, 100.25, mode="default", slit="slit_1.0as"),
        instrument_type=SPECTRO,
        type_="SPECTRUM",
        acquisition={"mode": "OFF"},
    )
    long_one = request_duration(
        request(spectrum, configuration(exposure("V", 100))), mini_catalogue
    )
    short_one = request_duration(request(spectrum), mini_catalogue)
    assert long_one.unrounded != long_one.duration  # fractions make rounding visible
    pairs = [("2030A", long_one), ("2030A", short_one)]

    def padded(timed: Any, instrument_type: str) -> float:
        return float(
            timed.by_instrument_type[instrument_type]
            + timed.observation_front_padding[instrument_type]
        )

    single = charged_by_allocation("SINGLE", pairs)
    assert single[("2030A", SPECTRO)] == padded(long_one, SPECTRO) + padded(short_one, SPECTRO)
    assert single[("2030A", IMAGER)] == padded(long_one, IMAGER)
    for operator in ("MANY", "ONEOF"):
        chosen = charged_by_allocation(operator, pairs)
        assert chosen[("2030A", SPECTRO)] == max(
            math.ceil(padded(long_one, SPECTRO)), math.ceil(padded(short_one, SPECTRO))
        )
    both = charged_by_allocation("AND", pairs)
    assert both[("2030A", SPECTRO)] == math.ceil(padded(long_one, SPECTRO)) + math.ceil(
        padded(short_one, SPECTRO)
    )
    separate = charged_by_allocation("MANY", [("2030A", long_one), ("2030B", short_one)])
    assert set(separate) == {("2030A", SPECTRO), ("2030A", IMAGER), ("2030B", SPECTRO)}
