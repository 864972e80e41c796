"""When a sidereal target is above its altitude limit, as the portal's rise_set finds it.

The portal does not search for the exact crossings of the limit.  For each UTC
day it solves rise, transit and set once, in closed form, from the target's
apparent place and the sidereal time at 0h UTC, and corrects each guess a
single time (Meeus, *Astronomical Algorithms*, ch. 15).  Its answers differ
from the true crossings in ways a user can see, and we want its numbers
(docs/visibility.md, Daily step):

* The first guess turns hour angle into day fraction at 360 degrees a day
  where the sky turns 360.985647, and the one correction omits the 1/cos h
  factor of d(altitude)/dt.  At airmass 1.6 (h0 = 38.68 deg) the solved edge
  is early by about 67 s times the event's fraction of the UTC day; near the
  horizon the bias nearly vanishes.
* Each day has one rise, one transit and one set (each wrapped into the day
  once).  When a day holds two sets, the second is lost and the target counts
  as up until 24:00 UTC; when the order of the three is impossible, the day
  contributes nothing.  Each day's intervals are clipped to the day.
* Circumpolar days (from the declination at 0h) are up all day; days on which
  the limit is never reached are down all day.

Our own astronomy supplies the inputs (``astro.FixedTarget.midnight_sky``),
referred, as rise_set's are, to the true equinox and to UTC taken as UT1.
Imports numpy: import it only when a visibility computation runs.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .astro import (
    DAY,
    MOON_RADIUS_AU,
    Array,
    FixedTarget,
    Place,
    clock_at,
    ephemeris,
    equinox_right_ascension,
)
from .intervals import normalized

#: The sky's turn in degrees per solar day, as the correction step uses it.
SIDEREAL_DEGREES_PER_DAY = 360.985647
#: Sidereal days per solar day, as rise_set repeats its hour-angle windows.
SIDEREAL_RATIO = 1.002737909350
#: How far a corrected day fraction may leave the day before it is wrapped back.
OVERSHOOT = 1 / 24

Interval = tuple[float, float]


def _wrap_once(fraction: Array, overshoot: float = 0.0) -> Array:
    """Into the day by at most one whole day, leaving values within ``overshoot`` alone.

    Only one day is added or taken, so a fraction below -1 stays negative:
    rise_set's arithmetic allows that, and its days then come out accordingly.
    """
    inside = (fraction >= -overshoot) & (fraction <= 1 + overshoot)
    moved = np.where(fraction < 0, fraction + 1, fraction)
    moved = np.where(moved > 1, moved - 1, moved)
    return np.where(inside, fraction, moved)


def _reduce_below(angle: Array, ceiling: float) -> Array:
    """Subtract whole turns while above ``ceiling`` (never adds a turn)."""
    turns = np.maximum(np.ceil((angle - ceiling) / 360.0), 0.0)
    return angle - 360.0 * turns


def _three_point(middle: Array, n: Array, before: Array, after: Array) -> Array:
    """Meeus' interpolation through yesterday, today and tomorrow at day fraction ``n``."""
    first, second = middle - before, after - middle
    return middle + n / 2 * (first + second + n * (second - first))


def stepped_days(start: float, end: float) -> list[int]:
    """The UTC days rise_set solves for a window: stepping a day from its start to past its end."""
    days: list[int] = []
    step = 0
    while start + step * DAY < end + DAY:
        days.append(math.floor((start + step * DAY) / DAY))
        step += 1
    return days


def _assembled(
    days: list[int],
    always_up: NDArray[np.bool_],
    solvable: NDArray[np.bool_],
    rise: Array,
    transit: Array,
    setting: Array,
    start: float,
    end: float,
) -> list[Interval]:
    """Each day's up intervals from its one rise, transit and set, clipped to the day and window."""
    found: list[Interval] = []
    for index, day in enumerate(days):
        if always_up[index]:
            pieces = [(0.0, 1.0)]
        elif not solvable[index]:
            continue
        else:
            up, middle, down = rise[index], transit[index], setting[index]
            if (up > middle and down > middle) or (up < middle and down < middle):
                # up at midnight, down, up again: both ends of the day are kept
                pieces = [(0.0, down), (up, 1.0)]
            elif up < middle < down:
                pieces = [(up, down)]
            else:  # an order no day can have: rise_set keeps nothing of it
                continue
        for first, last in pieces:
            first, last = max(first, 0.0), min(last, 1.0)
            if first < last:
                found.append(
                    (max(day * DAY + first * DAY, start), min(day * DAY + last * DAY, end))
                )
    return normalized(piece for piece in found if piece[0] < piece[1])


