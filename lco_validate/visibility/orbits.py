"""Two-body heliocentric positions from the portal's ORBITAL_ELEMENTS (numpy only).

The portal hands orbital elements to SLALIB's ``sla_plante``, a two-body
(Kepler) propagation; so do we.  Elements follow the MPC conventions:
angles in degrees referred to the J2000 ecliptic, epochs as MJD (TT),
distances in au.

* MPC_MINOR_PLANET: ``meandist`` (a), ``meananom`` (M at ``epochofel``);
  the mean motion follows from a.
* JPL_MAJOR_PLANET: as above, but the mean motion is the given ``dailymot``
  (degrees per day).
* MPC_COMET: ``perihdist`` (q) and ``epochofperih`` (T); any eccentricity,
  elliptic, parabolic or hyperbolic, through the universal-variable form of
  Kepler's equation, which stays well conditioned near e = 1.

Positions come out in au, heliocentric, in the J2000 mean equator (ICRS to
within the 23 mas frame bias, far below what visibility needs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

#: Gaussian gravitational constant: sqrt(GM_sun) in au^1.5 per day.
GAUSS_K = 0.01720209895
#: SLALIB refuses orbits more eccentric than this.
MAX_ECCENTRICITY = 10.0
#: Obliquity of the J2000 ecliptic as the MPC and SLALIB use it (IAU 1976), radians.
OBLIQUITY_J2000 = math.radians(84381.448 / 3600.0)

SUPPORTED_SCHEMES = ("MPC_MINOR_PLANET", "MPC_COMET", "JPL_MAJOR_PLANET")


class OrbitError(ValueError):
    """Elements that cannot be propagated; ``key`` names the offending element."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Orbit:
    """Elements in the form the propagators need (angles in radians, times MJD TT)."""

    eccentricity: float
    perihelion_distance: float  # q, au
    inclination: float
    ascending_node: float
    perihelion_argument: float
    #: For the mean-anomaly form: mean anomaly at ``epoch`` and mean motion (rad/day).
    mean_anomaly: float | None = None
    mean_motion: float | None = None
    epoch: float | None = None
    #: For the perihelion form: time of perihelion.
    perihelion_time: float | None = None


def orbit_from_target(target: dict[str, Any]) -> Orbit:
    """The orbit of an ORBITAL_ELEMENTS target of a supported scheme, or OrbitError."""
    scheme = str(target.get("scheme") or "")
    if scheme not in SUPPORTED_SCHEMES:
        raise OrbitError("scheme", f"scheme {scheme or '(none)'} cannot be propagated")
    eccentricity = _number(target, "eccentricity")
    orientation = {
        "inclination": math.radians(_number(target, "orbinc")),
        "ascending_node": math.radians(_number(target, "longascnode")),
        "perihelion_argument": math.radians(_number(target, "argofperih")),
    }
    if eccentricity < 0:
        raise OrbitError("eccentricity", f"eccentricity {eccentricity:g} is negative")
    if eccentricity > MAX_ECCENTRICITY:
        raise OrbitError(
            "eccentricity",
            f"eccentricity {eccentricity:g} is above {MAX_ECCENTRICITY:g}, more than SLALIB "
            "(the portal's ephemeris library) accepts",
        )
    if scheme == "MPC_COMET":
        perihelion_distance = _number(target, "perihdist")
        if perihelion_distance <= 0:
            raise OrbitError("perihdist", f"perihdist {perihelion_distance:g} au is not positive")
        return Orbit(
            eccentricity,
            perihelion_distance,
            perihelion_time=_number(target, "epochofperih"),
            **orientation,
        )
    semi_major_axis = _number(target, "meandist")
    if semi_major_axis <= 0:
        raise OrbitError("meandist", f"meandist {semi_major_axis:g} au is not positive")
    if eccentricity >= 1:
        raise OrbitError(
            "eccentricity",
            f"eccentricity {eccentricity:g} is not below 1, which a mean distance and mean "
            "anomaly cannot describe (use the MPC_COMET scheme with perihdist and epochofperih)",
        )
    if scheme == "JPL_MAJOR_PLANET":
        mean_motion = math.radians(_number(target, "dailymot"))
        _check_kepler_mass(mean_motion, semi_major_axis)
    else:
        mean_motion = GAUSS_K / semi_major_axis**1.5
    return Orbit(
        eccentricity,
        semi_major_axis * (1 - eccentricity),
        mean_anomaly=math.radians(_number(target, "meananom")),
        mean_motion=mean_motion,
        epoch=_number(target, "epochofel"),
        **orientation,
    )


