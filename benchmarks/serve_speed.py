"""How many validations per second `lco-validate serve` answers, under concurrent clients.

Run: python benchmarks/serve_speed.py [--seconds 10] [--clients 1,4,8]

Starts the server as a real process on a free loopback port and posts the ten
requests of the seed page, each as a request group, from several client
threads (httpx) for a fixed time.  The server's "now" is set before the
earliest window, so every request is judged in full, visibility included.
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "requests-api-page.txt"


def seed_groups() -> tuple[list[dict[str, object]], str]:
    text = SEED.read_text()
    requests = json.loads(text[text.index("{") :])["results"]
    groups = [
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(now: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``lco-validate serve`` judging at ``now`` on a free loopback port, stopped on leaving.

    Yields the validate URL, once the port accepts connections, and the process.
    """
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lco_validate", "serve", "--port", str(port), "--now", now],
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while server.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"lco-validate serve did not start on port {port}")
        yield f"http://127.0.0.1:{port}/api/requestgroups/validate/", server
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@dataclass
class Load:
    """What a run of clients measured: each answer's latency, and the run's wall time."""

    latencies: list[float]
    seconds: float


def run_clients(url: str, groups: list[dict[str, object]], clients: int, seconds: float) -> Load:
    """``clients`` threads posting the groups in turn for ``seconds``, timed from a common start.

    Each client sends at least one request and starts none after ``seconds``; an
    answer other than 200 stops the run.
    """
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[BaseException] = []
    # The clock starts once every client has its connection pool, not while they are built.
    started = threading.Barrier(clients + 1)

    def client(number: int) -> None:
        try:
            with httpx.Client(timeout=60) as session:
                started.wait(timeout=60)
                stop = time.monotonic() + seconds
                index = number
                while not latencies[number] or time.monotonic() < stop:
                    sent = time.perf_counter()
                    response = session.post(url, json=groups[index % len(groups)])
                    response.raise_for_status()
                    latencies[number].append(time.perf_counter() - sent)
                    index += 1
        except (httpx.HTTPError, OSError, threading.BrokenBarrierError) as error:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", default="1,4,8")
    arguments = parser.parse_args()
    groups, now = seed_groups()
    with serving(now) as (url, _server):
        httpx.post(url, json=groups[0], timeout=60)  # builds the caches
        answer = httpx.post(url, json=groups[0], timeout=60).json()
        print(
            f"first answer: errors {answer['errors'] or 'none'}, "
            f"durations {answer['request_durations'] or 'none'}"
        )
        for clients in (int(n) for n in arguments.clients.split(",")):
            load = run_clients(url, groups, clients, arguments.seconds)
            print(f"{clients} client(s): {len(load.latencies) / load.seconds:,.1f} validations/s")


if __name__ == "__main__":
    main()
