"""Tests for lco_validate.documents.positions: JSON Pointer -> offset -> line:col."""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Iterator
from json.decoder import scanstring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lco_validate.documents.positions import PositionIndex, scan

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# --------------------------------------------------------------------------- helpers


def escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def walk(
    value: Any, pointer: str = "", key: str | None = None
) -> Iterator[tuple[str, str | None, Any]]:
    """Every (pointer, member key or None, value) of ``value``, in text order."""
    yield pointer, key, value
    if isinstance(value, dict):
        for member_key, member in value.items():
            yield from walk(member, f"{pointer}/{escape(member_key)}", member_key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{pointer}/{index}", None)


def canonical(value: Any) -> str:
    """A string that differs whenever the values differ (True vs 1, 1 vs 1.0, key order)."""
    return json.dumps(value, allow_nan=True)


def decode_at(text: str, offset: int) -> Any:
    return json.JSONDecoder().raw_decode(text, offset)[0]


def expected_line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def check_index(text: str, index: PositionIndex, value: Any) -> None:
    """Every pointer of ``value`` resolves to a token in ``text`` that decodes to it."""
    for pointer, key, item in walk(value):
        value_offset = index.value_offset(pointer)
        assert value_offset is not None, pointer
        assert canonical(decode_at(text, value_offset)) == canonical(item), pointer
        assert index.line_col(value_offset) == expected_line_col(text, value_offset)
        assert index.locate(pointer) == expected_line_col(text, value_offset)

        key_offset = index.key_offset(pointer)
        if key is None:
            assert key_offset is None, pointer
            assert index.locate(pointer, at_key=True) == index.locate(pointer)
        else:
            assert key_offset is not None, pointer
            assert text[key_offset] == '"'
            assert scanstring(text, key_offset + 1)[0] == key
            assert key_offset < value_offset
            assert index.locate(pointer, at_key=True) == expected_line_col(text, key_offset)


# --------------------------------------------------------------------------- strategies

# Characters that stress pointer escaping, JSON escaping and column counting.
awkward_chars = st.sampled_from(
    [
        "/",
        "~",
        "~0",
        "~1",
        '"',
        "\\",
        "\\/",
        "\n",
        "\r",
        "\t",
        "\x00",
        "\x1f",
        "é",
        "Ω",
        "☃",
        "😀",
        "\u2028",
        "\ud800",
    ]
)
keys = st.lists(st.one_of(awkward_chars, st.characters()), max_size=6).map("".join)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    keys,
)


def json_values(
    leaves: st.SearchStrategy[Any] = scalars, max_leaves: int = 30
) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=5),
            st.dictionaries(keys, children, max_size=5),
        ),
        max_leaves=max_leaves,
    )


dump_options = st.fixed_dictionaries(
    {
        "indent": st.sampled_from([None, 0, 1, 2, 4, "\t"]),
        "separators": st.sampled_from([None, (",", ":"), (", ", ": "), (" ,\n", " :\r\n\t")]),
        "ensure_ascii": st.booleans(),
    }
)

WHITESPACE = ["", "", " ", "\n", "\r\n", "\t", "  \n    ", "\r"]


def messy_dumps(value: Any, rnd: random.Random) -> str:
    """Serialise with random JSON whitespace between every pair of tokens."""

    def gap() -> str:
        return rnd.choice(WHITESPACE)

    def dumps_scalar(scalar: Any) -> str:
        return json.dumps(scalar, ensure_ascii=rnd.random() < 0.5)

    if isinstance(value, dict):
        members = [
            gap() + dumps_scalar(k) + gap() + ":" + gap() + messy_dumps(v, rnd) + gap()
            for k, v in value.items()
        ]
        return "{" + (",".join(members) if members else gap()) + "}"
    if isinstance(value, list):
        items = [gap() + messy_dumps(v, rnd) + gap() for v in value]
        return "[" + (",".join(items) if items else gap()) + "]"
    return dumps_scalar(value)


# --------------------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(value=json_values(), options=dump_options)
def test_every_pointer_names_its_token(value: Any, options: dict[str, Any]) -> None:
    text = json.dumps(value, **options)
    check_index(text, scan(text), value)


