"""No input can make the tool fail: whatever the bytes, a clean pass or located findings.

Hand-picked cases first (each names what the portal does with it), then
properties: arbitrary bytes, arbitrary JSON values placed inside valid
documents, and byte-level mutations of the valid fixtures.  Every run also
renders the findings in every output format, as UTF-8, as the CLI would.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lco_validate.catalogue.snapshot import load_catalogue
from lco_validate.checking.pipeline import FileResult, check_file, check_source
from lco_validate.checking.policy import Settings
from lco_validate.checking.summary import Summary
from lco_validate.documents.loading import SourceFile, expand_paths, load_bytes
from lco_validate.findings import Finding, Severity
from lco_validate.reporters import FORMATS, reporter

from .conftest import REPO, SEED_PAGE

GROUP = REPO / "fixtures" / "valid" / "request-group.json"
NOW = datetime(2030, 6, 1, tzinfo=UTC)
QUIET = Settings(catalogue=load_catalogue(), now=NOW, visibility=False)
FULL = Settings(catalogue=load_catalogue(), now=NOW, visibility=True)


def checked(data: bytes, settings: Settings = QUIET, name: str = "x.json") -> FileResult:
    """Load, check and render ``data``; fails the test on any exception or unlocated finding."""
    source = SourceFile(path=name)
    load_bytes(source, data, json_lines=name.endswith(".jsonl"))
    result = check_source(source, settings)
    for finding in result.findings:
        assert finding.line >= 1 and finding.column >= 1, finding
        assert finding.code and finding.message and isinstance(finding.severity, Severity)
    for name_of_format in FORMATS:
        stream = io.StringIO()
        reporter(name_of_format)([result], Summary(), stream)
        stream.getvalue().encode("utf-8")  # what stdout must be able to carry
    return result


def codes(result: FileResult) -> list[str]:
    return [finding.code for finding in result.findings]


def only(result: FileResult, code: str) -> Finding:
    [finding] = [finding for finding in result.findings if finding.code == code]
    return finding


def group_with(path: tuple[str | int, ...], raw: str) -> bytes:
    """The valid request group as JSON text with ``raw`` written at ``path``."""
    document = json.loads(GROUP.read_text())
    node = document
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = "@@raw@@"
    return json.dumps(document, indent=1).replace('"@@raw@@"', raw).encode()


INSTRUMENT_CONFIG = ("requests", 0, "configurations", 0, "instrument_configs", 0)


def position_of(data: bytes, raw: str) -> tuple[int, int]:
    text = data.decode()
    offset = text.index(raw)
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


# ---------------------------------------------------------------- numbers


def test_an_integer_too_long_to_read_is_a_located_finding_and_the_document_is_refused() -> None:
    raw = "9" * 5000
    data = group_with((*INSTRUMENT_CONFIG, "exposure_count"), raw)
    result = checked(data)
    assert codes(result) == ["J014"]  # the portal's parser refuses the whole document
    finding = only(result, "J014")
    assert (finding.line, finding.column) == position_of(data, raw)
    assert "5,000 digits" in finding.message


def test_a_long_integer_is_refused_wherever_it_stands() -> None:
    data = group_with(
        ("requests", 0, "configurations", 0, "extra_params"), '{"n": -' + "1" * 4301 + "}"
    )
    assert codes(checked(data)) == ["J014"]


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("exposure_time", "1" + "0" * 400),  # the portal: "too large to convert to float"
        ("exposure_time", "1e400"),  # the portal: a server error
        ("exposure_count", "-1e400"),  # the portal: "a valid integer is required"
    ],
)
def test_numbers_beyond_floating_point_are_errors_where_they_stand(field: str, raw: str) -> None:
    data = group_with((*INSTRUMENT_CONFIG, field), raw)
    result = checked(data)
    finding = only(result, "J015")
    assert finding.severity is Severity.ERROR
    assert (finding.line, finding.column) == position_of(data, raw)
    assert finding.pointer == "/requests/0/configurations/0/instrument_configs/0/" + field


def test_an_absurd_number_elsewhere_is_reported_without_failing_a_rule() -> None:
    huge = "1" + "0" * 400
    for path in [
        ("ipp_value",),
        ("requests", 0, "acceptability_threshold"),
        ("requests", 0, "configurations", 0, "target", "ra"),
        (*INSTRUMENT_CONFIG, "extra_params"),
    ]:
        raw = huge if path[-1] != "extra_params" else '{"offset_ra": ' + huge + "}"
        assert "J015" in codes(checked(group_with(path, raw), FULL)), path


@pytest.mark.parametrize(
    "raw",
    [
        "1" + "0" * 300 + "e99",  # fewer than 309 digits, a two-digit exponent
        "1" + "0" * 300 + ".5e99",
        "0." + "0" * 20 + "1e400",  # the exponent outweighs the leading zeros
        "-1e309",
        "1E+0309",
        "17976931348623159" + "e292",  # just past the largest double
    ],
)
def test_every_literal_beyond_floating_point_is_j015_however_written(raw: str) -> None:
    assert float(raw) in (float("inf"), float("-inf"))  # as the portal's parser reads it
    data = group_with((*INSTRUMENT_CONFIG, "exposure_time"), raw)
    finding = only(checked(data), "J015")
    assert (finding.line, finding.column) == position_of(data, raw)


@pytest.mark.parametrize(
    "raw",
    [
        "1" + "0" * 400 + "e-300",  # a huge mantissa with a negative exponent: 1e100
        "0." + "0" * 400 + "1e400",  # 1e-1
        "1e-400",  # underflows to 0: small, not beyond floating point
        "17976931348623157" + "e292",  # the largest double itself
    ],
)
def test_finite_literals_however_written_are_not_j015(raw: str) -> None:
    assert float(raw) not in (float("inf"), float("-inf"))
    data = group_with((*INSTRUMENT_CONFIG, "exposure_time"), raw)
    assert "J015" not in codes(checked(data))


def test_the_server_refuses_a_number_beyond_floating_point_however_written() -> None:
    from lco_validate.server.validate import answer_text

    data = group_with((*INSTRUMENT_CONFIG, "exposure_time"), "1" + "0" * 300 + "e99")
    status, answer = answer_text(data, QUIET)
    assert answer["request_durations"] == {}
    configuration = answer["errors"]["requests"][0]["configurations"][0]
    [message] = configuration["instrument_configs"][0]["exposure_time"]
    assert (status, message[:4]) == (200, "J015")


def test_an_infinity_literal_is_j003_only() -> None:
    data = group_with((*INSTRUMENT_CONFIG, "exposure_time"), "Infinity")
    assert "J003" in codes(checked(data))
    assert "J015" not in codes(checked(data))


# ---------------------------------------------------------------- text


def test_half_a_surrogate_pair_in_text_is_an_error_and_never_reaches_the_output() -> None:
    data = group_with(("requests", 0, "configurations", 0, "target", "name"), '"L9\\ud8005"')
    result = checked(data)
    finding = only(result, "J016")
    assert finding.severity is Severity.ERROR  # the portal: "Surrogate characters are not allowed"
    assert finding.pointer == "/requests/0/configurations/0/target/name"
    assert "\\ud800" in finding.message


def test_half_a_surrogate_pair_as_a_key_is_a_warning() -> None:
    data = group_with((*INSTRUMENT_CONFIG, "extra_params"), '{"\\udfff": 1}')
    finding = only(checked(data), "J016")
    assert finding.severity is Severity.WARNING  # the portal stores it
    assert finding.at_key


def test_a_full_surrogate_pair_is_an_ordinary_character() -> None:
    data = group_with(("name",), '"rocket \\ud83d\\ude80"')
    assert "J016" not in codes(checked(data))


def test_megabytes_of_text_are_a_length_finding() -> None:
    data = group_with(
        ("requests", 0, "configurations", 0, "target", "name"), json.dumps("x" * 5_000_000)
    )
    assert "S005" in codes(checked(data))


def test_deep_nesting_inside_a_valid_document_is_checked() -> None:
    data = group_with((*INSTRUMENT_CONFIG, "extra_params"), '{"a": ' + "[" * 500 + "]" * 500 + "}")
    checked(data)


# ---------------------------------------------------------------- paths


def test_a_fifo_without_a_writer_reads_as_empty_instead_of_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "requests.json"
    os.mkfifo(fifo)
    started = time.monotonic()
    assert [f.code for f in check_file(str(fifo), QUIET).findings] == ["J008"]
    assert time.monotonic() - started < 5


def test_a_fifo_with_a_writer_is_read_to_its_end(tmp_path: Path) -> None:
    fifo = tmp_path / "requests.json"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as stream:
            stream.write(GROUP.read_bytes())

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.2)  # the writer opens first, as with a shell's <(...)
    result = check_file(str(fifo), QUIET)
    writer.join(timeout=5)
    assert result.requests == 2


def test_devices_are_refused_without_reading() -> None:
    [finding] = check_file("/dev/zero", QUIET).findings
    assert finding.code == "J020"
    assert "character device" in finding.message


def test_symlink_loops_in_a_directory_end(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "up").symlink_to(tmp_path)
    (tmp_path / "self.json").symlink_to(tmp_path / "self.json")
    (tmp_path / "a" / "request.json").write_bytes(GROUP.read_bytes())
    found = list(expand_paths([str(tmp_path)]))
    assert found == [str(tmp_path / "a" / "request.json")]
    [finding] = check_file(str(tmp_path / "self.json"), QUIET).findings
    assert finding.code == "J020"


def test_a_file_that_vanishes_after_it_was_listed_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "gone.json"
    path.write_bytes(GROUP.read_bytes())
    [listed] = list(expand_paths([str(tmp_path)]))
    path.unlink()
    assert [f.code for f in check_file(listed, QUIET).findings] == ["J020"]


# ---------------------------------------------------------------- properties


@dataclass(frozen=True)
class Raw:
    """JSON text written as it is: tokens no encoder writes (5,000 digits, 1e400)."""

    text: str


def dumps(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dumps(item) for item in value) + "]"
    return json.dumps(value)  # NaN and Infinity as Python writes them; non-ASCII escaped


ODD_TEXT = st.sampled_from(["\ud800", "a\udfffb", "\ufeff", "\x00", "\u202e", "é", "🚀"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),  # NaN and infinities included
    st.text(max_size=20),
    ODD_TEXT,
    st.builds(lambda digits: Raw("9" * digits), st.integers(300, 6000)),
    st.sampled_from([Raw("1e400"), Raw("-1e999"), Raw("1e-400"), Raw("-0.0"), Raw("1E+308")]),
)
KEYS = st.one_of(
    st.sampled_from(["type", "mode", "exposure_time", "extra_params", "requests", "name"]),
    st.text(max_size=8),
    ODD_TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)
DEEP = st.integers(1, 520).map(lambda depth: Raw("[" * depth + "]" * depth))


def places(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, member in value.items():
            found += places(member, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += places(item, (*path, index))
    return found


GROUP_VALUE = json.loads(GROUP.read_text())
PLACES = places(GROUP_VALUE)
FIXTURE_BYTES = [GROUP.read_bytes(), SEED_PAGE.read_bytes()]
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_located_findings_or_a_pass(data: bytes) -> None:
    checked(data)
    checked(data, name="x.jsonl")


@PROPERTY
@given(JSON_VALUES)
def test_arbitrary_json_values_as_documents(value: Any) -> None:
    checked(dumps(value).encode())


@PROPERTY
@given(st.sampled_from(PLACES), st.one_of(JSON_VALUES, DEEP), st.booleans())
def test_arbitrary_values_inside_a_valid_request_group(
    path: tuple[str | int, ...], value: Any, visibility: bool
) -> None:
    document = json.loads(json.dumps(GROUP_VALUE))
    node = document
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    checked(dumps(document).encode(), FULL if visibility else QUIET)


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(FIXTURE_BYTES)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["replace", "insert", "delete", "repeat"]))
        if action == "replace":
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 40))]
    return bytes(data)


@PROPERTY
@given(mutated_fixtures(), st.sampled_from(["x.json", "x.jsonl", "x.txt"]))
def test_byte_mutations_of_the_valid_fixtures(data: bytes, name: str) -> None:
    checked(data, name=name)
