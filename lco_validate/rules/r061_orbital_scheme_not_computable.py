"""An ORBITAL_ELEMENTS target uses a scheme the portal cannot compute visibility for.

The portal accepts seven orbital-element schemes as values, but its visibility
calculation (ocs-rise-set) can only follow MPC_MINOR_PLANET, MPC_COMET and
JPL_MAJOR_PLANET.  A request with any other scheme (ASA_MAJOR_PLANET,
ASA_MINOR_PLANET, ASA_COMET, JPL_MINOR_PLANET) passes every validation rule
and then makes the visibility check fail with a server error: the portal
answers HTTP 500 with no explanation, and the request is not accepted.

Difference from the portal: the portal gives no validation message for this
(it crashes); this rule reports it as an error, with the scheme to use
instead.  Error, not warning, because the submission cannot succeed as
written, whatever else is right about it.  The suggested scheme takes the same
element fields where one exists (JPL_MINOR_PLANET and ASA_COMET carry comet
elements, so MPC_COMET; ASA_MINOR_PLANET, so MPC_MINOR_PLANET); ASA_MAJOR_PLANET
elements must be converted (argofperih and meananom for JPL_MAJOR_PLANET
instead of longofperih and meanlong).

Passes, in the target::

    {"type": "ORBITAL_ELEMENTS", "name": "C/2030 A1", "scheme": "MPC_COMET",
     "epochofel": 62640, "orbinc": 62.4, "longascnode": 61.0, "argofperih": 37.3,
     "perihdist": 0.29, "eccentricity": 0.9992, "epochofperih": 62700}

Fails at /scheme, in the target (the same elements; MPC_COMET is the scheme to use)::

    {"type": "ORBITAL_ELEMENTS", "name": "C/2030 A1", "scheme": "JPL_MINOR_PLANET",
     "epochofel": 62640, "orbinc": 62.4, "longascnode": 61.0, "argofperih": 37.3,
     "perihdist": 0.29, "eccentricity": 0.6, "epochofperih": 62700}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._orbital_targets import orbital_targets

CODE = "R061"
SEVERITY = Severity.ERROR
SCOPE = "request"

COMPUTABLE_SCHEMES = ("JPL_MAJOR_PLANET", "MPC_COMET", "MPC_MINOR_PLANET")

#: The computable scheme to use instead, and what changes in the elements.
REPLACEMENTS = {
    "ASA_COMET": "MPC_COMET, which takes the same elements",
    "JPL_MINOR_PLANET": "MPC_COMET, which takes the same elements",
    "ASA_MINOR_PLANET": "MPC_MINOR_PLANET, which takes the same elements",
    "ASA_MAJOR_PLANET": (
        "JPL_MAJOR_PLANET, converting longofperih and meanlong to argofperih and meananom"
    ),
}


def check(context: RequestContext) -> Iterator[Finding]:
    for index, target in orbital_targets(context):
        scheme = target.get("scheme")
        if not isinstance(scheme, str) or not scheme or scheme in COMPUTABLE_SCHEMES:
            continue
        instead = REPLACEMENTS.get(scheme, "one of them")
        yield Finding(
            CODE,
            SEVERITY,
            f"scheme {scheme} cannot be scheduled: the portal computes visibility only for "
            f"{', '.join(COMPUTABLE_SCHEMES)} and fails with a server error (HTTP 500) on "
            f"{scheme}; use scheme {instead}",
            pointer=f"{context.pointer}/configurations/{index}/target/scheme",
        )
