"""How fast `check` is: process start-up, per-file cost, and requests per second in process.

Run: python benchmarks/check_speed.py [--files 500]
Prints numbers; asserts nothing (speed goals are measured, not tested).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "fixtures" / "requests-api-page.txt"


def seed_requests() -> list[dict[str, object]]:
    text = SEED.read_text()
    return json.loads(text[text.index("{") :])["results"]  # type: ignore[no-any-return]


def best_of(runs: int, action: object) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=500)
    arguments = parser.parse_args()

    from lco_validate import load_catalogue
    from lco_validate.checker import check_document, check_file
    from lco_validate.context import Settings

    settings = Settings(catalogue=load_catalogue())
    requests = seed_requests()
    check_document(requests[0], settings)  # build validators once

    per_request = best_of(3, lambda: [check_document(r, settings) for r in requests * 50])
    print(f"check_document: {len(requests) * 50 / per_request:,.0f} requests/s in process")

    with tempfile.TemporaryDirectory() as folder:
        for index in range(arguments.files):
            request = requests[index % len(requests)]
            Path(folder, f"request-{index:05}.json").write_text(json.dumps(request, indent=2))
        files = sorted(str(path) for path in Path(folder).iterdir())
        in_process = best_of(3, lambda: [check_file(path, settings) for path in files])
        print(f"check_file: {arguments.files / in_process:,.0f} files/s in process")
        command = [sys.executable, "-m", "lco_validate", "check", "-q"]
        one = best_of(5, lambda: subprocess.run([*command, files[0]], check=True))
        print(f"lco-validate check on 1 file: {one * 1000:.0f} ms wall (process start included)")
        many = best_of(3, lambda: subprocess.run([*command, folder], check=True))
        print(f"lco-validate check on {arguments.files} files: {many:.2f} s wall")


if __name__ == "__main__":
    main()
