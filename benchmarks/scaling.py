"""How the cost of checking grows with the input: it should grow linearly.

Run: python benchmarks/scaling.py [--quick] [--repeat 2]

For each shape below, prints the best of ``--repeat`` times for N = 1,000,
2,000, 4,000 and 8,000 and the ratio t(8,000)/t(1,000): about 8 when the cost
grows linearly, 64 when it grows quadratically.

* the server's answer (``answer_text``) for a group of N empty requests, and
  ``check_document`` on the same group;
* ``check`` (``check_file``) on a JSON Lines file of N ``{}`` lines;
* the server's answer for a group of N requests with problems everywhere
  (structural errors in every kind of object, rule errors, unknown keys),
  and ``check`` on that group written to a file (every finding located);
* the server's answer for one request of N configurations with distinct
  targets: with a problem in each (so no visibility is computed), and valid
  (visibility and durations for every target: the slowest shape by far);
* ``check_document`` on an object with N unknown keys.

Then, each in a child process so that its peak memory is its own, the
large inputs of the issue: ``lco-validate check`` on a JSON Lines file of
100,000 ``{}`` lines and on a JSON array of 1,000,000 numbers (3 MB), with
their wall time and peak RSS.

``--quick``: N = 250 to 2,000 and inputs a tenth as large; ``--sizes`` sets N.
Prints numbers; asserts nothing (tests/test_scaling.py holds a loose bound).
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
VALID_GROUP = REPO / "fixtures" / "valid" / "request-group.json"
#: Inside the semesters the catalogue knows, before the fixture's windows.
NOW = datetime(2030, 11, 1, tzinfo=UTC)

Shape = Callable[[int], Callable[[], object]]


def settings() -> Any:
    from lco_validate import load_catalogue
    from lco_validate.checking.policy import Settings

    return Settings(catalogue=load_catalogue(), now=NOW)


def valid_group() -> dict[str, Any]:
    return json.loads(VALID_GROUP.read_text())  # type: ignore[no-any-return]


def empty_requests(count: int) -> dict[str, Any]:
    return {"requests": [{} for _ in range(count)]}


def broken_request() -> dict[str, Any]:
    """The fixture's first request with a problem in each of its objects."""
    request: dict[str, Any] = copy.deepcopy(valid_group()["requests"][0])
    request["windows"] += [
        {"start": "2030-11-20T00:00:00Z", "end": "2030-11-10T00:00:00Z"},
        {"start": "yesterday"},
    ]
    request["location"] = {"telescope_class": "9m9", "site": 3}
    request["colour"] = "red"
    configuration = request["configurations"][0]
    configuration["instrument_configs"][0]["exposure_time"] = "long"
    configuration["instrument_configs"][1]["optical_elements"] = {"filter": "none such"}
    configuration["instrument_configs"].append({"exposure_count": -1, "mode": "x"})
    configuration["guiding_config"] = {"mode": "FAST"}
    configuration["target"] = {"type": "ICRS", "name": "", "ra": 400}
    configuration["constraints"] = {"max_airmass": 0.5}
    request["configurations"] += [
        {"instrument_type": "NONE SUCH", "type": "EXPOSE", "instrument_configs": []},
        "not an object",
    ]
    return request


def broken_requests(count: int) -> dict[str, Any]:
    group = valid_group()
    group["requests"] = [broken_request() for _ in range(count)]
    return group


def many_configurations(count: int, *, broken: bool) -> dict[str, Any]:
    """One request of ``count`` configurations, each with its own target."""
    group = valid_group()
    request = group["requests"][0]
    template = request["configurations"][0]
    configurations = []
    for index in range(count):
        configuration = copy.deepcopy(template)
        configuration["target"].update(
            name=f"T{index}", ra=index * 0.0371 % 360, dec=index * 0.0113 % 120 - 60
        )
        if broken:
            configuration["instrument_configs"][0]["optical_elements"] = {"filter": "none such"}
        configurations.append(configuration)
    request["configurations"] = configurations
    group.update(requests=[request], operator="SINGLE")
    return group


def unknown_keys(count: int) -> dict[str, Any]:
    group = valid_group()
    group.update({f"unknown_{index}": index for index in range(count)})
    return group


def through_server(build: Callable[[int], object]) -> Shape:
    from lco_validate.server.validate import answer_text

    run_settings = settings()

    def prepared(count: int) -> Callable[[], object]:
        body = json.dumps(build(count)).encode()
        return lambda: answer_text(body, run_settings)

    return prepared


def through_check_document(build: Callable[[int], object]) -> Shape:
    from lco_validate.checking.pipeline import check_document

    run_settings = settings()

    def prepared(count: int) -> Callable[[], object]:
        document = build(count)
        return lambda: check_document(document, run_settings)

    return prepared


