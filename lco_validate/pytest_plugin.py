"""The offline LCO portal for a test session: the pytest fixture ``lco_portal``.

Installing lco-validate (with its ``serve`` extra) registers this plugin with
pytest (entry point ``pytest11``).  A test that asks for ``lco_portal`` gets
``lco-validate serve`` running in a subprocess on a free loopback port, started
once for the session and stopped at its end::

    def test_my_client_validates(lco_portal):
        client = MyClient(api_root=lco_portal.url, token=lco_portal.token)
        ...

``lco_portal.url`` is the API root (``http://127.0.0.1:PORT/api/``, AEONlib's
``AEON_LCO_API_ROOT``), ``lco_portal.portal_url`` the site root TOM Toolkit's
``FACILITIES['LCO']['portal_url']`` takes, ``lco_portal.token`` an API token
(any token stands for the sandbox user; without one a client is anonymous).
Request groups submitted during the session stay in the server's memory until
the session ends.

Options, on the command line or as ini options (``[tool.pytest.ini_options]``):

* ``--lco-portal-now ISO`` / ``lco_portal_now``: judge every request at this
  time (default: when it arrives); fix it, so that windows stay in the future;
* ``--lco-portal-configdb FILE`` / ``lco_portal_configdb``: a configdb
  ``/sites/`` snapshot instead of the built-in LCO catalogue (an ini path is
  relative to the ini file);
* ``--lco-portal-proposal CODE`` (repeatable) / ``lco_portal_proposal`` (one
  per line, or a TOML list): the sandbox user's proposals, as
  ``/api/profile/`` lists them (default: TEST_PROPOSAL).

``serving()`` starts such a server for a ``with`` block, with any more of
``serve``'s options; ``OfflinePortal.process`` and ``printed()`` give its process
and output (this project's reliability tests and benchmarks use it).

Nothing here runs unless a test asks for the fixture, and this module imports
only the standard library and pytest: every pytest session of an environment
with lco-validate installed loads it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

#: The token the fixture's clients send; the server takes any token as the sandbox user.
TOKEN = "lco-validate-sandbox-token"
#: The sandbox user's proposal when none is given (``server.account``'s default, which
#: this module cannot import: it would load the catalogue's modules at pytest start-up).
DEFAULT_PROPOSAL = "TEST_PROPOSAL"
#: How long the server may take to answer its first request.
STARTUP_SECONDS = 60.0
#: How long the server may take to stop when asked, before it is killed.
STOP_SECONDS = 10.0
#: Exit status of ``serve`` when its port is taken (another process won the free port).
_ADDRESS_IN_USE = 2
_ATTEMPTS = 3


@dataclass(frozen=True)
class OfflinePortal:
    """A running ``lco-validate serve``: where it answers and what it was started with."""

    port: int
    token: str = TOKEN
    now: str | None = None
    #: The sandbox user's proposals, as ``/api/profile/`` lists them (sorted there).
    proposals: tuple[str, ...] = (DEFAULT_PROPOSAL,)
    #: The server's process (benchmarks read its memory), None for a server started elsewhere.
    process: subprocess.Popen[bytes] | None = field(default=None, compare=False, repr=False)
    #: Where the server's output goes, open while ``serving()`` runs.
    log: IO[bytes] | None = field(default=None, compare=False, repr=False)

    @property
    def portal_url(self) -> str:
        """The site root, without ``/api/`` (TOM Toolkit's ``portal_url``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The API root (AEONlib's ``lco_api_root``); paths such as ``requestgroups/`` follow."""
        return f"{self.portal_url}/api/"

    @property
    def headers(self) -> dict[str, str]:
        """The ``Authorization`` header of the sandbox user."""
        return {"Authorization": f"Token {self.token}"}

    def printed(self) -> str:
        """What the server has written to its stdout and stderr so far."""
        return _tail(self.log, size=None).decode("utf-8", "replace") if self.log else ""

    def stop(self) -> None:
        """Stop the server now (``serving()`` does at its end), e.g. to read all it printed."""
        if self.process is not None:
            _stop(self.process)


class PortalDidNotStart(RuntimeError):
    """``lco-validate serve`` exited, or did not answer in time; the message has its output."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lco-portal", "the offline LCO portal (fixture lco_portal)")
    group.addoption(
        "--lco-portal-now",
        metavar="ISO",
        dest="lco_portal_now",
        help="Time at which the offline portal judges every request (default: on arrival).",
    )
    group.addoption(
        "--lco-portal-configdb",
        metavar="FILE",
        dest="lco_portal_configdb",
        help="configdb /sites/ snapshot the offline portal uses (default: the built-in one).",
    )
    group.addoption(
        "--lco-portal-proposal",
        metavar="CODE",
        action="append",
        dest="lco_portal_proposal",
        help="A proposal of the offline portal's user (repeatable; default: TEST_PROPOSAL).",
    )
    parser.addini("lco_portal_now", "Time at which the offline portal judges every request.")
    parser.addini(
        "lco_portal_configdb",
        "configdb /sites/ snapshot for the offline portal, relative to this file.",
    )
    parser.addini(
        "lco_portal_proposal", "The offline portal user's proposals, one a line.", type="linelist"
    )


