"""The sandbox (``server/sandbox.py``) and the list machinery (``server/listing.py``).

The expected bodies were recorded from the real portal 4.18.10 (in process, the
oracle's settings and catalogue, now = 2030-11-01T00:00:00Z); only the ids differ,
since the portal's database had served earlier tests.
"""

from __future__ import annotations

import copy
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lco_validate.catalogue.snapshot import load_catalogue
from lco_validate.checking.policy import Settings
from lco_validate.server.listing import anonymous_limit_refusal, filter_moment
from lco_validate.server.sandbox import Sandbox, configuration_form, jsonb
from lco_validate.server.validate import answer

from .portal_documents import configuration, orbital_target

CONFIGURATION = configuration()  # this module's own copy: tests change it

JSON = dict[str, Any]
CATALOGUE = load_catalogue()
NOW = datetime(2030, 11, 1, tzinfo=UTC)
BASE = "http://127.0.0.1:8000"
USER = "lco-validate"

REQUEST: JSON = {
    "location": {"telescope_class": "1m0"},
    "windows": [{"start": "2030-11-10T00:00:00Z", "end": "2030-11-12T00:00:00Z"}],
    "configurations": [CONFIGURATION],
}
GROUP: JSON = {
    "name": "t",
    "proposal": "ORACLE-PROP",
    "ipp_value": 1.05,
    "operator": "SINGLE",
    "observation_type": "NORMAL",
    "requests": [REQUEST],
}


def group(**changes: Any) -> JSON:
    made = copy.deepcopy(GROUP)
    made.update(changes)
    return made


def validated(document: JSON, now: datetime = NOW) -> tuple[int, JSON]:
    return 200, answer(document, Settings(catalogue=CATALOGUE, now=now))


def timed(document: JSON, duration: int = 167) -> tuple[int, JSON]:
    """A valid validate answer, made up: the sandbox takes the answer it is given."""
    requests = [{"duration": duration, "largest_interval": 0.0} for _ in document["requests"]]
    return 200, {"request_durations": {"requests": requests}, "errors": {}}


def submit(sandbox: Sandbox, document: JSON, now: datetime = NOW) -> JSON:
    status, body = sandbox.create(document, timed(document), now=now, submitter=USER)
    assert status == 201, body
    created: JSON = body
    return created


# -- create ---------------------------------------------------------------------------------------

#: The portal's 201 body for GROUP with instrument-config extra_params {"defocus": "0.5",
#: "flag": "True"}: converted, and in jsonb key order.
CREATED = {
    "id": 1,
    "requests": [
        {
            "id": 1,
            "location": {"telescope_class": "1m0"},
            "configurations": [
                {
                    "id": 1,
                    "constraints": {
                        "max_airmass": 2.0,
                        "min_lunar_distance": 30.0,
                        "max_lunar_phase": 1.0,
                        "max_seeing": None,
                        "min_transparency": None,
                        "extra_params": {},
                    },
                    "instrument_configs": [
                        {
                            "optical_elements": {"filter": "V"},
                            "mode": "full_frame",
                            "exposure_time": 30.0,
                            "exposure_count": 1,
                            "rotator_mode": "",
                            "extra_params": {"flag": True, "bin_x": 1, "bin_y": 1, "defocus": 0.5},
                        }
                    ],
                    "acquisition_config": {
                        "mode": "OFF",
                        "exposure_time": None,
                        "extra_params": {},
                    },
                    "guiding_config": {
                        "optional": True,
                        "mode": "ON",
                        "optical_elements": {},
                        "exposure_time": None,
                        "extra_params": {},
                    },
                    "target": {
                        "type": "ICRS",
                        "name": "M31",
                        "ra": 10.68,
                        "dec": 41.27,
                        "proper_motion_ra": 0.0,
                        "proper_motion_dec": 0.0,
                        "parallax": 0.0,
                        "epoch": 2000.0,
                        "extra_params": {},
                    },
                    "instrument_type": "1M0-SCICAM-SINISTRO",
                    "type": "EXPOSE",
                    "extra_params": {},
                    "priority": 1,
                }
            ],
            "windows": [{"start": "2030-11-10T00:00:00Z", "end": "2030-11-12T00:00:00Z"}],
            "duration": 167,
            "observation_note": "",
            "optimization_type": "TIME",
            "state": "PENDING",
            "suspend_until": None,
            "modified": "2030-11-01T00:00:00Z",
            "created": "2030-11-01T00:00:00Z",
            "acceptability_threshold": 90.0,
            "configuration_repeats": 1,
            "extra_params": {},
        }
    ],
    "submitter": "oracle-user",
    "name": "t",
    "observation_type": "NORMAL",
    "operator": "SINGLE",
    "ipp_value": 1.05,
    "created": "2030-11-01T00:00:00Z",
    "state": "PENDING",
    "modified": "2030-11-01T00:00:00Z",
    "proposal": "ORACLE-PROP",
}


