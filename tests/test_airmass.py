"""``POST /api/airmass/``: the portal's airmass curves, and its refusals answered with 200.

The vectors come from the real portal 4.18.10 called with now = 2030-11-01 on
the bundled catalogue: times must be the portal's exactly, airmasses within
1e-3.  The SLALIB numbers (refraction, Hardie) were read from pyslalib.
"""

from __future__ import annotations

import copy
import json
import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lco_validate.catalogue.snapshot import load_catalogue
from lco_validate.checking.policy import Settings
from lco_validate.server.airmass import answer_text
from lco_validate.visibility.airmass import (
    hardie_airmass,
    portal_minute,
    refracted_zenith_distance,
    sample_times,
)

from .portal_documents import configuration, orbital_target

CONFIGURATION = configuration()  # this module's own copy: tests change it

NOW = datetime(2030, 11, 1, tzinfo=UTC)
CATALOGUE = load_catalogue()
SETTINGS = Settings(catalogue=CATALOGUE, now=NOW)
TOLERANCE = 1e-3

REQUEST: dict[str, Any] = {
    "location": {"telescope_class": "1m0"},
    "configurations": [CONFIGURATION],
    "windows": [{"start": "2030-11-10T00:00:00Z", "end": "2030-11-11T00:00:00Z"}],
}
ORBIT = orbital_target("x")


def ask(body: object) -> tuple[int, dict[str, Any]]:
    return answer_text(json.dumps(body).encode(), SETTINGS)


def request_with(**changes: Any) -> dict[str, Any]:
    request = copy.deepcopy(REQUEST)
    request.update(copy.deepcopy(changes))
    return request


def with_configuration(**changes: Any) -> dict[str, Any]:
    return request_with(configurations=[{**CONFIGURATION, **changes}])


def by_time(curve: dict[str, Any]) -> dict[str, float]:
    return dict(zip(curve["times"], curve["airmasses"], strict=True))


# -- the portal's vectors -------------------------------------------------------------------------


def test_a_sidereal_target_gets_the_portals_curves_at_each_site_in_snapshot_order() -> None:
    status, body = ask(REQUEST)
    assert status == 200
    assert list(body["airmass_data"]) == ["elp", "tfn"]
    assert body["airmass_limit"] == 2.0
    tfn, elp = body["airmass_data"]["tfn"], body["airmass_data"]["elp"]
    assert len(tfn["times"]) == len(tfn["airmasses"]) == 49
    assert len(elp["times"]) == 49
    # tfn: [00:00, 03:09:11.36] then [19:08:12.95, 24:00], sampled every 10 min from each start
    expected_tfn = [f"2030-11-10T{h:02d}:{m:02d}" for h in range(3) for m in range(0, 60, 10)]
    expected_tfn += ["2030-11-10T03:00"]
    expected_tfn += [
        f"2030-11-10T{(19 * 60 + 8 + 10 * k) // 60:02d}:{(19 * 60 + 8 + 10 * k) % 60:02d}"
        for k in range(30)
    ]
    assert tfn["times"] == expected_tfn
    values = by_time(tfn)
    for time, portal in [
        ("2030-11-10T00:00", 1.07789254625877),
        ("2030-11-10T00:10", 1.0910333803971963),
        ("2030-11-10T03:00", 1.7352974594081854),
        ("2030-11-10T19:08", 1.3630711527288781),
        ("2030-11-10T23:58", 1.0805736048345278),
    ]:
        assert values[time] == pytest.approx(portal, abs=TOLERANCE)
    assert elp["times"][:2] == ["2030-11-10T00:56", "2030-11-10T01:06"]
    assert elp["times"][-1] == "2030-11-10T08:56"
    assert elp["airmasses"][0] == pytest.approx(1.3577371611127695, abs=TOLERANCE)
    assert elp["airmasses"][1] == pytest.approx(1.3188336582574105, abs=TOLERANCE)
    assert elp["airmasses"][-1] == pytest.approx(1.7365187877228778, abs=TOLERANCE)


def test_a_site_in_the_location_keeps_only_that_site() -> None:
    _, everywhere = ask(REQUEST)
    _, body = ask(request_with(location={"telescope_class": "1m0", "site": "tfn"}))
    assert list(body["airmass_data"]) == ["tfn"]
    assert body["airmass_data"]["tfn"] == everywhere["airmass_data"]["tfn"]


