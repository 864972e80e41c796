"""Costs grow linearly with the input, and a file's findings are bounded in number.

Each timing compares N = 1,000 with N = 8,000 items: linear costs give a
ratio near 8, quadratic ones 64.  The bound is a loose 16 (twice linear) and
each time is the best of a few runs, so a busy machine does not fail it; the
printed ratios of benchmarks/scaling.py are the measurement.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lco_validate.catalogue.snapshot import load_catalogue
from lco_validate.checking import pipeline
from lco_validate.checking.pipeline import (
    MOST_FINDINGS,
    check_document,
    check_file,
    fewer_garbage_collections,
)
from lco_validate.checking.policy import Policy, Settings
from lco_validate.findings import Severity
from lco_validate.rules import Pointers
from lco_validate.server.validate import answer_text

from .conftest import REPO

SMALL, LARGE = 1_000, 8_000
RUNS = 3

SETTINGS = Settings(catalogue=load_catalogue(), now=datetime(2030, 6, 1, tzinfo=UTC))


def best_time(run: Callable[[], object], runs: int = RUNS) -> float:
    """The fastest of ``runs``, collecting garbage as rarely as the commands and the server do."""
    times = []
    with fewer_garbage_collections():
        for _ in range(runs):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
    return min(times)


def assert_linear(prepare: Callable[[int], Callable[[], object]], large_count: int = LARGE) -> None:
    """The large run takes at most twice the linear ratio times the small one's best time.

    The large input is tried up to RUNS times and passes at its first fast
    run; one far beyond the bound fails at once rather than waiting out a
    quadratic cost again.
    """
    linear = large_count // SMALL
    loosest = 2 * linear
    prepare(10)()  # imports, compiled schemas, caches
    small = best_time(prepare(SMALL), runs=2 * RUNS)  # short: the most disturbed by a busy machine
    large = prepare(large_count)
    ratios = []
    for _ in range(RUNS):
        ratios.append(best_time(large, runs=1) / small)
        if ratios[-1] < loosest or ratios[-1] > 3 * loosest:
            break
    assert min(ratios) < loosest, (
        f"t({large_count:,})/t({SMALL:,}) = {min(ratios):.1f} (runs: {ratios}); "
        f"linear is {linear}, at most {loosest} allowed; small run {small:.3f} s"
    )


def valid_group() -> dict[str, Any]:
    return json.loads((REPO / "fixtures" / "valid" / "request-group.json").read_text())  # type: ignore[no-any-return]


def served(document: Callable[[int], object]) -> Callable[[int], Callable[[], object]]:
    def prepare(count: int) -> Callable[[], object]:
        body = json.dumps(document(count)).encode()
        return lambda: answer_text(body, SETTINGS)

    return prepare


def configurations_each_with_a_problem(count: int) -> dict[str, Any]:
    """One request of ``count`` configurations with distinct targets and an unknown filter."""
    group = valid_group()
    request = group["requests"][0]
    template = json.dumps(request["configurations"][0])
    configurations = []
    for index in range(count):
        configuration = json.loads(template)
        configuration["target"].update(name=f"T{index}", ra=index * 0.0371 % 360)
        configuration["instrument_configs"][0]["optical_elements"] = {"filter": "none such"}
        configurations.append(configuration)
    request["configurations"] = configurations
    group.update(requests=[request], operator="SINGLE")
    return group


def test_the_server_answers_a_group_of_empty_requests_in_linear_time() -> None:
    assert_linear(served(lambda count: {"requests": [{} for _ in range(count)]}))


def test_the_server_answers_a_request_of_many_configurations_in_linear_time() -> None:
    status, answer = answer_text(
        json.dumps(configurations_each_with_a_problem(3)).encode(), SETTINGS
    )
    assert status == 200
    assert [list(entry) for entry in answer["errors"]["requests"][0]["configurations"]] == [
        ["instrument_configs"]
    ] * 3
    assert_linear(served(configurations_each_with_a_problem))


def test_check_reads_json_lines_in_linear_time(tmp_path: Path) -> None:
    def prepare(count: int) -> Callable[[], object]:
        path = tmp_path / f"{count}.jsonl"
        path.write_text("{}\n" * count)
        return lambda: check_file(str(path), SETTINGS)

    assert_linear(prepare)


def test_schema_findings_in_one_object_of_many_members_sort_in_linear_time() -> None:
    def prepare(count: int) -> Callable[[], object]:
        group = valid_group()
        configuration = group["requests"][0]["configurations"][0]
        elements = configuration["instrument_configs"][0]["optical_elements"]
        elements.update({f"wheel_{index}": [index] for index in range(count)})
        return lambda: check_document(group, SETTINGS)

    found = prepare(3)()
    assert [finding.code for finding in found] == ["S001"] * 3  # type: ignore[attr-defined]
    # Sorting them once cost a pass over the object's keys per finding: at 8,000 that
    # quadratic term is still small beside the rest, so the spread is wider here.
    assert_linear(prepare, large_count=16 * SMALL)


# -- the indexes that keep it linear ---------------------------------------------------------


def test_pointers_lying_under_an_object_are_its_own_and_its_descendants() -> None:
    pointers = Pointers(["/requests/1/windows/0", "/requests/10", "/requests/1", "/name"])
    assert list(pointers.lying_under("/requests/1")) == [
        "/requests/1/windows/0",
        "/requests/1",
    ]
    assert pointers.holds_any("/requests/1/windows")
    assert pointers.holds_any("/requests/10")
    assert not pointers.holds_any("/requests/2")
    assert not pointers.holds_any("/requests/1/windows/1")
    assert not pointers.lying_under("/requests/1/configurations")
    assert pointers.holds_any("")  # the whole document holds every one
    assert not Pointers([]).holds_any("")


# -- a bounded number of findings per file ---------------------------------------------------


def test_findings_past_the_limit_are_counted_in_one_j018_where_they_start(tmp_path: Path) -> None:
    path = tmp_path / "numbers.json"
    path.write_text(json.dumps([0] * (MOST_FINDINGS + 5)))
    found = check_file(str(path), SETTINGS).findings
    assert len(found) == MOST_FINDINGS + 1
    assert {finding.code for finding in found[:-1]} == {"J013"}
    notice = found[-1]
    assert (notice.code, notice.severity, notice.pointer) == ("J018", Severity.ERROR, "/100000")
    assert (notice.line, notice.column) == (1, 2 + 3 * MOST_FINDINGS)  # where item 100,000 is
    assert "5 more" in notice.message and "(5 errors)" in notice.message


def test_the_notice_is_as_severe_as_the_worst_finding_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pipeline, "MOST_FINDINGS", 2)
    group = valid_group()
    group.update({f"unknown_{index}": index for index in range(4)})
    found = check_document(group, SETTINGS)
    assert [finding.code for finding in found] == ["S101", "S101", "J018"]
    assert found[-1].severity is Severity.WARNING
    assert found[-1].pointer == "/unknown_2"
    assert "(2 warnings)" in found[-1].message

    ignoring = Settings(SETTINGS.catalogue, SETTINGS.now, policy=Policy.of(ignore=["S101"]))
    assert check_document(group, ignoring) == []  # ignored findings do not count


@pytest.mark.parametrize(
    ("policy", "codes", "notice_severity"),
    [
        (Policy.of(ignore=["J018"]), ["S101", "S101"], None),
        (Policy.of(ignore=["J"]), ["S101", "S101"], None),
        (Policy.of(select=["S"]), ["S101", "S101"], None),  # as J020 and every J code are
        (Policy.of(select=["S", "J018"]), ["S101", "S101", "J018"], Severity.WARNING),
        (Policy.of(severity={"J018": "error"}), ["S101", "S101", "J018"], Severity.ERROR),
    ],
    ids=["ignored", "ignored-by-prefix", "not-selected", "selected", "severity-override"],
)
def test_the_notice_obeys_the_run_policy_like_any_finding(
    monkeypatch: pytest.MonkeyPatch,
    policy: Policy,
    codes: list[str],
    notice_severity: Severity | None,
) -> None:
    monkeypatch.setattr(pipeline, "MOST_FINDINGS", 2)
    group = valid_group()
    group.update({f"unknown_{index}": index for index in range(4)})
    found = check_document(group, Settings(SETTINGS.catalogue, SETTINGS.now, policy=policy))
    assert [finding.code for finding in found] == codes
    if notice_severity is not None:
        assert found[-1].severity is notice_severity


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak from /proc")
def test_check_of_a_million_element_array_stays_within_a_few_hundred_megabytes(
    tmp_path: Path,
) -> None:
    """The issue's 3 MB array of numbers peaked near 1 GB: a finding kept per element."""
    path = tmp_path / "numbers.json"
    path.write_text(json.dumps([0] * 1_000_000))
    measured = (
        "import atexit, runpy, sys\n"
        "def peak():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            sys.stderr.write(f'peak-kib {line.split()[1]}\\n')\n"
        "atexit.register(peak)\n"
        "sys.argv = ['lco-validate', 'check', '-q', sys.argv[1]]\n"
        "runpy.run_module('lco_validate', run_name='__main__')\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", measured, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 1, completed.stderr
    peaks = [line.split()[1] for line in completed.stderr.splitlines() if line.startswith("peak")]
    assert int(peaks[-1]) < 400 * 1024, f"peak RSS {int(peaks[-1]) // 1024} MiB"
