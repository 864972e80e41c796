"""The request's extra_params.mosaic_pattern is not a pattern the portal knows.

The portal's mosaic expansion (``/api/requests/mosaic/``) writes
``mosaic_pattern`` into the request's ``extra_params`` to record how its
configurations were laid out; a request submitted with the key must carry one
of ``line``, ``grid`` or ``custom`` (exact, lower case), whatever else the
request says.  Anything else, including null, is refused.

Passes, in the request::

    {"extra_params": {"mosaic_pattern": "grid"}}

Fails at /extra_params/mosaic_pattern, in the request (spiral patterns exist for dithering, not
for mosaics)::

    {"extra_params": {"mosaic_pattern": "spiral"}}

Fails at /extra_params/mosaic_pattern, in the request (null is no pattern)::

    {"extra_params": {"mosaic_pattern": null}}
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity

CODE = "R054"
SEVERITY = Severity.ERROR
SCOPE = "request"

#: The portal's MOSAIC valid_expansion_patterns plus its custom pattern key.
MOSAIC_PATTERNS = ("custom", "grid", "line")


def check(context: RequestContext) -> Iterator[Finding]:
    extra_params = context.normalized.get("extra_params")
    if not isinstance(extra_params, dict) or "mosaic_pattern" not in extra_params:
        return
    pattern = extra_params["mosaic_pattern"]
    if isinstance(pattern, str) and pattern in MOSAIC_PATTERNS:
        return
    shown = json.dumps(pattern) if not isinstance(pattern, str) else repr(pattern)
    hint = " (patterns are lower case)" if str(pattern).lower() in MOSAIC_PATTERNS else ""
    yield Finding(
        CODE,
        SEVERITY,
        f"mosaic_pattern {shown} is not a mosaic pattern{hint}; use one of "
        f"{', '.join(MOSAIC_PATTERNS)}, or remove the key if the request is not a mosaic",
        pointer=f"{context.pointer}/extra_params/mosaic_pattern",
    )
