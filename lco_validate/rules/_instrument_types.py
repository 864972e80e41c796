"""Which instrument types a regular user can schedule, as rule messages list them.

Serves R001 (an instrument type the catalogue does not have) and R002 (one
without a schedulable instrument): both offer the schedulable types as the fix.
"""

from __future__ import annotations

from ..catalogue.snapshot import Catalogue


def schedulable_types(catalogue: Catalogue) -> list[str]:
    return sorted(catalogue.schedulable_instrument_types())
