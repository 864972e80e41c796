"""The airmass curves the portal draws for a request (``POST /api/airmass/``), computed offline.

For each site where the request could be observed, the portal samples the
site's observable intervals (``observability.site_visibility``, not cut at
now) every ten minutes from each interval's exact start, and gives per sample
the mean airmass of the request's distinct (target, constraints) pairs; the
limit it returns is the mean of their ``max_airmass``.  A site with no sample
is left out; a request whose first target is neither ICRS nor
ORBITAL_ELEMENTS gets no curve at all.

The airmass is not the plane-parallel sec z the visibility limits use: the
portal asks SLALIB for the *observed* zenith distance, refracted through a
standard atmosphere (0 C, 1013.25 hPa, 30 % humidity, 0.55 micron) with
SLALIB's two-constant model, and applies Hardie's (1962) polynomial.  Both
matter at a thousandth: at sec z = 2 Hardie lowers the value by 0.0055 and
refraction by about 0.002.  Differences kept on purpose, each well under
1e-4 in airmass: the refraction constants come from ERFA's ``refco`` (within
0.1 % of SLALIB's, which also weighs the site's height), diurnal aberration
(0.3 arcsec) is left out, and orbital targets are seen from the site's geoid
point rather than from its elevation.
As the portal does, UTC stands in for UT1 in the Earth's rotation.

Imports numpy and ERFA (through ``astro``) only when a curve is computed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..catalogue.snapshot import Catalogue
from .observability import (
    Pair,
    Site,
    request_pairs,
    request_windows,
    site_visibility,
    visibility_sites,
)

if TYPE_CHECKING:
    from .astro import Array

JSON = dict[str, Any]

#: The portal's sampling of each observable interval.
SAMPLE_STEP = timedelta(minutes=10)
#: Target types the portal draws a curve for (the first configuration's decides).
CURVED_TARGET_TYPES = ("ICRS", "ORBITAL_ELEMENTS")
#: The standard atmosphere rise_set hands SLALIB.
TEMPERATURE_CELSIUS = 0.0  # 273.15 K
PRESSURE_HPA = 1013.25
RELATIVE_HUMIDITY = 0.3
WAVELENGTH_MICRONS = 0.55
#: Hardie's polynomial is not used beyond this zenith distance (SLALIB's sla_AIRMAS).
HARDIE_LARGEST_ZENITH_DISTANCE = 1.52  # radians
#: SLALIB's sla_REFZ: the two-constant model is used up to 83 degrees, then scaled by a fit.
REFRACTION_MODEL_LIMIT = math.radians(83.0)
_LOW_ALTITUDE_FIT = (0.55445, -0.01133, 0.00202, 0.28385, 0.02390)


@dataclass(frozen=True)
class SiteCurve:
    """One site's samples: the times (POSIX seconds) and the mean airmass at each."""

    site: str
    times: list[float]
    airmasses: list[float]


def request_airmass(request: JSON, catalogue: Catalogue, now: datetime) -> JSON:
    """The portal's answer for a valid request with its defaults filled in (``normalize``).

    ``now`` stands for a window's missing start.  The answer is
    ``{"airmass_data": {site: {"times": [...], "airmasses": [...]}}, "airmass_limit": x}``,
    without ``airmass_limit`` when no site has a sample.
    """
    curves, limit = site_curves(request, catalogue, now)
    answer: JSON = {
        "airmass_data": {
            curve.site: {
                "times": [portal_minute(time) for time in curve.times],
                "airmasses": curve.airmasses,
            }
            for curve in curves
        }
    }
    if curves:
        answer["airmass_limit"] = limit
    return answer


def site_curves(
    request: JSON, catalogue: Catalogue, now: datetime
) -> tuple[list[SiteCurve], float]:
    """Each site's samples in snapshot order, and the mean airmass limit of the pairs."""
    configurations = request.get("configurations") or []
    first = configurations[0] if configurations and isinstance(configurations[0], dict) else {}
    target = first.get("target") if isinstance(first.get("target"), dict) else {}
    if str((target or {}).get("type", "")).upper() not in CURVED_TARGET_TYPES:
        return [], 0.0
    pairs, _ = request_pairs(request)
    windows = [w for w in request_windows(request, now) if w[1] > w[0]]
    if not pairs or not windows:
        return [], 0.0
    limit = sum(pair.constraints.max_airmass for pair in pairs) / len(pairs)
    curves = []
    for code, site in visibility_sites(request, catalogue).items():
        intervals = site_visibility(site, windows, pairs).intervals
        times = sample_times(intervals)
        if times:
            airmasses = mean_airmass(pairs, site, times)
            curves.append(SiteCurve(code, times, airmasses))
    return curves, limit


