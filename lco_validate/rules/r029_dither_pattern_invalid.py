"""A configuration names a dither pattern the portal does not know.

``extra_params.dither_pattern`` must be one of ``line``, ``grid``, ``spiral``
(the patterns the portal's dither expansion makes) or ``custom`` (offsets
written by hand), exact case.

Passes, in the configuration::

    {"extra_params": {"dither_pattern": "spiral"},
     "instrument_configs": [{"extra_params": {"offset_ra": 5}}]}

Fails at /extra_params/dither_pattern, in the configuration::

    {"extra_params": {"dither_pattern": "zigzag"},
     "instrument_configs": [{"extra_params": {"offset_ra": 5}}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue.cerberus_schemas import show
from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.notions import DITHER_PATTERNS
from ._dithers import dither_patterns

CODE = "R029"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration, pattern in dither_patterns(context):
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
