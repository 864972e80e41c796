"""The jsonschema-rs fast path must reach the same verdict as jsonschema on every document."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lco_validate.schemas import fast_validator_for, validator_for

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
