"""The quick path for plain Cerberus schemas must answer exactly as Cerberus does, or not at all."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lco_validate import load_catalogue
from lco_validate.catalogue.cerberus_quick import is_plain, plainly_valid
from lco_validate.catalogue.cerberus_schemas import _validator

from .conftest import cerberus_schema_texts, seed_page

CATALOGUE = load_catalogue()
SCHEMAS = cerberus_schema_texts(CATALOGUE)
ODD_VALUES = st.sampled_from(
    [None, True, False, 0, 1, 2, -1, 1.0, 2.5, -7.25, 1e9, "", "x", "1", [], [1], {}, {"a": 1}]
)


def typed_value(draw: st.DrawFn, rules: dict[str, Any]) -> Any:
    """A value that often satisfies ``rules``, and sometimes breaks them on purpose."""
    if draw(st.integers(0, 15)) == 0:
        return draw(ODD_VALUES)
    if rules.get("allowed"):
        choice = draw(st.sampled_from(rules["allowed"]))
        # Equal in Python but not in type: 1, 1.0 and true are all "in [1]".
        return draw(st.sampled_from(twins(choice))) if draw(st.booleans()) else choice
    wanted = rules.get("type", "string")
    name = draw(st.sampled_from(wanted)) if isinstance(wanted, list) else wanted
    low, high = rules.get("min", -50), rules.get("max", 50)
    if name == "dict":
        return mapping_for(draw, rules.get("schema", {}))
    if name == "list":
        item_rules = rules.get("schema", {})
        return [typed_value(draw, item_rules) for _ in range(draw(st.integers(0, 3)))]
    if name == "integer":
        return draw(st.integers(int(low) - 1, int(high) + 1))
    if name in ("float", "number"):
        return draw(st.one_of(st.floats(low - 1, high + 1), st.integers(int(low), int(high))))
    if name == "boolean":
        return draw(st.booleans())
    return draw(st.text(max_size=3))


def twins(value: Any) -> list[Any]:
    if not isinstance(value, int | float):
        return [value]
    found = [value, float(value)]
    if float(value).is_integer():
        found.append(int(value))
    if value in (0, 1):
        found.append(bool(value))
    return found


def mapping_for(draw: st.DrawFn, schema: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for field, rules in schema.items():
        if draw(st.integers(0, 3)) > 0:
            document[field] = typed_value(draw, rules)
    if draw(st.booleans()):
        document["not_in_the_schema"] = draw(ODD_VALUES)
    return document


@st.composite
def schemas_and_documents(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    schema_text = draw(st.sampled_from(SCHEMAS))
    return schema_text, mapping_for(draw, json.loads(schema_text))


def typed(value: Any) -> str:
    """A value's JSON text: 1, 1.0 and true differ, as they do to Cerberus' type rules."""
    return json.dumps(value, sort_keys=True)


def cerberus_outcome(schema_text: str, document: dict[str, Any]) -> dict[str, Any] | None:
    validator = _validator(schema_text)
    return validator.document if validator.validate(copy.deepcopy(document)) else None


def test_every_schema_of_the_catalogue_is_plain() -> None:
    assert SCHEMAS
    assert all(is_plain(json.loads(text)) for text in SCHEMAS)


@settings(max_examples=1000, deadline=None)
@given(schemas_and_documents())
def test_a_quick_answer_is_cerberus_answer(case: tuple[str, dict[str, Any]]) -> None:
    schema_text, document = case
    before = copy.deepcopy(document)
    quick = plainly_valid(json.loads(schema_text), document)
    assert typed(document) == typed(before), "the document must not change"
    if quick is not None:
        expected = cerberus_outcome(schema_text, document)
        assert expected is not None, "Cerberus refuses what the quick path accepted"
        assert typed(quick) == typed(expected)


def test_valid_configurations_of_the_seed_page_take_the_quick_path() -> None:
    decided = 0
    for request in seed_page()["results"]:
        for configuration in request["configurations"]:
            for text in SCHEMAS:
                schema = json.loads(text)
                if cerberus_outcome(text, configuration) is not None:
                    quick = plainly_valid(schema, configuration)
                    assert quick is not None
                    assert typed(quick) == typed(cerberus_outcome(text, configuration))
                    decided += 1
    assert decided > 0


def test_values_that_break_a_rule_are_left_to_cerberus() -> None:
    schema = {
        "bin": {"type": "integer", "allowed": [1, 2], "default": 1},
        "defocus": {"type": "float", "min": -5, "max": 5},
        "extra": {"type": "dict", "schema": {"level": {"type": "integer", "required": True}}},
    }
    assert plainly_valid(schema, {"bin": 3}) is None
    assert plainly_valid(schema, {"defocus": 5.5}) is None
    assert plainly_valid(schema, {"defocus": "1"}) is None
    assert plainly_valid(schema, {"bin": None, "defocus": None}) is None  # not nullable
    assert plainly_valid(schema, {"extra": {}}) is None  # required level missing
    assert plainly_valid(schema, {"extra": {"level": 2}, "other": [1]}) == {
        "bin": 1,
        "extra": {"level": 2},
        "other": [1],
    }


def test_schemas_beyond_the_plain_rules_are_not_plain() -> None:
    assert not is_plain({"a": {"type": "string", "regex": "^x$"}})
    assert not is_plain({"a": {"type": "container"}})
    assert not is_plain({"a": {"type": "integer", "min": "0"}})
    assert not is_plain({"a": {"allowed": "ab"}})
    assert not is_plain({"a": {"schema": {"b": {"type": "integer"}}}})  # dict or list?
    assert not is_plain({"a": {"type": "dict", "schema": {"b": {"oneof": []}}}})
    assert not is_plain({"a": "integer"})
    assert is_plain({"a": {"type": ["integer", "string"], "nullable": True, "description": "A"}})
