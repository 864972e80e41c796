"""Throughput, latency and memory of `lco-validate serve` under sequential and concurrent load.

Run: python benchmarks/serve_load.py [--seconds 10] [--clients 1,16]

Starts the server as a real process on a free loopback port and posts the ten
requests of the seed page, each as a request group, judged in full with
visibility (the helpers of serve_speed.py), first from one client, then from
16 client threads, each phase for ``--seconds``.  For each phase it prints the
requests per second and the p50 and p99 latency; it prints the server's
resident memory (RSS, from /proc) after warming up and after each phase, so
that growth under load shows (the server process and its validation workers,
summed).  Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx
from serve_speed import percentile, run_clients, seed_groups, serving


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the server validates in worker processes), from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        # The name, in parentheses, may hold spaces: the parent's pid is the second field after.
        parents[int(stat.parent.name)] = int(text[text.rindex(")") + 2 :].split()[1])
    tree = [pid]
    for member in tree:
        tree.extend(child for child, parent in parents.items() if parent == member)
    return tree


def resident_mib(pid: int) -> str:
    """Resident memory of the server's processes, now and at each one's peak, summed."""
    rss = peak = 0.0
    tree = process_tree(pid) if Path("/proc/self/stat").exists() else []
    for member in tree:
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rss += int(fields["VmRSS"].split()[0]) / 1024
        peak += int(fields["VmHWM"].split()[0]) / 1024
    if not tree:
        return "unknown (no /proc)"
    return f"{rss:,.0f} MiB in {len(tree)} processes (peaks summed {peak:,.0f} MiB)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--clients", default="1,16", help="client threads of each phase")
    arguments = parser.parse_args()
    groups, now = seed_groups()
    with serving(now) as (url, server):
        with httpx.Client(timeout=60) as warm_up:
            for group in groups:  # builds the caches every phase then shares
                warm_up.post(url, json=group).raise_for_status()
        print(f"server RSS after warm-up: {resident_mib(server.pid)}")
        for clients in (int(n) for n in arguments.clients.split(",")):
            load = run_clients(url, groups, clients, arguments.seconds)
            latencies = load.latencies
            label = "sequential (1 client)" if clients == 1 else f"{clients} clients"
            print(
                f"{label}: {len(latencies)} requests in {load.seconds:.1f} s = "
                f"{len(latencies) / load.seconds:,.1f} requests/s, "
                f"p50 {percentile(latencies, 0.50) * 1000:.1f} ms, "
                f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms"
            )
            print(f"server RSS after {label}: {resident_mib(server.pid)}")


if __name__ == "__main__":
    main()
