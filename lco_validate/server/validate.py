"""What the portal's ``POST /api/requestgroups/validate/`` answers, computed offline.

The portal always answers ``{"request_durations": ..., "errors": ...}``:

* ``errors`` follows the document's shape: an object for each object with a
  problem, a list with one entry per item for a list (``{}`` for the items
  without one), a list of messages at a field, and ``non_field_errors`` for a
  problem of a whole object.  Only errors appear: warnings do not stop the
  portal.  Each message starts with our finding code ("S003 ...").
* ``request_durations``, only when there is no error: per request its
  ``duration``, its ``configurations`` (each with its ``instrument_configs``)
  and ``largest_interval`` in seconds; then the group's total ``duration``.

``answer_text`` also answers for the request body as text: what the portal's
parser refuses gets the portal's 400 shape, ``{"detail": "JSON parse error - ..."}``.
The same pipeline as ``check`` produces the findings.
"""

from __future__ import annotations

from typing import Any

from ..checking.context import RequestContext
from ..checking.pipeline import check_unit
from ..checking.policy import Settings
from ..documents.kinds import REQUEST_GROUP, Unit
from ..documents.loading import SourceFile, load_bytes
from ..findings import Finding, Severity
from ..model.duration import DurationError, request_duration
from ..reporters.portal_errors import NON_FIELD, nested_errors

JSON = dict[str, Any]


def answer_text(body: bytes, settings: Settings) -> tuple[int, JSON]:
    """(HTTP status, body) for a request body, as the portal's validate view gives them."""
    source = SourceFile(path="request body")
    load_bytes(source, body)
    return answer_source(source, settings)


def answer_source(source: SourceFile, settings: Settings) -> tuple[int, JSON]:
    """(HTTP status, body) for a loaded file: its first document, as the portal reads a body."""
    unreadable = [f for f in source.findings if f.severity is Severity.ERROR]
    if not source.documents or (unreadable and unreadable[0].code in _PARSE_ERRORS):
        reason = unreadable[0].message if unreadable else "the body is empty"
        return 400, {"detail": f"JSON parse error - {reason}"}
    return 200, answer(source.documents[0].value, settings, source.findings)


#: Findings for which the portal's JSON parser refuses the body (status 400).
_PARSE_ERRORS = frozenset({"J001", "J004", "J006", "J007", "J008", "J009", "J011", "J014"})


def answer(document: object, settings: Settings, found: list[Finding] | None = None) -> JSON:
    """The validate view's answer for a parsed request group; ``found``: the loader's findings."""
    if not isinstance(document, dict):
        kind = "a list" if isinstance(document, list) else type(document).__name__
        message = f"J013 the body is {kind}; the portal validates one request group (an object)"
        return {"request_durations": {}, "errors": {NON_FIELD: [message]}}
    checked = check_unit(Unit(REQUEST_GROUP, document, ""), settings)
    findings = [*(found or []), *checked.findings]
    errors = nested_errors(document, [f for f in findings if f.severity is Severity.ERROR])
    if errors:
        return {"request_durations": {}, "errors": errors}
    return {"request_durations": request_durations(checked.well_formed), "errors": {}}


def request_durations(contexts: list[RequestContext]) -> JSON:
    """The ``request_durations`` of a group whose requests all passed."""
    from ..model.fill_window import filled_request, fills_window

    requests = []
    for context in contexts:
        visibility = context.visibility
        request = context.normalized
        if fills_window(request) and visibility.largest > 0:
            request = filled_request(request, context.catalogue, visibility.largest)
        try:
            timed = request_duration(request, context.catalogue)
        except DurationError:
            continue  # D002 is an error: a group with such a request never gets here
        requests.append(
            {
                "duration": timed.duration,
                "configurations": timed.portal_configurations(),
                "largest_interval": float(visibility.largest),
            }
        )
    return {"requests": requests, "duration": sum(request["duration"] for request in requests)}