def with_extra_params() -> JSON:
    document = group()
    instrument_config = document["requests"][0]["configurations"][0]["instrument_configs"][0]
    instrument_config["extra_params"] = {"defocus": "0.5", "flag": "True"}
    return document


def test_a_valid_group_is_stored_and_answered_201_as_the_portal_answers() -> None:
    document = with_extra_params()
    status, body = Sandbox(CATALOGUE).create(
        document, validated(document), now=NOW, submitter="oracle-user"
    )
    assert status == 201
    assert body == CREATED
    assert list(body) == list(CREATED)  # the portal's member order, down to jsonb's
    params = body["requests"][0]["configurations"][0]["instrument_configs"][0]["extra_params"]
    assert list(params) == ["flag", "bin_x", "bin_y", "defocus"]


def test_extra_params_written_as_nan_or_inf_are_stored_as_the_text_given() -> None:
    # The portal converts them to floats that PostgreSQL's jsonb refuses, and answers 500;
    # here they stay text (README, "Where the portal and this tool differ").
    document = group()
    configuration = document["requests"][0]["configurations"][0]
    configuration["extra_params"] = {"a": "nan", "b": "inf", "c": "-Infinity", "d": "2.0"}
    status, body = Sandbox(CATALOGUE).create(
        document, validated(document), now=NOW, submitter="oracle-user"
    )
    assert status == 201
    stored = body["requests"][0]["configurations"][0]["extra_params"]
    assert stored == {"a": "nan", "b": "inf", "c": "-Infinity", "d": 2}


def test_an_orbital_repeat_request_with_a_full_location_is_stored_as_the_portal_stores_it() -> None:
    document = group()
    request = document["requests"][0]
    request["location"] = {
        "telescope_class": "1m0",
        "site": "tfn",
        "enclosure": "doma",
        "telescope": "1m0a",
    }
    request["windows"] = [{"start": "2030-11-10T00:00:00Z", "end": "2030-11-30T00:00:00Z"}]
    configuration = request["configurations"][0]
    configuration.update(type="REPEAT_EXPOSE", repeat_duration=600)
    configuration["acquisition_config"] = {"exposure_time": 5}
    configuration["guiding_config"] = {"exposure_time": 10, "optional": False}
    configuration["target"] = orbital_target("ast") | {
        "dailymot": 0.25,
        "extra_params": {"v": "1"},
    }
    sandbox = Sandbox(CATALOGUE)
    status, body = sandbox.create(document, validated(document), now=NOW, submitter=USER)
    assert status == 201
    [created] = body["requests"]
    assert created["location"] == {
        "site": "tfn",
        "enclosure": "doma",
        "telescope": "1m0a",
        "telescope_class": "1m0",
    }
    assert list(created["location"]) == ["site", "enclosure", "telescope", "telescope_class"]
    assert created["duration"] == 692
    [stored] = created["configurations"]
    orbit = {
        "type": "ORBITAL_ELEMENTS",
        "name": "ast",
        "epochofel": 62800.0,
        "orbinc": 10.0,
        "longascnode": 10.0,
        "eccentricity": 0.1,
        "scheme": "MPC_MINOR_PLANET",
        "argofperih": 10.0,
        "meandist": 2.5,
        "meananom": 10.0,
        "extra_params": {"v": 1},
    }
    assert stored["target"] == orbit  # dailymot is stored but not one of the scheme's fields
    assert stored["repeat_duration"] == 600.0
    assert stored["acquisition_config"] == {"mode": "OFF", "exposure_time": 5.0, "extra_params": {}}
    assert stored["guiding_config"]["optional"] is False
    listed = sandbox.list_groups({}, base_url=BASE, user=USER)[1]["results"][0]["requests"][0]
    assert list(listed) == [
        "id",
        "observation_note",
        "optimization_type",
        "state",
        "suspend_until",
        "acceptability_threshold",
        "configuration_repeats",
        "extra_params",
        "modified",
        "duration",
        "configurations",
        "location",
        "windows",
    ]
    assert list(listed["location"]) == ["telescope_class", "site", "enclosure", "telescope"]
    [configuration] = listed["configurations"]
    assert configuration["acquisition_config"] == {
        "mode": "OFF",
        "exposure_time": 5.0,
        "extra_params": {},
    }
    assert configuration["constraints"] == {
        "max_airmass": 2.0,
        "min_lunar_distance": 30.0,
        "max_lunar_phase": 1.0,
        "extra_params": {},
    }
    assert configuration["target"] == orbit
    assert configuration["instrument_configs"][0]["rois"] == []


