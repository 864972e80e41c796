"""Cache keys of JSON data: equal exactly when the values are the same JSON."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given

from lco_validate.documents.jsondata import from_key, value_key

from .test_positions import json_values


@given(json_values())
def test_values_read_from_the_same_text_twice_have_one_key(value: Any) -> None:
    text = json.dumps(value)
    assert value_key(json.loads(text)) == value_key(json.loads(text))


@given(json_values())
def test_a_key_gives_back_an_equal_value_with_the_same_types(value: Any) -> None:
    again = from_key(value_key(value))
    assert json.dumps(again) == json.dumps(value)


@given(json_values(), json_values())
def test_values_read_from_text_share_a_key_exactly_when_their_json_is_the_same(
    first: Any, second: Any
) -> None:
    first_text, second_text = json.dumps(first), json.dumps(second)
    same_key = value_key(json.loads(first_text)) == value_key(json.loads(second_text))
    assert same_key == (first_text == second_text)


def test_numbers_and_booleans_that_python_calls_equal_get_different_keys() -> None:
    # 1 == 1.0 == True in Python, but the portal (and its messages) tell them apart.
    keys = {value_key({"exposure_count": value}) for value in (1, 1.0, True)}
    assert len(keys) == 3


def test_key_order_is_part_of_the_key() -> None:
    assert value_key({"a": 1, "b": 2}) != value_key({"b": 2, "a": 1})
