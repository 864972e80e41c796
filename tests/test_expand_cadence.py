"""``POST /api/requestgroups/cadence/``: the portal's expansion, refusals and answer shape.

The vectors come from the real portal 4.18.10 called with now = 2030-11-01 on
the bundled catalogue (a 1m0 Sinistro request for M31, 167 s long); window
times must be the portal's exactly.
"""

from __future__ import annotations

import copy
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lco_validate.catalogue.snapshot import load_catalogue
from lco_validate.checking.policy import Settings
from lco_validate.documents.times import parse_portal_datetime
from lco_validate.expand.cadence import (
    ENDS_BY_NOW,
    MOST_DROPPED_KEPT,
    CadenceExpansion,
    cadence,
    expand_cadence,
)
from lco_validate.model.normalize import normalized_request
from lco_validate.server.cadence import answer_text
from lco_validate.visibility.observability import request_visibility

from .portal_documents import configuration

CONFIGURATION = configuration()  # this module's own copy: tests change it

NOW = datetime(2030, 11, 1, tzinfo=UTC)
CATALOGUE = load_catalogue()
SETTINGS = Settings(catalogue=CATALOGUE, now=NOW)
DURATION = 167

TWO_DAYS = {"start": "2030-11-10T00:00:00Z", "end": "2030-11-12T00:00:00Z"}


def cadence_block(
    period: float, jitter: float, *, start: str = TWO_DAYS["start"], end: str = TWO_DAYS["end"]
) -> dict[str, Any]:
    """A request's ``cadence``, in the order the portal's documents write its members."""
    return {"start": start, "end": end, "period": period, "jitter": jitter}


def group(block: object = None, **changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "location": {"telescope_class": "1m0"},
        "configurations": [copy.deepcopy(CONFIGURATION)],
    }
    if block is not None:
        request["cadence"] = copy.deepcopy(block)
    document: dict[str, Any] = {
        "name": "cadence",
        "proposal": "ANY-PROPOSAL",
        "ipp_value": 1.05,
        "operator": "SINGLE",
        "observation_type": "NORMAL",
        "requests": [request],
    }
    document.update(copy.deepcopy(changes))
    return document


def expanded(document: object, at: Settings = SETTINGS) -> CadenceExpansion:
    return expand_cadence(document, at)


def windows_of(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (window["start"], window["end"])
        for request in body["requests"]
        for window in request["windows"]
    ]


def day(text: str) -> str:
    return f"2030-11-{text}Z"


# -- the portal's vectors -------------------------------------------------------------------------


def test_a_six_hour_period_with_two_hours_of_jitter_keeps_the_night_windows() -> None:
    status, body = cadence(group(cadence_block(6, 2)), SETTINGS)
    assert status == 200
    assert body["operator"] == "MANY"
    assert windows_of(body) == [
        (day("10T00:00:00"), day("10T01:00:00")),
        (day("10T05:00:00"), day("10T07:00:00")),
        (day("10T23:00:00"), day("11T01:00:00")),
        (day("11T05:00:00"), day("11T07:00:00")),
    ]
    assert body["operator"] == "MANY"
    assert list(body) == [
        "name",
        "proposal",
        "ipp_value",
        "operator",
        "observation_type",
        "requests",
    ]


def test_a_jitter_longer_than_the_period_gives_overlapping_windows() -> None:
    status, body = cadence(group(cadence_block(6, 12)), SETTINGS)
    assert status == 200
    assert windows_of(body) == [
        (day("10T00:00:00"), day("10T06:00:00")),
        (day("10T00:00:00"), day("10T12:00:00")),
        (day("10T06:00:00"), day("10T18:00:00")),
        (day("10T12:00:00"), day("11T00:00:00")),
        (day("10T18:00:00"), day("11T06:00:00")),
        (day("11T00:00:00"), day("11T12:00:00")),
        (day("11T06:00:00"), day("11T18:00:00")),
        (day("11T12:00:00"), day("12T00:00:00")),
    ]


def test_times_carry_the_microseconds_of_pythons_timedelta_arithmetic() -> None:
    block = cadence_block(
        0.0333, 0.05, start="2030-11-10T00:00:00.123Z", end="2030-11-11T00:00:00Z"
    )
    expansion = expanded(group(block))
    assert expansion.status == 200
    assert len(expansion.body["requests"]) == 413
    assert windows_of(expansion.body)[:2] == [
        (day("10T00:00:30.003000"), day("10T00:03:30.003000")),
        (day("10T00:02:29.883000"), day("10T00:05:29.883000")),
    ]
    first = expansion.windows[0]  # clipped at the start: 90 s, shorter than the request
    assert not first.kept and first.end - first.start == timedelta(seconds=90)
    assert len(expansion.windows) == math.ceil(
        timedelta(seconds=86399.877) / timedelta(seconds=119.88)
    )


