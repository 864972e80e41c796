"""Archives: streaming documents out of big files, and the audit summary over them."""

from __future__ import annotations

import gc
import gzip
import json
import marshal
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from lco_validate.audit import archive
from lco_validate.audit import runner as audit
from lco_validate.audit.archive import iter_archive_documents, iter_archive_requests
from lco_validate.audit.runner import AuditOptions, run_audit
from lco_validate.cli import cli
from lco_validate.findings import Finding

from .conftest import SEED_PAGE, seed_page

CAPTURE = SEED_PAGE.read_text()


def page(requests: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": len(requests), "next": None, "previous": None, "results": requests}


@pytest.fixture(params=[1 << 20, 7], ids=["large-chunks", "tiny-chunks"])
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Tiny chunks make every document straddle many chunk boundaries."""
    monkeypatch.setattr(archive, "CHUNK_CHARACTERS", request.param)
    return int(request.param)


def test_concatenated_captures_are_split_into_pages(tmp_path: Path, chunk: int) -> None:
    path = tmp_path / "pages.txt"
    path.write_text(CAPTURE + "\n" + CAPTURE + CAPTURE)
    documents = list(iter_archive_documents(str(path)))
    assert [d.index for d in documents] == [0, 1, 2]  # type: ignore[union-attr]
    assert all(d.value == seed_page() for d in documents)  # type: ignore[union-attr]
    rows = path.read_text().split("\n")
    starts = [
        n + 1
        for n, row in enumerate(rows[:-1])
        if row == "{" and rows[n + 1] == '"count": 1090167,'
    ]
    assert [d.line for d in documents] == starts  # type: ignore[union-attr]


def test_documents_larger_than_a_chunk_are_decoded_once_after_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With read-ahead, a page cut short by the buffer is not decoded again and again."""
    monkeypatch.setattr(archive, "CHUNK_CHARACTERS", 64)
    attempts = 0
    decoder = archive._DECODER

    class CountingDecoder:
        def raw_decode(self, text: str, offset: int) -> tuple[Any, int]:
            nonlocal attempts
            attempts += 1
            return decoder.raw_decode(text, offset)

    monkeypatch.setattr(archive, "_DECODER", CountingDecoder())
    path = tmp_path / "pages.txt"
    path.write_text("\n".join([CAPTURE] * 5))
    documents = list(iter_archive_documents(str(path)))
    assert len(documents) == 5
    first_document_attempts = 1 + (len(CAPTURE) // 64).bit_length()  # the buffer doubles
    assert attempts <= first_document_attempts + 4


def test_json_lines_and_gzip(tmp_path: Path, chunk: int) -> None:
    requests = seed_page()["results"]
    path = tmp_path / "records.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        for request in requests:
            handle.write(json.dumps(request) + "\n")
    found = list(iter_archive_requests([str(tmp_path)]))
    assert [r.request for r in found] == requests
    assert [(r.document, r.pointer) for r in found] == [(i, "") for i in range(10)]


def test_a_broken_document_is_reported_and_reading_goes_on(tmp_path: Path, chunk: int) -> None:
    requests = seed_page()["results"][:3]
    lines = [
        json.dumps(requests[0]),
        '{"broken": ',
        json.dumps(requests[1]),
        json.dumps(requests[2]),
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines) + "\n")
    items = list(iter_archive_documents(str(path)))
    problems = [item for item in items if isinstance(item, Finding)]
    assert [(p.code, p.line) for p in problems] == [("J001", 2)]
    values = [item.value for item in items if not isinstance(item, Finding)]
    assert values == requests


def test_a_broken_page_is_skipped_up_to_the_next_page(tmp_path: Path, chunk: int) -> None:
    broken = CAPTURE.replace('"exposure_count": 1,', '"exposure_count": 1', 1)
    path = tmp_path / "pages.txt"
    path.write_text(CAPTURE + "\n" + broken + "\n" + CAPTURE + "\n")
    items = list(iter_archive_documents(str(path)))
    assert [type(item).__name__ for item in items] == [
        "ArchiveDocument",
        "Finding",
        "ArchiveDocument",
    ]
    assert items[2].value == seed_page()  # type: ignore[union-attr]


def test_request_groups_are_opened(tmp_path: Path) -> None:
    group = {"name": "g", "proposal": "p", "requests": seed_page()["results"][:2]}
    path = tmp_path / "groups.json"
    path.write_text(json.dumps(page([group, group])))
    found = list(iter_archive_requests([str(path)]))
    assert [r.pointer for r in found] == [
        "/results/0/requests/0",
        "/results/0/requests/1",
        "/results/1/requests/0",
        "/results/1/requests/1",
    ]


def archive_with_one_wrong_duration(tmp_path: Path) -> Path:
    wrong = seed_page()
    wrong["results"][6]["duration"] = 1030
    path = tmp_path / "archive.txt"
    path.write_text(CAPTURE + "\n" + json.dumps(wrong) + "\n" + CAPTURE)
    return path


@pytest.mark.parametrize("jobs", [1, 2])
def test_audit_summary(tmp_path: Path, jobs: int) -> None:
    path = archive_with_one_wrong_duration(tmp_path)
    collected: list[Finding] = []
    summary = run_audit([str(path)], AuditOptions(), jobs, on_findings=collected.extend)
    assert (summary.files, summary.documents, summary.requests) == (1, 3, 30)
    assert [(f.code, f.pointer, f.line) for f in collected] == [
        ("D001", "/results/6/duration", 23 * 0 + collected[0].line)
    ]
    report = summary.as_dict(1.0)
    assert report["findings_by_code"] == {"D001": 1}
    sinistro = report["duration_agreement"]["1M0-SCICAM-SINISTRO"]
    assert (sinistro["requests"], sinistro["compared"], sinistro["exact"]) == (9, 9, 8)
    assert sinistro["difference_histogram"]["+2..+10"] == 1
    assert report["duration_agreement"]["0M4-SCICAM-QHY600"]["exact_fraction"] == 1.0
    [worst] = report["worst_offenders"]
    assert (worst["difference"], worst["document"], worst["pointer"], worst["id"]) == (
        4,
        1,
        "/results/6",
        3763992,
    )


def test_audit_command_json_and_text(tmp_path: Path) -> None:
    path = archive_with_one_wrong_duration(tmp_path)
    result = CliRunner().invoke(cli, ["audit", str(path), "-j", "1", "-o", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [f["code"] for f in report["findings"]] == ["D001"]
    assert report["summary"]["requests"] == 30
    text = CliRunner().invoke(cli, ["audit", str(path), "-j", "1"]).stdout
    assert "Audited 1 file, 3 documents, 30 requests" in text
    assert "+4 s" in text and "/results/6" in text


def test_audit_of_a_clean_archive_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "clean.txt"
    path.write_text(CAPTURE)
    assert CliRunner().invoke(cli, ["audit", str(path), "-j", "1"]).exit_code == 0


def test_auditing_leaves_no_reference_cycles_and_restores_the_collector(tmp_path: Path) -> None:
    """What ``fewer_garbage_collections`` relies on: checked requests are freed by refcount."""
    broken = seed_page()
    broken["results"][0]["configurations"][0]["instrument_configs"][0]["mode"] = "no-such-mode"
    broken["results"][1]["duration"] += 7
    archive_file = tmp_path / "archive.json"
    archive_file.write_text(json.dumps(broken))
    threshold = gc.get_threshold()
    found: list[Finding] = []
    run_audit([str(archive_file)], AuditOptions(), 1, found.extend)  # fills the caches
    assert {finding.code for finding in found} >= {"R007", "D001"}
    assert gc.get_threshold() == threshold
    gc.collect()
    gc.disable()
    try:
        run_audit([str(archive_file)], AuditOptions(), 1, found.extend)
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "whole_file_bytes", [audit.WHOLE_FILE_BYTES, 40_000, 0], ids=["whole", "mixed", "split"]
)
def test_several_jobs_find_what_one_finds_whether_workers_or_main_split_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whole_file_bytes: int
) -> None:
    """Small files go to workers whole (they split them); larger ones are split by main."""
    monkeypatch.setattr(audit, "WHOLE_FILE_BYTES", whole_file_bytes)
    folder = tmp_path / "archive"
    folder.mkdir()
    wrong = seed_page()
    wrong["results"][3]["duration"] += 11
    (folder / "a.txt").write_text(CAPTURE + "\n" + json.dumps(wrong))
    broken = CAPTURE.replace('"exposure_count": 1,', '"exposure_count": 1', 1)
    (folder / "b.txt").write_text(CAPTURE + "\n" + broken + "\n" + CAPTURE)
    with gzip.open(folder / "c.jsonl.gz", "wt") as handle:
        handle.write("\n".join(json.dumps(request) for request in wrong["results"]) + "\n")

    def audited(jobs: int) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
        found: list[Finding] = []
        summary = run_audit([str(folder)], AuditOptions(), jobs, found.extend)
        report = summary.as_dict(1.0)
        del report["seconds"], report["requests_per_second"]
        return [(f.code, f.path, f.line, f.pointer) for f in found], report

    sizes = sorted(path.stat().st_size for path in folder.iterdir())
    assert sizes[0] < 40_000 < sizes[-1]  # "mixed": b.txt is split here, the others are not
    one, report = audited(1)
    assert {code for code, *_ in one} == {"D001", "J001"}
    assert (report["files"], report["documents"], report["requests"]) == (3, 14, 50)
    assert audited(2) == (one, report)


# ---------------------------------------------------------------- hostile archives


def read_codes(path: Path) -> list[str | None]:
    """What the reader yields, in order: a finding's code, or None for a document."""
    return [
        item.code if isinstance(item, Finding) else None
        for item in iter_archive_documents(str(path))
    ]


@pytest.mark.parametrize("depth", [600, 1000, 100_000])
def test_deep_nesting_in_an_archive_is_j011_and_reading_goes_on(
    tmp_path: Path, chunk: int, depth: int
) -> None:
    deep = "[" * depth + "]" * depth
    pages = tmp_path / "pages.txt"
    pages.write_text(CAPTURE + "\n" + deep + "\n" + CAPTURE)
    assert read_codes(pages) == [None, "J011", None]
    lines = tmp_path / "records.jsonl"
    lines.write_text('{"a": 1}\n' + deep + '\n{"b": 2}\n')
    assert read_codes(lines) == [None, "J011", None]


def test_corrupt_or_truncated_gzip_is_j017_after_the_documents_before_it(tmp_path: Path) -> None:
    whole = gzip.compress(((CAPTURE + "\n") * 300).encode(), mtime=0)  # 5.7 MB of text
    truncated = tmp_path / "truncated.txt.gz"
    truncated.write_bytes(whole[: len(whole) * 2 // 3])
    codes = read_codes(truncated)
    assert codes[-1] == "J017" and None in codes and codes.count("J017") == 1
    corrupt = tmp_path / "corrupt.txt.gz"
    corrupt.write_bytes(whole[:200] + bytes(100) + whole[300:])
    assert read_codes(corrupt)[-1] == "J017"
    not_gzip = tmp_path / "not.gz"
    not_gzip.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    assert read_codes(not_gzip) == ["J017"]
    result = CliRunner().invoke(cli, ["audit", str(corrupt), "-j", "1", "-o", "json"])
    assert result.exit_code == 1, result.output
    assert "J017" in json.loads(result.output)["summary"]["findings_by_code"]


def test_audit_reports_numbers_beyond_floating_point_and_surrogate_halves(tmp_path: Path) -> None:
    text = json.dumps(page(seed_page()["results"][:2]))
    text = text.replace('"exposure_time": 180.0', '"exposure_time": 1' + "0" * 300 + "e99", 1)
    text = text.replace('"name": "', '"name": "\\ud800', 1)
    path = tmp_path / "odd.json"
    path.write_text(text)
    found: list[Finding] = []
    run_audit([str(path)], AuditOptions(), 1, found.extend)
    by_code = {finding.code: finding for finding in found}
    assert by_code["J015"].pointer.endswith("/instrument_configs/0/exposure_time")
    assert by_code["J016"].pointer.startswith("/results/0/")
    in_workers: list[Finding] = []  # they get the cleaned value, not the text to parse again
    run_audit([str(path)], AuditOptions(), 2, in_workers.extend)
    assert in_workers == found
    result = CliRunner().invoke(cli, ["audit", str(path), "-j", "1", "--findings"])
    assert isinstance(result.exception, SystemExit), result.output  # exit 1, not a crash
    assert result.exit_code == 1


def test_a_document_beyond_the_cap_ends_the_file_with_j012(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(archive, "MAX_DOCUMENT_CHARACTERS", len(CAPTURE) + 100)
    small = json.dumps({"a": 1})
    long_line = json.dumps({"a": "x" * (len(CAPTURE) + 200)})
    lines = tmp_path / "records.jsonl"
    lines.write_text(f"{small}\n{long_line}\n{small}\n")
    assert read_codes(lines) == [None, "J012"]
    pages = tmp_path / "pages.txt"
    larger = json.dumps(page(seed_page()["results"] * 2), indent=1)
    pages.write_text(CAPTURE + "\n" + larger + "\n" + CAPTURE)
    assert read_codes(pages) == [None, "J012"]


def test_a_gzip_of_one_line_of_two_gibibytes_is_refused_promptly_in_little_memory(
    tmp_path: Path,
) -> None:
    """2 MB on disk: gzip members of 16 MiB each, repeated 128 times (the issue's reproduction)."""

    def member(data: bytes) -> bytes:
        return gzip.compress(data, compresslevel=9, mtime=0)

    bomb = tmp_path / "bomb.jsonl.gz"
    with open(bomb, "wb") as handle:
        handle.write(member(b'{"a": "'))
        handle.write(member(b"x" * (16 << 20)) * 128)
        handle.write(member(b'"}\n'))
    assert bomb.stat().st_size < 4 << 20
    probe = (
        "import json, resource, sys\n"
        "from lco_validate.audit.archive import iter_archive_documents\n"
        "codes = [getattr(item, 'code', None) for item in iter_archive_documents(sys.argv[1])]\n"
        "print(json.dumps([codes, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))\n"
    )
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-c", probe, str(bomb)], capture_output=True, text=True, timeout=120
    )
    seconds = time.monotonic() - started
    assert completed.returncode == 0, completed.stderr
    codes, peak_kib = json.loads(completed.stdout)
    assert codes == ["J012"]
    assert peak_kib < 400 << 10  # before: 4.1 GB; now about 150 MB (the 64 MiB cap, twice)
    assert seconds < 30  # before: 41 s, reading all 2 GiB


def test_audit_does_not_wait_on_a_fifo_or_read_a_device(tmp_path: Path) -> None:
    fifo = tmp_path / "pages.txt"
    os.mkfifo(fifo)
    completed = subprocess.run(
        [sys.executable, "-m", "lco_validate", "audit", "-j", "1", "--findings", str(fifo),
         "/dev/zero", str(SEED_PAGE)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert completed.returncode == 1, completed.stderr
    [refused] = [line for line in completed.stdout.splitlines() if ":1:1:" in line]
    assert refused.startswith("/dev/zero:1:1:") and "J020" in refused
    assert "character device" in refused
    assert "Audited 3 files, 1 document, 10 requests" in completed.stdout


# ---------------------------------------------------------------- one document per file, read fast


def _exactly(value: object) -> bytes:
    """Equal bytes for equal values of equal types (1, 1.0, True and -0.0 differ)."""
    return marshal.dumps(value, 2)  # format 2: no back-references, no interning marks


_NUMBER_LITERALS = st.builds(
    lambda sign, whole, fraction, exponent: f"{sign}{whole}{fraction}{exponent}",
    st.sampled_from(["", "-"]),
    st.one_of(st.just("0"), st.from_regex(r"[1-9][0-9]{0,25}", fullmatch=True)),
    st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,25}", fullmatch=True)),
    st.one_of(st.just(""), st.from_regex(r"[eE][+-]?[0-9]{1,3}", fullmatch=True)),
)
_TEXTS = st.text(st.characters(codec="utf-8"), max_size=8) | st.sampled_from(
    ["\\ud800", "\\udc00x", "\\ud83d\\ude00", "\\u0000", '\\"', "\\\\", "é", "\\/"]
)
_LITERALS = st.recursive(
    _NUMBER_LITERALS
    | _TEXTS.map(lambda text: json.dumps(text) if "\\" not in text else f'"{text}"')
    | st.sampled_from(["true", "false", "null", "NaN", "-Infinity", "1e400"]),
    lambda inner: (
        st.lists(inner, max_size=4).map(lambda items: f"[{', '.join(items)}]")
        | st.lists(st.tuples(_TEXTS.map(json.dumps), inner), max_size=4).map(
            lambda members: "{" + ", ".join(f"{key}: {value}" for key, value in members) + "}"
        )
    ),
    max_leaves=20,
)


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@settings(max_examples=400, deadline=None)
@given(text=_LITERALS)
def test_a_document_read_alone_is_what_the_standard_parser_reads(text: str) -> None:
    """Numbers of every size and form, escapes and surrogate halves: the same value, or no say."""
    value = archive._read_alone(text)
    if value is archive._UNREAD:
        return
    assert _exactly(value) == _exactly(json.loads(text))


def test_an_api_page_is_read_alone() -> None:
    text = json.dumps(seed_page())
    assert _exactly(archive._read_alone(text)) == _exactly(json.loads(text))


@pytest.mark.parametrize(
    "literal", ["12345678901234567890", "-9223372036854775809", "1e400", "NaN", '"\\ud800"']
)
def test_what_orjson_would_read_otherwise_is_left_to_the_standard_parser(literal: str) -> None:
    assert archive._read_alone(f'{{"results": [{literal}]}}') is archive._UNREAD


def test_a_file_of_one_page_reads_as_the_standard_parser_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "page.json"
    path.write_text("HTTP 200 OK\nContent-Type: application/json\n\n" + json.dumps(seed_page()))
    fast = list(iter_archive_documents(str(path)))
    monkeypatch.setattr(archive, "_read_alone", lambda text: archive._UNREAD)
    standard = list(iter_archive_documents(str(path)))
    assert fast == standard  # path, index, line and text
    assert [_exactly(d.value) for d in fast] == [_exactly(d.value) for d in standard]  # type: ignore[union-attr]