@pytest.fixture(scope="session")
def lco_portal(pytestconfig: pytest.Config) -> Iterator[OfflinePortal]:
    """``lco-validate serve`` on a free loopback port for the session (see the module's notes)."""
    now = pytestconfig.getoption("lco_portal_now") or pytestconfig.getini("lco_portal_now")
    configdb = _configdb(pytestconfig)
    proposals = pytestconfig.getoption("lco_portal_proposal") or pytestconfig.getini(
        "lco_portal_proposal"
    )
    with serving(now=now or None, configdb=configdb, proposals=proposals) as portal:
        yield portal


def _configdb(config: pytest.Config) -> str | None:
    """The snapshot's absolute path: a command-line one from here, an ini one from its file."""
    given = config.getoption("lco_portal_configdb")
    if given:
        return str(Path(given).absolute())
    written = config.getini("lco_portal_configdb")
    if not written:
        return None
    folder = config.inipath.parent if config.inipath else config.rootpath
    return str((folder / str(written)).absolute())


@contextmanager
def serving(
    *,
    now: str | None = None,
    configdb: str | None = None,
    proposals: Sequence[str] = (),
    options: Sequence[str] = (),
) -> Iterator[OfflinePortal]:
    """``lco-validate serve`` on a free loopback port while the block runs, then stopped.

    ``options`` are more of ``serve``'s options (``--workers``, ``--timeout``...).
    """
    given = ["--now", now] if now else []
    given += ["--configdb", configdb] if configdb else []
    for code in proposals:
        given += ["--proposal", code]
    with tempfile.TemporaryFile() as log:
        process, port = _started([*given, *options], log)
        try:
            codes = tuple(dict.fromkeys(code for code in proposals if code))
            yield OfflinePortal(
                port,
                now=now,
                proposals=codes or (DEFAULT_PROPOSAL,),
                process=process,
                log=log,
            )
        finally:
            _stop(process)


def _started(options: list[str], log: IO[bytes]) -> tuple[subprocess.Popen[bytes], int]:
    """The server process, answering, and its port; another port if one is taken meanwhile."""
    for _attempt in range(_ATTEMPTS):
        port = free_port()
        command = [sys.executable, "-m", "lco_validate", "serve", "--host", "127.0.0.1"]
        # A file, not a pipe: a server that writes much must never block on a full pipe.
        process = subprocess.Popen(
            [*command, "--port", str(port), *options],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        if _answers(process, port):
            return process, port
        _stop(process)
        if process.returncode != _ADDRESS_IN_USE or b"already in use" not in _tail(log):
            break
    raise PortalDidNotStart(
        f"lco-validate serve did not start (exit status {process.returncode}); "
        f"it printed:\n{_tail(log).decode('utf-8', 'replace')}"
    )


def free_port() -> int:
    """A loopback port free now (another process may take it before it is used)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(process: subprocess.Popen[bytes], port: int) -> bool:
    """Whether the server answers an HTTP request before it exits or the start-up time is up."""
    import http.client

    deadline = time.monotonic() + STARTUP_SECONDS
    while process.poll() is None and time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/api/semesters/?limit=1")
            if connection.getresponse().status == 200:
                return True
        except (OSError, http.client.HTTPException):
            pass  # not listening yet
        finally:
            connection.close()
        time.sleep(0.1)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(log: IO[bytes], size: int | None = 4000) -> bytes:
    """The last ``size`` bytes written to ``log`` (all of them for None)."""
    log.flush()
    end = os.fstat(log.fileno()).st_size
    start = 0 if size is None else max(0, end - size)
    if hasattr(os, "pread"):
        # The server writes at the file offset it shares with us: reading must not move it.
        return os.pread(log.fileno(), end - start, start)
    log.seek(start)
    return log.read(end - start)
