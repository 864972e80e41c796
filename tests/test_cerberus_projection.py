"""Applying a Cerberus schema to the projection of a document must equal applying it whole."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lco_validate import load_catalogue
from lco_validate.catalogue.cerberus_schemas import _apply, _projectable, apply_schema

from .conftest import cerberus_schema_texts, seed_page

CATALOGUE = load_catalogue()
SCHEMAS = cerberus_schema_texts(CATALOGUE)
CONFIGURATIONS = [request["configurations"][0] for request in seed_page()["results"]]
VALUES = st.one_of(
    st.sampled_from([None, True, "x", "", 1, 2, 5, -6.5, 0.25, 400, 9.0, "SYNCHRONOUS", [], {}]),
    st.floats(-20, 20, allow_nan=False),
)
KEYS = st.sampled_from(
    ["defocus", "bin_x", "bin_y", "sub_expose", "exposure_mode", "exposure_time_g",
     "acquire_radius", "rotator_angle", "offset_ra", "other"]
)  # fmt: skip


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    configuration = copy.deepcopy(draw(st.sampled_from(CONFIGURATIONS)))
    owners = [configuration, *configuration["instrument_configs"]]
    for _ in range(draw(st.integers(0, 4))):
        owner = draw(st.sampled_from(owners))
        extra = owner.get("extra_params")
        # A copy: the sampled [] and {} are shared, and one placed inside itself is a cycle.
        value = copy.deepcopy(draw(VALUES))
        if draw(st.booleans()) and isinstance(extra, dict):
            extra[draw(KEYS)] = value
        else:
            owner[draw(st.sampled_from(["extra_params", "exposure_time", "mode"]))] = value
    if draw(st.booleans()):
        return dict(configuration["instrument_configs"][0])
    return configuration


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SCHEMAS), documents())
def test_projection_gives_the_outcome_of_the_whole_document(
    schema_text: str, document: dict[str, Any]
) -> None:
    schema = json.loads(schema_text)
    before = copy.deepcopy(document)
    fast = apply_schema(schema, document)
    whole = _apply(schema_text, copy.deepcopy(document))
    assert document == before, "the document must not change"
    assert fast.valid == whole.valid
    assert fast.problems == whole.problems
    assert fast.document == whole.document


def test_the_catalogue_schemas_are_projectable() -> None:
    assert all(_projectable(json.loads(text)) for text in SCHEMAS)
