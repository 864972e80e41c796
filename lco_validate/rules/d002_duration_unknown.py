"""The request's duration cannot be computed from the catalogue.

Durations come from the catalogue's overheads for each configuration's
instrument type.  When the catalogue has no such instrument type (or no
readout mode to fall back on), no duration can be computed, and duration and
visibility checks are skipped for the request.  The rule checks report the
cause as an error; this finding says what could not be done.

Passes, in the configuration::

    {"instrument_type": "1M0-SCICAM-SINISTRO"}

Fails at /instrument_type, in the configuration (no such instrument type in the catalogue)::

    {"instrument_type": "1M0-SCICAM-SBIGG"}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.duration import DurationError

CODE = "D002"
SEVERITY = Severity.WARNING
SCOPE = "request"


def check(context: RequestContext) -> Iterator[Finding]:
    if not isinstance(context.duration, DurationError):
        return
    pointer = context.pointer
    known = context.catalogue.instrument_type_codes()
    for index, configuration in enumerate(context.request.get("configurations") or []):
        instrument_type = str(configuration.get("instrument_type", ""))
        if instrument_type.upper() not in known:
            pointer = f"{context.pointer}/configurations/{index}/instrument_type"
            break
    yield Finding(
        CODE,
        SEVERITY,
        f"the duration cannot be computed: {context.duration}; duration checks are skipped "
        "for this request",
        pointer=pointer,
    )
