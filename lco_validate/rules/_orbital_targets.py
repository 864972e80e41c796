"""The ORBITAL_ELEMENTS targets of a request.

Serves R060 (an eccentricity too high for the scheme) and R061 (a scheme the
portal cannot compute visibility for).
"""

from __future__ import annotations

from typing import Any

from ..checking.context import RequestContext


def orbital_targets(context: RequestContext) -> list[tuple[int, dict[str, Any]]]:
    """(configuration index, target) for each ORBITAL_ELEMENTS target of the request.

    Found once per request: two rules read them, and most requests have none.
    """
    return context.once(_orbital_targets)


def _orbital_targets(context: RequestContext) -> list[tuple[int, dict[str, Any]]]:
    configurations = context.normalized.get("configurations")
    found = []
    for index, configuration in enumerate(
        configurations if isinstance(configurations, list) else []
    ):
        target = configuration.get("target") if isinstance(configuration, dict) else None
        if isinstance(target, dict) and target.get("type") == "ORBITAL_ELEMENTS":
            found.append((index, target))
    return found