def test_what_the_portal_fills_in_and_converts_is_stored() -> None:
    document = group(name=123)
    request = document["requests"][0]
    request["windows"] = [{"end": "2030-11-12T00:00:00.123456Z"}]
    request.update(
        extra_params={"zeta": "1", "a": 2},
        observation_note=5,
        suspend_until="2030-11-05T00:00:00Z",
    )
    at = NOW + timedelta(microseconds=250_000)
    status, body = Sandbox(CATALOGUE).create(
        document, validated(document, at), now=at, submitter=USER
    )
    assert status == 201
    [stored] = body["requests"]
    assert stored["windows"] == [
        {"start": "2030-11-01T00:00:00.250000Z", "end": "2030-11-12T00:00:00.123456Z"}
    ]
    assert body["name"] == "123"
    assert stored["observation_note"] == "5"
    assert list(stored["extra_params"].items()) == [("a", 2), ("zeta", "1")]  # as given, jsonb
    assert stored["suspend_until"] == "2030-11-05T00:00:00Z"
    assert body["created"] == body["modified"] == stored["created"] == stored["modified"]
    assert body["created"] == "2030-11-01T00:00:00.250000Z"


def test_a_fill_window_request_stores_its_stretched_repeat_duration() -> None:
    document = group()
    request = document["requests"][0]
    request["windows"] = [{"start": "2030-11-10T00:00:00Z", "end": "2030-11-10T06:00:00Z"}]
    request["configurations"][0].update(type="REPEAT_EXPOSE", repeat_duration=300, fill_window=True)
    validation = validated(document)
    timing = validation[1]["request_durations"]["requests"][0]
    status, body = Sandbox(CATALOGUE).create(document, validation, now=NOW, submitter=USER)
    assert status == 201
    [configuration] = body["requests"][0]["configurations"]
    assert "fill_window" not in configuration
    # The portal: largest - duration + repeat_duration - 1 (it said 18143.047745 s, its
    # visibility 0.7 s longer than ours here), in whole microseconds.
    stretched = configuration["repeat_duration"]
    assert stretched == pytest.approx(18143.05, abs=1.0)
    assert stretched == round(stretched, 6)
    assert body["requests"][0]["duration"] == timing["duration"]
    assert timing["duration"] <= timing["largest_interval"] < timing["duration"] + 1


def test_an_invalid_group_is_answered_400_with_the_errors_alone_and_not_stored() -> None:
    document = group()
    document["requests"][0]["configurations"][0]["instrument_configs"][0]["optical_elements"] = {
        "filter": "zzz"
    }
    sandbox = Sandbox(CATALOGUE)
    validation = validated(document)
    status, body = sandbox.create(document, validation, now=NOW, submitter=USER)
    assert status == 400
    assert body == validation[1]["errors"]
    instrument_config = body["requests"][0]["configurations"][0]["instrument_configs"][0]
    [message] = instrument_config["optical_elements"]["filter"]
    assert message.startswith("R016 ")
    assert sandbox.list_groups({}, base_url=BASE, user=USER)[1]["count"] == 0


def test_an_unreadable_body_gets_the_validate_answer_and_an_anonymous_caller_403() -> None:
    sandbox = Sandbox(CATALOGUE)
    unreadable = (400, {"detail": "JSON parse error - Expecting value"})
    assert sandbox.create(None, unreadable, now=NOW, submitter=USER) == unreadable
    anonymous = sandbox.create(GROUP, timed(GROUP), now=NOW, submitter=None)
    assert anonymous == (403, {"detail": "Authentication credentials were not provided."})
    assert sandbox.list_groups({}, base_url=BASE, user=USER)[1]["count"] == 0


