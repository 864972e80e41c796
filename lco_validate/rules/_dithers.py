"""The configurations that name a dither pattern.

Serves R028 (a pattern without offsets) and R029 (a pattern the portal does
not know).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ._configurations import CheckedConfiguration, all_configurations


def dither_patterns(context: RequestContext) -> Iterator[tuple[CheckedConfiguration, object]]:
    """(configuration, pattern) for each configuration whose extra_params names a pattern."""
    for configuration in all_configurations(context):
        extra = configuration.normalized.get("extra_params")
        if isinstance(extra, dict) and "dither_pattern" in extra:
            yield configuration, extra["dither_pattern"]
