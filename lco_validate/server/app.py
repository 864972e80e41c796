"""``lco-validate serve``: the portal's validation API on this machine, for existing clients.

A Starlette application (served by uvicorn; ``pip install 'lco-validate[serve]'``):

* ``POST /api/requestgroups/validate/``: ``portal_answer.answer_text``, the same
  pipeline as ``check``;
* ``GET /api/instruments/``: ``portal_instruments.instruments_document`` of the
  catalogue in use, built once;
* anything else: the portal's ``{"detail": "Not found."}`` with 404; a body that
  is not JSON, too large or of another content type gets the portal's
  ``{"detail": ...}`` answer (400, 400, 415).

Any ``Authorization`` header is accepted: the server answers only what it is
sent, keeps nothing, and binds to loopback unless told otherwise.  The
catalogue and the validators are built once per process; requests are checked
in Starlette's thread pool.

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

from dataclasses import replace
from typing import TYPE_CHECKING

from ..checking.policy import Policy, Settings, default

if TYPE_CHECKING:
    from starlette.applications import Starlette

#: Django's DATA_UPLOAD_MAX_MEMORY_SIZE, the portal's limit for a request body.
MAX_BODY_BYTES = 2_621_440
JSON_TYPES = ("application/json",)


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


def make_app(settings: Settings) -> Starlette:
    """The application; ``settings`` fix the catalogue and, if given, the time 'now'.

    Only those two count: the rest is set as the portal behaves (``as_the_portal``).
    """
    from datetime import UTC, datetime

    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from .instruments import instruments_document
    from .validate import answer_text

    settings = as_the_portal(settings)
    instruments = instruments_document(settings.catalogue)
    fixed_now = settings.now

    def detail(status: int, message: str) -> Response:
        return JSONResponse({"detail": message}, status_code=status)

    async def validate(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in JSON_TYPES:
            return detail(415, f'Unsupported media type "{content_type}" in request.')
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return detail(400, "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        # Each request is judged at its own arrival, as the portal judges it.
        now = fixed_now or datetime.now(UTC)
        status, answer = await run_in_threadpool(
            answer_text, body, replace(settings, now=now, started=now)
        )
        return JSONResponse(answer, status_code=status)

    async def instruments_view(_request: Request) -> Response:
        return JSONResponse(instruments)

    async def not_found(_request: Request, _error: Exception) -> Response:
        return detail(404, "Not found.")

    async def not_allowed(request: Request, error: Exception) -> Response:
        if isinstance(error, HTTPException) and error.status_code == 405:
            return detail(405, f'Method "{request.method}" not allowed.')
        return detail(404, "Not found.")

    async def failed(_request: Request, error: Exception) -> Response:
        return detail(500, f"lco-validate failed: {type(error).__name__}; please report it")

    return Starlette(
        routes=[
            Route("/api/requestgroups/validate/", validate, methods=["POST"]),
            Route("/api/instruments/", instruments_view, methods=["GET"]),
        ],
        exception_handlers={404: not_found, 405: not_allowed, Exception: failed},
    )
