"""``lco-validate serve``: the portal's validation API on this machine, for existing clients.

A Starlette application (served by uvicorn; ``pip install 'lco-validate[serve]'``):

* ``POST /api/requestgroups/validate/``: ``validate.answer_source``, the same
  pipeline as ``check``;
* ``GET /api/instruments/``: ``instruments.instruments_document`` of the
  catalogue in use, built once;
* a known path without its trailing slash: the portal's answer, Django's
  ``APPEND_SLASH`` redirect (301) to the path with the slash, written as a path:
  never built from the client's ``Host`` header; an id in a path is read as
  the portal's router and lookup read it (any text without ``/`` or ``.`` is
  redirected; a signed number is an id);
* an anonymous GET of a large page, on any path: the portal middleware's
  plain-text 400 (``listing.anonymous_limit_refusal``), before anything else;
* anything else: the portal's ``{"detail": "Not found."}`` with 404; a body that
  is not JSON, too large or of another content type gets the portal's
  ``{"detail": ...}`` answer (400, 400, 415).

Any ``Authorization`` header is accepted: the server answers only what it is
sent, keeps nothing, and binds to loopback unless told otherwise.  ``serve``
validates in worker processes (``workers``), each with the catalogue loaded once.

Limits (``ServerLimits``; ``lco-validate serve --help`` sets each).  No client
may hold the server, or another client, for long:

* work per group: more requests, configurations in one request or
  configurations in all than the limits is answered 400 ``{"detail": ...}`` at
  once, the portal's shape for a body it will not take (as for one above
  ``DATA_UPLOAD_MAX_MEMORY_SIZE``, checked from ``Content-Length`` before the
  body is read).  The portal has no such counts: its bounds are that 2.5 MiB
  and its workers' 30 s timeout.  The group defaults are above what 2.5 MiB
  of real requests can hold (about 500 bytes a request, 280 a configuration:
  some 5,000 and 9,000), so they refuse only degenerate shapes such as
  hundreds of thousands of ``{}``.  The request default, 1,000, is far above
  real requests (a cadence repeats requests, not configurations): a
  request's configurations run back to back in one window, 1,000 of them
  for hours even at the shortest;
* time: a request has ``timeout`` seconds from its head to its answer
  (receiving its body, waiting for a worker, validating; the portal's
  production gunicorn ``--timeout``, 30 s): then it is answered 503
  ``{"detail": ...}`` and its worker is killed and replaced.  A validation whose
  client has gone is stopped likewise;
* connections: a request head must arrive within ``read_timeout`` of a
  connection's opening or first byte, and a body may pause no longer (408),
  or the connection is closed; after an answer given before its body was
  read, what is left of the body is read for as long at most; an idle
  kept-alive connection closes after ``keep_alive``; beyond
  ``max_connections`` open connections or requests, a request is answered
  503 at once (uvicorn's ``limit_concurrency``; idle connections count, for
  ``read_timeout`` at most).

Which settings apply.  The server stands in for the portal: a client that
gets "valid" here must get "valid" there, so an answer may depend only on what
the portal's own answer depends on, the request, the network's catalogue and
the time.  ``serve`` therefore resolves its settings as every command does
(flags over ``[tool.lco-validate]`` over the defaults), but honours only
``configdb`` (the catalogue the portal would hold) and ``now`` (the time it
would judge at; by default each request's arrival).  Not honoured, on purpose:

* ``select``, ``ignore`` and ``severity``: they would hide a portal error or
  turn a warning into one, so the answer would no longer be the portal's;
* ``visibility``: the portal always computes visibility (it refuses requests
  never observable long enough, and answers ``largest_interval``);
* ``duration-tolerance``: the portal has no tolerance for a recorded duration;
* ``strict``, ``include``, ``exclude``, ``output-format``: they concern runs
  over files, not answers.

``as_the_portal`` enforces this for any ``Settings`` given to ``make_app``, and
``check --output-format portal`` uses it too.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..checking.policy import Policy, Settings, default

if TYPE_CHECKING:
    import asyncio

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

#: Django's DATA_UPLOAD_MAX_MEMORY_SIZE, the portal's limit for a request body.
MAX_BODY_BYTES = 2_621_440
JSON_TYPES = ("application/json",)
TOO_LARGE = "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE."
#: Two of the paths served; each answers, without its final slash, with a redirect to it.
VALIDATE_PATH = "/api/requestgroups/validate/"
INSTRUMENTS_PATH = "/api/instruments/"


@dataclass(frozen=True)
class ServerLimits:
    """How much one request may ask and take; the module's notes say why each default."""

    #: Requests in one group.
    max_requests: int = 5_000
    #: Configurations in one request.
    max_configurations_per_request: int = 1_000
    #: Configurations in one group, all its requests together.
    max_configurations: int = 10_000
    #: Seconds from a request's head to its answer (body, queue and validation), then 503.
    timeout: float = 30.0
    #: Seconds a connection may take to send a request head, or pause within a body.
    read_timeout: float = 5.0
    #: Seconds an idle kept-alive connection stays open.
    keep_alive: int = 5
    #: Open connections and requests in progress, beyond which a request gets 503.
    max_connections: int = 64
    #: Validation worker processes; 0 validates in this process's threads, where a deadline
    #: is answered but cannot stop the work (for tests and embedding; ``serve`` uses processes).
    workers: int = 0


