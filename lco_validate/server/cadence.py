"""What the portal's ``POST /api/requestgroups/cadence/`` answers, computed offline.

The body is read as ``validate`` reads it; ``expand.cadence`` does the rest:
refusals with 400 in the portal's places, the "no visible window" refusal as
the portal's ``{"errors": "..."}``, and on success (200) the body as sent with
its request expanded into one request per observable cadence window.
"""

from __future__ import annotations

from typing import Any

from ..checking.policy import Settings
from ..expand.cadence import expand_cadence
from .parsed_body import ParsedBody, read_body

JSON = dict[str, Any]


def answer_text(body: bytes, settings: Settings) -> tuple[int, JSON]:
    """(HTTP status, body) for a request body, as the portal's cadence view gives them."""
    parsed = read_body(body)
    if not isinstance(parsed, ParsedBody):
        return parsed
    expansion = expand_cadence(parsed.document, settings, parsed.findings)
    return expansion.status, expansion.body