def test_times_with_a_zone_are_read_in_utc_and_naive_ones_as_utc() -> None:
    block = cadence_block(8, 1, start="2030-11-10T00:00:00+02:00", end="2030-11-11T00:00:00")
    status, body = cadence(group(block), SETTINGS)
    assert status == 200
    assert windows_of(body) == [
        (day("09T22:00:00"), day("09T22:30:00")),
        (day("10T05:30:00"), day("10T06:30:00")),
        (day("10T21:30:00"), day("10T22:30:00")),
    ]


def test_no_observable_window_is_the_portals_errors_string() -> None:
    document = group(cadence_block(6, 2))
    configuration = document["requests"][0]["configurations"][0]
    configuration["target"]["dec"] = 89
    configuration["constraints"]["max_airmass"] = 1.6
    expansion = expanded(document)
    assert expansion.status == 400
    assert list(expansion.body) == ["errors"]
    assert isinstance(expansion.body["errors"], str)
    assert expansion.body["errors"].startswith("S305 ")
    assert len(expansion.dropped) == 8 and expansion.duration == DURATION
    assert all("observable for" in window.reason for window in expansion.dropped)


# -- the answer's shape ---------------------------------------------------------------------------


def test_the_top_level_comes_back_as_sent_and_each_request_as_validated() -> None:
    document = group(cadence_block(6, 2), ipp_value="1.05", extra="kept")
    document["requests"][0]["unknown"] = "dropped"
    status, body = cadence(document, SETTINGS)
    assert status == 200
    assert body["ipp_value"] == "1.05" and body["extra"] == "kept"
    request = body["requests"][0]
    assert "cadence" not in request and "unknown" not in request
    assert request["acceptability_threshold"] == 90.0
    configuration = request["configurations"][0]
    assert configuration["priority"] == 1
    assert configuration["constraints"] == {
        "max_airmass": 2.0,
        "min_lunar_distance": 30.0,
        "max_lunar_phase": 1.0,
    }
    assert configuration["acquisition_config"] == {"mode": "OFF"}
    assert configuration["instrument_configs"][0]["extra_params"] == {"bin_x": 1, "bin_y": 1}
    for member in (
        "configuration_repeats",
        "optimization_type",
        "observation_note",
        "extra_params",
    ):
        assert member not in request  # stored defaults, not validated data


def test_one_window_kept_leaves_the_operator_as_sent() -> None:
    block = cadence_block(24, 2, start="2030-11-10T00:00:00Z", end="2030-11-10T12:00:00Z")
    status, body = cadence(group(block), SETTINGS)
    assert status == 200
    assert body["operator"] == "SINGLE" and len(body["requests"]) == 1


def test_a_fill_window_configuration_keeps_fill_window_and_its_repeat_duration() -> None:
    document = group(cadence_block(6, 2))
    configuration = document["requests"][0]["configurations"][0]
    configuration.update(type="REPEAT_EXPOSE", repeat_duration=600, fill_window=True)
    status, body = cadence(document, SETTINGS)
    assert status == 200, body
    kept = body["requests"][0]["configurations"][0]
    assert kept["fill_window"] is True and kept["repeat_duration"] == 600.0


def test_an_empty_windows_list_is_accepted() -> None:
    document = group(cadence_block(6, 2))
    document["requests"][0]["windows"] = []
    status, body = cadence(document, SETTINGS)
    assert status == 200 and len(body["requests"]) == 4


def test_the_server_reads_the_body_as_text() -> None:
    text = json.dumps(group(cadence_block(6, 2))).encode()
    status, body = answer_text(text, SETTINGS)
    assert status == 200 and len(body["requests"]) == 4
    status, body = answer_text(b"{", SETTINGS)
    assert status == 400 and body["detail"].startswith("JSON parse error - ")


# -- refusals, each at the portal's place ---------------------------------------------------------


def refusal(document: object, at: Settings = SETTINGS) -> dict[str, Any]:
    status, body = cadence(document, at)
    assert status == 400, body
    return body