def through_check_file(text: Callable[[int], str], folder: Path, suffix: str) -> Shape:
    from lco_validate.checking.pipeline import check_file

    run_settings = settings()

    def prepared(count: int) -> Callable[[], object]:
        path = folder / f"input-{count}{suffix}"
        path.write_text(text(count))
        return lambda: check_file(str(path), run_settings)

    return prepared


#: Visibility costs about 1 ms per target and site: this shape is timed once per size.
SLOW_SHAPE = "server: one request, N valid configurations with distinct targets (visibility)"


def shapes(folder: Path) -> dict[str, Shape]:
    return {
        "server: group of N empty requests": through_server(empty_requests),
        "check_document: group of N empty requests": through_check_document(empty_requests),
        "check: JSON Lines of N {} lines": through_check_file(
            lambda n: "{}\n" * n, folder, ".jsonl"
        ),
        "server: group of N requests with problems everywhere": through_server(broken_requests),
        "check: one file, a group of N requests with problems everywhere": through_check_file(
            lambda n: json.dumps(broken_requests(n), indent=1), folder, ".json"
        ),
        "server: one request, N configurations with distinct targets, each with a problem": (
            through_server(lambda n: many_configurations(n, broken=True))
        ),
        SLOW_SHAPE: through_server(lambda n: many_configurations(n, broken=False)),
        "check_document: group with N unknown keys": through_check_document(unknown_keys),
    }


def best_time(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def time_shapes(sizes: list[int], repeat: int, only: str = "") -> None:
    spread = f"t({sizes[-1]:,})/t({sizes[0]:,})"
    print(f"best of {repeat} runs, in seconds; {spread} is {sizes[-1] / sizes[0]:g} if linear")
    with tempfile.TemporaryDirectory() as folder:
        for name, shape in shapes(Path(folder)).items():
            if only not in name:
                continue
            shape(10)()  # warm up: imports, schemas, caches
            runs = 1 if name == SLOW_SHAPE else repeat
            times = [best_time(shape(count), runs) for count in sizes]
            pairs = zip(sizes, times, strict=True)
            cells = "  ".join(f"{count:,}: {seconds:.3f}" for count, seconds in pairs)
            ratio = times[-1] / max(times[0], 1e-9)
            print(f"{name}\n    {cells}  ratio {ratio:.1f}", flush=True)


#: Runs the command line and, at exit, prints its own peak RSS: a child's ``ru_maxrss``
#: would count the parent's memory at the fork, but /proc's VmHWM starts anew at exec.
_MEASURED_RUN = """
import atexit, runpy, sys

def peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write(f"peak-kib {line.split()[1]}\\n")

atexit.register(peak)
sys.argv = ["lco-validate", *sys.argv[1:]]
runpy.run_module("lco_validate", run_name="__main__")
"""


def peak_of_command(arguments: list[str]) -> tuple[float, int, int]:
    """(wall seconds, exit status, peak RSS in MiB) of one ``lco-validate`` run."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", _MEASURED_RUN, *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - started
    lines = completed.stderr.splitlines()
    peaks = [line.split()[1] for line in lines if line.startswith("peak-kib")]
    return seconds, completed.returncode, int(peaks[-1]) // 1024 if peaks else -1


def large_inputs(scale: int) -> None:
    print("large inputs (lco-validate check, output to /dev/null):")
    with tempfile.TemporaryDirectory() as folder:
        lines = Path(folder) / "empty.jsonl"
        lines.write_text("{}\n" * (100_000 // scale))
        numbers = Path(folder) / "numbers.json"
        numbers.write_text(json.dumps([0] * (1_000_000 // scale)))
        cases = [
            (f"JSON Lines of {100_000 // scale:,} {{}} lines", lines),
            (f"a JSON array of {1_000_000 // scale:,} numbers", numbers),
        ]
        for name, path in cases:
            size = path.stat().st_size / 2**20
            seconds, status, peak = peak_of_command(["check", "-q", str(path)])
            print(f"    {name} ({size:.1f} MiB): {seconds:.2f} s, exit {status}, peak {peak} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 250 to 2,000; smaller inputs")
    parser.add_argument("--repeat", type=int, default=2, help="runs per size; the best counts")
    parser.add_argument("--sizes", type=int, nargs="+", help="the values of N, smallest first")
    parser.add_argument("--shape", default="", help="only the shapes whose name holds this text")
    options = parser.parse_args()
    sizes = options.sizes or ([250, 500, 1000, 2000] if options.quick else [1000, 2000, 4000, 8000])
    time_shapes(sizes, options.repeat, options.shape)
    if not options.shape:
        large_inputs(10 if options.quick else 1)


if __name__ == "__main__":
    main()
