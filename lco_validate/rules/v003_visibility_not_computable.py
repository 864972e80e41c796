"""Visibility cannot be computed for this target, so it is left out of the check (warning).

Two kinds of target enter no visibility computation, in the portal or here:

* orbital elements that cannot be propagated on a two-body orbit: a mean
  distance that is not positive, an eccentricity of 1 or more in a scheme
  that describes the orbit by mean distance and mean anomaly
  (MPC_MINOR_PLANET, JPL_MAJOR_PLANET), a negative eccentricity or
  perihelion distance.  The portal silently leaves such a target out of its
  check, so a request whose only target it is can never be visible (V001),
  and in a request with other targets it is not checked at all;
* HOUR_ANGLE targets, which the portal accepts only for DIRECT and REAL_TIME
  observations (R082 refuses them for scheduled ones); this tool does not
  model fixed-hour-angle pointings.

The request's other targets are still judged.  A warning, because nothing
is known to be wrong with the time; the elements themselves should be
fixed.  Orbital schemes the portal cannot compute at all are R061's (the
portal then fails outright, and no V rule judges the request).  Runs under
the same conditions as V001.

Passes, in the target::

    {"type": "ORBITAL_ELEMENTS", "name": "2030 MB", "scheme": "MPC_MINOR_PLANET",
     "epochofel": 62640, "orbinc": 10.6, "longascnode": 80.3, "argofperih": 73.6,
     "meandist": 2.77, "eccentricity": 0.0785, "meananom": 120.0}

Fails at /meandist, in the target (a negative mean distance)::

    {"type": "ORBITAL_ELEMENTS", "name": "2030 MB", "scheme": "MPC_MINOR_PLANET",
     "epochofel": 62640, "orbinc": 10.6, "longascnode": 80.3, "argofperih": 73.6,
     "meandist": -2.77, "eccentricity": 0.0785, "meananom": 120.0}

Fails at /requests/0/configurations/0/target/type, in the group (an HOUR_ANGLE target, which a
DIRECT group may have)::

    {"observation_type": "DIRECT", "requests": [{"configurations": [{"target":
        {"type": "HOUR_ANGLE", "hour_angle": 1.5, "dec": -30}}]}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..documents.pointers import escape_token
from ..findings import Finding, Severity

CODE = "V003"
SEVERITY = Severity.WARNING
SCOPE = "request"


def check(context: RequestContext) -> Iterator[Finding]:
    from ._visibility import applies

    if not applies(context):
        return
    for unusable in context.visibility.unusable:
        configuration = context.request["configurations"][unusable.configuration]
        target = configuration.get("target") if isinstance(configuration, dict) else None
        name = target.get("name") if isinstance(target, dict) else None
        base = f"{context.pointer}/configurations/{unusable.configuration}/target"
        pointer = base + "/" + escape_token(unusable.key)
        if not isinstance(target, dict) or unusable.key not in target:
            pointer = base
        yield Finding(
            CODE,
            SEVERITY,
            f"visibility cannot be computed for the target of configuration "
            f"{unusable.configuration + 1}{f' ({name!r})' if name else ''}: {unusable.reason}",
            pointer=pointer,
        )
