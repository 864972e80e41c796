"""How fast `check` starts and runs, beside check-jsonschema on the same files.

Run: python benchmarks/check_speed.py [--files 500] [--runs 15]

What a pre-commit user feels is process start-up: one run prints the median
wall time of `lco-validate check` and of `check-jsonschema` (validating against
our request schema bundled into one file, with no rules, durations or
catalogue) on one valid archive record, their ratio, and the same for a folder
of 500 records.  The two commands alternate, so a busy machine slows both
alike.  Byte code is compiled first, as `pip install` does; in-process
throughput follows.  Prints numbers; asserts nothing (speed goals are
measured, not tested).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "fixtures" / "requests-api-page.txt"


def seed_requests() -> list[dict[str, object]]:
    text = SEED.read_text()
    return json.loads(text[text.index("{") :])["results"]  # type: ignore[no-any-return]


def bundled_request_schema() -> dict[str, object]:
    """request.json with every schema it refers to embedded (check-jsonschema takes one file)."""
    from lco_validate.documents.schema_files import load_schema, schema_dir

    root = load_schema("request.json")
    root["$defs"] = {
        **root.get("$defs", {}),
        **{
            path.stem: load_schema(path.name)
            for path in sorted(schema_dir().glob("*.json"))
            if path.name not in ("request.json", "configdb-sites.json")
        },
    }
    return root


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, env=_environment())
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {completed.stdout}{completed.stderr}")
    return elapsed


def _environment() -> dict[str, str]:
    # A user's installed tools find their byte code; some shells here forbid writing it.
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def alternate(runs: int, commands: dict[str, list[str]]) -> dict[str, float]:
    """The median wall time of each command over ``runs`` rounds, the commands taking turns."""
    timings: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():
        wall(command)  # warm the file cache
    for _ in range(runs):
        for name, command in commands.items():
            timings[name].append(wall(command))
    return {name: statistics.median(values) for name, values in timings.items()}


def best_of(runs: int, action: Callable[[], object]) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--runs", type=int, default=15, help="rounds for the one-file medians")
    arguments = parser.parse_args()

    compileall.compile_dir(str(REPO / "lco_validate"), quiet=1)
    check_jsonschema = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    requests = seed_requests()
    with tempfile.TemporaryDirectory() as folder:
        schema = Path(folder, "request.schema.json")
        schema.write_text(json.dumps(bundled_request_schema()))
        records = Path(folder, "records")
        records.mkdir()
        for index in range(arguments.files):
            request = requests[index % len(requests)]
            Path(records, f"request-{index:05}.json").write_text(json.dumps(request, indent=2))
        files = sorted(str(path) for path in records.iterdir())

        ours = [sys.executable, "-m", "lco_validate", "check", "-q"]
        theirs = [check_jsonschema or "check-jsonschema", "--schemafile", str(schema)]
        if check_jsonschema is None:
            print("check-jsonschema is not installed (pip install check-jsonschema)")
            one = alternate(arguments.runs, {"lco-validate": [*ours, files[0]]})
            print(f"lco-validate check, 1 file: {one['lco-validate'] * 1000:.0f} ms median")
        else:
            for label, paths, runs in (
                ("1 file", files[:1], arguments.runs),
                (f"{arguments.files} files", files, max(3, arguments.runs // 5)),
            ):
                medians = alternate(
                    runs, {"lco-validate": [*ours, *paths], "check-jsonschema": [*theirs, *paths]}
                )
                mine, other = medians["lco-validate"], medians["check-jsonschema"]
                print(
                    f"{label}: lco-validate check {mine * 1000:.0f} ms, check-jsonschema "
                    f"{other * 1000:.0f} ms (medians of {runs}): ratio {mine / other:.2f}"
                )

        from lco_validate import load_catalogue
        from lco_validate.checking.pipeline import check_document, check_file
        from lco_validate.checking.policy import Settings

        settings = Settings(catalogue=load_catalogue())
        check_document(requests[0], settings)  # build validators once
        per_request = best_of(3, lambda: [check_document(r, settings) for r in requests * 50])
        print(f"in process: check_document {len(requests) * 50 / per_request:,.0f} requests/s")
        in_process = best_of(3, lambda: [check_file(path, settings) for path in files])
        print(f"in process: check_file {arguments.files / in_process:,.0f} files/s")


if __name__ == "__main__":
    main()
