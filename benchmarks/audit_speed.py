"""Audit throughput against the parse floor, and peak memory.

Run: python benchmarks/audit_speed.py ARCHIVE [--jobs N] [--repeat N]
(ARCHIVE: a file or a folder of them, made with benchmarks/generate_archive.py).  Prints:
  * the parse floor: the time to merely parse every document of the archive
    with the fastest JSON parser installed (orjson if present, else json);
  * audit throughput (schema + rules + durations) in requests per second, and
    its ratio to the floor; with --repeat, the median run and every run's time
    (a shared machine's speed can change by a fifth from one run to the next);
  * the peak resident memory of the largest audit process (main or worker).
Asserts nothing: speed goals are measured, not tested.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lco_validate.audit.archive import ARCHIVE_INCLUDE, iter_archive_documents
from lco_validate.documents.loading import expand_paths


def parse_floor(path: str) -> tuple[float, int, str]:
    """Seconds to parse every document's text (split out beforehand), and the request count."""
    try:
        import orjson

        loads, name = orjson.loads, "orjson"
    except ImportError:
        loads, name = json.loads, "json"
    texts = [
        document.text
        for file in expand_paths([path], include=ARCHIVE_INCLUDE)
        for document in iter_archive_documents(file)
        if hasattr(document, "text")
    ]
    gc.disable()  # the floor: parsing only, no collector passes over what was parsed
    started = time.perf_counter()
    requests = 0
    for text in texts:
        value = loads(text)
        requests += len(value["results"]) if isinstance(value, dict) and "results" in value else 1
    elapsed = time.perf_counter() - started
    gc.enable()
    return elapsed, requests, name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("archive")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=1, help="audit runs; the median is reported")
    arguments = parser.parse_args()

    command = [
        sys.executable,
        "-m",
        "lco_validate",
        "audit",
        arguments.archive,
        "--jobs",
        str(arguments.jobs),
        "-o",
        "json",
    ]
    runs = []
    for _ in range(max(arguments.repeat, 1)):
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        runs.append(time.perf_counter() - started)
    elapsed = statistics.median(runs)
    summary = json.loads(completed.stdout[completed.stdout.index('"summary":') + 10 : -2])
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest process
    # The floor comes second: it holds the whole archive's text, which a process forked
    # after it would count in its peak memory.
    floor, requests, parser_name = parse_floor(arguments.archive)
    print(
        f"archive: {arguments.archive} ({Path(arguments.archive).stat().st_size / 2**20:.0f} MiB)"
    )
    print(
        f"parse floor ({parser_name}): {floor:.2f} s for {requests:,} requests "
        f"= {requests / floor:,.0f} requests/s"
    )
    rate = summary["requests"] / elapsed
    print(
        f"audit --jobs {arguments.jobs}: {elapsed:.2f} s wall for {summary['requests']:,} "
        f"requests = {rate:,.0f} requests/s ({elapsed / floor:.1f}x the parse floor)"
    )
    if len(runs) > 1:
        print(f"median of {len(runs)} runs: " + ", ".join(f"{run:.2f} s" for run in runs))
    print(f"peak RSS of the largest audit process: {peak_kib / 1024:.0f} MiB")
    found = ", ".join(f"{code} {count:,}" for code, count in summary["findings_by_code"].items())
    print(f"findings: {found or 'none'}")


if __name__ == "__main__":
    main()