def test_groups_requests_and_configurations_count_their_own_ids() -> None:
    sandbox = Sandbox(CATALOGUE)
    second = copy.deepcopy(REQUEST)
    second["configurations"] = [CONFIGURATION, CONFIGURATION]
    many = submit(sandbox, group(operator="MANY", requests=[REQUEST, second]))
    assert many["id"] == 1
    assert [r["id"] for r in many["requests"]] == [1, 2]
    assert [[c["id"] for c in r["configurations"]] for r in many["requests"]] == [[1], [2, 3]]
    assert [c["priority"] for c in many["requests"][1]["configurations"]] == [1, 2]
    single = submit(sandbox, group())
    assert (single["id"], single["requests"][0]["id"]) == (2, 3)
    assert single["requests"][0]["configurations"][0]["id"] == 4


def test_read_only_members_of_the_input_are_ignored() -> None:
    document = group(id=77, state="COMPLETED", created="2000-01-01T00:00:00Z", submitter="x")
    document["requests"][0].update(id=5, state="COMPLETED", duration=1)
    body = submit(Sandbox(CATALOGUE), document)
    assert (body["id"], body["state"], body["created"], body["submitter"]) == (
        1,
        "PENDING",
        "2030-11-01T00:00:00Z",
        USER,
    )
    [request] = body["requests"]
    assert (request["id"], request["state"], request["duration"]) == (1, "PENDING", 167)


def test_ids_stay_unique_when_threads_submit_at_once() -> None:
    sandbox = Sandbox(CATALOGUE)
    ids: list[int] = []

    def work() -> None:
        for _ in range(20):
            ids.append(submit(sandbox, group())["id"])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(ids) == list(range(1, 81))
    assert sandbox.list_groups({"limit": ["100"]}, base_url=BASE, user=USER)[1]["count"] == 80


def test_the_serializer_form_shows_regions_of_interest_first_and_only_when_there_are_some() -> None:
    # No instrument of the catalogue offers regions of interest: a stored record stands in.
    sandbox = Sandbox(CATALOGUE)
    submit(sandbox, group())
    record = copy.deepcopy(sandbox._requests[1].configurations[0])
    record["instrument_configs"][0]["rois"] = [{"x1": 0, "x2": 9, "y1": 0, "y2": 9}]
    [shown] = configuration_form(record)["instrument_configs"]
    assert list(shown) == ["rois", *[k for k in shown if k != "rois"]]
    assert shown["rois"] == [{"x1": 0, "x2": 9, "y1": 0, "y2": 9}]
    record["instrument_configs"][0]["rois"] = []
    assert "rois" not in configuration_form(record)["instrument_configs"][0]


def test_jsonb_orders_keys_by_length_then_bytes_at_every_depth() -> None:
    ordered = jsonb({"defocus": 1, "bin_y": {"zz": 1, "a": 2}, "bin_x": [{"bb": 1, "c": 0}]})
    assert list(ordered) == ["bin_x", "bin_y", "defocus"]
    assert list(ordered["bin_y"]) == ["a", "zz"]
    assert list(ordered["bin_x"][0]) == ["c", "bb"]


# -- detail, cancel -------------------------------------------------------------------------------


def test_a_stored_group_and_its_request_read_back_in_the_serializer_form() -> None:
    sandbox = Sandbox(CATALOGUE)
    created = submit(sandbox, group())
    assert sandbox.group(created["id"], user=USER) == (200, created)
    assert sandbox.group(str(created["id"]), user=USER) == (200, created)
    request_id = created["requests"][0]["id"]
    assert sandbox.request(request_id, user=USER) == (200, created["requests"][0])
    assert sandbox.request_observations(request_id, user=USER) == (200, [])
    status, stored = sandbox.stored_request(request_id, user=USER)
    assert status == 200
    assert stored["windows"] == created["requests"][0]["windows"]
    assert "created" not in stored  # the as_dict form