@settings(max_examples=200, deadline=None)
@given(value=json_values(), rnd=st.randoms(use_true_random=False))
def test_every_pointer_names_its_token_with_any_whitespace(value: Any, rnd: random.Random) -> None:
    text = rnd.choice(WHITESPACE) + messy_dumps(value, rnd) + rnd.choice(WHITESPACE)
    assert canonical(json.loads(text)) == canonical(value)
    check_index(text, scan(text), value)


@settings(max_examples=150, deadline=None)
@given(
    value=json_values(),
    header=st.lists(st.text(st.characters(blacklist_characters="\n")), max_size=4),
    trailer=st.text(),
    options=dump_options,
)
def test_offsets_are_relative_to_the_whole_text(
    value: Any, header: list[str], trailer: str, options: dict[str, Any]
) -> None:
    prefix = "".join(line + "\n" for line in header)
    document = json.dumps(value, **options)
    text = prefix + document + "\n" + trailer
    index = scan(text, len(prefix), len(prefix) + len(document) + 1)
    assert index.value_offset("") == len(prefix)
    assert index.locate("") == (len(header) + 1, 1)
    check_index(text, index, value)


@settings(max_examples=200, deadline=None)
@given(
    members=st.lists(
        st.tuples(st.sampled_from(["a", "b", "a/b", "~", "é"]), json_values(max_leaves=5)),
        max_size=8,
    ),
    ensure_ascii=st.booleans(),
)
def test_duplicate_keys_last_wins_and_are_listed(
    members: list[tuple[str, Any]], ensure_ascii: bool
) -> None:
    # Hand-built text: Python dicts cannot hold duplicate keys.
    text = "{"
    seen: set[str] = set()
    expected_duplicates: list[tuple[str, int]] = []
    for position, (key, member) in enumerate(members):
        if position:
            text += ", "
        if key in seen:
            expected_duplicates.append(("/" + escape(key), len(text)))
        seen.add(key)
        text += (
            json.dumps(key, ensure_ascii=ensure_ascii)
            + ": "
            + json.dumps(member, ensure_ascii=ensure_ascii)
        )
    text += "}"

    index = scan(text)
    # Duplicates nested inside members are impossible here (members are real dicts).
    assert index.duplicates == expected_duplicates
    check_index(text, index, json.loads(text))


@settings(max_examples=200, deadline=None)
@given(
    value=json_values(st.one_of(scalars, st.sampled_from([math.nan, math.inf, -math.inf]))),
    options=dump_options,
)
def test_non_finite_constants_are_listed_in_text_order(value: Any, options: dict[str, Any]) -> None:
    text = json.dumps(value, **options)
    index = scan(text)
    expected = [
        (pointer, json.dumps(item))
        for pointer, _, item in walk(value)
        if isinstance(item, float) and not math.isfinite(item)
    ]
    assert [(pointer, token) for pointer, _, token in index.constants] == expected
    for pointer, offset, token in index.constants:
        assert index.value_offset(pointer) == offset
        assert text.startswith(token, offset)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.sampled_from(list('{}[],:" \n\\ntrueflsaN0-1.5eE+Infity/'))))
def test_malformed_input_raises_only_value_error(text: str) -> None:
    try:
        json.loads(text)
    except ValueError:
        json_accepts = False
    else:
        json_accepts = True
    try:
        scan(text)
    except ValueError:
        assert not json_accepts, "json accepted text that scan rejected"


@settings(max_examples=100, deadline=None)
@given(value=json_values(), options=dump_options)
def test_every_prefix_is_handled(value: Any, options: dict[str, Any]) -> None:
    text = json.dumps(value, **options)
    for cut in range(len(text)):
        try:
            json.loads(text[:cut])
        except ValueError:
            with pytest.raises(ValueError):
                scan(text, 0, cut)
        else:  # e.g. a shorter number, or the value without trailing whitespace
            assert scan(text, 0, cut).value_offset("") == 0


# --------------------------------------------------------------------------- examples

