"""A configuration names a dither pattern but no instrument config is offset.

A dither sequence is a configuration whose instrument configs move the
pointing with non-zero ``extra_params.offset_ra`` or ``offset_dec``
(arcseconds); ``extra_params.dither_pattern`` records which pattern made the
offsets.  The portal refuses a dither pattern (whatever its value) when no
instrument config has a non-zero offset.  When offsets are given without a
pattern, the portal records ``custom``.

Passes, in the configuration::

    {"extra_params": {"dither_pattern": "line"},
     "instrument_configs": [{"extra_params": {"offset_ra": 0}},
                            {"extra_params": {"offset_ra": 5}}]}

Fails at /extra_params/dither_pattern, in the configuration::

    {"extra_params": {"dither_pattern": "line"},
     "instrument_configs": [{"extra_params": {"offset_ra": 0, "offset_dec": 0}}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue.cerberus_schemas import show
from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.notions import is_dither_sequence
from ._dithers import dither_patterns

CODE = "R028"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration, pattern in dither_patterns(context):
        if is_dither_sequence(configuration.normalized):
            continue
        yield configuration.finding(
            CODE,
            SEVERITY,
            f"dither pattern {show(pattern)} is set but no instrument config has "
            "a non-zero extra_params.offset_ra or offset_dec; give the offsets of the dither "
            "positions, or remove dither_pattern",
            "extra_params",
            "dither_pattern",
        )
