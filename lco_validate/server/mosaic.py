"""What the portal's ``POST /api/requests/mosaic/`` answers, computed offline.

The body is read as ``validate`` reads it (``parsed_body``); ``expand.mosaic``
answers the rest.
"""

from __future__ import annotations

from typing import Any

from ..checking.policy import Settings
from ..expand.mosaic import mosaic
from .parsed_body import ParsedBody, read_body

JSON = dict[str, Any]


def answer_text(body: bytes, settings: Settings) -> tuple[int, JSON]:
    """(HTTP status, body) for a request body, as the portal's mosaic endpoint gives them."""
    parsed = read_body(body)
    if not isinstance(parsed, ParsedBody):
        return parsed
    return mosaic(parsed.document, settings, parsed.findings)
