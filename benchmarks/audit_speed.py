"""Audit throughput against the parse floor, and peak memory.

Two ways to run it:

* ``python benchmarks/audit_speed.py ARCHIVE [--jobs N] [--repeat N]`` on one archive
  (a file or a folder of them, made with benchmarks/generate_archive.py).  Prints the
  parse floor (the time to merely parse every document with orjson, the fastest JSON
  parser there is), the audit's throughput (schema + rules +
  durations) in requests per second and its ratio to the floor (with --repeat, the
  median run and every run's time), the peak resident memory of the largest audit
  process and the findings by code.

* ``python benchmarks/audit_speed.py [--requests 50000] [--jobs 1,2] [--repeat 3]
  [--seed 1] [--layout folder|file] [--keep DIR]`` without ARCHIVE: builds three
  archives of the same size and prints one table, each beside its own parse floor
  measured in the same run:

  - ``repeated``: the seed page's requests again and again, each copy with new ids
    and new coordinates: every configuration repeats exactly (what a per-configuration
    cache answers);
  - ``varied``: the same seed requests with the variety a real archive has, drawn
    with the seed: exposure times from a realistic set, exposure counts 1-6, the
    filters in another order, now and then one instrument configuration fewer (the
    recorded duration is the model's for the new request);
  - ``synthetic``: ``lco_validate.synthetic``'s archive (one record in a hundred with
    a wrong recorded duration).

  Each cell is the best of ``--repeat`` runs (a shared machine's speed changes by a
  fifth from one run to the next; the ratio to the floor, measured alongside, moves
  less).  ``--layout folder`` (the default) writes each archive as one file per API
  page of 1,000 requests, as an archive is fetched; ``file`` as one file of captured
  pages, which the main process splits for the workers.

Asserts nothing: speed goals are measured, not tested.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from lco_validate.audit.archive import ARCHIVE_INCLUDE, iter_archive_documents
from lco_validate.documents.loading import expand_paths

REPO = Path(__file__).resolve().parent.parent
SEED_PAGE = REPO / "fixtures" / "requests-api-page.txt"
PAGE_SIZE = 1000
ARCHIVES = ("repeated", "varied", "synthetic")
#: Exposure times people ask for (s), and how often, for the varied archive.
EXPOSURE_TIMES = {
    1: 1,
    2: 2,
    5: 4,
    10: 8,
    15: 5,
    20: 8,
    30: 12,
    45: 5,
    60: 12,
    90: 6,
    120: 10,
    180: 10,
    240: 5,
    300: 8,
    600: 4,
}
#: How often a varied copy drops one of its instrument configurations.
FEWER_CONFIGS = 0.15

JSON = dict[str, Any]


# -- the parse floor and one audit run ---------------------------------------------------------


def parse_floor(path: str) -> tuple[float, int, str]:
    """Seconds to parse every document's text (split out beforehand), and the request count."""
    loads, name = orjson.loads, "orjson"
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


def audit_once(archive: str, jobs: int) -> tuple[float, JSON]:
    """Wall seconds of one ``lco-validate audit`` process, and its summary."""
    command = [sys.executable, "-m", "lco_validate", "audit", archive]
    command += ["--jobs", str(jobs), "-o", "json"]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if "\n" not in completed.stdout:
        raise SystemExit(f"audit failed on {archive}:\n{completed.stderr[-2000:]}")
    summary: JSON = json.loads(completed.stdout[completed.stdout.index('"summary":') + 10 : -2])
    return elapsed, summary


def found(summary: JSON) -> str:
    counted = summary["findings_by_code"].items()
    return ", ".join(f"{code} {count:,}" for code, count in counted) or "none"


def one_archive(arguments: argparse.Namespace) -> None:
    """The report on one given archive (the first way to run)."""
    runs = []
    summary: JSON = {}
    for _ in range(max(arguments.repeat, 1)):
        elapsed, summary = audit_once(arguments.archive, arguments.jobs)
        runs.append(elapsed)
    elapsed = statistics.median(runs)
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
    print(f"findings: {found(summary)}")


