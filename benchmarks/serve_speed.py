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


def run_clients(url: str, groups: list[dict[str, object]], clients: int, seconds: float) -> int:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        with httpx.Client(timeout=60) as session:
            index = number
            while time.monotonic() < stop:
                response = session.post(url, json=groups[index % len(groups)])
                response.raise_for_status()
                done[number] += 1
                index += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", default="1,4,8")
    arguments = parser.parse_args()
    groups, now = seed_groups()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lco_validate", "serve", "--port", str(port), "--now", now],
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/requestgroups/validate/"
        for _ in range(300):
            try:
                httpx.post(url, json=groups[0], timeout=60)  # also builds the caches
                break
            except httpx.TransportError:
                time.sleep(0.1)
        answer = httpx.post(url, json=groups[0], timeout=60).json()
        print(
            f"first answer: errors {answer['errors'] or 'none'}, "
            f"durations {answer['request_durations'] or 'none'}"
        )
        for clients in (int(n) for n in arguments.clients.split(",")):
            count = run_clients(url, groups, clients, arguments.seconds)
            print(f"{clients} client(s): {count / arguments.seconds:,.1f} validations/s")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
