"""Smoke runs of the archive and server benchmarks: they still run and print what they promise.

Speeds are measured by hand (see the README), never asserted here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

BENCHMARKS = REPO / "benchmarks"


def run(script: str, *arguments: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *arguments],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return completed.stdout + completed.stderr


def test_generate_then_audit_a_small_cadence_archive(tmp_path: Path) -> None:
    archive = tmp_path / "archive.txt"
    generated = run(
        "generate_archive.py",
        *("--requests", "60", "--seed", "3", "--cadence", "3", "--page-size", "25"),
        *("--wrong-fraction", "0.1", "--out", str(archive)),
    )
    assert re.search(r"wrote 60 requests in 3 documents", generated)
    wrong = (tmp_path / "archive.txt.wrong.jsonl").read_text().splitlines()

    measured = run("audit_speed.py", str(archive), "--jobs", "1", "--repeat", "3")
    assert re.search(r"parse floor \(\w+\): [\d.]+ s for 60 requests", measured)
    assert re.search(r"audit --jobs 1: [\d.]+ s wall for 60 requests = [\d,]+ requests/s", measured)
    assert re.search(r"median of 3 runs: [\d.]+ s, [\d.]+ s, [\d.]+ s\n", measured)
    assert re.search(r"peak RSS of the largest audit process: \d+ MiB", measured)
    assert f"findings: D001 {len(wrong)}\n" in measured
    assert len(wrong) >= 1

    split = run("split_archive.py", str(archive), str(tmp_path / "pages"))
    assert "wrote 3 files" in split
    from_folder = run("audit_speed.py", str(tmp_path / "pages"), "--jobs", "2")
    assert re.search(r"audit --jobs 2: [\d.]+ s wall for 60 requests", from_folder)
    assert f"findings: D001 {len(wrong)}\n" in from_folder


@pytest.mark.loopback
def test_serve_speed_prints_rate_and_latency_per_client_count_without_the_portal() -> None:
    printed = run("serve_speed.py", "--seconds", "0.3", "--clients", "1,2", "--no-portal")
    for clients in (1, 2):
        assert re.search(
            rf"lco-validate serve, HTTP +{clients} +[\d,]+ +[\d,.]+ +[\d.]+ +[\d.]+\n", printed
        ), printed
    assert "real portal: not measured (--no-portal)\n" in printed
    assert "accepted: by serve 10 of 10 groups\n" in printed


@pytest.mark.loopback
def test_serve_load_prints_throughput_latency_and_memory() -> None:
    printed = run("serve_load.py", "--seconds", "0.3")
    assert re.search(
        r"server RSS after warm-up: [\d,]+ MiB in \d+ processes \(peaks summed [\d,]+ MiB\)\n",
        printed,
    )
    for phase in (r"sequential \(1 client\)", r"16 clients"):
        assert re.search(
            phase + r": \d+ requests in [\d.]+ s = [\d,.]+ requests/s, "
            r"p50 [\d.]+ ms, p99 [\d.]+ ms\n",
            printed,
        ), printed
        assert re.search(r"server RSS after " + phase + r": [\d,]+ MiB", printed), printed


def test_scaling_prints_times_ratios_and_peaks() -> None:
    printed = run("scaling.py", "--quick", "--sizes", "10", "20", "--repeat", "1")
    shapes = re.findall(r"\n {4}10: [\d.]+ {2}20: [\d.]+ {2}ratio [\d.]+\n", printed)
    assert len(shapes) == 8, printed
    assert "server: group of N empty requests\n" in printed
    for large in (r"JSON Lines of 10,000 \{\} lines", r"a JSON array of 100,000 numbers"):
        assert re.search(large + r" \([\d.]+ MiB\): [\d.]+ s, exit 1, peak \d+ MiB\n", printed)
