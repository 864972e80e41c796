"""The real portal as a test oracle: a client for ``oracle/portal_worker.py``.

The worker runs in its own virtual environment (``oracle/.venv``, built by
``bash oracle/setup.sh``) and answers one validation a line.  This module only
starts it and speaks its protocol; nothing of the portal is imported here.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ORACLE = ROOT / "oracle"
PYTHON = ORACLE / ".venv" / "bin" / "python"
WORKER = ORACLE / "portal_worker.py"
DB_ADDRESS = ("127.0.0.1", 5432)


@dataclass(frozen=True)
class PortalAnswer:
    """What ``POST /api/requestgroups/validate/`` answered."""

    status: int
    body: dict[str, Any]
    exception: str = ""
    #: A body that is not JSON (the portal's plain-text refusals), as text.
    text: str | None = None
    #: The ``Location`` of a redirect.
    location: str | None = None

    @property
    def crashed(self) -> bool:
        return self.status >= 500

    @property
    def errors(self) -> dict[str, Any]:
        errors = self.body.get("errors", {})
        return errors if isinstance(errors, dict) else {"non_field_errors": [str(errors)]}

    @property
    def accepted(self) -> bool:
        return self.status == 200 and not self.errors

    @property
    def durations(self) -> dict[str, Any]:
        return self.body.get("request_durations") or {}


def unavailable_reason() -> str | None:
    """Why the oracle cannot run here, in one line; None when it can."""
    if not PYTHON.exists():
        return "the real-portal oracle is not built (run: bash oracle/setup.sh)"
    try:
        with socket.create_connection(DB_ADDRESS, timeout=1):
            pass
    except OSError:
        return "PostgreSQL is not running for the oracle (run: bash oracle/setup.sh)"
    return None


class Portal:
    """One worker process; ``validate`` is safe to call from one thread at a time."""

    def __init__(self, configdb: Path | None = None) -> None:
        command = [str(PYTHON), str(WORKER)]
        if configdb is not None:
            command += ["--configdb", str(configdb)]
        # The portal lists some choices in set order: a fixed hash seed fixes that order.
        environment = {**os.environ, "PYTHONHASHSEED": "0"}
        self._process = subprocess.Popen(
            command,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        self._lock = threading.Lock()

    def validate(self, document: object, now: datetime) -> PortalAnswer:
        return self._ask({"document": document, "now": now.isoformat().replace("+00:00", "Z")})

    def validate_text(self, body: str, now: datetime) -> PortalAnswer:
        """The portal's answer to ``body`` sent as it is (text no JSON encoder would write)."""
        return self._ask({"body": body, "now": now.isoformat().replace("+00:00", "Z")})

    def post(self, path: str, document: object, now: datetime) -> PortalAnswer:
        """The portal's answer to ``POST path`` with ``document`` (its body in ``body``)."""
        stamp = now.isoformat().replace("+00:00", "Z")
        return self._ask({"path": path, "document": document, "now": stamp})

    def get(self, path: str) -> PortalAnswer:
        """The portal's answer to ``GET path`` (its body in ``body``)."""
        return self._ask({"get": path})

    def call(
        self,
        method: str,
        path: str,
        now: datetime,
        document: object = None,
        *,
        anonymous: bool = False,
    ) -> PortalAnswer:
        """The portal's answer to ``method path`` (a JSON body when ``document`` is not None).

        Inside a session, made with the session user's token; otherwise as the
        oracle's user; with no credentials when ``anonymous``.  A body that is
        a JSON list comes back in ``body`` as the list.
        """
        call: dict[str, object] = {"method": method, "path": path, "anonymous": anonymous}
        if document is not None:
            call["document"] = document
        return self._ask({"call": call, "now": now.isoformat().replace("+00:00", "Z")})

    def begin_session(
        self,
        username: str,
        token: str,
        proposals: Iterable[str],
        semesters: Iterable[str],
        instrument_types: Iterable[str],
        hours: dict[str, float],
    ) -> int:
        """A user with this token and these proposals until ``end_session``; its user id.

        Each proposal has an allocation of ``hours`` per semester and instrument
        type given.  Everything the session stores is rolled back at its end
        (see the worker).
        """
        spec = {
            "username": username,
            "token": token,
            "proposals": list(proposals),
            "semesters": list(semesters),
            "instrument_types": list(instrument_types),
            "hours": hours,
        }
        answer = self._ask({"session": spec})
        if answer.status != 200:
            raise RuntimeError(f"the portal worker could not open a session: {answer.exception}")
        return int(answer.body["user_id"])

    def end_session(self) -> None:
        self._ask({"end_session": True})

    def _ask(self, order: dict[str, object]) -> PortalAnswer:
        assert self._process.stdin and self._process.stdout
        with self._lock:
            self._process.stdin.write(json.dumps(order) + "\n")
            self._process.stdin.flush()
            line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the portal worker stopped (exit {self._process.poll()})")
        answer = json.loads(line)
        return PortalAnswer(
            answer["status"],
            answer.get("body", {}),
            answer.get("exception", ""),
            answer.get("text"),
            answer.get("location"),
        )

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait(timeout=30)

    def __enter__(self) -> Portal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PortalPool:
    """Several workers, for long runs on all cores; answers come back in order."""

    def __init__(self, workers: int, configdb: Path | None = None) -> None:
        self._portals = [Portal(configdb) for _ in range(workers)]
        self._free: list[Portal] = list(self._portals)
        self._lock = threading.Condition()

    def _validate(self, order: tuple[object, datetime]) -> PortalAnswer:
        with self._lock:
            while not self._free:
                self._lock.wait()
            portal = self._free.pop()
        try:
            return portal.validate(*order)
        finally:
            with self._lock:
                self._free.append(portal)
                self._lock.notify()

    def validate_all(self, orders: Iterable[tuple[object, datetime]]) -> Iterator[PortalAnswer]:
        with ThreadPoolExecutor(len(self._portals)) as pool:
            yield from pool.map(self._validate, orders)

    def close(self) -> None:
        for portal in self._portals:
            portal.close()
