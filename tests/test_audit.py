"""Archives: streaming documents out of big files, and the audit summary over them."""

from __future__ import annotations

import gc
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

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
