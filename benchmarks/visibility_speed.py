"""How fast visibility is: cold start, one-day and 30-day windows over a telescope class's sites.

Run: python benchmarks/visibility_speed.py [--repeats 5]
Prints numbers; asserts nothing (speed goals are measured, not tested).

"Warm" means astropy, ERFA and the IERS table are loaded.  Each warm case is
timed twice: with Sun/Moon tables not yet computed for those days (a new
window, every later one reuses them) and with the tables already cached (a
second request over the same nights, as in a file of many requests).
Goals: a one-day window over all sites of a class in at most 50 ms
once warm, a 30-day window in at most 300 ms.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SINISTRO_REQUEST: dict[str, Any] = {
    "location": {"telescope_class": "1m0"},
    "configurations": [
        {
            "instrument_type": "1M0-SCICAM-SINISTRO",
            "target": {"type": "ICRS", "name": "L95", "ra": 58.2189165, "dec": -0.01496},
            "constraints": {"max_airmass": 2.0, "min_lunar_distance": 30.0, "max_lunar_phase": 0.5},
        }
    ],
}
SEED_PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "requests-api-page.txt"


def seed_comet() -> dict[str, Any]:
    """Comet 29P, the first target of the seed page."""
    text = SEED_PAGE.read_text()
    target = json.loads(text[text.index("{") :])["results"][0]["configurations"][0]["target"]
    return {key: value for key, value in target.items() if key != "extra_params"}


COMET_TARGET = seed_comet()


def with_window(request: dict[str, Any], start: datetime, days: float) -> dict[str, Any]:
    end = start + timedelta(days=days)
    return request | {
        "windows": [
            {"start": start.isoformat().replace("+00:00", "Z"), "end": end.isoformat()[:19] + "Z"}
        ]
    }


def with_target(request: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    configuration = request["configurations"][0] | {"target": target}
    return request | {"configurations": [configuration]}


def best_of(repeats: int, action: Callable[[int], object]) -> float:
    timings = []
    for attempt in range(repeats):
        started = time.perf_counter()
        action(attempt)
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()

    cold = subprocess.run(
        [
            sys.executable,
            "-c",
            "import time; t = time.perf_counter();"
            "from datetime import datetime, UTC;"
            "from lco_validate import load_catalogue;"
            "from lco_validate.visibility.observability import request_visibility;"
            f"request = {with_window(SINISTRO_REQUEST, datetime(2025, 3, 1, tzinfo=UTC), 1)!r};"
            "request_visibility(request, load_catalogue(), None);"
            "print(time.perf_counter() - t)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"cold start (imports, IERS table, first request): {float(cold.stdout) * 1000:.0f} ms")

    from lco_validate import load_catalogue
    from lco_validate.visibility import astro
    from lco_validate.visibility.observability import request_visibility, visibility_sites

    catalogue = load_catalogue()
    sites = ", ".join(visibility_sites(SINISTRO_REQUEST, catalogue))
    print(f"telescope class 1m0 (1M0-SCICAM-SINISTRO) sites: {sites}")
    first = datetime(2025, 1, 1, tzinfo=UTC)
    request_visibility(with_window(SINISTRO_REQUEST, first, 1), catalogue, None)  # warm up

    cases = [
        ("ICRS, 1-day window", SINISTRO_REQUEST, 1),
        ("ICRS, 30-day window", SINISTRO_REQUEST, 30),
        ("comet 29P, 1-day window", with_target(SINISTRO_REQUEST, COMET_TARGET), 1),
        ("comet 29P, 30-day window", with_target(SINISTRO_REQUEST, COMET_TARGET), 30),
    ]
    for label, request, days in cases:
        # a different stretch of nights on every attempt: the tables are computed each time
        def fresh(attempt: int, request: dict[str, Any] = request, days: int = days) -> object:
            start = first + timedelta(days=40 * (attempt + 1))
            astro.clear_tables()
            return request_visibility(with_window(request, start, days), catalogue, None)

        cached_request = with_window(request, first + timedelta(days=400), days)
        request_visibility(cached_request, catalogue, None)

        def cached(_attempt: int, request: dict[str, Any] = cached_request) -> object:
            return request_visibility(request, catalogue, None)

        print(
            f"{label}: {best_of(arguments.repeats, fresh) * 1000:.0f} ms with new tables, "
            f"{best_of(arguments.repeats, cached) * 1000:.0f} ms with cached tables"
        )


if __name__ == "__main__":
    main()
