"""Validations per second and p50/p99 latency of `lco-validate serve`, beside the real portal.

Run: python benchmarks/serve_speed.py [--seconds 10] [--clients 1,4,8] [--no-portal]

Starts the server as a real process on a free loopback port and posts the ten
requests of the seed page, each as a request group, from several client
threads (httpx) for ``--seconds`` per client count.  The server's "now" is set
before the earliest window, so every request is judged in full, visibility
included.  The server validates in its default number of worker processes
(one per core, 2 to 8), whatever the number of clients.  It is stopped before
the portal is measured, so the two never share the cores.

Then, where the real-portal oracle is built (``bash oracle/setup.sh``: oracle/.venv
and PostgreSQL), the same ten groups at the same "now" are validated by the
portal's own code through ``oracle/portal_worker.py``: Django REST framework's
test client calls the view in process, and the worker reads each group from a
pipe and writes its answer back.  One worker process per client (1 client is
the sequential figure), each client sending its next group once its worker has
answered, for the same time.  No HTTP, no gunicorn, no network, a configdb held
in memory: the portal's figures are a lower bound of what a request costs the
deployed portal, which on the same cores could only answer fewer per second and
later.  Only the proposal differs from the seed page, in both runs: every group
names the oracle's proposal, which the portal looks up in its database and
``serve`` accepts as it accepts any name.  ``--no-portal`` leaves the portal out.

Prints a table, then how many groups each accepted and for how many both gave
the same errors and durations (each request's ``largest_interval`` is compared
apart: our visibility edges and rise_set's differ by seconds).  Asserts nothing.
The clients run on the same machine as what they measure, so on few cores the
figures include their cost too.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from lco_validate.pytest_plugin import serving as serving_portal

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "requests-api-page.txt"
#: The proposal oracle/portal_worker.py creates; the portal refuses a group naming another.
ORACLE_PROPOSAL = "ORACLE-PROP"
PORTAL_LABEL = "real portal {version}, in process*"
SERVE_LABEL = "lco-validate serve, HTTP"

Group = dict[str, object]
#: Validates one group, raising when it is not answered 200.
Sender = Callable[[Group], None]


def seed_groups() -> tuple[list[Group], str]:
    text = SEED.read_text()
    requests = json.loads(text[text.index("{") :])["results"]
    groups: list[Group] = [
        {
            "name": f"seed {request['id']}",
            "proposal": "BENCHMARK",
            "ipp_value": 1.0,
            "operator": "SINGLE",
            "observation_type": "NORMAL",
            "requests": [
                {key: value for key, value in request.items() if key not in ("id", "state")}
            ],
        }
        for request in requests
    ]
    starts = [w["start"] for r in requests for w in r["windows"]]
    earliest = datetime.fromisoformat(min(starts).replace("Z", "+00:00"))
    return groups, (earliest - timedelta(hours=1)).isoformat()


@contextmanager
def serving(now: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``lco-validate serve`` judging at ``now`` on a free loopback port, stopped on leaving.

    Yields the validate URL, once the server answers, and its process.
    """
    with serving_portal(now=now) as portal:
        assert portal.process is not None
        yield f"{portal.url}requestgroups/validate/", portal.process


@dataclass
class Load:
    """What a run of clients measured: each answer's latency, and the run's wall time."""

    latencies: list[float]
    seconds: float


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value at or above ``fraction`` of them."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run_senders(
    open_sender: Callable[[int], AbstractContextManager[Sender]],
    groups: list[Group],
    clients: int,
    seconds: float,
) -> Load:
    """``clients`` threads validating the groups in turn for ``seconds``, from a common start.

    Client ``n`` validates through ``open_sender(n)``.  Each client sends at least
    one group and starts none after ``seconds``; a failed validation stops the run.
    """
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[BaseException] = []
    # The clock starts once every client has its sender, not while the senders are built.
    started = threading.Barrier(clients + 1)

    def client(number: int) -> None:
        try:
            with open_sender(number) as send:
                started.wait(timeout=60)
                stop = time.monotonic() + seconds
                index = number
                while not latencies[number] or time.monotonic() < stop:
                    sent = time.perf_counter()
                    send(groups[index % len(groups)])
                    latencies[number].append(time.perf_counter() - sent)
                    index += 1
        except (httpx.HTTPError, OSError, RuntimeError, threading.BrokenBarrierError) as error:
            failures.append(error)
            started.abort()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    with suppress(threading.BrokenBarrierError):  # a client failed: its error is reported below
        started.wait(timeout=60)
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"a client failed: {failures[0]!r}")
    return Load([latency for each in latencies for latency in each], time.perf_counter() - began)


@contextmanager
def http_sender(url: str) -> Iterator[Sender]:
    with httpx.Client(timeout=60) as session:

        def send(group: Group) -> None:
            session.post(url, json=group).raise_for_status()

        yield send


def run_clients(url: str, groups: list[Group], clients: int, seconds: float) -> Load:
    """``clients`` threads posting the groups in turn to ``url`` for ``seconds``.

    An answer other than 200 stops the run.
    """
    return run_senders(lambda _number: http_sender(url), groups, clients, seconds)


def table_row(label: str, clients: int, load: Load) -> str:
    count = len(load.latencies)
    return (
        f"{label:<36} {clients:>7} {count:>11,} {count / load.seconds:>13,.1f} "
        f"{percentile(load.latencies, 0.50) * 1000:>8.1f} "
        f"{percentile(load.latencies, 0.99) * 1000:>8.1f}"
    )