def sample_times(intervals: list[tuple[float, float]]) -> list[float]:
    """Every ten minutes from each interval's start while before its end, to the microsecond.

    The portal steps a datetime by ``timedelta(minutes=10)``; stepping whole
    microseconds reproduces its times exactly where floating seconds would drift.
    """
    samples: list[float] = []
    step = int(SAMPLE_STEP.total_seconds() * 1_000_000)
    for start, end in intervals:
        at = round(start * 1_000_000)
        while at < end * 1_000_000:
            samples.append(at / 1_000_000)
            at += step
    return samples


def portal_minute(seconds: float) -> str:
    """A sample time as the portal writes it: truncated to the minute, no zone."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=round(seconds * 1e6))
    return moment.strftime("%Y-%m-%dT%H:%M")


def mean_airmass(pairs: list[Pair], site: Site, times: list[float]) -> list[float]:
    """The mean over the pairs of each target's airmass at each time."""
    import numpy as np

    stamps = np.asarray(times, dtype=np.float64)
    total = np.zeros_like(stamps)
    for pair in pairs:
        total += airmass(pair, site, stamps)
    return [float(value) for value in total / len(pairs)]


def airmass(pair: Pair, site: Site, times: Array) -> Array:
    """One target's airmass from its refracted zenith distance, as SLALIB computes it."""
    return hardie_airmass(refracted_zenith_distance(true_zenith_distance(pair, site, times)))


def true_zenith_distance(pair: Pair, site: Site, times: Array) -> Array:
    """Unrefracted topocentric zenith distance (radians), with UTC as UT1."""
    import numpy as np

    from . import astro

    place = astro.Place(site.latitude, site.longitude)
    table = astro.ephemeris(float(times.min()), float(times.max()))
    directions = pair.model.directions(table, place, times)
    with astro.quiet_erfa():
        rotation = _erfa().era00(astro.UNIX_EPOCH_JD, times / astro.DAY)
    cosine = np.clip(np.sum(directions * place.zenith(rotation), axis=-1), -1.0, 1.0)
    return np.arccos(cosine)  # type: ignore[no-any-return]


@functools.cache
def refraction_constants() -> tuple[float, float]:
    """A and B of refraction = A tan z + B tan^3 z for the portal's standard atmosphere."""
    constant_a, constant_b = _erfa().refco(
        PRESSURE_HPA, TEMPERATURE_CELSIUS, RELATIVE_HUMIDITY, WAVELENGTH_MICRONS
    )
    return float(constant_a), float(constant_b)


def refracted_zenith_distance(
    zenith_distance: Array, constants: tuple[float, float] | None = None
) -> Array:
    """SLALIB's sla_REFZ: unrefracted to observed zenith distance, both in radians.

    One Newton step of the two-constant model, a second correction, and beyond
    83 degrees the model's value at 83 scaled by SLALIB's low-altitude fit.
    ``constants``: A and B, by default the portal's atmosphere's.
    """
    import numpy as np

    constant_a, constant_b = constants or refraction_constants()
    clipped = np.minimum(zenith_distance, REFRACTION_MODEL_LIMIT)

    def model_terms(angle: Array) -> tuple[Array, Array]:
        tangent = np.tan(angle)
        refraction = constant_a * tangent + constant_b * tangent**3
        slope = 1 + (constant_a + 3 * constant_b * tangent**2) / np.cos(angle) ** 2
        return refraction, slope

    refraction, slope = model_terms(clipped)
    refracted = clipped - refraction / slope
    refraction, slope = model_terms(refracted)
    bending = clipped - refracted + (refracted - clipped + refraction) / slope
    low = zenith_distance > clipped
    if np.any(low):
        c1, c2, c3, c4, c5 = _LOW_ALTITUDE_FIT
        at_limit = (c1 + c2 * 7 + c3 * 49) / (1 + c4 * 7 + c5 * 49)
        elevation = 90 - np.minimum(np.degrees(zenith_distance), 93.0)
        fitted = (c1 + c2 * elevation + c3 * elevation**2) / (
            1 + c4 * elevation + c5 * elevation**2
        )
        bending = np.where(low, bending / at_limit * fitted, bending)
    return zenith_distance - bending


def _erfa() -> Any:
    import erfa  # type: ignore[import-untyped]  # astropy's core (pyerfa), installed with it

    return erfa


def hardie_airmass(zenith_distance: Array) -> Array:
    """SLALIB's sla_AIRMAS: Hardie's polynomial in sec z - 1, z capped at 1.52 radians."""
    import numpy as np

    excess = 1 / np.cos(np.minimum(np.abs(zenith_distance), HARDIE_LARGEST_ZENITH_DISTANCE)) - 1
    return 1 + excess * (0.9981833 - excess * (0.002875 + 0.0008083 * excess))
