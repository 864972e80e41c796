"""Every reported line:col points at the token its pointer names, end to end through `check`."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lco_validate import load_catalogue
from lco_validate.checking.pipeline import check_source
from lco_validate.checking.policy import Settings
from lco_validate.documents.loading import SourceFile, load_bytes
from lco_validate.documents.pointers import pointer_parts

from .conftest import seed_page

SETTINGS = Settings(catalogue=load_catalogue())
REQUESTS = seed_page()["results"]


def resolve(document: Any, pointer: str) -> Any:
    for token in pointer_parts(pointer):
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document


def token_at(text: str, line: int, column: int) -> Any:
    offset = sum(len(row) + 1 for row in text.split("\n")[: line - 1]) + column - 1
    value, _ = json.JSONDecoder().raw_decode(text, offset)
    return value


MUTATIONS = {
    "out of range": lambda c: c["constraints"].__setitem__("max_airmass", 0.5),
    "wrong type": lambda c: c["instrument_configs"][-1].__setitem__("exposure_count", "many"),
    "unknown key": lambda c: c["instrument_configs"][0].__setitem__("exposure_tme", 3),
    "missing field": lambda c: c["target"].pop("name", None),
    "bad choice": lambda c: c.__setitem__("type", "EXPOSURE"),
    "string number": lambda c: c["instrument_configs"][0].__setitem__("exposure_time", "20"),
}


@st.composite
def mutated_documents(draw: st.DrawFn) -> tuple[Any, str]:
    chosen = draw(st.lists(st.sampled_from(REQUESTS), min_size=1, max_size=3))
    requests = [copy.deepcopy(request) for request in chosen]
    for _ in range(draw(st.integers(1, 4))):
        request = draw(st.sampled_from(requests))
        MUTATIONS[draw(st.sampled_from(sorted(MUTATIONS)))](request["configurations"][0])
    document: Any = requests if len(requests) > 1 else requests[0]
    indent = draw(st.sampled_from([None, 0, 1, 2, 4, "\t"]))
    separators = draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")]))
    text = json.dumps(
        document, indent=indent, separators=separators, ensure_ascii=draw(st.booleans())
    )
    return document, text


@settings(max_examples=60, deadline=None)
@given(mutated_documents())
def test_every_finding_is_located_at_its_pointer(case: tuple[Any, str]) -> None:
    document, text = case
    source = SourceFile(path="case.json")
    load_bytes(source, text.encode())
    findings = check_source(source, SETTINGS).findings
    assert findings
    for finding in findings:
        parts = pointer_parts(finding.pointer)
        try:
            expected = resolve(document, finding.pointer)
        except (KeyError, IndexError):  # a missing field: located at its parent object
            expected = resolve(document, "".join(f"/{p}" for p in parts[:-1]))
        found = token_at(text, finding.line, finding.column)
        if finding.at_key:
            assert found == parts[-1], finding
        else:
            assert found == expected, finding


def test_remembered_location_problems_keep_each_value_as_written() -> None:
    from lco_validate.rules._locations import location_problems

    catalogue = load_catalogue()
    for value, shown in (
        (1, "telescope class 1 "),
        (True, "telescope class True "),
        (1, "telescope class 1 "),
    ):
        (problem,) = location_problems({"telescope_class": value}, catalogue)
        assert problem.message.startswith(shown)