REQUEST = """\
{
  "name": "M51 colour",
  "proposal": "LCO2025A-001",
  "ipp_value": 1.05,
  "operator": "SINGLE",
  "observation_type": "NORMAL",
  "requests": [
    {
      "location": {"telescope_class": "1m0"},
      "configurations": [
        {
          "type": "EXPOSE",
          "instrument_type": "1M0-SCICAM-SINISTRO",
          "constraints": {
            "max_airmass": 1.6,
            "min_lunar_distance": 30.0
          },
          "instrument_configs": [
            {"exposure_time": 120.0, "exposure_count": 2}
          ]
        }
      ],
      "windows": [{"start": "2025-05-01T00:00:00Z", "end": "2025-05-08T00:00:00Z"}]
    }
  ]
}
"""


def test_request_document_positions() -> None:
    index = scan(REQUEST)
    constraints = "/requests/0/configurations/0/constraints"
    assert index.locate(f"{constraints}/max_airmass") == (15, 28)
    assert index.locate(f"{constraints}/max_airmass", at_key=True) == (15, 13)
    assert index.locate(f"{constraints}/min_lunar_distance") == (16, 35)
    assert index.locate("/requests/0/configurations/0/instrument_configs/0/exposure_count") == (
        19,
        56,
    )
    assert index.locate("/requests/0/windows/0/end", at_key=True) == (23, 53)
    assert index.locate("/requests/0/location/telescope_class") == (9, 39)
    assert index.locate("") == (1, 1)
    assert index.key_offset("") is None
    assert index.duplicates == []
    assert index.constants == []
    check_index(REQUEST, index, json.loads(REQUEST))


def test_missing_pointer_falls_back_to_nearest_existing_value() -> None:
    index = scan(REQUEST)
    constraints = "/requests/0/configurations/0/constraints"
    assert index.value_offset(f"{constraints}/max_lunar_phase") is None
    assert index.key_offset(f"{constraints}/max_lunar_phase") is None
    # The '{' of the parent object, even when the key is asked for.
    assert index.locate(f"{constraints}/max_lunar_phase") == (14, 26)
    assert index.locate(f"{constraints}/max_lunar_phase", at_key=True) == (14, 26)
    assert index.locate(f"{constraints}/a/b/c") == (14, 26)
    # Below a scalar, past the end of an array, a malformed index, no leading slash.
    assert index.locate(f"{constraints}/max_airmass/x") == (15, 28)
    assert index.locate("/requests/1/name") == (7, 15)
    assert index.locate("/requests/-") == (7, 15)
    assert index.locate("/requests/00") == (7, 15)
    assert index.locate("/requests/+0") == (7, 15)
    assert index.locate("requests") == (1, 1)


def test_array_items_have_no_key() -> None:
    index = scan('{"a": [10, 20]}')
    assert index.key_offset("/a/1") is None
    assert index.value_offset("/a/1") == 11
    assert index.locate("/a/1", at_key=True) == (1, 12)


def test_pointer_escaping_and_escaped_keys() -> None:
    text = r'{"a/b": 1, "m~n": 2, "~1": 3, "\u00e9\"\\\/": 4, "": {"": 5}, " ": 6}'
    index = scan(text)
    assert index.value_offset("/a~1b") == text.index("1,")
    assert index.value_offset("/m~0n") == text.index("2,")
    assert index.value_offset("/~01") == text.index("3,")
    assert index.value_offset('/é"\\~1') == text.index("4,")
    assert index.key_offset('/é"\\~1') == text.index(r'"\u00e9')
    assert index.value_offset("//") == text.index("5}")
    assert index.value_offset("/") == text.index('{"": 5')
    assert index.value_offset("/ ") == text.index("6}")
    assert index.value_offset("/a/b") is None