def test_unknown_ids_get_the_portals_404_bodies() -> None:
    sandbox = Sandbox(CATALOGUE)
    submit(sandbox, group())
    missing_group = (404, {"detail": "No RequestGroup matches the given query."})
    missing_request = (404, {"detail": "No Request matches the given query."})
    assert sandbox.group(999, user=USER) == missing_group
    assert sandbox.group("-1", user=USER) == missing_group
    assert sandbox.cancel(999, now=NOW, user=USER) == missing_group
    assert sandbox.request(999, user=USER) == missing_request
    assert sandbox.request_observations(999, user=USER) == missing_request
    assert sandbox.stored_request(999, user=USER) == missing_request
    assert sandbox.group("abc", user=USER) == (404, {"detail": "Not found."})
    assert sandbox.request("abc", user=USER) == (404, {"detail": "Not found."})


def test_an_anonymous_caller_sees_no_group_and_may_not_cancel() -> None:
    sandbox = Sandbox(CATALOGUE)
    created = submit(sandbox, group())
    request_id = created["requests"][0]["id"]
    assert sandbox.group(created["id"], user=None)[0] == 404
    assert sandbox.request(request_id, user=None)[0] == 404
    assert sandbox.request_observations(request_id, user=None)[0] == 404
    assert sandbox.stored_request(request_id, user=None)[0] == 404
    listed = sandbox.list_groups({}, base_url=BASE, user=None)
    assert listed == (200, {"count": 0, "next": None, "previous": None, "results": []})
    assert sandbox.list_requests({}, base_url=BASE, user=None)[1]["count"] == 0
    refused = (403, {"detail": "Authentication credentials were not provided."})
    assert sandbox.cancel(created["id"], now=NOW, user=None) == refused
    assert sandbox.cancel(999, now=NOW, user=None) == refused
    assert sandbox.group(created["id"], user=USER)[1]["state"] == "PENDING"


def test_cancel_answers_the_group_canceled_with_its_requests_as_they_were() -> None:
    sandbox = Sandbox(CATALOGUE)
    second = copy.deepcopy(REQUEST)
    created = submit(sandbox, group(operator="MANY", requests=[REQUEST, second]))
    later = datetime(2030, 11, 2, tzinfo=UTC)
    status, body = sandbox.cancel(created["id"], now=later, user=USER)
    assert status == 200
    assert (body["state"], body["modified"], body["created"]) == (
        "CANCELED",
        "2030-11-02T00:00:00Z",
        "2030-11-01T00:00:00Z",
    )
    assert [(r["state"], r["modified"]) for r in body["requests"]] == [
        ("PENDING", "2030-11-01T00:00:00Z")
    ] * 2
    after = sandbox.group(created["id"], user=USER)[1]
    assert [(r["state"], r["modified"]) for r in after["requests"]] == [
        ("CANCELED", "2030-11-02T00:00:00Z")
    ] * 2
    assert sandbox.request(created["requests"][1]["id"], user=USER)[1]["state"] == "CANCELED"
    again = sandbox.cancel(created["id"], now=later + timedelta(hours=1), user=USER)
    assert again[0] == 200
    assert again[1]["modified"] == "2030-11-02T01:00:00Z"
    assert [r["modified"] for r in again[1]["requests"]] == ["2030-11-02T00:00:00Z"] * 2


# -- lists: filters -------------------------------------------------------------------------------


def three_groups(sandbox: Sandbox) -> list[JSON]:
    """As the portal was asked: beta, alpha, beta (TIME_CRITICAL), a day apart from 11-02."""
    made = []
    for day, (name, kind) in enumerate(
        [("beta", "NORMAL"), ("alpha", "NORMAL"), ("beta", "TIME_CRITICAL")], start=2
    ):
        at = datetime(2030, 11, day, 0, 0, 0, 500_000, tzinfo=UTC)
        made.append(submit(sandbox, group(name=name, observation_type=kind), now=at))
    return made


def listed(sandbox: Sandbox, query: str) -> tuple[int, JSON]:
    return sandbox.list_groups(parse_qs(query, keep_blank_values=True), base_url=BASE, user=USER)


def ids(sandbox: Sandbox, query: str) -> list[int]:
    status, body = listed(sandbox, query)
    assert status == 200, body
    return [item["id"] for item in body["results"]]


