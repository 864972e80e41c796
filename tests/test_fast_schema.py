"""The jsonschema-rs fast path must reach the same verdict as jsonschema on every document.

Its date-time check is a pattern, in Rust, where jsonschema asks the portal's
own parser; the tests below show both accept exactly the same timestamps.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lco_validate.checking import schemas
from lco_validate.checking.schemas import (
    PORTAL_DATETIME_PATTERN,
    fast_validator_for,
    schema_findings,
    validator_for,
)
from lco_validate.documents import times
from lco_validate.documents.times import parse_portal_datetime

from .conftest import seed_page

REQUESTS = seed_page()["results"]

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        ["", "ICRS", "EXPOSE", "20", "true", "2025-01-29T03:00", "2025-02-30T00:00:00Z", "x" * 60]
    ),
    st.just({}),
    st.just([]),
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


@st.composite
def mutated_requests(draw: st.DrawFn) -> dict[str, Any]:
    request = copy.deepcopy(draw(st.sampled_from(REQUESTS)))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(paths(request)[1:]))
        parent = request
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["exposure_tme", "extra", "ra"]))] = draw(VALUES)
        else:
            parent[path[-1]] = draw(VALUES)
    return request


@settings(max_examples=300, deadline=None)
@given(mutated_requests())
def test_fast_and_detailed_validators_agree(request: dict[str, Any]) -> None:
    fast = fast_validator_for("request")
    assert fast is not None, "jsonschema-rs is a dependency"
    assert fast.is_valid(request) == validator_for("request").is_valid(request)
    assert list(schema_findings(request, "request")) == _detailed_findings(request)


def _detailed_findings(request: dict[str, Any]) -> list[Any]:
    """What schema_findings gives without the fast path (jsonschema alone)."""
    real = schemas.fast_validator_for
    schemas.fast_validator_for = lambda kind: None  # type: ignore[assignment]
    try:
        return list(schema_findings(request, "request"))
    finally:
        schemas.fast_validator_for = real


@settings(max_examples=500)
@given(st.from_regex(re.compile(PORTAL_DATETIME_PATTERN, re.ASCII), fullmatch=True))
def test_every_timestamp_the_pattern_vouches_for_is_read_by_the_portal(text: str) -> None:
    assert parse_portal_datetime(text) is not None


@settings(max_examples=500)
@given(st.from_regex(times._DATETIME, fullmatch=True))
def test_the_pattern_takes_every_timestamp_of_the_portals_shape_that_the_portal_reads(
    text: str,
) -> None:
    vouched = re.fullmatch(PORTAL_DATETIME_PATTERN, text, re.ASCII) is not None
    assert vouched == (parse_portal_datetime(text) is not None)


@pytest.mark.parametrize(
    "text",
    [
        "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2025-04-31T00:00:00Z",
        "2025-01-01T24:00:00Z",
        "2025-01-01T00:60:00Z",
        "2025-01-01T00:00:60Z",
        "0000-01-01T00:00:00Z",
        "2025-01-01T00:00:00+24:00",
        "2025-01-01T00:00:00+05:60",
    ],
)
def test_the_pattern_refuses_timestamps_just_past_each_bound(text: str) -> None:
    assert parse_portal_datetime(text) is None
    assert re.fullmatch(PORTAL_DATETIME_PATTERN, text, re.ASCII) is None


_MOMENTS = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 30))
_FORMS = st.sampled_from(
    ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"]
)


@example(datetime(2024, 2, 29, 12), "%Y-%m-%dT%H:%M:%SZ")
@example(datetime(2000, 2, 29, 12), "%Y-%m-%d %H:%M:%S")
@example(datetime(4, 2, 29, 12), "%Y-%m-%dT%H:%M")
@example(datetime(2025, 12, 31, 23, 59, 59, 999999), "%Y-%m-%dT%H:%M:%S.%fZ")
@given(_MOMENTS, _FORMS)
def test_the_pattern_vouches_for_every_date_in_the_usual_forms(moment: datetime, form: str) -> None:
    text = f"{moment.year:04d}" + moment.strftime(form)[len(str(moment.year)) :]
    assert re.fullmatch(PORTAL_DATETIME_PATTERN, text, re.ASCII) is not None


def test_the_fast_validator_reads_the_pattern_as_python_does() -> None:
    fast = fast_validator_for("request")
    window = REQUESTS[0]["windows"][0]
    start = parse_portal_datetime(window["start"])
    assert start is not None
    texts = [
        (start + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ") for days in range(0, 800, 7)
    ] + [
        "2025-01-29T03:00:00\n",
        "2025-01-29T03:00:0\u0663Z",
        "2023-02-29T00:00:00Z",
        "2024-02-29T00:00:00Z",
        "2025-01-29 03:00:00.25+05:30",
        "2025-01-29T03:00+0560",
    ]
    for text in texts:
        request = copy.deepcopy(REQUESTS[0])
        request["windows"] = [{"start": window["start"], "end": text}]
        vouched = re.fullmatch(PORTAL_DATETIME_PATTERN, text, re.ASCII) is not None
        assert fast.is_valid(request) == vouched, text


@given(st.sampled_from(REQUESTS))
def test_request_groups_agree_too(request: dict[str, Any]) -> None:
    group = {
        "name": "g",
        "proposal": "p",
        "ipp_value": 1.0,
        "operator": "SINGLE",
        "observation_type": "NORMAL",
        "requests": [request],
    }
    assert fast_validator_for("request-group").is_valid(group)
    assert validator_for("request-group").is_valid(group)
    group["operator"] = "AND"
    assert not fast_validator_for("request-group").is_valid(group)