def test_duplicate_keys() -> None:
    text = '{\n  "a": {"x": 1, "x": 2},\n  "b": 3,\n  "a": [4],\n  "a": {"y": 5}\n}'
    index = scan(text)
    second_x = text.index('"x": 2')
    second_a = text.index('"a": [4]')
    third_a = text.index('"a": {"y"')
    assert index.duplicates == [("/a/x", second_x), ("/a", second_a), ("/a", third_a)]
    assert index.key_offset("/a") == third_a
    assert index.value_offset("/a/y") == text.index("5}")
    assert index.locate("/a", at_key=True) == (5, 3)
    # The overwritten values are gone, as with json.loads.
    assert index.value_offset("/a/0") is None
    assert index.value_offset("/a/x") is None
    assert json.loads(text) == {"a": {"y": 5}, "b": 3}


def test_duplicate_keys_after_json_unescaping() -> None:
    text = r'{"é": 1, "\u00e9": 2}'
    index = scan(text)
    assert index.duplicates == [("/é", text.index(r'"\u00e9'))]
    assert index.value_offset("/é") == text.index("2}")


def test_non_finite_constants() -> None:
    text = '{"a": NaN, "b": [Infinity, -Infinity, -1, 1e5], "c": "NaN"}'
    index = scan(text)
    assert index.constants == [
        ("/a", text.index("NaN"), "NaN"),
        ("/b/0", text.index("Infinity"), "Infinity"),
        ("/b/1", text.index("-Infinity"), "-Infinity"),
    ]
    assert index.value_offset("/b/2") == text.index("-1")
    assert index.value_offset("/b/3") == text.index("1e5")
    assert scan("NaN").constants == [("", 0, "NaN")]


def test_document_after_http_headers_gets_file_line_numbers() -> None:
    header = (
        "HTTP 200 OK\nAllow: GET, HEAD, OPTIONS\nContent-Type: application/json\nVary: Accept\n"
    )
    text = header + '{\n"count": 3,\n"results": [\n{"id": 7}\n]\n}\n'
    index = scan(text, len(header))
    assert index.locate("") == (5, 1)
    assert index.locate("/count") == (6, 10)
    assert index.locate("/results/0/id", at_key=True) == (8, 2)
    assert index.locate("/results/0/missing") == (8, 1)


def test_saved_api_page_fixture() -> None:
    path = FIXTURES / "requests-api-page.txt"  # in the repository: a missing one fails the test
    text = path.read_text(encoding="utf-8")
    start = text.index("\n{") + 1
    value, end = json.JSONDecoder().raw_decode(text, start)
    index = scan(text, start, end)
    check_index(text, index, value)
    assert index.locate("") == (text.count("\n", 0, start) + 1, 1)


def test_json_lines_each_line_scanned_in_place() -> None:
    lines = ['{"a": 1}', "", '  {"a": 22, "b": [true]}', '{"a": NaN}']
    text = "\n".join(lines) + "\n"
    line_start = 0
    for number, line in enumerate(lines, start=1):
        line_end = line_start + len(line)
        if line.strip():
            index = scan(text, line_start, line_end)
            assert index.locate("/a")[0] == number
            assert index.locate("/a") == (number, line.index(":") + 3)
        line_start = line_end + 1
    assert scan(text, text.index('{"a": NaN'), len(text)).constants == [
        ("/a", text.rindex("NaN"), "NaN")
    ]


def test_end_bounds_the_scan() -> None:
    text = '{"a": 1}{"b": 2}'
    assert scan(text, 0, 8).value_offset("/a") == 6
    assert scan(text, 8).value_offset("/b") == 14
    with pytest.raises(ValueError):
        scan(text)
    with pytest.raises(ValueError):
        scan(text, 0, 7)
    with pytest.raises(ValueError):
        scan('"abc"', 0, 4)
    with pytest.raises(ValueError):
        scan(text, 9, 3)


def test_unicode_columns_are_characters() -> None:
    text = '{"name": "Ω Cen ☃", "x": 1}'
    index = scan(text)
    # 26 characters in (29 in UTF-8 bytes).
    assert index.locate("/x") == (1, 26)
    assert scan('["😀", 5]').locate("/1") == (1, 7)
    assert scan('{"☃": [\n\t"Ω", 1]}').locate("/☃/1") == (2, 7)


