"""A configuration's instrument type has no instrument a regular user can schedule.

The portal accepts an instrument type from regular users only if at least one
instrument of that type is SCHEDULABLE at an active site, enclosure and
telescope; instruments in other states (MANUAL, COMMISSIONING, STANDBY,
DISABLED) are for staff.  A type the catalogue knows only in such states is
refused like an unknown one.  We check as a regular user: staff may use these
types.  The message names the states the type's instruments are in and lists
the schedulable types, sorted.

The configuration's other rules still run: modes and optical elements of such
a type are known and can be checked.

Passes, in the configuration::

    {"instrument_type": "1M0-SCICAM-SINISTRO"}

Fails at /instrument_type, in the configuration (NRES units are in MANUAL state in the
built-in catalogue)::

    {"instrument_type": "1M0-NRES-SCICAM", "type": "NRES_SPECTRUM"}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._configurations import all_configurations
from ._instrument_types import schedulable_types

CODE = "R002"
SEVERITY = Severity.ERROR
SCOPE = "configuration"
#: A field's own check: judged even when other fields of its object are malformed.
JUDGES = "."


def check(context: RequestContext) -> Iterator[Finding]:
    catalogue = context.catalogue
    known = set(catalogue.instrument_type_codes())
    schedulable = set(schedulable_types(catalogue))
    for configuration in all_configurations(context):
        instrument_type = configuration.written.get("instrument_type")
        if not isinstance(instrument_type, str):
            continue
        wanted = instrument_type.upper()
        if wanted not in known or wanted in schedulable:
            continue
        states = sorted(
            {p.state for p in catalogue.placements if p.type_code == wanted and p.active}
        )
        where = f"its instruments are {', '.join(states)}" if states else "only at inactive sites"
        yield configuration.finding(
            CODE,
            SEVERITY,
            f"instrument type {instrument_type!r} has no SCHEDULABLE instrument in the catalogue "
            f"({where}); the portal accepts it only from staff. Use one of the schedulable "
            f"instrument types: {', '.join(sorted(schedulable)) or '(none)'}",
            "instrument_type",
        )