TABLE_HEADER = (
    f"{'':<36} {'clients':>7} {'validations':>11} {'per second':>13} {'p50 ms':>8} {'p99 ms':>8}"
)


def accepted(answers: list[dict[str, Any]]) -> int:
    return sum(1 for answer in answers if not answer.get("errors"))


def requests_of(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return list((answer.get("request_durations") or {}).get("requests", []))


def verdict(answer: dict[str, Any]) -> tuple[object, ...]:
    """The errors and durations of an answer, without each request's visible interval.

    That interval's edges are computed differently (ours against rise_set's) and
    differ by seconds, so it is compared apart.
    """
    durations = answer.get("request_durations") or {}
    requests = [
        {key: value for key, value in request.items() if key != "largest_interval"}
        for request in requests_of(answer)
    ]
    return answer.get("errors"), durations.get("duration"), requests


def interval_gap(ours: dict[str, Any], theirs: dict[str, Any]) -> float:
    """The largest difference, in seconds, between the two answers' visible intervals."""
    return max(
        (
            abs(mine["largest_interval"] - portal["largest_interval"])
            for mine, portal in zip(requests_of(ours), requests_of(theirs), strict=False)
            if "largest_interval" in mine and "largest_interval" in portal
        ),
        default=0.0,
    )


def measure_serve(
    groups: list[Group], now: str, counts: list[int], seconds: float
) -> list[dict[str, Any]]:
    """Prints a row per client count for ``serve``; returns its answers to the groups."""
    with serving(now) as (url, _server):
        with httpx.Client(timeout=60) as warm_up:  # builds the caches every row then shares
            answers = [warm_up.post(url, json=group).json() for group in groups]
        for clients in counts:
            print(table_row(SERVE_LABEL, clients, run_clients(url, groups, clients, seconds)))
    return answers


def measure_portal(
    groups: list[Group], now: str, counts: list[int], seconds: float
) -> list[dict[str, Any]] | None:
    """Prints a row per client count for the real portal; returns its answers to the groups.

    Prints why instead, and returns None, when the oracle is not built here.
    """
    sys.path.insert(0, str(ROOT))  # tests.oracle.portal drives the worker
    from tests.oracle.portal import PYTHON, Portal, unavailable_reason

    reason = unavailable_reason()
    if reason:
        print(f"real portal: skipped, {reason}")
        return None
    version = subprocess.run(
        [
            str(PYTHON),
            "-c",
            "import importlib.metadata as m; print(m.version('django-ocs-observation-portal'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    label = PORTAL_LABEL.format(version=version)
    moment = datetime.fromisoformat(now)

    def validate(portal: Portal, group: Group) -> dict[str, Any]:
        answer = portal.validate(group, moment)
        if answer.status != 200:
            raise RuntimeError(f"the portal answered {answer.status}: {answer.exception}")
        return answer.body

    @contextmanager
    def portal_sender(portal: Portal) -> Iterator[Sender]:
        def send(group: Group) -> None:
            validate(portal, group)

        yield send

    with ExitStack() as stack:
        portals = [stack.enter_context(Portal()) for _ in range(max(counts))]
        # Each worker starts Django and sees every group once before the clock runs.
        with ThreadPoolExecutor(len(portals)) as pool:
            warmed = list(
                pool.map(lambda portal: [validate(portal, group) for group in groups], portals)
            )
        for clients in counts:
            load = run_senders(
                lambda number: portal_sender(portals[number]), groups, clients, seconds
            )
            print(table_row(label, clients, load))
    return warmed[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each row's run")
    parser.add_argument("--clients", default="1,4,8", help="client counts, one row each")
    parser.add_argument(
        "--no-portal", action="store_true", help="measure serve only, not the real portal"
    )
    arguments = parser.parse_args()
    counts = [int(n) for n in arguments.clients.split(",")]
    seeds, now = seed_groups()
    groups: list[Group] = [{**group, "proposal": ORACLE_PROPOSAL} for group in seeds]
    print(f"the {len(groups)} seed groups judged at {now}, {arguments.seconds:g} s per row")
    print(TABLE_HEADER)
    served = measure_serve(groups, now, counts, arguments.seconds)
    portal = None
    if arguments.no_portal:
        print("real portal: not measured (--no-portal)")
    else:
        portal = measure_portal(groups, now, counts, arguments.seconds)
    total = len(groups)
    if portal is None:
        print(f"accepted: by serve {accepted(served)} of {total} groups")
    else:
        pairs = list(zip(served, portal, strict=True))
        same = sum(1 for ours, theirs in pairs if verdict(ours) == verdict(theirs))
        gap = max(interval_gap(ours, theirs) for ours, theirs in pairs)
        print(
            "* the portal's own view code called in process by Django REST framework's test\n"
            "  client, each group passed over a pipe: no HTTP, no gunicorn, configdb in memory.\n"
            "  A lower bound of its cost per request: the deployed portal adds all of those."
        )
        print(
            f"accepted: by serve {accepted(served)} of {total} groups,"
            f" by the portal {accepted(portal)}"
        )
        print(
            f"the same errors and durations from both for {same} of {total} groups;"
            f" largest_interval apart by at most {gap:.1f} s"
        )


if __name__ == "__main__":
    main()
