"""An ORBITAL_ELEMENTS target has an eccentricity above 0.9 under a non-comet scheme.

Planet schemes describe an orbit by its mean distance and mean anomaly, which
suit bound, moderately elliptical orbits.  The portal refuses an eccentricity
above 0.9 under any scheme whose name does not contain ``COMET`` (so also
JPL_MINOR_PLANET, although it takes perihelion elements) and asks for
MPC_COMET instead, which takes the perihelion distance and time (``perihdist``,
``epochofperih``) and any eccentricity.  Reported at ``scheme``, where the
portal reports it; the fix is usually the scheme (with its elements), or the
eccentricity if it was mistyped.

Passes, in the target::

    {"type": "ORBITAL_ELEMENTS", "name": "C/2030 A1", "scheme": "MPC_COMET",
     "epochofel": 62640, "orbinc": 62.4, "longascnode": 61.0, "argofperih": 37.3,
     "perihdist": 0.29, "eccentricity": 0.9992, "epochofperih": 62700}

Fails at /scheme, in the target (an eccentricity of 0.95 under a minor-planet scheme)::

    {"type": "ORBITAL_ELEMENTS", "name": "2030 AB", "scheme": "MPC_MINOR_PLANET",
     "epochofel": 62640, "orbinc": 12.1, "longascnode": 80.3, "argofperih": 73.6,
     "meandist": 12.0, "eccentricity": 0.95, "meananom": 10.0}

Fails at /scheme, in the target (JPL_MINOR_PLANET takes perihelion elements, but is no comet
scheme)::

    {"type": "ORBITAL_ELEMENTS", "name": "C/2030 A1", "scheme": "JPL_MINOR_PLANET",
     "epochofel": 62640, "orbinc": 62.4, "longascnode": 61.0, "argofperih": 37.3,
     "perihdist": 0.29, "eccentricity": 0.9992, "epochofperih": 62700}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity, number_text
from ..model.values import as_number
from ._orbital_targets import orbital_targets

CODE = "R060"
SEVERITY = Severity.ERROR
SCOPE = "request"
#: Judged once the target is well formed.
JUDGES = "/configurations/*/target"

MAX_NON_COMET_ECCENTRICITY = 0.9
#: Non-comet schemes that already take perihelion elements, as MPC_COMET does.
PERIHELION_SCHEMES = frozenset({"JPL_MINOR_PLANET"})


def check(context: RequestContext) -> Iterator[Finding]:
    for index, target in orbital_targets(context):
        scheme = target.get("scheme")
        eccentricity = as_number(target.get("eccentricity"))
        if not isinstance(scheme, str) or "COMET" in scheme:
            continue
        if isinstance(eccentricity, bool) or not isinstance(eccentricity, int | float):
            continue
        if eccentricity <= MAX_NON_COMET_ECCENTRICITY:
            continue
        if scheme in PERIHELION_SCHEMES:
            elements = "it takes the same elements"
        else:
            elements = "with argofperih, perihdist and epochofperih as its elements"
        yield Finding(
            CODE,
            SEVERITY,
            f"eccentricity {number_text(eccentricity)} is above {MAX_NON_COMET_ECCENTRICITY}, "
            f"the limit for scheme {scheme}; give the orbit with scheme MPC_COMET ({elements}), "
            "or correct the eccentricity",
            pointer=f"{context.pointer}/configurations/{index}/target/scheme",
        )
