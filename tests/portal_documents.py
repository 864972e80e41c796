"""Documents of the real portal's test vectors, shared by the tests of its endpoints.

The vectors were recorded from the portal 4.18.10 with this configuration (a
Sinistro observing M31) in a request for November 2030.  Tests that need a
moving target share the minor planet of ``orbital_target``.
"""

from __future__ import annotations

import copy
from typing import Any

_CONFIGURATION: dict[str, Any] = {
    "instrument_type": "1M0-SCICAM-SINISTRO",
    "type": "EXPOSE",
    "instrument_configs": [
        {
            "exposure_time": 30,
            "exposure_count": 1,
            "mode": "full_frame",
            "optical_elements": {"filter": "V"},
        }
    ],
    "acquisition_config": {},
    "guiding_config": {},
    "constraints": {"max_airmass": 2.0},
    "target": {"type": "ICRS", "name": "M31", "ra": 10.68, "dec": 41.27},
}


def configuration() -> dict[str, Any]:
    """A fresh copy: tests may change what they are given."""
    return copy.deepcopy(_CONFIGURATION)


def orbital_target(name: str) -> dict[str, Any]:
    """A minor planet by its orbital elements, under ``name`` (a fresh document)."""
    return {
        "type": "ORBITAL_ELEMENTS",
        "name": name,
        "scheme": "MPC_MINOR_PLANET",
        "epochofel": 62800,
        "orbinc": 10,
        "longascnode": 10,
        "argofperih": 10,
        "meandist": 2.5,
        "eccentricity": 0.1,
        "meananom": 10,
    }