@pytest.fixture
def sandbox() -> Sandbox:
    made = Sandbox(CATALOGUE)
    three_groups(made)
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [3, 2, 1]),
        ("id=1", [1]),
        ("id=1.7", [1]),  # an integer column: the integer part
        ("id=%201", [1]),
        ("id=1e0", [1]),
        ("id=-1", []),
        ("id=", [3, 2, 1]),  # empty: no filter
        ("id=1&id=2", [2]),  # the last wins
        ("request_id=2", [2]),
        ("request_id=2.5", [2]),
        ("state=PENDING", [3, 2, 1]),
        ("state=CANCELED", []),
        ("state=CANCELED&state=PENDING", [3, 2, 1]),
        ("exclude_state=PENDING", []),
        ("exclude_state=CANCELED", [3, 2, 1]),
        ("proposal=ORACLE-PROP", [3, 2, 1]),
        ("proposal=oracle-prop", []),  # case matters
        ("proposal=ANY-OTHER", []),  # any code is accepted offline
        ("name=ALP", [2]),
        ("name=", [3, 2, 1]),
        ("user=VALIDATE", [3, 2, 1]),
        ("user=zz", []),
        ("submitter=1", [3, 2, 1]),
        ("observation_type=TIME_CRITICAL", [3]),
        ("observation_type=", [3, 2, 1]),
        ("operator=SINGLE", [3, 2, 1]),
        ("operator=MANY", []),
        ("ipp_value=1.050", [3, 2, 1]),
        ("ipp_value=1.5", []),
        ("created_after=2030-11-03T00:00:00.5Z", [3, 2]),
        ("created_after=2030-11-03%2000:00:00.5", [3, 2]),
        ("created_after=11/03/2030", [3, 2]),
        ("created_after=20301103T000001", [3]),
        ("created_after=2030-11-03T00:00:00%2B02:00", [3, 2]),
        ("created_after=2030-11-03T00:00:00-02:00", [3]),
        ("created_before=Nov%2003%202030", [1]),
        ("modified_after=2030-11-04", [3]),
        ("modified_before=2030-11-02T00:00:00.5Z", [1]),
        ("telescope_class=1m0&telescope_class=2m0", [3, 2, 1]),
        ("telescope_class=2m0", []),
        ("target=m3", [3, 2, 1]),
        ("target=m4", []),
        ("target=", [3, 2, 1]),
        ("unknown=1", [3, 2, 1]),
    ],
)
def test_each_filter_selects_as_the_portals(
    sandbox: Sandbox, query: str, expected: list[int]
) -> None:
    assert ids(sandbox, query) == expected


def test_a_filter_through_requests_sees_their_own_modification_time(sandbox: Sandbox) -> None:
    sandbox.cancel(1, now=datetime(2030, 11, 5, tzinfo=UTC), user=USER)
    assert ids(sandbox, "modified_after=2030-11-05") == [1]
    assert ids(sandbox, "state=CANCELED") == [1]
    assert ids(sandbox, "exclude_state=CANCELED") == [3, 2]
    assert ids(sandbox, "created_after=2030-11-05") == []  # created stays


def test_refused_filter_values_are_answered_400_in_the_portals_order(sandbox: Sandbox) -> None:
    status, errors = listed(
        sandbox,
        "id=abc&state=FOO&created_after=x&operator=Y&submitter=zz&order=foo&ipp_value=q"
        "&request_id=w&observation_type=Z&telescope_class=9m9&modified_before=x"
        "&exclude_state=Q&proposal=NOPE",
    )
    assert status == 400
    assert list(errors) == [
        "id",
        "submitter",
        "observation_type",
        "operator",
        "ipp_value",
        "exclude_state",
        "state",
        "created_after",
        "modified_before",
        "request_id",
        "telescope_class",
        "order",
    ]
    codes = {name: messages[0].split()[0] for name, messages in errors.items()}
    assert codes == {
        "id": "S001",
        "submitter": "S004",
        "observation_type": "S004",
        "operator": "S004",
        "ipp_value": "S001",
        "exclude_state": "S004",
        "state": "S004",
        "created_after": "S007",
        "modified_before": "S007",
        "request_id": "S001",
        "telescope_class": "S004",
        "order": "S004",
    }
    assert '"FOO"' in errors["state"][0]
    assert "PENDING" in errors["state"][0]


@pytest.mark.parametrize(
    ("query", "field", "value"),
    [
        ("state=", "state", '""'),  # a multiple choice refuses an empty value
        ("state=PENDING&state=", "state", '""'),
        ("state=PENDING&state=FOO&state=BAR", "state", '"FOO"'),  # the first wrong one
        ("telescope_class=", "telescope_class", '""'),
        ("id=NaN", "id", '"NaN"'),
        ("submitter=2", "submitter", '"2"'),
        ("state=pending", "state", '"pending"'),
        ("order=name,foo", "order", '"foo"'),
    ],
)
def test_a_refused_value_is_named_in_its_message(
    sandbox: Sandbox, query: str, field: str, value: str
) -> None:
    status, errors = listed(sandbox, query)
    assert status == 400
    assert list(errors) == [field]
    assert value in errors[field][0]


