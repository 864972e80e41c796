"""No request can hold ``lco-validate serve`` or another client (issue 21): the server's limits.

In process (the application with threads, or raw ASGI calls): the counts per
group, the body read without waiting for what a Content-Length promises, the
deadline, the missing slash, the warning for an address beyond loopback, and
requests whose derived data is computed at once in several threads.

As a real server on 127.0.0.1 (marked ``loopback``): a validation past its
deadline is stopped and its worker freed, one whose client has gone likewise,
and connections that are silent, slow or over the cap are let go within
seconds.  Every wait is bounded; every server is stopped.
"""

from __future__ import annotations

import asyncio
import copy
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from lco_validate.catalogue.snapshot import load_catalogue
from lco_validate.checking.context import RequestContext
from lco_validate.checking.policy import Settings
from lco_validate.cli.serve import exposure_warning
from lco_validate.documents.kinds import REQUEST_GROUP, Unit

from .conftest import REPO

pytest.importorskip("starlette", reason="serve needs: pip install 'lco-validate[serve]'")
pytest.importorskip("uvicorn", reason="serve needs: pip install 'lco-validate[serve]'")
from starlette.testclient import TestClient

from lco_validate.pytest_plugin import serving as serving_portal
from lco_validate.server import workers as server_workers
from lco_validate.server.app import MAX_BODY_BYTES, ServerLimits, excess, make_app

NOW = datetime(2030, 6, 1, tzinfo=UTC)
CATALOGUE = load_catalogue()
GROUP = json.loads((REPO / "fixtures" / "valid" / "request-group.json").read_text())
VALIDATE = "/api/requestgroups/validate/"
#: Scheduling delay allowed beyond any timeout on a busy two-core machine.
SLACK = 3.0


def group_of(requests: int, configurations: int) -> dict[str, Any]:
    """The fixture's second request repeated, each with ``configurations`` distinct targets."""
    group: dict[str, Any] = copy.deepcopy(GROUP)
    template = group["requests"][1]
    configuration = template["configurations"][0]
    group["requests"] = []
    for number in range(requests):
        request = copy.deepcopy(template)
        request["configurations"] = []
        for index in range(configurations):
            one = copy.deepcopy(configuration)
            one["target"]["ra"] = (number * 7.1 + index * 0.37) % 360
            request["configurations"].append(one)
        group["requests"].append(request)
    return group


# ---------------------------------------------------------------- one request, several threads