def _check_kepler_mass(mean_motion: float, semi_major_axis: float) -> None:
    """SLALIB's test of a major planet's elements: Kepler's third law must give a mass >= 0.

    From ``dailymot`` and ``meandist`` SLALIB derives the planet's mass in
    solar masses as (n / k)^2 a^3 - 1; when that is negative it refuses the
    elements ("numerical error") and the portal finds the target never visible.
    """
    if mean_motion <= 0:
        raise OrbitError("dailymot", f"dailymot {math.degrees(mean_motion):g} is not positive")
    mass = (mean_motion / GAUSS_K) ** 2 * semi_major_axis**3 - 1
    if mass < 0:
        slowest = math.degrees(GAUSS_K / semi_major_axis**1.5)
        raise OrbitError(
            "dailymot",
            f"dailymot {math.degrees(mean_motion):g} degrees per day is slower than Kepler's "
            f"third law allows for meandist {semi_major_axis:g} au (at least {slowest:.8g}), "
            "so SLALIB refuses the elements",
        )


def _number(target: dict[str, Any], key: str) -> float:
    value = target.get(key)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise OrbitError(key, f"{key} is {value!r}, not a number") from None
    if not math.isfinite(number):
        raise OrbitError(key, f"{key} is {value!r}, not a finite number")
    return number


def heliocentric_positions(orbit: Orbit, mjd_tt: Array) -> Array:
    """Heliocentric J2000 equatorial positions (au), shape (N, 3), at the given times."""
    if orbit.mean_anomaly is not None:
        x, y = _elliptic_perifocal(orbit, mjd_tt)
    else:
        x, y = _universal_perifocal(orbit, mjd_tt)
    return _perifocal_to_equatorial(orbit, x, y)


def _elliptic_perifocal(orbit: Orbit, mjd_tt: Array) -> tuple[Array, Array]:
    assert orbit.mean_anomaly is not None and orbit.mean_motion is not None
    assert orbit.epoch is not None
    e = orbit.eccentricity
    a = orbit.perihelion_distance / (1 - e)
    mean = orbit.mean_anomaly + orbit.mean_motion * (mjd_tt - orbit.epoch)
    mean = np.remainder(mean + math.pi, 2 * math.pi) - math.pi
    eccentric = _solve_kepler(mean, e)
    x = a * (np.cos(eccentric) - e)
    y = a * math.sqrt(1 - e * e) * np.sin(eccentric)
    return x, y


def _solve_kepler(mean: Array, e: float) -> Array:
    """E - e sin E = M for e < 1, by Newton from a start that converges for every M."""
    eccentric = mean + e * np.sin(mean) if e < 0.8 else np.full_like(mean, math.pi) * np.sign(mean)
    for _ in range(50):
        step = (eccentric - e * np.sin(eccentric) - mean) / (1 - e * np.cos(eccentric))
        eccentric = eccentric - step
        if np.all(np.abs(step) < 1e-14):
            break
    return eccentric


def _universal_perifocal(orbit: Orbit, mjd_tt: Array) -> tuple[Array, Array]:
    """Perifocal position from perihelion by the universal variable (any eccentricity)."""
    assert orbit.perihelion_time is not None
    q, e = orbit.perihelion_distance, orbit.eccentricity
    mu = GAUSS_K**2
    alpha = (1 - e) / q  # 1/a: positive elliptic, zero parabolic, negative hyperbolic
    elapsed = np.asarray(mjd_tt - orbit.perihelion_time, dtype=np.float64)
    if alpha > 0:
        period = 2 * math.pi / (GAUSS_K * alpha**1.5)
        elapsed = elapsed - period * np.round(elapsed / period)
    chi = _solve_universal(np.abs(elapsed), q, e, alpha) * np.sign(elapsed)
    z = alpha * chi * chi
    c, s = _stumpff(z)
    f = 1 - chi * chi * c / q
    g = elapsed - chi**3 * s / GAUSS_K
    speed_at_perihelion = math.sqrt(mu * (1 + e) / q)
    return f * q, g * speed_at_perihelion


