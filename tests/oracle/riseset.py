"""ocs-rise-set as a test oracle: a client for ``oracle/riseset_worker.py``.

The worker runs in ``oracle/.venv`` (``bash oracle/setup.sh``) and answers, for
one site, the intervals the portal's validation computes with rise_set.
Nothing of rise_set or the portal is imported here.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .portal import ORACLE, PYTHON

WORKER = ORACLE / "riseset_worker.py"

Interval = tuple[float, float]


@dataclass(frozen=True)
class RiseSetAnswer:
    intervals: list[Interval]  # POSIX seconds
    largest: float
    exception: str = ""


def unavailable_reason() -> str | None:
    """Why rise_set cannot be asked here, in one line; None when it can."""
    if not PYTHON.exists():
        return "the rise_set oracle is not built (run: bash oracle/setup.sh)"
    return None


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp()


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


class RiseSet:
    """One worker process, asked one question at a time."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [str(PYTHON), str(WORKER)],
            env={**os.environ, "PYTHONHASHSEED": "0"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )

    def intervals(
        self,
        site: dict[str, float],
        windows: list[Interval],
        pairs: list[tuple[dict[str, Any], dict[str, Any]]],
    ) -> RiseSetAnswer:
        assert self._process.stdin and self._process.stdout
        order = {
            "site": site,
            "windows": [[_stamp(start), _stamp(end)] for start, end in windows],
            "pairs": [list(pair) for pair in pairs],
        }
        self._process.stdin.write(json.dumps(order) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the rise_set worker stopped (exit {self._process.poll()})")
        reply = json.loads(line)
        if "exception" in reply:
            return RiseSetAnswer([], 0.0, reply["exception"])
        found = [(_seconds(start), _seconds(end)) for start, end in reply["intervals"]]
        return RiseSetAnswer(found, float(reply["largest"]))

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait(timeout=30)

    def __enter__(self) -> RiseSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
