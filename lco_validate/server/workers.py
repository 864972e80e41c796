"""Validation in worker processes, so that a deadline can stop it and free its worker.

A thread cannot be stopped, and a validation is one long computation (a request's
visibility, a group's schema) that no check between steps would interrupt in
time.  So the server validates in processes: each takes one request body at a
time; one still working at its deadline, or whose client has gone, is killed
and replaced.  They also let validations use every core, which threads under
the GIL cannot.

Workers are forked from multiprocessing's fork server (``spawn`` where there is
none), which imports ``preload`` once: a replacement starts in milliseconds,
with astropy and its tables already loaded.  Each worker gets the server's
settings (the catalogue) once, when it starts, and answers with the same
pipeline as ``check --output-format portal``.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from ..checking.pipeline import fewer_garbage_collections
from ..checking.policy import Settings
from ..documents.loading import SourceFile, load_bytes
from .app import ServerLimits, excess
from .validate import answer_source

JSON = dict[str, Any]
Answer = tuple[int, JSON]

#: How often a waiting validation looks whether its client has gone.
POLL_SECONDS = 0.05
PRELOAD = "lco_validate.server.preload"


def judge(endpoint: str, body: bytes, settings: Settings, limits: ServerLimits) -> Answer:
    """(status, body) for a request body sent to ``endpoint`` (a key of ``ENDPOINTS``).

    A request group beyond ``limits`` is refused 400 before any work, wherever it is sent.
    """
    if endpoint in GROUP_ENDPOINTS:
        source = SourceFile(path="request body")
        load_bytes(source, body)
        if source.documents:
            reason = excess(source.documents[0].value, limits)
            if reason:
                return 400, {"detail": reason}
        if endpoint == "validate":
            return answer_source(source, settings)
    return ENDPOINTS[endpoint](body, settings)


def _endpoints() -> dict[str, Callable[[bytes, Settings], Answer]]:
    from . import airmass, cadence, dither, mosaic, validate

    return {
        "validate": validate.answer_text,
        "cadence": cadence.answer_text,
        "dither": dither.answer_text,
        "mosaic": mosaic.answer_text,
        "airmass": airmass.answer_text,
        "stored airmass": airmass.stored_answer,
    }


#: What a worker computes, by endpoint: the answer from the body and the settings alone.
ENDPOINTS = _endpoints()
#: The endpoints whose body is a request group, and so counted against the limits first.
GROUP_ENDPOINTS = frozenset({"validate", "cadence"})


def failure(error: BaseException | str) -> Answer:
    name = error if isinstance(error, str) else type(error).__name__
    return 500, {"detail": f"lco-validate failed: {name}; please report it"}


def _work(connection: Connection, settings: Settings, limits: ServerLimits) -> None:
    """A worker's life: answer each (body, now) sent, until the server closes the pipe."""
    # Ctrl-C reaches the whole process group; the server stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with fewer_garbage_collections():
        _answer_each(connection, settings, limits)


def _answer_each(connection: Connection, settings: Settings, limits: ServerLimits) -> None:
    while True:
        try:
            endpoint, body, now = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer = judge(endpoint, body, replace(settings, now=now, started=now), limits)
        except Exception as error:  # answered as the app answers any failure: 500, reported
            answer = failure(error)
        try:
            connection.send(answer)
        except OSError:
            return


class InProcess:
    """Validation in the calling thread: no process to start, none to stop (``workers=0``)."""

    def __init__(self, settings: Settings, limits: ServerLimits) -> None:
        self.settings = settings
        self.limits = limits

    def start(self) -> None:
        pass

    def run(
        self, endpoint: str, body: bytes, now: datetime, deadline: float, stop: threading.Event
    ) -> Answer | None:
        del deadline, stop  # a thread cannot be stopped: the caller stops waiting instead
        return judge(endpoint, body, replace(self.settings, now=now, started=now), self.limits)

    def close(self) -> None:
        pass


class Worker:
    """One worker process and the server's end of its pipe."""

    def __init__(self, process: BaseProcess, connection: Connection) -> None:
        self.process = process
        self.connection = connection

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


def start_method() -> str:
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def default_worker_count() -> int:
    """Usable cores, at least 2 (a small request beside a large one), at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        cores = os.cpu_count() or 1
    return min(max(cores, 2), 8)


class ValidationWorkers:
    """A fixed number of worker processes; ``run`` lends one to a body until its deadline."""

    def __init__(self, settings: Settings, limits: ServerLimits) -> None:
        self.settings = settings
        self.limits = limits
        self._context: Any = multiprocessing.get_context(start_method())
        if start_method() == "forkserver":
            self._context.set_forkserver_preload([PRELOAD])
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._workers: set[Worker] = set()
        self._started = False
        self._closed = False

    def start(self) -> None:
        """Start the workers (once; ``run`` starts them if nobody has)."""
        with self._lock:
            if self._started or self._closed:
                return
            self._started = True
        for _ in range(self.limits.workers):
            self._add_worker()

    def _add_worker(self) -> None:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_work,
            args=(theirs, self.settings, self.limits),
            name="lco-validate worker",
            daemon=True,
        )
        process.start()
        theirs.close()
        worker = Worker(process, ours)
        with self._lock:
            if self._closed:
                worker.stop()
                return
            self._workers.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: Worker) -> None:
        """Kill ``worker`` at once; its successor starts in the background."""
        with self._lock:
            self._workers.discard(worker)
        worker.stop()
        if not self._closed:
            threading.Thread(
                target=self._add_worker, name="lco-validate respawn", daemon=True
            ).start()

    def run(
        self, endpoint: str, body: bytes, now: datetime, deadline: float, stop: threading.Event
    ) -> Answer | None:
        """The answer for ``body`` at ``endpoint``; None once ``deadline`` or ``stop`` came.

        ``deadline`` is a ``time.monotonic`` time.
        Waiting for a free worker counts against the deadline.  Blocks: call it in a thread.
        """
        self.start()
        worker = self._free_worker(deadline, stop)
        if worker is None:
            return None
        try:
            worker.connection.send((endpoint, body, now))
        except OSError:  # the worker died while idle (killed from outside)
            self._replace(worker)
            return failure("a validation worker stopped")
        while not worker.connection.poll(min(POLL_SECONDS, max(deadline - time.monotonic(), 0))):
            if time.monotonic() >= deadline or stop.is_set() or self._closed:
                self._replace(worker)
                return None
        try:
            answer: Answer = worker.connection.recv()
        except (EOFError, OSError):  # it died mid-validation: out of memory, or killed
            self._replace(worker)
            return failure("a validation worker stopped")
        self._idle.put(worker)
        return answer

    def _free_worker(self, deadline: float, stop: threading.Event) -> Worker | None:
        while not (self._closed or stop.is_set()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                return self._idle.get(timeout=min(remaining, 4 * POLL_SECONDS))
            except queue.Empty:
                continue
        return None

    def close(self) -> None:
        """Stop every worker; validations still waiting get None."""
        with self._lock:
            self._closed = True
            workers, self._workers = list(self._workers), set()
        for worker in workers:
            worker.stop()