def up_intervals(
    target: FixedTarget, latitude: float, longitude: float, limit: float, start: float, end: float
) -> list[Interval]:
    """The parts of [start, end] during which rise_set has ``target`` above ``limit`` degrees."""
    days = stepped_days(start, end)
    if not days:
        return []
    span = np.arange(days[0] - 1, days[-1] + 2, dtype=np.float64)
    sky = target.midnight_sky(span)
    today = slice(1, len(span) - 1)
    ra, dec, clock = sky.ra[today], sky.dec[today], sky.sidereal_time[today]
    ra_before, ra_after = sky.ra[:-2].copy(), sky.ra[2:].copy()
    dec_before, dec_after = sky.dec[:-2], sky.dec[2:]

    phi = math.radians(latitude)
    sin_phi, cos_phi = math.sin(phi), math.cos(phi)
    declination = np.radians(dec)
    cos_h0 = (math.sin(math.radians(limit)) - sin_phi * np.sin(declination)) / (
        cos_phi * np.cos(declination)
    )
    if latitude > 0:
        always_up = latitude + dec - limit > 90
    elif latitude < 0:
        always_up = latitude + dec + limit < -90
    else:
        always_up = np.zeros_like(dec, dtype=bool)
    solvable = np.abs(cos_h0) <= 1
    half_arc = np.degrees(np.arccos(np.clip(cos_h0, -1, 1))) / 360.0

    transit = _wrap_once((ra - longitude - clock) / 360.0)
    rise = _wrap_once(transit - half_arc)
    setting = _wrap_once(transit + half_arc)

    # Today's place against yesterday's and tomorrow's: rise_set unwraps a
    # right ascension only when it has fallen by more than 350 deg since yesterday.
    ra_today = np.where((ra < ra_before) & (ra - ra_before < -350), ra + 360, ra)
    ra_after = np.where(
        (ra_after < ra_before) & (ra_after - ra_before < -350), ra_after + 360, ra_after
    )
    delay = sky.tt_minus_utc[today] / DAY

    def hour_angle(fraction: Array) -> Array:
        clock_then = _reduce_below(clock + SIDEREAL_DEGREES_PER_DAY * fraction, 360.0)
        place = _three_point(ra_today, fraction + delay, ra_before, ra_after)
        return _reduce_below(clock_then + longitude - place, 180.0)

    angle = hour_angle(transit)
    angle = np.where(angle < -180, angle + 360, angle)
    transit = _wrap_once(transit - angle / 360.0, OVERSHOOT)

    def corrected(fraction: Array) -> Array:
        angle = np.radians(hour_angle(fraction))
        then = np.radians(_three_point(dec, fraction + delay, dec_before, dec_after))
        altitude = np.degrees(
            np.arcsin(sin_phi * np.sin(then) + cos_phi * np.cos(then) * np.cos(angle))
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            step = (altitude - limit) / (360.0 * np.cos(then) * cos_phi * np.sin(angle))
        return _wrap_once(fraction + step, OVERSHOOT)

    rise, setting = corrected(rise), corrected(setting)

    return _assembled(days, always_up, solvable, rise, transit, setting, start, end)


def moon_up_intervals(place: Place, horizon: float, start: float, end: float) -> list[Interval]:
    """When rise_set has the Moon up: its upper limb above ``horizon`` (degrees).

    The same once-a-day solution as for stars, from the Moon's topocentric
    place, with the semidiameter taken at 0h UTC, and three corrections, each
    from the place at the corrected times (the Moon moves too fast to
    interpolate), each wrapped back into the day without any overshoot.
    """
    days = stepped_days(start, end)
    if not days:
        return []
    longitude, phi = place.longitude, math.radians(place.latitude)
    sin_phi, cos_phi = math.sin(phi), math.cos(phi)
    midnights = np.asarray(days, dtype=np.float64)
    clock = clock_at(midnights).apparent_sidereal
    # the corrections look up to a day either side of each midnight
    wide = ephemeris(days[0] * DAY - DAY, days[-1] * DAY + 2 * DAY)

    def moon_at(fraction: Array) -> tuple[Array, Array, Array]:
        times = (midnights + fraction) * DAY
        position = wide.moon_position(times) - place.position(wide.era_at(times))
        distance = np.linalg.norm(position, axis=-1)
        cirs_ra = np.arctan2(position[..., 1], position[..., 0])
        ra = equinox_right_ascension(cirs_ra, clock_at(midnights + fraction))
        return ra, np.degrees(np.arcsin(position[..., 2] / distance)), distance

    ra, dec, distance = moon_at(np.zeros_like(midnights))
    limit = horizon - np.degrees(np.arcsin(MOON_RADIUS_AU / distance))
    declination = np.radians(dec)
    cos_h0 = (np.sin(np.radians(limit)) - sin_phi * np.sin(declination)) / (
        cos_phi * np.cos(declination)
    )
    solvable = np.abs(cos_h0) <= 1
    half_arc = np.degrees(np.arccos(np.clip(cos_h0, -1, 1))) / 360.0
    transit = _wrap_once((ra - longitude - clock) / 360.0)
    rise = _wrap_once(transit - half_arc)
    setting = _wrap_once(transit + half_arc)

    def hour_angle(fraction: Array) -> tuple[Array, Array]:
        ra_then, dec_then, _ = moon_at(fraction)
        clock_then = _reduce_below(clock + SIDEREAL_DEGREES_PER_DAY * fraction, 360.0)
        return _reduce_below(clock_then + longitude - ra_then, 180.0), dec_then

    def corrected(fraction: Array) -> Array:
        angle, dec_then = hour_angle(fraction)
        angle, then = np.radians(angle), np.radians(dec_then)
        altitude = np.degrees(
            np.arcsin(sin_phi * np.sin(then) + cos_phi * np.cos(then) * np.cos(angle))
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            step = (altitude - limit) / (360.0 * np.cos(then) * cos_phi * np.sin(angle))
        return _wrap_once(fraction + step)

    for _ in range(3):
        angle, _ = hour_angle(transit)
        angle = np.where(angle < -180, angle + 360, angle)
        transit, rise, setting = (
            _wrap_once(transit - angle / 360.0),
            corrected(rise),
            corrected(setting),
        )
    never = np.zeros_like(solvable)
    return _assembled(days, never, solvable, rise, transit, setting, start, end)


def hour_angle_intervals(
    target: FixedTarget,
    longitude: float,
    negative: float,
    positive: float,
    start: float,
    end: float,
) -> list[Interval]:
    """When rise_set has ``target`` between the hour angles ``negative`` and ``positive`` (hours).

    rise_set solves this once per window: from the apparent place and the
    *mean* sidereal time one sidereal day before the window starts, it
    repeats the same pair of times every sidereal day.  So the place does not
    move during the window and the equation of the equinoxes is left out, a
    second or two against the true hour angle over a month.
    """
    sidereal_day = DAY / SIDEREAL_RATIO
    earliest = start - sidereal_day
    sky = target.midnight_sky(np.array([earliest / DAY]))
    offset = (float(sky.ra[0]) - longitude - float(sky.mean_sidereal_time[0])) / 15.0
    rise = earliest + (negative + offset) / SIDEREAL_RATIO * 3600.0
    setting = earliest + (positive + offset) / SIDEREAL_RATIO * 3600.0
    found: list[Interval] = []
    while setting < end + sidereal_day:
        found.append((max(rise, start), min(setting, end)))
        rise += sidereal_day
        setting += sidereal_day
    return normalized(piece for piece in found if piece[0] < piece[1])
