"""The server under hostile load (issue 21): no client can stall it or the others.

Each case is something an attacker or a careless client can do on loopback:
headers dribbled a byte at a time, connections opened and never written, a
body declared far longer than it is, one group heavy enough to occupy the
server while small requests arrive, groups whose size is multiplied by eight,
and a stream of valid and hostile documents from 16 clients at once, whose
every answer must be the answer to the same document sent alone.

Each case runs against a real ``lco-validate serve`` process on a free
127.0.0.1 port, judging at a fixed time, with its limits set short so that a
case ends in seconds; every loop is bounded in count and in time, and every
process is stopped.  Marked ``reliability``: part of the plain ``pytest -q``
that CI runs (about a minute on two cores); ``-m "not reliability"`` leaves it out.
"""

from __future__ import annotations

import copy
import json
import math
import random
import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from .conftest import REPO, seed_page

httpx = pytest.importorskip("httpx", reason="the reliability suite is a client: pip install httpx")
pytest.importorskip("uvicorn", reason="serve needs: pip install 'lco-validate[serve]'")

from lco_validate.pytest_plugin import OfflinePortal  # noqa: E402
from lco_validate.pytest_plugin import serving as serving_portal  # noqa: E402
from lco_validate.server.app import MAX_BODY_BYTES, ServerLimits  # noqa: E402

pytestmark = [pytest.mark.reliability, pytest.mark.loopback]

NOW = "2030-06-01T00:00:00+00:00"
VALIDATE = "/api/requestgroups/validate/"
JSON = "application/json"
JSON_TYPE = {"Content-Type": JSON}
GROUP = json.loads((REPO / "fixtures" / "valid" / "request-group.json").read_text())

#: How long the test server waits for a request head or a pause in a body, and for an answer.
READ_TIMEOUT = 2.0
TIMEOUT = 10.0
#: The server's limits, set short (see the module's notes); the counts keep their defaults.
LIMITS = ("--read-timeout", f"{READ_TIMEOUT:g}", "--timeout", f"{TIMEOUT:g}")
#: Scheduling delay allowed on a busy two-core machine beyond any timeout.
SLACK = 3.0
#: What "a prompt answer" means here: far below any timeout, far above a validation.
PROMPT = 2.0


# ---------------------------------------------------------------- the server and raw clients


@dataclass
class Served:
    """A running ``lco-validate serve``: its port and its validate URL."""

    portal: OfflinePortal

    @property
    def port(self) -> int:
        return self.portal.port

    @property
    def url(self) -> str:
        return f"{self.portal.portal_url}{VALIDATE}"


@contextmanager
def serving(*options: str) -> Iterator[Served]:
    """``lco-validate serve`` with ``options`` on a free loopback port, warmed up, then stopped."""
    with serving_portal(now=NOW, options=options) as portal:
        served = Served(portal)
        warm_up(served.url)
        yield served


