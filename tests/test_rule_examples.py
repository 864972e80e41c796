"""Every rule's Passes and Fails examples, run through the whole checker.

The examples at the end of each rule module's docstring are what
``lco-validate explain`` shows; here each one is merged into the valid request
group ``tests/rule_examples/base.json`` and checked (see ``tests.rule_examples``
for the form and the merge).  A Passes example must give no finding of the
rule's code, a Fails example one at the pointer its header names.
"""

from __future__ import annotations

from types import ModuleType

import pytest

from lco_validate import rules
from lco_validate.checking.pipeline import check_document
from lco_validate.checking.policy import Settings

from .rule_examples import (
    NOW,
    Docstring,
    Example,
    ExampleError,
    base_document,
    catalogue_named,
    check_example,
    merged,
    read_examples,
)


def _read(rule: ModuleType) -> Docstring | ExampleError:
    try:
        return read_examples(rule)
    except ExampleError as error:
        return error


DOCSTRINGS = {rule.CODE: _read(rule) for rule in rules.all_rules()}


def _cases() -> list[object]:
    cases: list[object] = []
    for code, docstring in DOCSTRINGS.items():
        if isinstance(docstring, ExampleError):
            cases.append(pytest.param(docstring, id=f"{code}-docstring"))
        else:
            cases.extend(pytest.param(example, id=example.id) for example in docstring.examples)
    return cases


@pytest.mark.parametrize("example", _cases())
def test_example(example: Example | ExampleError) -> None:
    if isinstance(example, ExampleError):
        pytest.fail(str(example))
    check_example(example)


def test_base_document_has_no_finding() -> None:
    settings = Settings(catalogue=catalogue_named(None), now=NOW, visibility=True)
    findings = check_document(base_document(), settings)
    assert [(f.code, f.pointer, f.message) for f in findings] == []


def test_every_rule_has_a_passes_and_a_fails_example() -> None:
    lacking = [
        code
        for code, docstring in DOCSTRINGS.items()
        if isinstance(docstring, Docstring)
        and {example.passes for example in docstring.examples} != {True, False}
    ]
    assert lacking == []


def test_no_rule_has_an_example_outside_the_convention() -> None:
    old = [
        code
        for code, docstring in DOCSTRINGS.items()
        if isinstance(docstring, Docstring) and not docstring.in_new_form
    ]
    assert old == []


def test_fragments_merge_key_by_key_and_item_by_item() -> None:
    base = {"a": {"b": 1, "c": 2}, "items": [{"x": 1, "y": 2}], "tags": ["p", "q"]}
    fragment = {"a": {"b": 9}, "items": [{"x": 5}, {"y": 7}], "tags": ["r"], "new": None}
    assert merged(base, fragment) == {
        "a": {"b": 9, "c": 2},
        "items": [{"x": 5, "y": 2}, {"x": 1, "y": 7}],
        "tags": ["r"],
        "new": None,
    }
    assert base["items"] == [{"x": 1, "y": 2}]


def test_a_malformed_header_is_reported() -> None:
    rule = ModuleType("r999_example")
    rule.CODE = "R999"  # type: ignore[attr-defined]
    rule.__doc__ = 'Summary.\n\nFails at /type, in the telescope::\n\n    {"type": "X"}\n'
    with pytest.raises(ExampleError, match="R999, line 3"):
        read_examples(rule)


def test_a_wrapped_header_and_its_fragment_are_read() -> None:
    rule = ModuleType("r999_example")
    rule.CODE = "R999"  # type: ignore[attr-defined]
    rule.__doc__ = (
        "Summary.\n\nFails at /rois/0, in the instrument config, with catalogue\n"
        'sites.json (a note\nover two lines)::\n\n    {"rois": [{}]}\n'
    )
    (example,) = read_examples(rule).examples
    assert (example.id, example.catalogue, example.note) == (
        "R999-fails-1",
        "sites.json",
        "a note over two lines",
    )
    assert example.expected_pointer == "/requests/0/configurations/0/instrument_configs/0/rois/0"
    assert example.fragment == {"rois": [{}]}