def cadence_errors(body: dict[str, Any]) -> dict[str, Any]:
    assert list(body) == ["requests"]
    assert list(body["requests"][0]) == ["cadence"]
    return body["requests"][0]["cadence"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("member", ["period", "jitter"])
def test_a_period_or_jitter_under_0_02_hours_is_refused_at_its_field(member: str) -> None:
    block = cadence_block(6, 2) | {member: 0.0199}
    errors = cadence_errors(refusal(group(block)))
    assert list(errors) == [member] and errors[member][0].startswith("S003 ")


def test_a_period_and_jitter_of_exactly_0_02_hours_pass() -> None:
    block = cadence_block(0.02, 0.02, start="2030-11-10T00:00:00Z", end="2030-11-10T03:00:00Z")
    expansion = expanded(group(block))
    assert expansion.status == 400  # 72 s windows cannot hold 167 s: refused later, not here
    assert list(expansion.body) == ["errors"]
    assert len(expansion.windows) == 150


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2030-11-12T00:00:00Z", "2030-11-10T00:00:00Z"),
        ("2030-11-10T00:00:00Z", "2030-11-10T00:00:00Z"),
    ],
)
def test_an_end_not_after_the_start_is_refused_on_the_cadence(start: str, end: str) -> None:
    errors = cadence_errors(refusal(group(cadence_block(6, 2, start=start, end=end))))
    assert list(errors) == ["non_field_errors"]
    assert errors["non_field_errors"][0].startswith("S303 ")


def test_an_end_before_now_is_refused_at_the_end_and_a_start_before_now_is_not() -> None:
    block = cadence_block(6, 2, start="2030-10-01T00:00:00Z", end="2030-10-12T00:00:00Z")
    errors = cadence_errors(refusal(group(block)))
    assert list(errors) == ["end"] and errors["end"][0].startswith("S302 ")
    started = cadence_block(24, 4, start="2030-10-25T00:00:00Z", end="2030-11-03T00:00:00Z")
    expansion = expanded(group(started))
    assert expansion.status == 200
    ended = [window for window in expansion.windows if window.reason == ENDS_BY_NOW]
    assert [window.end for window in ended] == [
        datetime(2030, 10, day, 2, tzinfo=UTC) for day in range(25, 32)
    ]


def test_an_end_exactly_now_is_not_refused() -> None:
    block = cadence_block(6, 2, start="2030-10-30T00:00:00Z", end="2030-11-01T00:00:00Z")
    body = refusal(group(block))
    assert list(body) == ["errors"]  # accepted, then no window ends after now


def test_windows_given_are_refused_at_windows() -> None:
    document = group(cadence_block(6, 2))
    document["requests"][0]["windows"] = [TWO_DAYS]
    body = refusal(document)
    assert list(body["requests"][0]) == ["windows"]
    assert body["requests"][0]["windows"][0].startswith("S301 ")


@pytest.mark.parametrize("block", [None, "missing"])
def test_a_request_without_cadence_is_refused_at_cadence(block: object) -> None:
    document = group(cadence_block(6, 2))
    if block == "missing":
        del document["requests"][0]["cadence"]
    else:
        document["requests"][0]["cadence"] = block
    body = refusal(document)
    assert list(body["requests"][0]) == ["cadence"]
    assert json.dumps(body["requests"][0]["cadence"])[:6] in {'["S002', '["S001'}


def test_more_than_one_request_is_refused_on_the_group() -> None:
    document = group(cadence_block(6, 2))
    document["requests"].append(copy.deepcopy(document["requests"][0]))
    body = refusal(document)
    assert list(body) == ["non_field_errors"] and body["non_field_errors"][0].startswith("S304 ")


def test_more_than_one_request_is_not_said_while_a_field_is_wrong() -> None:
    document = group(cadence_block(6, 2), name="")
    document["requests"].append(copy.deepcopy(document["requests"][0]))
    body = refusal(document)
    assert "non_field_errors" not in body and "name" in body


def test_no_requests_and_not_an_object_are_refused() -> None:
    body = refusal(group(requests=[]))
    assert list(body) == ["requests"]
    body = refusal([group(cadence_block(6, 2))])
    assert list(body) == ["non_field_errors"] and body["non_field_errors"][0].startswith("J013 ")


def test_the_group_rules_wait_for_the_expanded_group() -> None:
    """ipp_value's range and the operator's count are checked on the answer, not before."""
    body = refusal(group(cadence_block(6, 2), ipp_value=5))
    assert list(body) == ["ipp_value"] and body["ipp_value"][0].startswith("R080 ")
    one_window = cadence_block(24, 2, start="2030-11-10T00:00:00Z", end="2030-11-10T12:00:00Z")
    body = refusal(group(one_window, operator="MANY"))
    assert list(body) == ["operator"] and body["operator"][0].startswith("R081 ")