def test_the_airmass_limit_is_the_requests_and_does_not_move_the_samples() -> None:
    _, strict = ask(REQUEST)
    _, loose = ask(with_configuration(constraints={"max_airmass": 3}))
    assert loose["airmass_limit"] == 3.0
    for site in ("elp", "tfn"):
        assert loose["airmass_data"][site]["times"] == strict["airmass_data"][site]["times"]


def test_two_targets_give_the_mean_airmass_and_the_mean_limit() -> None:
    second = copy.deepcopy(CONFIGURATION)
    second["target"]["dec"] = 30
    second["constraints"] = {"max_airmass": 1.5}
    _, body = ask(request_with(configurations=[CONFIGURATION, second]))
    assert body["airmass_limit"] == 1.75
    assert {site: len(curve["times"]) for site, curve in body["airmass_data"].items()} == {
        "elp": 44,
        "tfn": 44,
    }
    assert body["airmass_data"]["tfn"]["airmasses"][0] == pytest.approx(1.0674, abs=TOLERANCE)


def test_the_same_target_twice_counts_once() -> None:
    _, once = ask(REQUEST)
    _, twice = ask(request_with(configurations=[CONFIGURATION, CONFIGURATION]))
    assert twice["airmass_data"] == once["airmass_data"]


def test_an_orbital_target_gets_the_portals_curve() -> None:
    _, body = ask(with_configuration(target=ORBIT))
    assert list(body["airmass_data"]) == ["tfn"]
    curve = body["airmass_data"]["tfn"]
    assert curve["times"] == [
        "2030-11-10T22:30",
        "2030-11-10T22:40",
        "2030-11-10T22:50",
        *(f"2030-11-10T23:{minutes}0" for minutes in range(6)),
    ]
    portal = [
        1.0361244913361567,
        1.0285632217493008,
        1.0227553415806303,
        1.0186543964467167,
        1.016227942173999,
        1.015456922429617,
        1.0163353070156738,
        1.018869978045856,
        1.0230808599917611,
    ]
    assert curve["airmasses"] == pytest.approx(portal, abs=TOLERANCE)
    assert body["airmass_limit"] == 2.0


def test_an_hour_angle_target_gets_no_curve_and_no_limit() -> None:
    target = {"type": "HOUR_ANGLE", "name": "x", "hour_angle": 1, "dec": 10}
    assert ask(with_configuration(target=target)) == (200, {"airmass_data": {}})


def test_a_sample_time_is_truncated_to_the_minute_and_the_curve_starts_at_the_window() -> None:
    _, body = ask(
        request_with(windows=[{"start": "2030-11-10T00:03:17.5Z", "end": "2030-11-11T00:00:00Z"}])
    )
    assert body["airmass_data"]["tfn"]["times"][:3] == [
        "2030-11-10T00:03",
        "2030-11-10T00:13",
        "2030-11-10T00:23",
    ]


# -- refusals: HTTP 200, the bare errors -----------------------------------------------------------


def test_a_refused_request_gets_its_errors_as_the_whole_body_with_200() -> None:
    status, body = ask(
        request_with(windows=[{"start": "2026-11-10T00:00:00Z", "end": "2026-11-11T00:00:00Z"}])
    )
    assert status == 200
    assert "airmass_data" not in body
    assert list(body) == ["windows"]
    assert body["windows"][0]["end"][0].startswith("R071 ")


def test_an_unknown_filter_is_refused_in_its_configuration() -> None:
    instrument_config = {
        **CONFIGURATION["instrument_configs"][0],
        "optical_elements": {"filter": "zzz"},
    }
    status, body = ask(with_configuration(instrument_configs=[instrument_config]))
    assert status == 200
    assert list(body) == ["configurations"]
    assert "zzz" in json.dumps(body["configurations"][0])


def test_a_target_never_observable_is_refused() -> None:
    window = [{"start": "2030-11-10T00:00:00Z", "end": "2030-11-10T02:00:00Z"}]
    target = {**CONFIGURATION["target"], "dec": -89}
    request = with_configuration(target=target)
    request["location"] = {"telescope_class": "1m0", "site": "tfn"}
    request["windows"] = window
    status, body = ask(request)
    assert status == 200
    assert "airmass_data" not in body
    assert '"V001 the target is never observable' in json.dumps(body)


