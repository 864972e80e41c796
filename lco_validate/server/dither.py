"""What the portal's ``POST /api/configurations/dither/`` answers, computed offline.

The body is read as ``validate`` reads it (``parsed_body``: the portal's 400
``{"detail": "JSON parse error - ..."}`` for what its parser refuses);
``expand.dither`` answers the rest.
"""

from __future__ import annotations

from typing import Any

from ..checking.policy import Settings
from ..expand.dither import dither
from .parsed_body import ParsedBody, read_body

JSON = dict[str, Any]


def answer_text(body: bytes, settings: Settings) -> tuple[int, JSON]:
    """(HTTP status, body) for a request body, as the portal's dither endpoint gives them."""
    parsed = read_body(body)
    if not isinstance(parsed, ParsedBody):
        return parsed
    return dither(parsed.document, settings, parsed.findings)