def test_an_expanded_window_outside_every_semester_refuses_the_answer_at_that_request() -> None:
    block = cadence_block(12, 4, start="2030-07-30T00:00:00Z", end="2030-08-02T00:00:00Z")
    at = Settings(catalogue=CATALOGUE, now=datetime(2030, 7, 1, tzinfo=UTC))
    expansion = expanded(group(block), at)
    assert expansion.status == 400
    places = [index for index, errors in enumerate(expansion.body["requests"]) if errors]
    assert places and all("windows" in expansion.body["requests"][index] for index in places)
    assert len(expansion.body["requests"]) == len([w for w in expansion.windows if w.kept])


# -- what the portal fails on, and what would not fit in memory ------------------------------------


def test_a_period_and_jitter_beyond_any_timedelta_give_the_whole_cadence_as_one_window() -> None:
    """The portal's ``timedelta(hours=1e308)`` overflows (a 500); one window is what it means."""
    status, body = cadence(group(cadence_block(1e308, 1e308)), SETTINGS)
    assert status == 200
    assert windows_of(body) == [(day("10T00:00:00"), day("12T00:00:00"))]


def test_a_cadence_at_the_end_of_the_calendar_is_refused_not_crashed() -> None:
    block = cadence_block(6, 12, start="9999-12-31T00:00:00Z", end="9999-12-31T23:59:59Z")
    expansion = expanded(group(block))
    assert expansion.status == 400
    assert expansion.candidates == 4
    assert expansion.windows[-1].end == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_millions_of_windows_are_counted_but_only_the_first_dropped_ones_kept() -> None:
    block = cadence_block(0.02, 0.02, start="2030-11-10T00:00:00Z", end="2030-12-10T00:00:00Z")
    expansion = expanded(group(block))
    assert expansion.candidates == expansion.dropped_count == 36_000
    assert len(expansion.windows) == MOST_DROPPED_KEPT
    assert expansion.dropped_not_listed == 36_000 - MOST_DROPPED_KEPT
    assert "36,000 windows" in expansion.body["errors"]


# -- properties -----------------------------------------------------------------------------------

BASE = datetime(2030, 11, 10, tzinfo=UTC)


@st.composite
def cadences(draw: st.DrawFn) -> dict[str, Any]:
    """Cadences over at most three days, with periods from 1 h and jitters from 0.02 h."""
    start = BASE + timedelta(
        minutes=draw(st.integers(0, 24 * 60)), microseconds=draw(st.integers(0, 999_999))
    )
    span = timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))
    period = draw(st.floats(1.0, 30.0, allow_nan=False))
    jitter = draw(
        st.one_of(st.floats(0.02, 40.0, allow_nan=False), st.sampled_from([0.02, period]))
    )
    return cadence_block(
        period,
        jitter,
        start=start.isoformat().replace("+00:00", "Z"),
        end=(start + span).isoformat().replace("+00:00", "Z"),
    )


def moment(text: str) -> datetime:
    parsed = parse_portal_datetime(text)
    assert parsed is not None
    return parsed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cadences())
def test_every_window_lies_in_the_cadence_centred_on_the_periods_grid(
    block: dict[str, Any],
) -> None:
    expansion = expanded(group(block))
    start, end = moment(block["start"]), moment(block["end"])
    step = timedelta(hours=block["period"])
    half = timedelta(hours=block["jitter"] / 2)
    assert len(expansion.windows) == math.ceil((end - start) / step)
    for index, window in enumerate(expansion.windows):
        centre = start + index * step
        assert window.start == max(centre - half, start)
        assert window.end == min(centre + half, end)
        assert start <= window.start < window.end <= end
    if expansion.status == 200:
        kept = [(moment(a), moment(b)) for a, b in windows_of(expansion.body)]
        assert kept == [(w.start, w.end) for w in expansion.windows if w.kept]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cadences(), st.sampled_from(["tfn", "lsc", "coj", None]), st.floats(-60, 70))
def test_a_window_is_kept_exactly_when_the_target_is_observable_longer_than_the_request(
    block: dict[str, Any], site: str | None, declination: float
) -> None:
    document = group(block)
    request = document["requests"][0]
    request["configurations"][0]["target"]["dec"] = declination
    if site:
        request["location"]["site"] = site
    expansion = expanded(document)
    normalized = normalized_request(request, CATALOGUE, submission=True)
    for window in expansion.windows:
        alone = {
            **normalized,
            "windows": [{"start": window.start.isoformat(), "end": window.end.isoformat()}],
        }
        largest = request_visibility(alone, CATALOGUE, None).largest
        observable = largest > DURATION and window.end > NOW
        assert expansion.duration in {None, DURATION}
        assert window.kept == observable, (window, largest)
