"""What the fork server loads once, so that every validation worker forked from it starts warm.

Imported by multiprocessing's fork server only (``workers``), never by the
server itself: importing it reads astropy's IERS table and computes a week of
Sun and Moon tables from today, about a second that a worker replaced after a
deadline would otherwise spend again on its first request.
"""

from __future__ import annotations

import time

from ..visibility import astro, observability  # noqa: F401  (imported to be inherited)
from . import validate  # noqa: F401  (imported to be inherited)

_today = time.time()
astro.ephemeris(_today, _today + 7 * 86_400)