def _solve_universal(elapsed: Array, q: float, e: float, alpha: float) -> Array:
    """The universal anomaly for elapsed >= 0: e chi^3 S(z) + q chi = k * elapsed.

    The left side grows monotonically with chi, from 0 to at least q chi,
    so [0, k elapsed / q] brackets the root; Newton steps that leave the
    bracket are replaced by bisection.
    """
    target = GAUSS_K * elapsed
    low = np.zeros_like(target)
    high = target / q
    # the parabolic cubic e chi^3 / 6 + q chi = target is a close start near e = 1
    chi = _cubic_start(target, q, e)
    chi = np.clip(chi, low, high)
    for _ in range(100):
        z = alpha * chi * chi
        c, s = _stumpff(z)
        value = e * chi**3 * s + q * chi - target
        slope = e * chi * chi * c + q
        low = np.where(value < 0, chi, low)
        high = np.where(value > 0, chi, high)
        newton = chi - value / slope
        inside = (newton > low) & (newton < high)
        updated = np.where(inside, newton, 0.5 * (low + high))
        if np.all(np.abs(updated - chi) <= 1e-13 * np.maximum(1.0, np.abs(chi))):
            return updated
        chi = updated
    return chi


def _cubic_start(target: Array, q: float, e: float) -> Array:
    if e == 0:
        return target / q
    # chi^3 + p chi = r with p = 6q/e, r = 6 target/e (Cardano, one real root)
    p = 6 * q / e
    r = 6 * target / e
    root = np.sqrt(r * r / 4 + p**3 / 27)
    return np.cbrt(r / 2 + root) + np.cbrt(r / 2 - root)


def _stumpff(z: Array) -> tuple[Array, Array]:
    """Stumpff functions C(z) and S(z), with series near zero to avoid cancellation."""
    z = np.asarray(z, dtype=np.float64)
    c = np.empty_like(z)
    s = np.empty_like(z)
    small = np.abs(z) < 1e-2
    positive = (z > 0) & ~small
    negative = (z < 0) & ~small
    root = np.sqrt(z[positive])
    c[positive] = (1 - np.cos(root)) / z[positive]
    s[positive] = (root - np.sin(root)) / root**3
    root = np.sqrt(-z[negative])
    c[negative] = (np.cosh(root) - 1) / -z[negative]
    s[negative] = (np.sinh(root) - root) / root**3
    w = z[small]
    c[small] = 1 / 2 - w / 24 + w**2 / 720 - w**3 / 40320 + w**4 / 3628800
    s[small] = 1 / 6 - w / 120 + w**2 / 5040 - w**3 / 362880 + w**4 / 39916800
    return c, s


def _perifocal_to_equatorial(orbit: Orbit, x: Array, y: Array) -> Array:
    node, inclination, argument = (
        orbit.ascending_node,
        orbit.inclination,
        orbit.perihelion_argument,
    )
    cos_node, sin_node = math.cos(node), math.sin(node)
    cos_arg, sin_arg = math.cos(argument), math.sin(argument)
    cos_inc, sin_inc = math.cos(inclination), math.sin(inclination)
    ecliptic_x = (cos_node * cos_arg - sin_node * sin_arg * cos_inc) * x + (
        -cos_node * sin_arg - sin_node * cos_arg * cos_inc
    ) * y
    ecliptic_y = (sin_node * cos_arg + cos_node * sin_arg * cos_inc) * x + (
        -sin_node * sin_arg + cos_node * cos_arg * cos_inc
    ) * y
    ecliptic_z = sin_arg * sin_inc * x + cos_arg * sin_inc * y
    cos_obl, sin_obl = math.cos(OBLIQUITY_J2000), math.sin(OBLIQUITY_J2000)
    return np.stack(
        [
            ecliptic_x,
            cos_obl * ecliptic_y - sin_obl * ecliptic_z,
            sin_obl * ecliptic_y + cos_obl * ecliptic_z,
        ],
        axis=-1,
    )