def test_crlf_line_endings() -> None:
    text = '{\r\n  "a": 1,\r\n  "b": [\r\n    2\r\n  ]\r\n}\r\n'
    index = scan(text)
    assert index.locate("/a") == (2, 8)
    assert index.locate("/a", at_key=True) == (2, 3)
    assert index.locate("/b/0") == (4, 5)
    # The '\r' belongs to the line it ends.
    assert index.line_col(text.index("\r")) == (1, 2)
    assert index.line_col(len(text)) == (7, 1)


def test_line_col_edges() -> None:
    text = "[1,\n2]"
    index = scan(text)
    assert index.line_col(0) == (1, 1)
    assert index.line_col(3) == (1, 4)
    assert index.line_col(4) == (2, 1)
    with pytest.raises(ValueError):
        index.line_col(-1)


def test_byte_order_mark_is_skipped() -> None:
    index = scan('\ufeff{"a": 1}')
    assert index.value_offset("") == 1
    assert index.locate("/a") == (1, 8)


def test_scalar_and_empty_roots() -> None:
    for text in [
        "0",
        "-0.5e-3",
        "true",
        "false",
        "null",
        '"x"',
        "[]",
        "{}",
        " \n [ ] \n",
        "-Infinity",
    ]:
        index = scan(text)
        assert index.value_offset("") == len(text) - len(text.lstrip())
        assert index.value_offset("/0") is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "[1,]",
        '{"a": 1,}',
        "{",
        "[",
        "[1 2]",
        '{"a" 1}',
        '{"a": }',
        "{1: 2}",
        '{"a": 1]',
        "[1}",
        "]",
        "1 2",
        '"abc',
        '{"ab',
        "tru",
        "nul",
        "-",
        "01",
        "[-Inf]",
        "{,}",
        "[,]",
        '{"a":1 "b":2}',
    ],
)
def test_malformed_examples_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        scan(text)


DEPTH = 100_000


def test_deeply_nested_arrays() -> None:
    text = "[" * DEPTH + "]" * DEPTH
    started = time.perf_counter()
    index = scan(text)
    innermost = "/0" * (DEPTH - 1)
    assert index.value_offset(innermost) == DEPTH - 1
    assert index.value_offset(innermost + "/0") is None
    assert index.locate(innermost + "/0") == (1, DEPTH)
    assert time.perf_counter() - started < 5  # linear: about 0.1 s


def test_deeply_nested_objects() -> None:
    text = '{"a":' * DEPTH + "NaN" + "}" * DEPTH
    started = time.perf_counter()
    index = scan(text)
    innermost = "/a" * DEPTH
    assert index.value_offset(innermost) == 5 * DEPTH
    assert index.key_offset(innermost) == 5 * (DEPTH - 1) + 1
    assert index.constants == [(innermost, 5 * DEPTH, "NaN")]
    assert time.perf_counter() - started < 5


def test_deeply_nested_mixed_with_duplicates() -> None:
    text = '{"a":[' * DEPTH + "1" + "]}" * DEPTH
    text = text[:-1] + ', "a": 2}'
    index = scan(text)
    assert index.duplicates == [("/a", text.rindex('"a"'))]
    assert index.value_offset("/a") == len(text) - 2
    assert index.value_offset("/a/0") is None


def test_below_an_empty_object_or_array_falls_back_to_it() -> None:
    text = '{"a": {}, "b": [], "c": [{}, [ ], 3], "d": {"e": 1}}'
    index = scan(text)
    assert index.value_offset("/a") == 6
    assert index.value_offset("/a/x") is None
    assert index.locate("/a/x") == (1, 7)
    assert index.locate("/b/0") == (1, 16)
    assert index.locate("/c/0/x") == (1, 26)
    assert index.locate("/c/1/0") == (1, 30)
    assert index.value_offset("/c/2") == 34
    assert index.value_offset("/d/e") == 49


def test_a_large_array_is_indexed_in_machine_words() -> None:
    """A million items took 130 MB as Python objects; machine integers take about 50."""
    import tracemalloc

    text = json.dumps([0] * 200_000)
    tracemalloc.start()
    try:
        index = scan(text)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert index.value_offset("/199999") == len(text) - 2
    assert held < 60 * 200_000, f"{held / 200_000:.0f} bytes per item"