# -- the three archives --------------------------------------------------------------------------


def seed_requests() -> list[JSON]:
    text = SEED_PAGE.read_text(encoding="utf-8")
    page = json.loads(text[text.index("{") :])
    return list(page["results"])


class Renumber:
    """New request and configuration ids for each copy, so that no two records share one."""

    def __init__(self) -> None:
        self.request_id = 10_000_000
        self.configuration_id = 40_000_000

    def __call__(self, request: JSON) -> None:
        self.request_id += 1
        request["id"] = self.request_id
        for configuration in request["configurations"]:
            self.configuration_id += 1
            configuration["id"] = self.configuration_id


def move_target(rng: random.Random, target: JSON) -> None:
    """New coordinates: a sidereal target elsewhere on the sky, an orbit turned a little."""
    if target.get("type") == "ICRS":
        target["ra"] = round(rng.uniform(0.0, 360.0), 6)
        target["dec"] = round(rng.uniform(-89.0, 89.0), 6)
    elif target.get("type") == "ORBITAL_ELEMENTS":
        for element in ("longascnode", "argofperih"):
            if isinstance(target.get(element), int | float):
                target[element] = round((target[element] + rng.uniform(-5, 5)) % 360, 6)


def repeated_requests(count: int, seed: int) -> Iterator[JSON]:
    rng = random.Random(seed)
    seeds = seed_requests()
    renumber = Renumber()
    for index in range(count):
        request = copy.deepcopy(seeds[index % len(seeds)])
        renumber(request)
        for configuration in request["configurations"]:
            move_target(rng, configuration["target"])
        yield request


def varied_requests(count: int, seed: int) -> Iterator[JSON]:
    from lco_validate import load_catalogue, request_duration

    catalogue = load_catalogue()
    rng = random.Random(seed)
    seeds = seed_requests()
    renumber = Renumber()
    times, weights = list(EXPOSURE_TIMES), list(EXPOSURE_TIMES.values())
    for _ in range(count):
        request = copy.deepcopy(rng.choice(seeds))
        renumber(request)
        for configuration in request["configurations"]:
            move_target(rng, configuration["target"])
            instrument_configs = configuration["instrument_configs"]
            rng.shuffle(instrument_configs)  # the filters in another order
            if len(instrument_configs) > 1 and rng.random() < FEWER_CONFIGS:
                instrument_configs.pop(rng.randrange(len(instrument_configs)))
            for instrument_config in instrument_configs:
                instrument_config["exposure_time"] = float(rng.choices(times, weights)[0])
                instrument_config["exposure_count"] = rng.randint(1, 6)
        request["duration"] = request_duration(request, catalogue, submission=False).duration
        yield request


def synthetic_requests(count: int, seed: int) -> Iterator[JSON]:
    from lco_validate import load_catalogue
    from lco_validate.synthetic import generate_requests

    for record in generate_requests(load_catalogue(), count, seed=seed):
        yield record.request


MAKERS: dict[str, Callable[[int, int], Iterator[JSON]]] = {
    "repeated": repeated_requests,
    "varied": varied_requests,
    "synthetic": synthetic_requests,
}


def write_pages(requests: Iterator[JSON], total: int, where: Path, layout: str) -> str:
    """The requests as API pages of ``PAGE_SIZE``: one file each, or one captured file."""
    pages: list[str] = []
    page: list[JSON] = []

    def flush() -> None:
        text = json.dumps({"count": total, "next": None, "previous": None, "results": page})
        pages.append(text)
        if layout == "folder":
            (where / f"page-{len(pages) - 1:05d}.json").write_text(text + "\n", encoding="utf-8")

    if layout == "folder":
        where.mkdir(parents=True, exist_ok=True)
    for request in requests:
        page.append(request)
        if len(page) == PAGE_SIZE:
            flush()
            page = []
    if page:
        flush()
    if layout == "folder":
        return str(where)
    capture = "HTTP 200 OK\nAllow: GET, HEAD, OPTIONS\nContent-Type: application/json\n"
    path = where.with_suffix(".txt")
    path.write_text("".join(f"{capture}{text}\n" for text in pages), encoding="utf-8")
    return str(path)


