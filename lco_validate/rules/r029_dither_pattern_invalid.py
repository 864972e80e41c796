"""A configuration names a dither pattern the portal does not know.

``extra_params.dither_pattern`` must be one of ``line``, ``grid``, ``spiral``
(the patterns the portal's dither expansion makes) or ``custom`` (offsets
written by hand), exact case.

Passes::

    {"extra_params": {"dither_pattern": "spiral"}, ...}

Fails::

    {"extra_params": {"dither_pattern": "zigzag"}, ...}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..cerberus_schemas import show
from ..context import RequestContext
from ..findings import Finding, Severity
from ..normalize import DITHER_PATTERNS
from .r001_instrument_type_unknown import all_configurations

CODE = "R029"
SEVERITY = Severity.ERROR
SCOPE = "request"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in all_configurations(context):
        extra = configuration.normalized.get("extra_params")
        if not isinstance(extra, dict) or "dither_pattern" not in extra:
            continue
        pattern = extra["dither_pattern"]
        if isinstance(pattern, str) and pattern in DITHER_PATTERNS:
            continue
        yield configuration.finding(
            CODE,
            SEVERITY,
            f"dither pattern {show(pattern)} is not one the portal knows; use one of: "
            f"{', '.join(sorted(DITHER_PATTERNS))}",
            "extra_params",
            "dither_pattern",
        )