def test_requests_are_listed_with_their_own_filters_and_orderings(sandbox: Sandbox) -> None:
    sandbox.cancel(2, now=NOW, user=USER)

    def request_ids(query: str) -> list[int]:
        status, body = sandbox.list_requests(
            parse_qs(query, keep_blank_values=True), base_url=BASE, user=USER
        )
        assert status == 200, body
        return [item["id"] for item in body["results"]]

    assert request_ids("") == [3, 2, 1]
    assert request_ids("state=CANCELED") == [2]
    assert request_ids("state=CANCELED&state=PENDING") == [3, 1]  # one state: the last
    assert request_ids("telescope_class=1m0") == [3, 2, 1]
    assert request_ids("telescope_class=2m0") == []
    assert request_ids("ordering=-state") == [1, 3, 2]
    assert request_ids("ordering=name") == [3, 2, 1]  # not a field here: ignored
    refused = sandbox.list_requests({"state": ["FOO"]}, base_url=BASE, user=USER)
    assert refused[0] == 400
    assert list(refused[1]) == ["state"]
    first = sandbox.list_requests({}, base_url=BASE, user=USER)[1]["results"][0]
    assert "created" not in first
    assert first["duration"] == 167


# -- lists: order and pages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("order=name", [2, 1, 3]),  # ties in increasing id, as the portal's DISTINCT sort
        ("order=-name", [1, 3, 2]),
        ("order=name,-created", [2, 3, 1]),
        ("order=end", [1, 2, 3]),
        ("order=-end", [1, 2, 3]),
        ("order=", [3, 2, 1]),
        ("ordering=name", [2, 1, 3]),
        ("ordering=-name,-id", [3, 1, 2]),
        ("ordering=state,foo", [1, 2, 3]),  # foo ignored; all PENDING
        ("ordering=requests", [1, 2, 3]),
        ("ordering=submitter", [1, 2, 3]),
        ("ordering=-proposal", [1, 2, 3]),
        ("ordering=name&order=-created", [3, 2, 1]),  # the filter set's order wins
        ("ordering=bogus", [3, 2, 1]),
    ],
)
def test_groups_are_ordered_as_the_portal_orders_them(
    sandbox: Sandbox, query: str, expected: list[int]
) -> None:
    assert ids(sandbox, query) == expected


GROUPS_URL = f"{BASE}/api/requestgroups/"


@pytest.mark.parametrize(
    ("query", "next_query", "previous_query", "expected"),
    [
        ("limit=2", "limit=2&offset=2", None, [3, 2]),
        ("limit=2&offset=1", None, "limit=2", [2, 1]),
        ("offset=1&limit=2&state=PENDING", None, "limit=2&state=PENDING", [2, 1]),
        ("limit=2&offset=abc", "limit=2&offset=2", None, [3, 2]),
        ("offset=-1&limit=2", "limit=2&offset=2", None, [3, 2]),
        ("limit=2&offset=3", None, "limit=2&offset=1", []),
        ("limit=2&offset=2", None, "limit=2", [1]),
        ("offset=2", None, "limit=10", [1]),
        ("limit=1&offset=1&limit=3", None, "limit=3", [2, 1]),
        ("limit=2&offset=1&name=a", None, "limit=2&name=a", [2, 1]),
        ("name=a&limit=2&offset=1&x=%20y", None, "limit=2&name=a&x=+y", [2, 1]),
        ("limit=02&offset=01", None, "limit=2", [2, 1]),
        ("limit=%202", "limit=2&offset=2", None, [3, 2]),
        ("limit=2.0", None, None, [3, 2, 1]),  # not a positive integer: the page size
        ("limit=0", None, None, [3, 2, 1]),
        ("limit=1", "limit=1&offset=1", None, [3]),
    ],
)
def test_pages_link_as_the_portal_links_them(
    sandbox: Sandbox,
    query: str,
    next_query: str | None,
    previous_query: str | None,
    expected: list[int],
) -> None:
    status, body = listed(sandbox, query)
    assert status == 200
    assert body["count"] == 3
    assert body["next"] == (next_query and f"{GROUPS_URL}?{next_query}")
    assert body["previous"] == (previous_query and f"{GROUPS_URL}?{previous_query}")
    assert [item["id"] for item in body["results"]] == expected