def test_an_empty_object_is_refused_field_by_field() -> None:
    status, body = ask({})
    assert status == 200
    assert "airmass_data" not in body
    text = json.dumps(body)
    assert all(field in text for field in ("location", "configurations", "windows"))


def test_a_list_is_refused_with_200_and_text_that_is_not_json_with_400() -> None:
    status, body = ask([REQUEST])
    assert status == 200 and list(body) == ["non_field_errors"]
    assert body["non_field_errors"][0].startswith("J013 ")
    status, body = answer_text(b'{"windows": [', SETTINGS)
    assert status == 400 and body["detail"].startswith("JSON parse error - ")


def test_group_rules_do_not_refuse_a_bare_request() -> None:
    """HOUR_ANGLE targets are refused by a group rule, which the airmass view never runs."""
    target = {"type": "HOUR_ANGLE", "name": "x", "hour_angle": 1, "dec": 10}
    status, body = ask(with_configuration(target=target))
    assert status == 200 and "airmass_data" in body


# -- the pieces: SLALIB's refraction and Hardie's polynomial, the sampling -------------------------


@pytest.mark.parametrize(
    ("unrefracted", "slalib"),
    [
        (0.5, 0.4998471413602154),
        (1.0, 0.9995655099742553),
        (1.4, 1.3984502510694024),
        (1.45, 1.447897509671116),  # beyond 83 degrees: the low-altitude fit
        (1.55, 1.5440218656437807),
        (1.6, 1.585244769995395),  # below the horizon: the fit held at 93 degrees
    ],
)
def test_refraction_is_slalibs_refz(unrefracted: float, slalib: float) -> None:
    ours = refracted_zenith_distance(np.array([unrefracted]), (2.8e-4, -3.1e-7))
    assert ours[0] == pytest.approx(slalib, abs=1e-12)


def test_the_portals_atmosphere_bends_light_by_104_arcsec_at_60_degrees() -> None:
    bent = math.radians(60) - refracted_zenith_distance(np.array([math.radians(60)]))[0]
    assert math.degrees(bent) * 3600 == pytest.approx(104.0, abs=1.0)


def test_hardie_airmass_is_slalibs_airmas() -> None:
    assert hardie_airmass(np.array([1.0]))[0] == pytest.approx(1.8466910367945855, abs=1e-12)
    assert hardie_airmass(np.array([0.0]))[0] == 1.0
    beyond = hardie_airmass(np.array([1.52, 1.56]))
    assert beyond[0] == beyond[1]  # capped at 1.52 radians


@given(st.lists(st.floats(0, 1.52), min_size=2, max_size=20))
def test_airmass_grows_with_zenith_distance_from_one(distances: list[float]) -> None:
    ordered = np.sort(np.array(distances))
    values = hardie_airmass(refracted_zenith_distance(ordered))
    assert np.all(values >= 1.0)
    assert np.all(np.diff(values) >= -1e-12)


def test_samples_step_ten_minutes_from_each_interval_start_while_before_its_end() -> None:
    start = datetime(2030, 11, 10, 19, 8, 12, 945295, tzinfo=UTC).timestamp()
    samples = sample_times([(start, start + 1200), (start + 3000, start + 3001)])
    assert samples == [start, start + 600, start + 3000]
    assert portal_minute(samples[0]) == "2030-11-10T19:08"


#: Disjoint intervals in whole microseconds: (gap before, length) pairs laid end to end.
INTERVALS_MICROSECONDS = st.lists(
    st.tuples(st.integers(1, 10**11), st.integers(1, 10**11)), max_size=6
).map(
    lambda pieces: [
        (
            1_900_000_000_000_000 + sum(g + n for g, n in pieces[:i]) + gap,
            1_900_000_000_000_000 + sum(g + n for g, n in pieces[:i]) + gap + length,
        )
        for i, (gap, length) in enumerate(pieces)
    ]
)
STEP_MICROSECONDS = 600_000_000


@settings(max_examples=200)
@given(INTERVALS_MICROSECONDS)
def test_every_sample_lies_in_its_interval_on_its_ten_minute_grid(
    microseconds: list[tuple[int, int]],
) -> None:
    intervals = [(start / 1e6, end / 1e6) for start, end in microseconds]
    samples = [round(sample * 1e6) for sample in sample_times(intervals)]
    expected = [
        start + k * STEP_MICROSECONDS
        for start, end in microseconds
        for k in range(-(-(end - start) // STEP_MICROSECONDS))
    ]
    assert samples == expected
