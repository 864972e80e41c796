"""An instrument type written in other letter case than the catalogue's: no time allocation matches.

The portal recognises an instrument type in any case (it compares upper
case), but it looks up the proposal's time allocation under the type exactly
as written, and allocations carry configdb's spelling.  ``1m0-scicam-sinistro``
therefore passes every other check and is then refused: "You do not have
sufficient NORMAL time allocated on the instrument you're requesting for this
proposal".  DIRECT and REAL_TIME groups skip the allocation check.  Reported
at each such ``instrument_type``.

Passes, in the configuration::

    {"instrument_type": "1M0-SCICAM-SINISTRO"}

Fails at /instrument_type, in the configuration::

    {"instrument_type": "1m0-scicam-sinistro"}

Passes, in the group (DIRECT groups skip the allocation check)::

    {"observation_type": "DIRECT", "requests": [{"configurations":
        [{"instrument_type": "1m0-scicam-sinistro"}]}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import GroupContext
from ..findings import Finding, Fix, FixDocumentation, Severity
from ._observation_types import NOT_SCHEDULED

CODE = "R085"
SEVERITY = Severity.ERROR
SCOPE = "group"
FIX = FixDocumentation(
    "safe",
    "writes the instrument type in the catalogue's spelling, which the portal reads as it "
    "read the other case and under which the allocation is found",
)


def check(context: GroupContext) -> Iterator[Finding]:
    observation_type = context.group.get("observation_type")
    if not isinstance(observation_type, str) or observation_type in NOT_SCHEDULED:
        return
    catalogue = context.settings.catalogue
    for request in context.requests:
        configurations = request.request.get("configurations")
        for index, configuration in enumerate(
            configurations if isinstance(configurations, list) else []
        ):
            written = (
                configuration.get("instrument_type") if isinstance(configuration, dict) else None
            )
            if not isinstance(written, str):
                continue
            known = catalogue.instrument_type(written)
            spelled = str(known.get("code", "")) if known else ""
            if not spelled or written == spelled:
                continue
            yield Finding(
                CODE,
                SEVERITY,
                f"instrument_type {written!r} is {spelled!r} in other letter case; the portal "
                f"accepts it but finds no {observation_type} time allocation under that "
                f"spelling and refuses the group; write {spelled!r}",
                pointer=f"{request.pointer}/configurations/{index}/instrument_type",
                fix=Fix.replace_value(spelled, f"write {spelled!r}"),
            )