def built_archive(name: str, arguments: argparse.Namespace, workdir: Path) -> str:
    """The archive's path, built unless ``--keep`` already holds it."""
    stem = f"{name}-{arguments.requests}-seed{arguments.seed}-{arguments.layout}"
    where = workdir / stem
    ready = where if arguments.layout == "folder" else where.with_suffix(".txt")
    if not ready.exists():
        started = time.perf_counter()
        requests = MAKERS[name](arguments.requests, arguments.seed)
        write_pages(requests, arguments.requests, where, arguments.layout)
        print(f"built {name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return str(ready)


def archive_size(path: str) -> float:
    target = Path(path)
    files = target.glob("*") if target.is_dir() else [target]
    return sum(file.stat().st_size for file in files) / 2**20


def three_archives(arguments: argparse.Namespace) -> None:
    """The table over the three archives (the second way to run)."""
    jobs = [int(part) for part in arguments.jobs.split(",")]
    workdir = Path(arguments.keep or tempfile.mkdtemp(prefix="audit-speed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for name in arguments.archives:
            path = built_archive(name, arguments, workdir)
            floors = []
            for _ in range(max(arguments.repeat, 1)):
                floor, requests, parser_name = parse_floor(path)
                floors.append(floor)
            best: dict[int, float] = {}
            summaries: dict[int, JSON] = {}
            for count in jobs:
                times = []
                for _ in range(max(arguments.repeat, 1)):
                    elapsed, summaries[count] = audit_once(path, count)
                    times.append(elapsed)
                best[count] = min(times)
                print(
                    f"{name} --jobs {count}: " + ", ".join(f"{t:.2f} s" for t in times),
                    file=sys.stderr,
                )
            size = archive_size(path)
            rows.append((name, size, requests, parser_name, min(floors), best, summaries))
    finally:
        if not arguments.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"{arguments.requests:,} requests per archive, layout {arguments.layout}, "
        f"best of {max(arguments.repeat, 1)}; x = audit time / parse time"
    )
    header = f"{'archive':<10} {'MiB':>5} {'parse floor':<21}"
    for count in jobs:
        header += f" {'--jobs ' + str(count):>24}"
    print(header)
    for name, size, requests, parser_name, floor, best, summaries in rows:
        line = f"{name:<10} {size:>5.0f} {requests / floor:>8,.0f} req/s {parser_name:<6}"
        for count in jobs:
            rate = summaries[count]["requests"] / best[count]
            line += f" {rate:>10,.0f} req/s ({best[count] / floor:>5.1f}x)"
        print(line)
    for name, _, _, _, _, _, summaries in rows:
        verdicts = {found(summary) for summary in summaries.values()}
        print(f"findings, {name}: {' | '.join(sorted(verdicts))}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("archive", nargs="?", help="One archive; without it, the three.")
    parser.add_argument("--jobs", help="Audit processes (several: 1,2).")
    parser.add_argument("--repeat", type=int, default=1, help="Audit runs per measurement.")
    parser.add_argument("--requests", type=int, default=50_000, help="Requests per archive.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--layout", choices=("folder", "file"), default="folder")
    parser.add_argument("--keep", metavar="DIR", help="Build the archives here and keep them.")
    parser.add_argument(
        "--archives", nargs="+", choices=ARCHIVES, default=list(ARCHIVES), help="Which to run."
    )
    arguments = parser.parse_args()
    if arguments.archive:
        arguments.jobs = int(arguments.jobs or os.cpu_count() or 1)
        one_archive(arguments)
    else:
        arguments.jobs = arguments.jobs or "1,2"
        three_archives(arguments)


if __name__ == "__main__":
    main()