def excess(document: object, limits: ServerLimits) -> str | None:
    """Why a request group asks more work than ``limits`` allow, or None; counting is linear."""
    requests = document.get("requests") if isinstance(document, dict) else None
    if not isinstance(requests, list):
        return None
    if len(requests) > limits.max_requests:
        return (
            f"The request group has {len(requests):,} requests; this server validates at most "
            f"{limits.max_requests:,} in one group (lco-validate serve --max-requests)."
        )
    total = 0
    for index, request in enumerate(requests):
        configurations = request.get("configurations") if isinstance(request, dict) else None
        if not isinstance(configurations, list):
            continue
        if len(configurations) > limits.max_configurations_per_request:
            return (
                f"Request {index} has {len(configurations):,} configurations; this server "
                f"validates at most {limits.max_configurations_per_request:,} in one request "
                "(lco-validate serve --max-configurations-per-request)."
            )
        total += len(configurations)
    if total > limits.max_configurations:
        return (
            f"The request group has {total:,} configurations; this server validates at most "
            f"{limits.max_configurations:,} in one group (lco-validate serve --max-configurations)."
        )
    return None


def as_the_portal(settings: Settings) -> Settings:
    """``settings`` with what the portal does not have set as the portal behaves.

    Keeps the catalogue, the time and the run's memory; reports every finding as
    written, with visibility on and no duration tolerance (see the module's notes).
    """
    return replace(
        settings,
        policy=Policy(),
        visibility=True,
        duration_tolerance=default("duration-tolerance"),
    )


