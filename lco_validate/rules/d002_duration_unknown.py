"""The request's duration cannot be computed from the catalogue.

Durations come from the catalogue's overheads for each configuration's
instrument type.  When the catalogue has no such instrument type (or no
readout mode to fall back on), no duration can be computed, and duration and
visibility checks are skipped for the request.  The finding points at the
cause (the instrument type, or the readout mode, the catalogue cannot price)
and is left out when an error there already explains it (R001, R007): it
stands alone only when nothing else says why (a number too large to compute
with, a request too incomplete to time).

Passes, in the configuration::

    {"instrument_type": "1M0-SCICAM-SINISTRO"}

Passes, in the configuration (no such instrument type: R001 already says why)::

    {"instrument_type": "1M0-SCICAM-SBIGG"}

Fails at "", in the request (a duration beyond floating point)::

    {"configurations": [{"instrument_configs": [{"exposure_time": 1e308, "exposure_count": 10}]}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue.snapshot import CatalogueError
from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.duration import DurationError
from ..model.notions import pointer_into

CODE = "D002"
SEVERITY = Severity.WARNING
SCOPE = "request"
#: A consequence: left out when another rule's error at its place already says why.
SILENT_BESIDE_AN_ERROR_AT_ITS_POINTER = True


def check(context: RequestContext) -> Iterator[Finding]:
    if not isinstance(context.duration, DurationError):
        return
    yield Finding(
        CODE,
        SEVERITY,
        f"the duration cannot be computed: {context.duration}; duration checks are skipped "
        "for this request",
        pointer=_cause(context),
    )


def _cause(context: RequestContext) -> str:
    """Where pricing fails: an instrument type, or a readout mode, the catalogue cannot price.

    Pointing there lets the runner drop this finding beside the error that
    already reports that place (R001, R007).  Otherwise the request.
    """
    catalogue = context.catalogue
    normalized = context.normalized.get("configurations")
    if not isinstance(normalized, list):
        return context.pointer
    known = catalogue.instrument_type_codes()
    for index, configuration in enumerate(normalized):
        if not isinstance(configuration, dict):
            continue
        here = ("configurations", index)
        instrument_type = str(configuration.get("instrument_type", ""))
        if instrument_type.upper() not in known or not catalogue.mode_group(
            instrument_type, "readout"
        ):
            return context.pointer + pointer_into(context.request, (*here, "instrument_type"))
        for place, instrument_config in enumerate(configuration.get("instrument_configs") or []):
            mode = instrument_config.get("mode") if isinstance(instrument_config, dict) else None
            try:
                catalogue.exposure_overhead(instrument_type, str(mode or ""))
            except CatalogueError:
                parts = (*here, "instrument_configs", place, "mode")
                return context.pointer + pointer_into(context.request, parts)
    return context.pointer