def warm_up(url: str, clients: int = 4) -> None:
    """Valid groups sent at once from a few clients, so that each worker builds its caches.

    A worker's first validation at the suite's time computes its tables; no case should time it.
    """
    failures: list[BaseException] = []

    def send() -> None:
        try:
            httpx.post(url, json=GROUP, timeout=60).raise_for_status()
        except httpx.HTTPError as error:
            failures.append(error)

    threads = [threading.Thread(target=send) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not failures, f"warming up failed: {failures[0]!r}"


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    with serving(*LIMITS) as served:
        yield served


def small_group() -> dict[str, Any]:
    """A valid group that is cheap to judge: one request, one site, one night."""
    group = copy.deepcopy(GROUP)
    group["operator"] = "SINGLE"
    request = group["requests"][0]
    group["requests"] = [request]
    request["location"]["site"] = "ogg"
    request["windows"] = [{"start": "2030-11-01T00:00:00Z", "end": "2030-11-02T00:00:00Z"}]
    return group


SMALL = json.dumps(small_group()).encode()


def request_bytes(body: bytes, content_type: str | None = JSON, length: int | None = None) -> bytes:
    """A whole HTTP/1.1 POST to the validate path, asking the server to close afterwards."""
    lines = [f"POST {VALIDATE} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines.append(f"Content-Length: {len(body) if length is None else length}")
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


@dataclass
class Heard:
    """What the server sent on a connection, whether it closed it, and how soon it first did."""

    received: bytes
    closed: bool
    first: float


def read_until_closed(connection: socket.socket, seconds: float) -> Heard:
    """What the server sends within ``seconds``, until it closes the connection."""
    received = b""
    started = time.monotonic()
    first = math.inf
    while (left := started + seconds - time.monotonic()) > 0:
        connection.settimeout(left)
        try:
            chunk = connection.recv(65536)
        except TimeoutError:
            break
        except ConnectionError:
            chunk = b""
        first = min(first, time.monotonic() - started)
        if not chunk:
            return Heard(received, True, first)
        received += chunk
    return Heard(received, False, first)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


class Watcher:
    """Sockets left to the server, noting when it closes each; may write one byte at a time."""

    def __init__(self, count: int, port: int, dribble: bytes = b"", every: float = 0.2) -> None:
        self.selector = selectors.DefaultSelector()
        self.opened: dict[socket.socket, float] = {}
        self.closed_after: dict[socket.socket, float] = {}
        self.written: dict[socket.socket, int] = {}
        self.dribble, self.every = dribble, every
        for _ in range(count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connection.setblocking(False)
            self.selector.register(connection, selectors.EVENT_READ)
            self.opened[connection] = time.monotonic()
            self.written[connection] = 0

    def _closed(self, connection: socket.socket) -> None:
        self.closed_after[connection] = time.monotonic() - self.opened[connection]
        self.selector.unregister(connection)

    def watch(self, seconds: float) -> None:
        """Read (and dribble) until every socket is closed by the server or ``seconds`` pass."""
        until = time.monotonic() + seconds
        next_byte = time.monotonic()
        while len(self.closed_after) < len(self.opened) and time.monotonic() < until:
            for key, _ in self.selector.select(timeout=0.05):
                connection = key.fileobj
                assert isinstance(connection, socket.socket)
                try:
                    chunk = connection.recv(65536)
                except BlockingIOError:
                    continue
                except ConnectionError:
                    chunk = b""
                if not chunk:
                    self._closed(connection)
            if self.dribble and time.monotonic() >= next_byte:
                next_byte += self.every
                for connection in list(self.opened):
                    if connection in self.closed_after:
                        continue
                    position = self.written[connection] % len(self.dribble)
                    try:
                        connection.send(self.dribble[position : position + 1])
                        self.written[connection] += 1
                    except BlockingIOError:
                        pass
                    except OSError:  # reset or broken pipe: the server has let go
                        self._closed(connection)

    def still_open(self) -> int:
        return len(self.opened) - len(self.closed_after)

    def close(self) -> None:
        for connection in self.opened:
            connection.close()
        self.selector.close()


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value at or above ``fraction`` of them."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def small_latencies(url: str, expected: bytes, until: Callable[[], bool], most: int) -> list[float]:
    """Sequential small valid requests until ``until()`` or ``most`` of them; each one's seconds.

    Each must get the answer it gets alone; one that gets no answer within
    ``PROMPT + SLACK`` counts as infinitely late.
    """
    latencies: list[float] = []
    with httpx.Client(timeout=PROMPT + SLACK) as client:
        while len(latencies) < most and not until():
            sent = time.perf_counter()
            try:
                response = client.post(url, content=SMALL, headers=JSON_TYPE)
            except httpx.TimeoutException:
                latencies.append(math.inf)
                continue
            latencies.append(time.perf_counter() - sent)
            assert (response.status_code, response.content) == (200, expected)
    return latencies


def alone(url: str, body: bytes = SMALL) -> bytes:
    response = httpx.post(url, content=body, headers=JSON_TYPE, timeout=60)
    assert response.status_code == 200
    return response.content


# ---------------------------------------------------------------- slow and silent clients


def test_a_client_dribbling_a_request_byte_by_byte_is_answered_as_if_sent_at_once(
    server: Served,
) -> None:
    whole = request_bytes(SMALL)
    headers_end = whole.index(b"\r\n\r\n") + 4
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        # Well inside the read timeout: a slow client, not an attacker.
        pause = READ_TIMEOUT / 4 / headers_end
        for index in range(headers_end):
            connection.sendall(whole[index : index + 1])
            time.sleep(pause)
        connection.sendall(whole[headers_end:])
        heard = read_until_closed(connection, PROMPT + SLACK)
    assert heard.closed, "the answer never ended"
    assert status_of(heard.received) == 200
    assert heard.received.split(b"\r\n\r\n", 1)[1] == alone(server.url)


def test_headers_that_never_end_are_cut_off_and_others_are_answered_meanwhile(
    server: Served,
) -> None:
    endless = b"POST " + VALIDATE.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    endless += b"".join(b"X-Padding-%d: a\r\n" % n for n in range(1000))
    slow = Watcher(20, server.port, dribble=endless, every=0.1)
    expected = alone(server.url)
    try:
        dribbling = threading.Thread(target=slow.watch, args=(READ_TIMEOUT + SLACK,))
        dribbling.start()
        latencies = small_latencies(
            server.url, expected, until=lambda: not dribbling.is_alive(), most=200
        )
        dribbling.join(READ_TIMEOUT + SLACK + 5)
    finally:
        slow.close()
    assert slow.still_open() == 0, (
        f"{slow.still_open()} of 20 connections still writing headers after "
        f"{READ_TIMEOUT + SLACK:.0f} s were not closed"
    )
    assert max(slow.closed_after.values()) <= READ_TIMEOUT + SLACK
    assert max(latencies) < PROMPT, f"a small request waited {max(latencies):.2f} s"


def test_connections_never_written_are_closed_and_others_are_answered_meanwhile(
    server: Served,
) -> None:
    expected = alone(server.url)
    count = ServerLimits.max_connections // 2  # room left under the cap for the others
    silent = Watcher(count, server.port)
    try:
        latencies = small_latencies(server.url, expected, until=lambda: False, most=20)
        silent.watch(READ_TIMEOUT + SLACK)
    finally:
        silent.close()
    assert max(latencies) < PROMPT, f"a small request waited {max(latencies):.2f} s"
    assert silent.still_open() == 0, (
        f"{silent.still_open()} of {count} silent connections were still open after "
        f"{READ_TIMEOUT + SLACK:.0f} s"
    )


def test_more_silent_connections_than_the_cap_get_prompt_refusals_until_they_are_closed(
    server: Served,
) -> None:
    expected = alone(server.url)
    count = 300
    silent = Watcher(count, server.port)
    try:
        started = time.perf_counter()
        meanwhile = httpx.post(server.url, content=SMALL, headers=JSON_TYPE, timeout=PROMPT)
        waited = time.perf_counter() - started
        silent.watch(READ_TIMEOUT + SLACK)
        afterwards = httpx.post(server.url, content=SMALL, headers=JSON_TYPE, timeout=PROMPT)
    finally:
        silent.close()
    # Beyond the cap a refusal (503) is the prompt, clear answer; a wait is not.
    assert meanwhile.status_code in (200, 503), meanwhile.text[:200]
    assert waited < PROMPT
    assert silent.still_open() == 0, (
        f"{silent.still_open()} of {count} silent connections were still open after "
        f"{READ_TIMEOUT + SLACK:.0f} s"
    )
    assert (afterwards.status_code, afterwards.content) == (200, expected)


@pytest.mark.parametrize(
    ("declared", "within"),
    [
        # Beyond the body cap: the declared length alone is enough to refuse it.
        (10**12, PROMPT),
        # Under the cap: only a timeout can end the wait for the rest.
        (MAX_BODY_BYTES - 1, READ_TIMEOUT + SLACK),
    ],
    ids=["beyond-the-cap", "under-the-cap"],
)
def test_a_body_far_shorter_than_declared_gets_an_answer_or_a_close(
    server: Served, declared: int, within: float
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        connection.sendall(request_bytes(b"{}", length=declared))
        heard = read_until_closed(connection, READ_TIMEOUT + SLACK)
    assert heard.first <= within, f"no answer and no close within {within:g} s"
    # Answered or not, the server lets go: it may read what is left of the body a while.
    assert heard.closed, f"the connection was still open after {READ_TIMEOUT + SLACK:g} s"
    if heard.received:
        assert 400 <= status_of(heard.received) < 500, heard.received[:200]
        assert b'"detail"' in heard.received


# ---------------------------------------------------------------- heavy groups


def group_of_configurations(count: int) -> bytes:
    """``count`` configurations at distinct targets, in requests as full as the server accepts."""
    per_request = ServerLimits.max_configurations_per_request
    template = copy.deepcopy(GROUP["requests"][0])
    configuration = template["configurations"][0]
    configuration["instrument_configs"] = configuration["instrument_configs"][:1]
    targets = [
        {
            "type": "ICRS",
            "name": f"t{index}",
            "ra": round(360 * index / count, 5),
            "dec": round(-30 + 60 * ((index * 7919) % count) / count, 5),
        }
        for index in range(count)
    ]
    requests = [
        {
            **template,
            "configurations": [
                {**configuration, "target": target}
                for target in targets[start : start + per_request]
            ],
        }
        for start in range(0, count, per_request)
    ]
    group = {**GROUP, "operator": "MANY" if len(requests) > 1 else "SINGLE", "requests": requests}
    return json.dumps(group, separators=(",", ":")).encode()


def largest_accepted_group() -> bytes:
    """The group with the most configurations the server accepts: its limits and body cap."""
    low, high = 1, ServerLimits.max_configurations + 1
    while high - low > 1:
        middle = (low + high) // 2
        fits = len(group_of_configurations(middle)) <= MAX_BODY_BYTES
        low, high = (middle, high) if fits else (low, middle)
    return group_of_configurations(low)


#: The p99 latency a small request may have while the largest group is judged: the issue's
#: target, kept because it holds here with room (measured 14 to 52 ms on two busy cores).
SMALL_P99 = 0.100


def test_small_requests_stay_fast_while_the_largest_group_is_judged() -> None:
    big = largest_accepted_group()
    outcome: dict[str, Any] = {}

    def post_the_big_group() -> None:
        started = time.monotonic()
        try:
            response = httpx.post(url, content=big, headers=JSON_TYPE, timeout=TIMEOUT + SLACK)
            outcome["status"] = response.status_code
        except httpx.TimeoutException:
            outcome["status"] = None
        outcome["seconds"] = time.monotonic() - started

    with serving(*LIMITS) as served:
        url = served.url
        expected = alone(url)
        heavy = threading.Thread(target=post_the_big_group)
        heavy.start()
        time.sleep(0.5)  # the upload is done and the judging under way
        latencies = small_latencies(url, expected, until=lambda: not heavy.is_alive(), most=5000)
        heavy.join(TIMEOUT + SLACK + 5)
    p99 = percentile(latencies, 0.99)
    print(f"small requests while the largest group was judged: {len(latencies)}, p99 {p99:.3f} s")
    assert p99 < SMALL_P99, (
        f"p99 of {len(latencies)} small requests: {p99 * 1000:.0f} ms "
        f"(median {percentile(latencies, 0.5) * 1000:.0f} ms) while a group of "
        f"{len(big):,} bytes was judged"
    )
    # Judged in full, or stopped at the deadline: either way it was not refused up front.
    assert outcome.get("status") in (200, 503), (
        f"the big group got {outcome.get('status')} after {outcome.get('seconds', 0):.1f} s"
    )


#: Eight times the requests may cost this many times the time: linear gives 8, quadratic 40 or more.
LINEAR_BOUND = 16


def empty_requests(count: int) -> bytes:
    group = {key: value for key, value in GROUP.items() if key != "requests"}
    return json.dumps({**group, "requests": [{}] * count}).encode()


def test_judging_a_group_grows_linearly_with_its_requests() -> None:
    """1,000 then 8,000 empty requests: eight times the work, not sixty-four.

    Before the fix (issue 21) 0.6 s and 24.4 s, a ratio of 40; on this suite's
    machine 1.15 s and 54 s.  Linear work gives about 8; the bound leaves room for
    a busy machine.  The server's limits are raised so that the 8,000 are judged.
    """
    options = ("--read-timeout", f"{READ_TIMEOUT:g}", "--timeout", "90", "--max-requests", "8000")
    with serving(*options) as served, httpx.Client(timeout=120) as client:

        def seconds(count: int) -> float:
            body = empty_requests(count)
            started = time.perf_counter()
            response = client.post(served.url, content=body, headers=JSON_TYPE)
            took = time.perf_counter() - started
            assert response.status_code == 200, response.text[:200]
            assert len(response.json()["errors"]["requests"]) == count
            return took

        small = min(seconds(1000) for _ in range(3))
        large = seconds(8000)
        if large / small >= LINEAR_BOUND and large < 30:  # a second try before calling it quadratic
            large = min(large, seconds(8000))
    print(f"1,000 empty requests {small:.2f} s, 8,000 {large:.2f} s: ratio {large / small:.1f}")
    assert large / small < LINEAR_BOUND, (
        f"1,000 requests {small:.2f} s, 8,000 requests {large:.2f} s"
    )


# ---------------------------------------------------------------- many clients, many documents


def mixed_documents(seed: int) -> list[tuple[str, bytes, str | None]]:
    """(label, body, content type): valid groups, mutations, invalid fixtures, hostile bodies."""
    draw = random.Random(seed)
    valid = json.dumps(GROUP).encode()
    documents: list[tuple[str, bytes, str | None]] = [
        ("the valid group", valid, JSON),
        ("a small valid group", SMALL, JSON),
        ("with a charset", SMALL, "application/json; charset=utf-8"),
        ("in capitals", SMALL, "APPLICATION/JSON"),
        ("as text", SMALL, "text/plain"),
        ("as a form", b"name=x&proposal=y", "application/x-www-form-urlencoded"),
        ("as multipart", SMALL, "multipart/form-data; boundary=x"),
        ("without a type", SMALL, None),
        ("empty", b"", JSON),
        ("a list", b"[" + valid + b"]", JSON),
        ("a string", b'"group"', JSON),
        ("null", b"null", JSON),
        ("nested 600 deep", b"[" * 600 + b"]" * 600, JSON),
        ("nested 20,000 deep", b'{"a":' * 20000 + b"1" + b"}" * 20000, JSON),
        ("a lone surrogate", SMALL.replace(b'"L95"', b'"\\ud800"', 1), JSON),
        ("raw surrogate bytes", SMALL.replace(b'"L95"', b'"\xed\xa0\x80"', 1), JSON),
        ("not UTF-8", SMALL.replace(b'"L95"', b'"\xff\xfe"', 1), JSON),
        ("duplicate keys", b'{"name": "a", "name": "b"}', JSON),
    ]
    exposure = b'"exposure_time": 60'
    assert exposure in SMALL
    for digits in (400, 5000):
        huge = b'"exposure_time": 1' + b"0" * digits
        documents.append((f"a {digits + 1}-digit integer", SMALL.replace(exposure, huge), JSON))
    for literal in (b"1e400", b"-1e400", b"1" + b"0" * 300 + b"e99", b"NaN", b"Infinity"):
        written = SMALL.replace(exposure, b'"exposure_time": ' + literal)
        documents.append((f"exposure {literal[:12]!r}", written, JSON))
    for index in range(8):
        cut = draw.randrange(1, len(valid))
        documents.append((f"cut at {cut}", valid[:cut], JSON))
        flipped = bytearray(valid)
        flipped[draw.randrange(len(flipped))] = draw.randrange(256)
        documents.append((f"byte flip {index}", bytes(flipped), JSON))
    for request in seed_page()["results"]:
        group = {key: value for key, value in GROUP.items() if key != "requests"}
        group["requests"] = [{k: v for k, v in request.items() if k not in ("id", "state")}]
        documents.append((f"seed request {request['id']}", json.dumps(group).encode(), JSON))
    for path in sorted((REPO / "fixtures" / "invalid").rglob("*.json")):
        documents.append((f"fixture {path.parent.name}/{path.name}", path.read_bytes(), JSON))
    for index in range(12):
        group = small_group()
        instrument = group["requests"][0]["configurations"][0]["instrument_configs"][0]
        instrument["exposure_time"] = draw.choice([-1, 0, 0.001, 1.5, 3600, "60", None, [], {}])
        target = group["requests"][0]["configurations"][0]["target"]
        target["ra"] = draw.choice([draw.uniform(0, 360), -1, 360.5, "ra", 1e300])
        target["dec"] = draw.choice([draw.uniform(-90, 90), 91, None])
        if draw.random() < 0.3:
            del group[draw.choice(sorted(group))]
        documents.append((f"mutation {index}", json.dumps(group).encode(), JSON))
    return documents


CLIENTS = 16
PER_CLIENT = 40


def answer_of(client: Any, url: str, body: bytes, content_type: str | None) -> tuple[int, bytes]:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(url, content=body, headers=headers)
    return response.status_code, response.content


def test_sixteen_clients_get_byte_for_byte_the_answers_each_document_gets_alone(
    server: Served,
) -> None:
    documents = mixed_documents(seed=21)
    with httpx.Client(timeout=60) as client:
        single = [answer_of(client, server.url, body, kind) for _, body, kind in documents]
    failed = [
        label for (label, _, _), (status, _) in zip(documents, single, strict=True) if status >= 500
    ]
    assert not failed, f"answered 5xx alone: {failed}"

    differences: list[str] = []
    unfinished: list[int] = []
    stop = time.monotonic() + 90

    def client_run(number: int) -> None:
        draw = random.Random(1000 + number)
        with httpx.Client(timeout=60) as client:
            for _ in range(PER_CLIENT):
                if time.monotonic() > stop:
                    unfinished.append(number)
                    return
                index = draw.randrange(len(documents))
                label, body, kind = documents[index]
                try:
                    got = answer_of(client, server.url, body, kind)
                except httpx.HTTPError as error:
                    differences.append(f"{label}: alone {single[index][0]}, now {error!r}")
                    continue
                if got != single[index]:
                    status, content = got
                    differences.append(
                        f"{label}: alone {single[index][0]}, now {status} {content[:120]!r}"
                    )

    threads = [threading.Thread(target=client_run, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a client never finished"
    assert not unfinished, f"clients {unfinished} ran out of time"
    assert not differences, f"{len(differences)} answers differed, first: {differences[:3]}"