def make_app(
    settings: Settings,
    limits: ServerLimits | None = None,
    proposals: Sequence[str] = (),
    clock: Callable[[], datetime] | None = None,
) -> Starlette:
    """The application; ``settings`` fix the catalogue and, if given, the time 'now'.

    Only those two count: the rest is set as the portal behaves (``as_the_portal``).
    ``proposals`` are the sandbox user's (``account.proposal_codes`` gives the default).
    ``clock``, when the settings fix no time, gives each request's 'now' instead of
    the wall clock (an embedding's own clock, e.g. a test stepping time between
    requests).  Its worker processes start with the application's lifespan, or at its
    first request.
    """
    import asyncio
    import contextlib
    from collections.abc import AsyncIterator
    from datetime import UTC

    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.convertors import Convertor, register_url_convertor
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route
    from starlette.types import ASGIApp, Receive, Scope, Send

    from .account import Account, semester, semester_list
    from .instruments import instruments_document
    from .listing import NOT_AUTHENTICATED, anonymous_limit_refusal
    from .sandbox import SANDBOX_USERNAME, Sandbox
    from .workers import InProcess, ValidationWorkers

    class SignedIdConvertor(Convertor[int]):
        """A path's id, signed as ``int()`` reads it: the portal answers "-1" and "+5" with
        its 404 naming the model, not with "Not found." as for an id ``int()`` cannot read."""

        regex = "[-+]?[0-9]+"

        def convert(self, value: str) -> int:
            return int(value)

        def to_string(self, value: int) -> str:
            return str(value)

    register_url_convertor("signed", SignedIdConvertor())
    limits = limits or ServerLimits()
    settings = as_the_portal(settings)
    instruments = instruments_document(settings.catalogue)
    fixed_now = settings.now
    workers = ValidationWorkers(settings, limits) if limits.workers else InProcess(settings, limits)
    sandbox = Sandbox(settings.catalogue)
    account = Account(settings.catalogue, proposals, sandbox)

    def detail(status: int, message: str) -> Response:
        return JSONResponse({"detail": message}, status_code=status)

    def answered(answer: tuple[int, Any]) -> Response:
        status, document = answer
        return JSONResponse(document, status_code=status)

    def now_for(_request: Request) -> datetime:
        # Each request is judged at its own arrival, as the portal judges it.
        return fixed_now or (clock() if clock else datetime.now(UTC))

    def user_of(request: Request) -> str | None:
        """The sandbox user for any credentials (nothing is checked offline); else anonymous."""
        return SANDBOX_USERNAME if request.headers.get("authorization") else None

    def base_url(request: Request) -> str:
        """Links are built from the address the server listens on, never from ``Host``."""
        host, port = request.scope.get("server") or ("127.0.0.1", 80)
        shown = f"[{host}]" if ":" in str(host) else str(host)
        return f"{request.url.scheme}://{shown}:{port}"

    def query_of(request: Request) -> dict[str, list[str]]:
        from urllib.parse import parse_qs

        return parse_qs(request.url.query, keep_blank_values=True)

    async def judged(
        request: Request, endpoint: str, body: bytes, deadline: float
    ) -> tuple[int, Any] | Response:
        """A worker's answer for ``body`` at ``endpoint``, or the 503/499 when none came."""
        stop = threading.Event()
        work = asyncio.ensure_future(
            run_in_threadpool(workers.run, endpoint, body, now_for(request), deadline, stop)
        )
        gone = asyncio.ensure_future(disconnected(request))
        remaining = max(deadline - time.monotonic(), 0)
        await asyncio.wait({work, gone}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
        gone.cancel()
        answer = work.result() if work.done() else None
        if answer is not None:
            return answer
        stop.set()
        work.add_done_callback(lambda finished: finished.exception())
        if gone.done() and not gone.cancelled():
            return Response(status_code=499)  # nobody is left to read it
        return detail(
            503,
            f"The work did not finish within {limits.timeout:g} s "
            "(lco-validate serve --timeout); it was stopped.",
        )

    async def posted_body(request: Request, deadline: float) -> bytes | Response:
        """The JSON body of a POST, or the portal's answer for one it will not take."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in JSON_TYPES:
            return detail(415, f'Unsupported media type "{content_type}" in request.')
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return detail(400, TOO_LARGE)  # at once: the body is not waited for
        return await read_body(request, deadline)

    def worker_endpoint(endpoint: str, *, anyone: bool = False) -> Any:
        """A POST whose answer a worker computes from the body alone (``workers.ENDPOINTS``)."""

        async def view(request: Request) -> Response:
            deadline = time.monotonic() + limits.timeout
            if not anyone and user_of(request) is None:
                return detail(403, NOT_AUTHENTICATED)
            body = await posted_body(request, deadline)
            if not isinstance(body, bytes):
                return body
            answer = await judged(request, endpoint, body, deadline)
            return answer if isinstance(answer, Response) else answered(answer)

        return view

    async def create_group(request: Request) -> Response:
        deadline = time.monotonic() + limits.timeout
        user = user_of(request)
        if user is None:
            return detail(403, NOT_AUTHENTICATED)
        body = await posted_body(request, deadline)
        if not isinstance(body, bytes):
            return body
        validation = await judged(request, "validate", body, deadline)
        if isinstance(validation, Response):
            return validation
        from .parsed_body import ParsedBody
        from .parsed_body import read_body as parse

        parsed = parse(body)
        document = parsed.document if isinstance(parsed, ParsedBody) else None
        return answered(sandbox.create(document, validation, now=now_for(request), submitter=user))

    async def list_groups(request: Request) -> Response:
        if request.method == "POST":
            return await create_group(request)
        return answered(
            sandbox.list_groups(
                query_of(request), base_url=base_url(request), user=user_of(request)
            )
        )

    async def group(request: Request) -> Response:
        return answered(sandbox.group(request.path_params["id"], user=user_of(request)))

    async def cancel(request: Request) -> Response:
        user = user_of(request)
        if user is None:
            return detail(403, NOT_AUTHENTICATED)
        found = sandbox.cancel(request.path_params["id"], now=now_for(request), user=user)
        return answered(found)

    async def list_requests(request: Request) -> Response:
        return answered(
            sandbox.list_requests(
                query_of(request), base_url=base_url(request), user=user_of(request)
            )
        )

    async def one_request(request: Request) -> Response:
        return answered(sandbox.request(request.path_params["id"], user=user_of(request)))

    async def observations(request: Request) -> Response:
        found = sandbox.request_observations(request.path_params["id"], user=user_of(request))
        return answered(found)

    async def request_airmass(request: Request) -> Response:
        deadline = time.monotonic() + limits.timeout
        status, stored = sandbox.stored_request(request.path_params["id"], user=user_of(request))
        if status != 200:
            return answered((status, stored))
        body = json.dumps(stored).encode()
        answer = await judged(request, "stored airmass", body, deadline)
        return answer if isinstance(answer, Response) else answered(answer)

    async def profile(request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Token ").strip()
        return answered(
            account.profile(
                user_of(request), now=now_for(request), token=token, query=query_of(request)
            )
        )

    async def proposals_view(request: Request) -> Response:
        return answered(
            account.proposal_list(
                query_of(request),
                user=user_of(request),
                now=now_for(request),
                base_url=base_url(request),
            )
        )

    async def proposal_view(request: Request) -> Response:
        code = request.path_params["id"]
        return answered(account.proposal(code, user=user_of(request), now=now_for(request)))

    async def semesters_view(request: Request) -> Response:
        return answered(semester_list(query_of(request), base_url=base_url(request)))

    async def semester_view(request: Request) -> Response:
        return answered(semester(request.path_params["id"]))

    async def read_body(request: Request, deadline: float) -> bytes | Response:
        """The body, or the answer when it is too large, too slow or abandoned."""
        chunks: list[bytes] = []
        size = 0
        while True:
            wait = min(limits.read_timeout, deadline - time.monotonic())
            try:
                message = await asyncio.wait_for(request.receive(), timeout=max(wait, 0))
            except TimeoutError:
                return detail(
                    408,
                    "The request body did not arrive in time "
                    f"(lco-validate serve --read-timeout {limits.read_timeout:g}, "
                    f"--timeout {limits.timeout:g}).",
                )
            if message["type"] == "http.disconnect":
                return Response(status_code=499)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                return detail(400, TOO_LARGE)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def disconnected(request: Request) -> None:
        """Returns once the client has gone (the body has been read: nothing else can come)."""
        while (await request.receive())["type"] != "http.disconnect":
            continue

    async def instruments_view(_request: Request) -> Response:
        return JSONResponse(instruments)

    routes = [
        # Validation takes anonymous callers too, as it always has here (the portal: 403).
        Route(VALIDATE_PATH, worker_endpoint("validate", anyone=True), methods=["POST"]),
        Route("/api/requestgroups/cadence/", worker_endpoint("cadence"), methods=["POST"]),
        Route("/api/requestgroups/", list_groups, methods=["GET", "POST"]),
        Route("/api/requestgroups/{id:signed}/", group, methods=["GET"]),
        Route("/api/requestgroups/{id:signed}/cancel/", cancel, methods=["POST"]),
        Route("/api/requests/mosaic/", worker_endpoint("mosaic"), methods=["POST"]),
        Route("/api/requests/", list_requests, methods=["GET"]),
        Route("/api/requests/{id:signed}/", one_request, methods=["GET"]),
        Route("/api/requests/{id:signed}/observations/", observations, methods=["GET"]),
        Route("/api/requests/{id:signed}/airmass/", request_airmass, methods=["GET"]),
        Route("/api/configurations/dither/", worker_endpoint("dither"), methods=["POST"]),
        Route("/api/airmass/", worker_endpoint("airmass", anyone=True), methods=["POST"]),
        Route("/api/profile/", profile, methods=["GET"]),
        Route("/api/proposals/", proposals_view, methods=["GET"]),
        Route("/api/proposals/{id}/", proposal_view, methods=["GET"]),
        Route("/api/semesters/", semesters_view, methods=["GET"]),
        Route("/api/semesters/{id}/", semester_view, methods=["GET"]),
        Route(INSTRUMENTS_PATH, instruments_view, methods=["GET"]),
    ]

    # The portal's router takes any id without a slash or a dot ("abc", "-1"), and Django
    # redirects a path to its slashed form whenever that form matches a route.
    slashed_routes = [
        re.compile(
            "[^/.]+".join(re.escape(part) for part in re.split(r"\{id(?::signed)?\}", route.path))
        )
        for route in routes
    ]

    def served_with_slash(path: str) -> bool:
        return any(pattern.fullmatch(f"{path}/") for pattern in slashed_routes)

    def anonymous_pages_limited(inner: ASGIApp) -> ASGIApp:
        """The portal's middleware: an anonymous GET of a large page, refused before any view.

        It runs before routing, so it answers for every path (even one the portal does
        not serve, or one without its slash), in plain text.
        """

        async def limited(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope["method"] == "GET":
                request = Request(scope)
                reason = None if user_of(request) else anonymous_limit_refusal(query_of(request))
                if reason is not None:
                    refusal = PlainTextResponse(reason, status_code=400, media_type="text/html")
                    await refusal(scope, receive, send)
                    return
            await inner(scope, receive, send)

        return limited

    async def not_found(request: Request, _error: Exception) -> Response:
        path = str(request.scope["path"])
        if not path.endswith("/") and served_with_slash(path):
            # As Django's CommonMiddleware answers (APPEND_SLASH, DEBUG off): a path, not a URL.
            query = bytes(request.scope.get("query_string", b"")).decode("latin-1")
            location = f"{path}/" + (f"?{query}" if query else "")
            return Response(status_code=301, headers={"Location": location})
        return detail(404, "Not found.")

    async def not_allowed(request: Request, error: Exception) -> Response:
        if isinstance(error, HTTPException) and error.status_code == 405:
            return detail(405, f'Method "{request.method}" not allowed.')
        return detail(404, "Not found.")

    async def failed(_request: Request, error: Exception) -> Response:
        return detail(500, f"lco-validate failed: {type(error).__name__}; please report it")

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(workers.start)
        try:
            yield
        finally:
            await run_in_threadpool(workers.close)

    app = Starlette(
        routes=routes,
        middleware=[Middleware(anonymous_pages_limited)],
        exception_handlers={404: not_found, 405: not_allowed, Exception: failed},
        lifespan=lifespan,
    )
    # Starlette's own redirect builds its Location from the Host header; not_found answers.
    app.router.redirect_slashes = False
    return app


def uvicorn_options(limits: ServerLimits) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` that enforce the connection limits."""
    return {
        "http": guarded_protocol(limits.read_timeout),
        "timeout_keep_alive": limits.keep_alive,
        "limit_concurrency": limits.max_connections,
    }


def guarded_protocol(read_timeout: float) -> type[Any]:
    """uvicorn's HTTP/1.1 protocol with the reading deadlines it lacks.

    uvicorn times out only an idle kept-alive connection: one that opens and
    sends nothing, or sends a request head a byte at a time, or stops half way
    through a body it was answered early for, stays open for ever.
    """
    import asyncio as aio

    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        _head_timer: aio.TimerHandle | None = None
        _rest_timer: aio.TimerHandle | None = None

        def connection_made(self, transport: aio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._head_timer = self._close_after(read_timeout)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            state = self.conn.their_state
            if state is h11.IDLE:  # part of a head: the next request's clock starts
                if self._head_timer is None:
                    self._head_timer = self._close_after(read_timeout)
            else:
                self._head_timer = _cancelled(self._head_timer)
            if state is not h11.SEND_BODY:
                self._rest_timer = _cancelled(self._rest_timer)

        def on_response_complete(self) -> None:
            # Answered before its body was read (refused, too large, too slow): read
            # and drop the rest for a while, so that the client sees the answer.
            if self.conn.their_state is h11.SEND_BODY and self._rest_timer is None:
                self._rest_timer = self._close_after(read_timeout)
            super().on_response_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._head_timer = _cancelled(self._head_timer)
            self._rest_timer = _cancelled(self._rest_timer)
            super().connection_lost(exc)

        def _close_after(self, seconds: float) -> aio.TimerHandle:
            return self.loop.call_later(seconds, self._close)

        def _close(self) -> None:
            if not self.transport.is_closing():
                self.transport.close()

    return GuardedH11Protocol


def _cancelled(timer: asyncio.TimerHandle | None) -> asyncio.TimerHandle | None:
    """None, once ``timer`` (if any) is cancelled: ``self.timer = _cancelled(self.timer)``."""
    if timer is not None:
        timer.cancel()
    return None
