"""An HOUR_ANGLE target in a group the scheduler would place.

HOUR_ANGLE targets (fixed hour angle and declination) are only supported in
observations that bypass the scheduler: the portal refuses them in groups of
observation type NORMAL, RAPID_RESPONSE and TIME_CRITICAL, and accepts them
for DIRECT and REAL_TIME.  Each such target is reported at its ``type`` (the
portal stops at the first).

Passes, in the group::

    {"observation_type": "DIRECT", "requests": [{"configurations": [{"target":
        {"type": "HOUR_ANGLE", "hour_angle": 1.5, "dec": -30}}]}]}

Fails at /type, in the target (the base group is NORMAL)::

    {"type": "HOUR_ANGLE", "hour_angle": 1.5, "dec": -30}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import GroupContext
from ..findings import Finding, Severity
from ._observation_types import NOT_SCHEDULED

CODE = "R082"
SEVERITY = Severity.ERROR
SCOPE = "group"


def check(context: GroupContext) -> Iterator[Finding]:
    observation_type = context.group.get("observation_type")
    if not isinstance(observation_type, str) or observation_type in NOT_SCHEDULED:
        return
    for request in context.requests:
        for index, configuration in enumerate(request.normalized.get("configurations") or []):
            target = configuration.get("target") if isinstance(configuration, dict) else None
            if not isinstance(target, dict) or target.get("type") != "HOUR_ANGLE":
                continue
            yield Finding(
                CODE,
                SEVERITY,
                f"an HOUR_ANGLE target cannot be used in a {observation_type} group, which the "
                "scheduler places; give the target as ICRS (ra/dec), or submit it as a "
                "DIRECT or REAL_TIME observation",
                pointer=f"{request.pointer}/configurations/{index}/target/type",
            )
