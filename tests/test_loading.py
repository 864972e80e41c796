"""Bad input is normal business: every broken file becomes a located finding, never a traceback."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lco_validate.documents.kinds import REQUEST, REQUEST_GROUP, iter_units
from lco_validate.documents.loading import (
    MAX_FILE_BYTES,
    MAX_NESTING_DEPTH,
    SourceFile,
    expand_paths,
    load_bytes,
    load_file,
    nested_too_deep,
)

from .conftest import SEED_PAGE, seed_page


def loaded(data: bytes, name: str = "x.json") -> SourceFile:
    source = SourceFile(path=name)
    load_bytes(source, data, json_lines=name.endswith(".jsonl"))
    return source


def codes(source: SourceFile) -> list[str]:
    return [finding.code for finding in source.findings]


def test_seed_page_loads_after_its_http_headers() -> None:
    source = load_file(str(SEED_PAGE))
    assert source.findings == []
    [document] = source.documents
    assert document.value == seed_page()
    assert source.text[document.start] == "{"


@pytest.mark.parametrize(
    ("data", "code", "line", "column"),
    [
        (b'{"a": 1,\n "b": }', "J001", 2, 7),
        (b'{"a": 1,}', "J001", 1, 9),
        (b'{"a": 1}\n{"b": 2}', "J004", 2, 1),
        (b'{"a": 1} trailing', "J004", 1, 10),
        (b"", "J008", 0, 0),
        (b"  \n\t ", "J008", 0, 0),
        (b'{"a": "\xff"}', "J007", 1, 8),
        (b'{"a": 1, "b": \x00}', "J009", 1, 1),
    ],
)
def test_broken_json_is_a_located_finding(data: bytes, code: str, line: int, column: int) -> None:
    source = loaded(data)
    assert codes(source) == [code]
    assert (source.findings[0].line, source.findings[0].column) == (line, column)
    assert source.documents == []


def test_duplicate_keys_are_reported_at_the_repeated_key_and_the_last_value_wins() -> None:
    source = loaded(b'{\n "name": "a",\n "name": "b"\n}')
    [finding] = source.findings
    assert (finding.code, finding.pointer, finding.line, finding.column) == ("J002", "/name", 3, 2)
    assert source.documents[0].value == {"name": "b"}


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_reported_where_they_stand(token: str) -> None:
    source = loaded(f'{{"ra": 1,\n  "dec": {token}}}'.encode())
    [finding] = source.findings
    assert (finding.code, finding.pointer, finding.line, finding.column) == ("J003", "/dec", 2, 10)


def test_utf8_bom_is_a_warning_and_the_document_is_still_read() -> None:
    source = loaded(codecs.BOM_UTF8 + b'{"a": 1}')
    assert codes(source) == ["J005"]
    assert source.documents[0].value == {"a": 1}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_wide_encodings_are_errors_but_still_read(encoding: str) -> None:
    source = loaded('{"a": "é"}'.encode(encoding))
    assert codes(source) == ["J006"]
    assert source.documents[0].value == {"a": "é"}


def test_deep_nesting_is_refused_before_parsing() -> None:
    depth = 100_000
    source = loaded(b"[" * depth + b"]" * depth)
    assert codes(source) == ["J011"]
    assert source.findings[0].column == MAX_NESTING_DEPTH + 1


def test_deep_nesting_inside_strings_does_not_count() -> None:
    text = json.dumps({"note": "[" * 5000})
    assert loaded(text.encode()).findings == []


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


_BRACKETY_TEXT = st.text(alphabet='[]{}"\\a', max_size=6)
_NESTED_VALUES = st.recursive(
    st.none() | st.integers() | _BRACKETY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_BRACKETY_TEXT, inner, max_size=3),
    max_leaves=40,
)


@given(value=_NESTED_VALUES, limit=st.integers(min_value=0, max_value=12))
def test_nesting_depth_is_judged_as_the_parsed_document_nests(value: object, limit: int) -> None:
    """Strings full of brackets, quotes and backslashes never change the verdict."""
    assert nested_too_deep(json.dumps(value), limit) == (_depth(value) > limit)


def test_json_lines_report_each_bad_line_at_its_own_line() -> None:
    source = loaded(b'{"a": 1}\n\n{"b": \n{"c": 3}\n', name="x.jsonl")
    assert codes(source) == ["J001"]
    assert source.findings[0].line == 3
    assert [d.value for d in source.documents] == [{"a": 1}, {"c": 3}]


def test_non_success_http_capture_is_flagged() -> None:
    source = loaded(b'HTTP 400 Bad Request\nContent-Type: application/json\n{"detail": "x"}')
    assert codes(source) == ["J010"]


def test_missing_file_is_a_one_line_finding(tmp_path: Path) -> None:
    source = load_file(str(tmp_path / "absent.json"))
    assert codes(source) == ["J020"]
    assert "No such file" in source.findings[0].message


def test_unreadable_file_is_a_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.json"
    path.write_text("{}")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", refuse)  # root can read anything; pretend
    [finding] = load_file(str(path)).findings
    assert (finding.code, finding.message) == ("J020", "cannot read this path: Permission denied")


def test_a_directory_given_as_a_file_is_searched(tmp_path: Path) -> None:
    folder = tmp_path / "looks-like-a-file.json"
    (folder / "deeper").mkdir(parents=True)
    (folder / "deeper" / "a.json").write_text("{}")
    (folder / "b.jsonl").write_text("{}")
    (folder / "notes.md").write_text("#")
    (folder / "saved.txt").write_text("HTTP 200 OK\n{}")
    (folder / "plain.txt").write_text("hello")
    found = list(expand_paths([str(folder)]))
    assert found == sorted(str(folder / name) for name in ("b.jsonl", "deeper/a.json", "saved.txt"))


def test_a_directory_read_as_a_file_is_a_finding(tmp_path: Path) -> None:
    assert codes(load_file(str(tmp_path))) == ["J020"]


def test_too_large_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with open(path, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no memory or disk spent
    assert codes(load_file(str(path))) == ["J012"]


@pytest.mark.parametrize(
    ("document", "kinds"),
    [
        ({"name": "g", "requests": []}, [REQUEST_GROUP]),
        ({"configurations": []}, [REQUEST]),
        ([{"configurations": []}, {"proposal": "p"}], [REQUEST, REQUEST_GROUP]),
        ({"count": 1, "next": None, "results": [{"location": {}}]}, [REQUEST]),
    ],
)
def test_document_kinds_are_detected_from_content(document: object, kinds: list[str]) -> None:
    assert [unit.kind for unit in iter_units(document)] == kinds  # type: ignore[union-attr]


def test_forced_kind_applies_inside_pages() -> None:
    page = {"count": 1, "results": [{"oops": 1}]}
    [unit] = iter_units(page, forced_kind=REQUEST)
    assert unit.kind == REQUEST  # type: ignore[union-attr]
    assert unit.pointer == "/results/0"  # type: ignore[union-attr]


@pytest.mark.parametrize("document", [{"hello": 1}, 42, "text", None])
def test_unknown_documents_are_a_finding(document: object) -> None:
    [finding] = iter_units(document)
    assert finding.code == "J013"  # type: ignore[union-attr]