def test_one_requests_slow_visibility_does_not_hold_up_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On Python 3.11 a functools.cached_property holds one lock per class while it computes."""
    from lco_validate.visibility import observability

    computing, release = threading.Event(), threading.Event()

    def visibility(request: Any, catalogue: Any, now: Any) -> str:
        if threading.current_thread().name == "slow":
            computing.set()
            release.wait(timeout=5)
        return threading.current_thread().name

    monkeypatch.setattr(observability, "request_visibility", visibility)
    settings = Settings(catalogue=CATALOGUE, now=NOW)
    unit = Unit(REQUEST_GROUP, GROUP, "")
    slow, prompt = (
        RequestContext(request, f"/requests/{index}", unit, settings)
        for index, request in enumerate(GROUP["requests"])
    )
    found: dict[str, object] = {}
    worker = threading.Thread(target=lambda: found.update(slow=slow.visibility), name="slow")
    worker.start()
    try:
        assert computing.wait(timeout=5)
        started = time.monotonic()
        found["prompt"] = prompt.visibility
        waited = time.monotonic() - started
    finally:
        release.set()
        worker.join(timeout=10)
    assert waited < 1.0, f"a request waited {waited:.1f} s for another's visibility"
    assert found == {"slow": "slow", "prompt": "MainThread"}


# ---------------------------------------------------------------- work per group


LIMITS = ServerLimits(max_requests=3, max_configurations_per_request=2, max_configurations=4)


@pytest.mark.parametrize(
    ("requests", "configurations", "option"),
    [
        (4, 1, "--max-requests"),
        (1, 3, "--max-configurations-per-request"),
        (3, 2, "--max-configurations"),
    ],
)
def test_a_group_over_a_limit_is_refused_naming_the_option(
    requests: int, configurations: int, option: str
) -> None:
    reason = excess(group_of(requests, configurations), LIMITS)
    assert reason is not None
    assert option in reason


@pytest.mark.parametrize("document", [group_of(3, 1), group_of(2, 2), [GROUP], {"requests": 7}])
def test_a_group_within_the_limits_or_not_a_group_is_left_to_the_checks(document: object) -> None:
    assert excess(document, LIMITS) is None


def test_the_server_answers_a_group_over_a_limit_with_the_portals_400_shape() -> None:
    client = TestClient(make_app(Settings(catalogue=CATALOGUE, now=NOW), LIMITS))
    response = client.post(VALIDATE, json=group_of(4, 1))
    assert response.status_code == 400
    assert list(response.json()) == ["detail"]
    assert "--max-requests" in response.json()["detail"]
    assert client.post(VALIDATE, json=group_of(2, 1)).status_code == 200


def test_the_default_limits_hold_any_real_group_the_portals_body_cap_admits() -> None:
    """A real configuration takes about 280 bytes: 2.5 MiB holds fewer than the defaults."""
    defaults = ServerLimits()
    configuration_bytes = len(json.dumps(GROUP["requests"][1]["configurations"][0]))
    assert MAX_BODY_BYTES // configuration_bytes < defaults.max_configurations
    assert excess(group_of(5, 1000), defaults) is None


# ---------------------------------------------------------------- raw ASGI: bodies and deadlines


def asgi_call(app: Any, headers: dict[str, str], chunks: list[bytes]) -> tuple[int, Any, float]:
    """(status, JSON body, seconds) for a POST whose body stops after ``chunks``, never ending."""

    async def call() -> tuple[int, Any, float]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": VALIDATE,
            "raw_path": VALIDATE.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 5000),
            "server": ("127.0.0.1", 8000),
        }
        pending = list(chunks)
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            if pending:
                return {"type": "http.request", "body": pending.pop(0), "more_body": True}
            await asyncio.sleep(3600)  # the rest of the body never comes
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        started = time.monotonic()
        await asyncio.wait_for(app(scope, receive, send), timeout=20)
        elapsed = time.monotonic() - started
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return sent[0]["status"], json.loads(body), elapsed

    return asyncio.run(call())


JSON_HEADERS = {"content-type": "application/json"}


def test_a_declared_length_over_the_cap_is_refused_without_waiting_for_the_body() -> None:
    app = make_app(Settings(catalogue=CATALOGUE, now=NOW), ServerLimits(read_timeout=30))
    headers = {**JSON_HEADERS, "content-length": str(10**12)}
    status, body, elapsed = asgi_call(app, headers, [b"{}"])
    assert (status, list(body)) == (400, ["detail"])
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in body["detail"]
    assert elapsed < 1.0


def test_a_body_that_stops_arriving_gets_408_after_the_read_timeout() -> None:
    app = make_app(Settings(catalogue=CATALOGUE, now=NOW), ServerLimits(read_timeout=0.3))
    headers = {**JSON_HEADERS, "content-length": "1000"}
    status, body, elapsed = asgi_call(app, headers, [b"{", b'"requests"'])
    assert (status, list(body)) == (408, ["detail"])
    assert 0.3 <= elapsed < 0.3 + SLACK


def test_a_validation_past_its_deadline_gets_503(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow_judge(*_args: Any) -> tuple[int, dict[str, Any]]:
        time.sleep(1.5)
        return 200, {}

    monkeypatch.setattr(server_workers, "judge", slow_judge)
    client = TestClient(make_app(Settings(catalogue=CATALOGUE, now=NOW), ServerLimits(timeout=0.3)))
    started = time.monotonic()
    response = client.post(VALIDATE, json=GROUP)
    assert response.status_code == 503
    assert "--timeout" in response.json()["detail"]
    assert time.monotonic() - started < 1.5


# ---------------------------------------------------------------- the missing slash


@pytest.mark.parametrize(
    ("method", "path", "location"),
    [
        ("POST", "/api/requestgroups/validate", "/api/requestgroups/validate/"),
        ("GET", "/api/instruments?format=json", "/api/instruments/?format=json"),
    ],
)
def test_a_known_path_without_its_slash_is_redirected_by_path_never_by_host(
    method: str, path: str, location: str
) -> None:
    client = TestClient(make_app(Settings(catalogue=CATALOGUE, now=NOW)))
    headers = {"Host": "attacker.example", "Content-Type": "application/json"}
    response = client.request(method, path, headers=headers, follow_redirects=False)
    assert response.status_code == 301  # Django's APPEND_SLASH, as the portal runs it
    assert response.headers["location"] == location


def test_an_unknown_path_without_a_slash_is_not_found() -> None:
    client = TestClient(make_app(Settings(catalogue=CATALOGUE, now=NOW)))
    response = client.post("/api/observations", json={}, follow_redirects=False)
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


# ---------------------------------------------------------------- bound beyond loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "127.255.0.9", "::1"])
def test_a_loopback_address_gets_no_warning(host: str) -> None:
    assert exposure_warning(host, 8000) is None


@pytest.mark.loopback  # resolves the name through the hosts file
def test_localhost_gets_no_warning() -> None:
    assert exposure_warning("localhost", 8000) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7", "::ffff:192.0.2.7"])
def test_an_address_beyond_loopback_gets_a_warning_naming_it(host: str) -> None:
    warning = exposure_warning(host, 8000)
    assert warning is not None
    assert warning.startswith("WARNING")
    assert f"{host}:8000" in warning


# ---------------------------------------------------------------- a real server on loopback


@contextmanager
def serving(*options: str) -> Iterator[str]:
    """``lco-validate serve`` with ``options`` on a free loopback port; yields its validate URL.

    On leaving, the server must have printed no traceback, shutting down included.
    """
    with serving_portal(now=NOW.isoformat(), options=options) as portal:
        yield f"{portal.portal_url}{VALIDATE}"
        portal.stop()
        printed = portal.printed()
    assert "Traceback" not in printed, printed


def post(url: str, document: object, timeout: float = 60) -> tuple[int, Any, float]:
    import httpx

    started = time.monotonic()
    response = httpx.post(url, json=document, timeout=timeout)
    elapsed = time.monotonic() - started
    is_json = response.headers.get("content-type") == "application/json"
    return response.status_code, response.json() if is_json else response.text, elapsed


#: Seconds of work on any machine: a request of 1,000 configurations, each with its own target.
HEAVY = group_of(1, 1000)


@pytest.fixture(scope="module")
def one_worker() -> Iterator[str]:
    """A server with one worker, a 1 s deadline and a 1 s read timeout."""
    options = ("--workers", "1", "--timeout", "1", "--read-timeout", "1")
    with serving(*options) as url:
        assert post(url, GROUP)[0] == 200  # started and warm
        yield url


@pytest.mark.loopback
def test_a_validation_past_its_deadline_is_stopped_and_its_worker_freed(one_worker: str) -> None:
    status, body, elapsed = post(one_worker, HEAVY)
    assert (status, list(body)) == (503, ["detail"])
    assert elapsed < 1 + SLACK
    # One worker only: it answers the next request, so the stopped work no longer holds it.
    status, body, elapsed = post(one_worker, GROUP)
    assert (status, body["errors"]) == (200, {})
    assert elapsed < SLACK


@pytest.mark.loopback
def test_a_validation_whose_client_has_gone_is_stopped() -> None:
    import httpx

    with serving("--workers", "1", "--timeout", "120") as url:
        assert post(url, GROUP)[0] == 200
        with pytest.raises(httpx.TimeoutException):
            httpx.post(url, json=group_of(3, 1000), timeout=1.0)
        # Left to run, that group would hold the only worker for many seconds more.
        status, _body, elapsed = post(url, GROUP)
        assert status == 200
        assert elapsed < SLACK


def exchange(port: int, data: bytes, seconds: float) -> tuple[bytes, float]:
    """What the server sends after ``data`` until it closes, and when it closed."""
    started = time.monotonic()
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as connection:
        connection.sendall(data)
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except TimeoutError:
            pytest.fail(f"the server kept the connection open {seconds} s: {received[:200]!r}")
        except ConnectionResetError:
            pass
    return received, time.monotonic() - started


def port_of(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


HEAD = (
    f"POST {VALIDATE} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    "Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
)


@pytest.mark.loopback
@pytest.mark.parametrize("sent", [b"", b"POST /api/requestgroups/val"])
def test_a_connection_without_a_whole_request_head_is_closed(one_worker: str, sent: bytes) -> None:
    received, elapsed = exchange(port_of(one_worker), sent, seconds=1 + SLACK + 5)
    assert received == b""
    assert elapsed < 1 + SLACK


@pytest.mark.loopback
def test_a_huge_declared_length_is_answered_at_once(one_worker: str) -> None:
    data = HEAD.format(length=10**11).encode() + b"{}"
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port_of(one_worker)), timeout=5) as connection:
        connection.sendall(data)
        answer = b""
        while b"}" not in answer and (chunk := connection.recv(65536)):
            answer += chunk
        answered = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"DATA_UPLOAD_MAX_MEMORY_SIZE" in answer
    assert answered < 1.0


@pytest.mark.loopback
def test_a_body_shorter_than_declared_is_answered_408_and_closed(one_worker: str) -> None:
    data = HEAD.format(length=1000).encode() + b"{}"
    received, elapsed = exchange(port_of(one_worker), data, seconds=2 + SLACK + 5)
    assert received.startswith(b"HTTP/1.1 408 ")
    assert elapsed < 2 + SLACK  # the answer after 1 s, the close 1 s later


@pytest.mark.loopback
def test_the_real_server_redirects_a_missing_slash_by_path(one_worker: str) -> None:
    data = (
        HEAD.format(length=2)
        .replace(VALIDATE, VALIDATE[:-1])
        .replace("Host: 127.0.0.1", "Host: attacker.example")
    )
    received, _elapsed = exchange(port_of(one_worker), data.encode() + b"{}", seconds=10)
    head = received.split(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 301 ")
    assert b"\r\nlocation: /api/requestgroups/validate/\r\n" in head + b"\r\n"


@pytest.mark.loopback
def test_beyond_the_connection_cap_a_request_gets_503_until_idle_ones_are_closed() -> None:
    with serving("--max-connections", "3", "--read-timeout", "1") as url:
        assert post(url, GROUP)[0] == 200
        port = port_of(url)
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
        try:
            time.sleep(0.2)
            assert post(url, GROUP)[0] == 503
            time.sleep(1 + SLACK)  # the idle connections are closed by then
            assert post(url, GROUP)[0] == 200
        finally:
            for connection in idle:
                connection.close()