def test_links_come_from_the_base_url_given() -> None:
    sandbox = Sandbox(CATALOGUE)
    three_groups(sandbox)
    body = sandbox.list_groups({"limit": ["1"]}, base_url="http://[::1]:9/", user=USER)[1]
    assert body["next"] == "http://[::1]:9/api/requestgroups/?limit=1&offset=1"
    body = sandbox.list_requests({"limit": ["1"]}, base_url=BASE, user=USER)[1]
    assert body["next"] == f"{BASE}/api/requests/?limit=1&offset=1"


def follow(sandbox: Sandbox, url: str | None, link: str) -> list[list[int]]:
    """The ids of each page met following the ``link`` ("next" or "previous") links from ``url``."""
    pages = []
    while url:
        query = parse_qs(urlsplit(url).query, keep_blank_values=True)
        body = sandbox.list_groups(query, base_url=BASE, user=USER)[1]
        pages.append([item["id"] for item in body["results"]])
        url = body[link]
    return pages


@settings(max_examples=40, deadline=None)
@given(count=st.integers(0, 23), limit=st.integers(1, 30), name=st.sampled_from(["", "t"]))
def test_following_the_links_visits_every_group_once_in_order(
    count: int, limit: int, name: str
) -> None:
    sandbox = Sandbox(CATALOGUE)
    for _ in range(count):
        submit(sandbox, group())
    newest_first = list(range(count, 0, -1))
    forwards = follow(sandbox, f"{GROUPS_URL}?limit={limit}&name={name}", "next")
    assert [item for page in forwards for item in page] == newest_first
    assert all(len(page) == limit for page in forwards[:-1])
    last = f"{GROUPS_URL}?limit={limit}&name={name}&offset={max(count - 1, 0) // limit * limit}"
    backwards = follow(sandbox, last, "previous")
    assert backwards == forwards[::-1]


# -- reading queries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "refusal"),
    [
        ("limit=101", "Large limit not allowed for anonymous users."),
        ("limit=100&offset=10001", "Large offset not allowed for anonymous users."),
        ("limit=101&offset=10001", "Large offset not allowed for anonymous users."),
        ("limit=%20101", None),  # not only digits
        ("limit=100&offset=10000", None),
        ("limit=500&limit=5", None),  # the last one counts
        ("", None),
    ],
)
def test_an_anonymous_large_page_is_refused_as_the_portals_middleware_does(
    query: str, refusal: str | None
) -> None:
    assert anonymous_limit_refusal(parse_qs(query, keep_blank_values=True)) == refusal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-11-03T00:00:00.5Z", datetime(2030, 11, 3, 0, 0, 0, 500_000, tzinfo=UTC)),
        ("2030-11-03 00:00:00.5", datetime(2030, 11, 3, 0, 0, 0, 500_000, tzinfo=UTC)),
        ("11/03/2030", datetime(2030, 11, 3, tzinfo=UTC)),
        ("11/03/30 12:30", datetime(2030, 11, 3, 12, 30, tzinfo=UTC)),
        ("20301103T000001", datetime(2030, 11, 3, 0, 0, 1, tzinfo=UTC)),
        ("Nov 03 2030", datetime(2030, 11, 3, tzinfo=UTC)),
        ("3 November, 2030", datetime(2030, 11, 3, tzinfo=UTC)),
        ("2030-11-3 4:05:06,7", datetime(2030, 11, 3, 4, 5, 6, 700_000, tzinfo=UTC)),
        (" 2030-11-03 ", datetime(2030, 11, 3, tzinfo=UTC)),
        ("garbage", None),
        ("2030-13-01", None),
    ],
)
def test_filter_dates_are_read_as_djangos_date_time_field(
    text: str, expected: datetime | None
) -> None:
    assert filter_moment(text) == expected


def test_a_zone_in_a_filter_date_is_kept() -> None:
    moment = filter_moment("2030-11-03T00:00:00-02:00")
    assert moment is not None
    assert moment.astimezone(UTC) == datetime(2030, 11, 3, 2, tzinfo=UTC)
