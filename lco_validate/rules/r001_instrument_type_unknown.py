"""A configuration names an instrument type the catalogue does not have.

Every configuration's ``instrument_type`` must be one of the catalogue's
instrument type codes; the portal compares it in upper case and refuses an
unknown one before looking at anything else in the configuration ("Invalid
instrument type ... Valid instruments may include ...").  The message lists
the instrument types a regular user can schedule in the catalogue in use (the
built-in one or ``--configdb``), sorted, and suggests a close spelling.

An unknown instrument type is a root cause: modes, optical elements, regions
of interest, validation schemas and the minimum repeat duration all depend on
it, so those rules are not run for that configuration.  A type that exists
but has no schedulable instrument is R002.

Passes, in the configuration::

    {"instrument_type": "1M0-SCICAM-SINISTRO"}

Passes, in the configuration (compared in upper case)::

    {"instrument_type": "1m0-scicam-sinistro"}

Fails at /instrument_type, in the configuration (a retired type)::

    {"instrument_type": "1M0-SCICAM-SBIG"}
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.values import as_text
from ._configurations import all_configurations
from ._instrument_types import schedulable_types

CODE = "R001"
SEVERITY = Severity.ERROR
SCOPE = "configuration"
#: A field's own check: judged even when other fields of its object are malformed.
JUDGES = "."


def check(context: RequestContext) -> Iterator[Finding]:
    known = set(context.catalogue.instrument_type_codes())
    for configuration in all_configurations(context):
        instrument_type = as_text(configuration.written.get("instrument_type"))
        if not isinstance(instrument_type, str) or instrument_type.upper() in known:
            continue
        valid = schedulable_types(context.catalogue)
        close = difflib.get_close_matches(instrument_type.upper(), sorted(known), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        yield configuration.finding(
            CODE,
            SEVERITY,
            f"instrument type {instrument_type!r} is not in the catalogue{hint}; use one of the "
            f"schedulable instrument types: {', '.join(valid) or '(none)'}",
            "instrument_type",
        )
