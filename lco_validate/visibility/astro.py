"""Offline astronomy for visibility: astropy time scales and IERS data, the builtin ephemeris.

Import this module only when a visibility computation runs: it imports
astropy, numpy and ERFA (astropy's own computational core).

Offline by configuration (docs/visibility.md, Offline astronomy):
``configure_offline`` forbids downloads, uses the IERS-A table bundled in
``astropy-iers-data`` and never treats it as too old, so a window years after
that release still works (UT1-UTC is then held at the table's last value, a
sub-second effect on interval edges).  Site coordinates come from the
catalogue, never from astropy's site registry.

Speed (docs/visibility.md, Speed): every Sun, Moon and Earth quantity that does
not depend on the site is tabulated hourly, one UTC day at a time, cached for
the whole process and interpolated linearly; all requests and sites share the
tables.  Positions are kept in the Celestial Intermediate Reference System
(CIRS), where the local hour angle is simply Earth rotation angle + longitude
- right ascension, so altitudes at any time are a dot product with the zenith.
The Sun and the Moon come from astropy's ``builtin`` ephemeris, which is ERFA's
``epv00`` and ``moon98``; we call those directly to skip astropy's per-call
overhead.  Refraction is never applied here: the portal's airmass limits are
plane-parallel sec z of the unrefracted position (its airmass curves refract:
``airmass``).
"""

from __future__ import annotations

import contextlib
import functools
import math
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .orbits import Orbit, heliocentric_positions

Array = NDArray[np.float64]

HOUR = 3600.0
DAY = 86400.0
UNIX_EPOCH_MJD = 40587.0
J2000_MJD = 51544.5  # 2000-01-01T12:00 TT
UNIX_EPOCH_JD = 2440587.5
LIGHT_AU_PER_DAY = 173.1446326846693
AU_METRES = 149597870700.0
#: Days of tables kept in memory; beyond this the cache starts afresh (about 5 kB a day).
MAX_CACHED_DAYS = 4000


@functools.cache
def configure_offline() -> None:
    """Make astropy unable to reach the network and content with its bundled IERS data."""
    from astropy.utils import iers
    from astropy.utils.data import conf as data_conf

    data_conf.allow_internet = False
    iers.conf.auto_download = False
    iers.conf.auto_max_age = None
    iers.conf.iers_degraded_accuracy = "warn"


@functools.cache
def _iers_a() -> Any:
    """The IERS-A table shipped in astropy-iers-data (read once; about 0.3 s)."""
    configure_offline()
    from astropy.utils import iers

    return iers.IERS_A.open(iers.IERS_A_FILE)


def _erfa() -> Any:
    import erfa  # type: ignore[import-untyped]  # astropy's core (pyerfa), installed with it

    return erfa


@contextlib.contextmanager
def quiet_erfa() -> Iterator[None]:
    """Silence ERFA's "dubious year" notes for dates past its leap-second table.

    No leap second is announced, so the table's last offset is the right one.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", _erfa().ErfaWarning)
        yield


# -- Sun, Moon and Earth tables --------------------------------------------------------------


@dataclass(frozen=True)
class DayRows:
    """Site-independent quantities at the 24 whole hours of one UTC day."""

    era: Array  # Earth rotation angle, radians
    tt_minus_utc: Array  # seconds
    earth: Array  # heliocentric Earth position, au, ICRS axes
    earth_velocity: Array  # barycentric Earth velocity, au/day
    sun: Array  # apparent geocentric direction, CIRS, unit vectors
    moon: Array  # apparent geocentric position, CIRS, au
    moon_illumination: Array  # illuminated fraction of the disc, 0..1
    celestial_to_intermediate: Array  # (3, 3) GCRS -> CIRS rotation at the day's noon


_days: dict[int, DayRows] = {}
#: Held while the day tables are filled and read: the server checks requests in threads,
#: and one thread clearing the tables must not empty them under another's feet.
_days_lock = threading.Lock()


def _compute_days(days: list[int]) -> None:
    """Fill the cache for these UTC day numbers (days since 1970-01-01) in one batch."""
    configure_offline()
    from astropy.time import Time

    erfa = _erfa()
    hours = (np.asarray(days, dtype=np.float64)[:, None] * DAY + np.arange(24) * HOUR).ravel()
    noons = np.asarray(days, dtype=np.float64) * DAY + DAY / 2
    stamps = np.concatenate([hours, noons])
    with quiet_erfa(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IERS "beyond the table" notes: handled by clamping
        utc = Time(stamps, format="unix", scale="utc")
        ut1_minus_utc = _iers_a().ut1_utc(utc.jd1, utc.jd2)
        utc.delta_ut1_utc = ut1_minus_utc
        ut1, tt = utc.ut1, utc.tt
        tt1, tt2 = tt.jd1, tt.jd2
        era = erfa.era00(ut1.jd1, ut1.jd2)
        tt_minus_utc = ((tt1 - utc.jd1) + (tt2 - utc.jd2)) * DAY
        # TDB differs from TT by under 2 ms: irrelevant at these accuracies
        heliocentric, barycentric = erfa.epv00(tt1, tt2)
        moon_geocentric = np.asarray(erfa.moon98(tt1, tt2)["p"], dtype=np.float64)
        rotation = erfa.c2i06a(tt1[len(hours) :], tt2[len(hours) :])
    count = len(hours)
    earth = np.asarray(heliocentric["p"][:count], dtype=np.float64)
    velocity = np.asarray(barycentric["v"][:count], dtype=np.float64)
    per_row_rotation = np.repeat(rotation, 24, axis=0)
    sun = _aberrated(-earth, velocity)
    moon = _aberrated(moon_geocentric[:count], velocity)
    sun_cirs = _rotate(per_row_rotation, sun)
    moon_cirs = _rotate(per_row_rotation, moon)
    illumination = _illuminated_fraction(-earth, moon_geocentric[:count])
    for index, day in enumerate(days):
        rows = slice(index * 24, (index + 1) * 24)
        _days[day] = DayRows(
            era=era[:count][rows],
            tt_minus_utc=tt_minus_utc[:count][rows],
            earth=earth[rows],
            earth_velocity=velocity[rows],
            sun=_unit(sun_cirs[rows]),
            moon=moon_cirs[rows],
            moon_illumination=illumination[rows],
            celestial_to_intermediate=rotation[index],
        )


def _aberrated(position: Array, velocity: Array) -> Array:
    """Annual aberration to first order: the direction shifts by v/c, the distance is kept."""
    distance = np.linalg.norm(position, axis=-1, keepdims=True)
    shifted = position / distance + velocity / LIGHT_AU_PER_DAY
    return shifted / np.linalg.norm(shifted, axis=-1, keepdims=True) * distance  # type: ignore[no-any-return]


def _illuminated_fraction(sun: Array, moon: Array) -> Array:
    """(1 + cos i) / 2 with i the Sun-Moon-Earth angle, from geocentric positions."""
    moon_to_sun = sun - moon
    moon_to_earth = -moon
    cosine = np.sum(moon_to_sun * moon_to_earth, axis=-1) / (
        np.linalg.norm(moon_to_sun, axis=-1) * np.linalg.norm(moon_to_earth, axis=-1)
    )
    return (1 + cosine) / 2  # type: ignore[no-any-return]


def _rotate(matrices: Array, vectors: Array) -> Array:
    return np.einsum("nij,nj->ni", matrices, vectors)  # type: ignore[no-any-return]


def _unit(vectors: Array) -> Array:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Ephemeris:
    """The hourly tables over a span of whole UTC days, with linear interpolation."""

    start: float  # POSIX seconds of the first row (a UTC midnight)
    era: Array  # unwrapped
    tt_minus_utc: Array
    earth: Array
    earth_velocity: Array
    sun: Array
    moon: Array
    moon_illumination: Array
    celestial_to_intermediate: Array  # (rows, 3, 3)

    @property
    def end(self) -> float:
        return self.start + (len(self.era) - 1) * HOUR

    def _locate(self, times: Array) -> tuple[NDArray[np.intp], Array]:
        position = (np.asarray(times, dtype=np.float64) - self.start) / HOUR
        index = np.clip(np.floor(position).astype(np.intp), 0, len(self.era) - 2)
        return index, position - index

    def _scalar(self, values: Array, times: Array) -> Array:
        index, fraction = self._locate(times)
        return values[index] * (1 - fraction) + values[index + 1] * fraction

    def _vector(self, values: Array, times: Array) -> Array:
        index, fraction = self._locate(times)
        fraction = fraction[..., None]
        return values[index] * (1 - fraction) + values[index + 1] * fraction

    def era_at(self, times: Array) -> Array:
        return self._scalar(self.era, times)

    def tt_mjd(self, times: Array) -> Array:
        times = np.asarray(times, dtype=np.float64)
        return (times + self._scalar(self.tt_minus_utc, times)) / DAY + UNIX_EPOCH_MJD

    def sun_direction(self, times: Array) -> Array:
        return _unit(self._vector(self.sun, times))

    def moon_position(self, times: Array) -> Array:
        return self._vector(self.moon, times)

    def moon_illumination_at(self, times: Array) -> Array:
        return self._scalar(self.moon_illumination, times)

    def earth_at(self, times: Array) -> Array:
        return self._vector(self.earth, times)

    def earth_velocity_at(self, times: Array) -> Array:
        return self._vector(self.earth_velocity, times)

    def rotation_at(self, times: Array) -> Array:
        index, fraction = self._locate(times)
        return self.celestial_to_intermediate[index + (fraction >= 0.5)]


def ephemeris(start: float, end: float) -> Ephemeris:
    """Tables covering [start, end] (POSIX seconds), computed once per UTC day per process."""
    first = math.floor(start / DAY)
    last = math.floor(end / DAY) + 1  # so that a row lies at or after ``end``
    return _span(first, last)


@functools.lru_cache(maxsize=32)
def _span(first: int, last: int) -> Ephemeris:
    days = list(range(first, last + 1))
    with _days_lock:
        missing = [day for day in days if day not in _days]
        if missing:
            if len(_days) + len(missing) > MAX_CACHED_DAYS:
                _days.clear()
                missing = days
            _compute_days(missing)
        rows = [_days[day] for day in days]
    return Ephemeris(
        start=first * DAY,
        era=np.unwrap(np.concatenate([row.era for row in rows])),
        tt_minus_utc=np.concatenate([row.tt_minus_utc for row in rows]),
        earth=np.concatenate([row.earth for row in rows]),
        earth_velocity=np.concatenate([row.earth_velocity for row in rows]),
        sun=np.concatenate([row.sun for row in rows]),
        moon=np.concatenate([row.moon for row in rows]),
        moon_illumination=np.concatenate([row.moon_illumination for row in rows]),
        celestial_to_intermediate=np.repeat(
            np.stack([row.celestial_to_intermediate for row in rows]), 24, axis=0
        ),
    )


def clear_tables() -> None:
    """Forget every cached table (for benchmarks that measure the cold path)."""
    with _days_lock:
        _days.clear()
    _span.cache_clear()


# -- sites -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a telescope stands; elevation is not used by the portal and is taken as zero."""

    latitude: float  # degrees
    longitude: float  # degrees, east positive

    @functools.cached_property
    def _geocentric(self) -> Array:
        erfa = _erfa()
        metres = erfa.gd2gc(1, math.radians(self.longitude), math.radians(self.latitude), 0.0)
        return np.asarray(metres, dtype=np.float64) / AU_METRES

    def zenith(self, era: Array) -> Array:
        """The local vertical as a CIRS unit vector at these Earth rotation angles."""
        latitude = math.radians(self.latitude)
        angle = era + math.radians(self.longitude)
        return np.stack(
            [
                math.cos(latitude) * np.cos(angle),
                math.cos(latitude) * np.sin(angle),
                np.full_like(angle, math.sin(latitude)),
            ],
            axis=-1,
        )

    def position(self, era: Array) -> Array:
        """The site's geocentric position (au) in CIRS at these Earth rotation angles."""
        x, y, z = self._geocentric
        cosine, sine = np.cos(era), np.sin(era)
        return np.stack([x * cosine - y * sine, x * sine + y * cosine, np.full_like(era, z)], -1)


def altitude(directions: Array, zenith: Array) -> Array:
    """Altitude in degrees of unit vectors, unrefracted."""
    sine = np.clip(np.sum(directions * zenith, axis=-1), -1.0, 1.0)
    return np.degrees(np.arcsin(sine))  # type: ignore[no-any-return]


def hour_angle(directions: Array, era: Array, longitude: float) -> Array:
    """Local hour angle in hours, wrapped to [-12, 12)."""
    right_ascension = np.arctan2(directions[..., 1], directions[..., 0])
    angle = era + math.radians(longitude) - right_ascension
    return (np.remainder(angle + math.pi, 2 * math.pi) - math.pi) * 12 / math.pi


def separation(first: Array, second: Array) -> Array:
    """Angle in degrees between unit vectors (robust at small angles)."""
    cross = np.linalg.norm(np.cross(first, second), axis=-1)
    dot = np.sum(first * second, axis=-1)
    return np.degrees(np.arctan2(cross, dot))  # type: ignore[no-any-return]


def sun_altitude(table: Ephemeris, place: Place, times: Array) -> Array:
    return altitude(table.sun_direction(times), place.zenith(table.era_at(times)))


def moon_directions(table: Ephemeris, place: Place, times: Array) -> Array:
    """Topocentric Moon directions: the Moon's parallax reaches a degree."""
    era = table.era_at(times)
    return _unit(table.moon_position(times) - place.position(era))


MOON_RADIUS_AU = 1738.0e3 / AU_METRES  # SLALIB's equatorial radius of the Moon


def moon_semidiameter_at_midnight(table: Ephemeris, place: Place, times: Array) -> Array:
    """The Moon's topocentric semidiameter (degrees) at 0h UTC of each time's day.

    rise_set takes it once a day, at the day's start, for its moonrise horizon.
    """
    midnights = np.floor(np.asarray(times, dtype=np.float64) / DAY) * DAY
    era = table.era_at(midnights)
    distance = np.linalg.norm(table.moon_position(midnights) - place.position(era), axis=-1)
    return np.degrees(np.arcsin(MOON_RADIUS_AU / distance))  # type: ignore[no-any-return]


def moon_phase_from_elongation(table: Ephemeris, place: Place, times: Array) -> Array:
    """The Moon's phase as the portal judges ``max_lunar_phase``: (1 - cos elongation) / 2.

    rise_set (Meeus ch. 48, low precision) puts the phase angle at 180 deg
    minus the topocentric Sun-Moon elongation.  That reads about 0.005 below
    the true illuminated fraction (``Ephemeris.moon_illumination_at``) near
    quarter Moon, enough to flip a chunk whose phase sits at the limit.
    """
    cosine = np.sum(table.sun_direction(times) * moon_directions(table, place, times), axis=-1)
    return (1 - cosine) / 2  # type: ignore[no-any-return]


def moon_altitude(table: Ephemeris, place: Place, times: Array) -> Array:
    return altitude(moon_directions(table, place, times), place.zenith(table.era_at(times)))


# -- targets -----------------------------------------------------------------------------------


DirectionFunction = Callable[[Ephemeris, Place, Array], Array]


@dataclass(frozen=True)
class Clock:
    """Time scales and sidereal time at instants given as UTC days since 1970.

    As ocs-rise-set keeps them: UTC stands in for UT1 in the sidereal time,
    and the sidereal times are wrapped to [0, 360) the way SLALIB wraps them
    (the apparent one is the wrapped mean one plus the equation of the
    equinoxes, not wrapped again), because its day-fraction arithmetic is
    sensitive to the wrap.
    """

    tt_mjd: Array
    tt_minus_utc: Array  # seconds
    origins: Array  # equation of the origins, radians: CIRS minus true-equinox right ascension
    mean_sidereal: Array  # degrees
    apparent_sidereal: Array  # degrees


#: Equations of the origins and of the equinoxes (radians) at each UTC midnight, by day number.
_equations: dict[int, tuple[float, float]] = {}


def _equations_at(days: Array) -> tuple[Array, Array]:
    """Both equations at these days, interpolated between midnights.

    The full nutation series costs milliseconds a call; between two midnights
    both equations are straight to well under a milliarcsecond.
    """
    erfa = _erfa()
    whole = np.floor(days)
    wanted = {int(day) for day in whole} | {int(day) + 1 for day in whole}
    needed = sorted(wanted - set(_equations))
    if needed:
        if len(_equations) + len(needed) > MAX_CACHED_DAYS:
            _equations.clear()
            needed = sorted(wanted)
        at = np.asarray(needed, dtype=np.float64)
        tt_mjd = at + UNIX_EPOCH_MJD + 69.184 / DAY  # TT-UTC: a second's error is irrelevant here
        with quiet_erfa():
            origins, equinoxes = erfa.eo06a(2400000.5, tt_mjd), erfa.ee06a(2400000.5, tt_mjd)
        _equations.update(
            zip(needed, zip(origins.tolist(), equinoxes.tolist(), strict=True), strict=True)
        )
    before = np.array([_equations[int(day)] for day in whole]).reshape(-1, 2)
    after = np.array([_equations[int(day) + 1] for day in whole]).reshape(-1, 2)
    fraction = (days - whole).reshape(-1, 1)
    both = before + (after - before) * fraction
    return both[:, 0].reshape(days.shape), both[:, 1].reshape(days.shape)


def clock_at(days: Array) -> Clock:
    erfa = _erfa()
    days = np.asarray(days, dtype=np.float64)
    julian_days = UNIX_EPOCH_JD + days
    with quiet_erfa():
        year, month, day, _ = erfa.jd2cal(julian_days, 0.0)
        tt_minus_utc = np.asarray(erfa.dat(year, month, day, 0.0), dtype=np.float64) + 32.184
        tt_mjd = days + UNIX_EPOCH_MJD + tt_minus_utc / DAY
        origins, equinoxes = _equations_at(days)
        rotation = erfa.era00(julian_days, 0.0)
    mean_sidereal = np.degrees(np.remainder(rotation - origins - equinoxes, 2 * math.pi))
    return Clock(
        tt_mjd=tt_mjd,
        tt_minus_utc=tt_minus_utc,
        origins=origins,
        mean_sidereal=mean_sidereal,
        apparent_sidereal=mean_sidereal + np.degrees(equinoxes),
    )


def place_at_j2000(ra: float, dec: float, equinox: float) -> tuple[float, float]:
    """A mean place (degrees) referred to the mean equinox of Julian year ``equinox``, at J2000.

    The portal hands a target's ``epoch`` to SLALIB's ``sla_MAP`` as the epoch
    *and equinox* of its coordinates, so a place given at epoch 2016 is read as
    referred to the mean equinox of 2016: some 800 arcsec of precession from
    where an ICRS place is, about 50 s in rising time.  We read it so too, as
    for the parallax (``FixedTarget.portal_parallax``), with SLALIB's IAU 1976
    precession.
    """
    if equinox == 2000.0:
        return ra, dec
    erfa = _erfa()
    to_equinox = np.asarray(erfa.pmat76(*erfa.epj2jd(equinox)), dtype=np.float64)
    right_ascension, declination = math.radians(ra), math.radians(dec)
    given = np.array(
        [
            math.cos(declination) * math.cos(right_ascension),
            math.cos(declination) * math.sin(right_ascension),
            math.sin(declination),
        ]
    )
    x, y, z = (to_equinox.T @ given).tolist()
    return math.degrees(math.atan2(y, x)) % 360.0, math.degrees(math.asin(max(-1.0, min(1.0, z))))


def equinox_right_ascension(cirs_right_ascension: Array, clock: Clock) -> Array:
    """CIRS right ascension (radians) as right ascension of the true equinox, degrees [0, 360)."""
    return np.degrees(np.remainder(cirs_right_ascension - clock.origins, 2 * math.pi))


@dataclass(frozen=True)
class MidnightSky:
    """A sidereal target's apparent place and the sidereal time at given instants (degrees)."""

    ra: Array  # true equinox of date, [0, 360)
    dec: Array
    sidereal_time: Array  # Greenwich apparent
    mean_sidereal_time: Array  # Greenwich mean
    tt_minus_utc: Array  # seconds


@dataclass(frozen=True)
class FixedTarget:
    """An ICRS target: catalogue place at ``epoch`` with proper motion (mas/yr) and parallax."""

    ra: float  # degrees
    dec: float  # degrees
    proper_motion_ra: float = 0.0  # mas/yr, along the great circle (mu_alpha cos delta)
    proper_motion_dec: float = 0.0  # mas/yr
    parallax: float = 0.0  # mas
    epoch: float = 2000.0  # Julian year
    _nodes: dict[int, Array] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def catalogue_place(self, years: Array) -> tuple[Array, Array]:
        """RA and Dec (radians) at Julian ``years``, moved along the proper motion's great circle.

        As a vector in space, not as rates of RA and Dec: those are singular at
        the poles, where a target with proper motion would otherwise spin round.
        """
        ra, dec = math.radians(self.ra), math.radians(self.dec)
        position = np.array(
            [math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)]
        )
        east = np.array([-math.sin(ra), math.cos(ra), 0.0])
        north = np.array(
            [-math.sin(dec) * math.cos(ra), -math.sin(dec) * math.sin(ra), math.cos(dec)]
        )
        per_year = np.radians(np.array([self.proper_motion_ra, self.proper_motion_dec]) / 3.6e6)
        velocity = per_year[0] * east + per_year[1] * north
        elapsed = np.asarray(years, dtype=np.float64)[..., None] - self.epoch
        moved = position + velocity * elapsed
        moved /= np.linalg.norm(moved, axis=-1, keepdims=True)
        return np.arctan2(moved[..., 1], moved[..., 0]), np.arcsin(np.clip(moved[..., 2], -1, 1))

    def directions(self, table: Ephemeris, place: Place, times: Array) -> Array:
        """Apparent geocentric CIRS unit vectors (stars have no diurnal parallax)."""
        nodes = self._daily_nodes(table)
        day_position = (np.asarray(times, dtype=np.float64) - table.start) / DAY
        index = np.clip(np.floor(day_position).astype(np.intp), 0, len(nodes) - 2)
        fraction = (day_position - index)[..., None]
        return _unit(nodes[index] * (1 - fraction) + nodes[index + 1] * fraction)

    @property
    def portal_parallax(self) -> float:
        """The parallax as the portal hands it to SLALIB: milliarcseconds read as arcseconds.

        The portal passes the request's ``parallax`` (mas) unconverted to
        ``sla_map``, which takes arcseconds, so its star sits up to a few
        arcminutes off (768 mas, the nearest star, moves edges by up to a
        minute).  We follow it, as we want the portal's verdicts.
        """
        return self.parallax

    def midnight_sky(self, days: Array) -> MidnightSky:
        """The place and sidereal time at ``days`` (UTC days since 1970), as rise_set reads them.

        Between midnights the place is interpolated (precession and aberration
        are slow).
        """
        days = np.asarray(days, dtype=np.float64)
        clock = clock_at(days)
        whole = np.floor(days)
        nodes = self._midnight_vectors(np.concatenate([whole, whole + 1]))
        fraction = (days - whole)[..., None]
        vectors = _unit(nodes[: len(days)] * (1 - fraction) + nodes[len(days) :] * fraction)
        cirs_ra = np.arctan2(vectors[..., 1], vectors[..., 0])
        return MidnightSky(
            ra=equinox_right_ascension(cirs_ra, clock),
            dec=np.degrees(np.arcsin(np.clip(vectors[..., 2], -1, 1))),
            sidereal_time=clock.apparent_sidereal,
            mean_sidereal_time=clock.mean_sidereal,
            tt_minus_utc=clock.tt_minus_utc,
        )

    def _daily_nodes(self, table: Ephemeris) -> Array:
        """Places at each UTC midnight of the table (precession and aberration are slow)."""
        count = (len(table.era) - 1) // 24 + 1
        first = round(table.start / DAY)
        return self._midnight_vectors(np.arange(first, first + count, dtype=np.float64))

    def _midnight_vectors(self, days: Array) -> Array:
        """Apparent CIRS unit vectors at these UTC midnights (day numbers), cached per day."""
        missing = sorted({int(day) for day in days} - set(self._nodes))
        if missing:
            erfa = _erfa()
            midnights = np.asarray(missing, dtype=np.float64)
            tt_mjd = clock_at(midnights).tt_mjd
            ra, dec = self.catalogue_place(2000.0 + (tt_mjd - J2000_MJD) / 365.25)
            with quiet_erfa():
                # The proper motion is already applied: ERFA adds parallax, light
                # deflection, aberration, precession and nutation.
                ra_cirs, dec_cirs, _ = erfa.atci13(
                    ra, dec, 0.0, 0.0, self.portal_parallax, 0.0, 2400000.5, tt_mjd
                )
            vectors = np.stack(
                [
                    np.cos(dec_cirs) * np.cos(ra_cirs),
                    np.cos(dec_cirs) * np.sin(ra_cirs),
                    np.sin(dec_cirs),
                ],
                axis=-1,
            )
            self._nodes.update(zip(missing, vectors, strict=True))
        return np.stack([self._nodes[int(day)] for day in days])


@dataclass(frozen=True)
class OrbitTarget:
    """A Solar-System body on a two-body orbit, seen from the site."""

    orbit: Orbit

    def directions(self, table: Ephemeris, place: Place, times: Array) -> Array:
        """Apparent topocentric CIRS unit vectors, light time and aberration included."""
        times = np.asarray(times, dtype=np.float64)
        tt_mjd = table.tt_mjd(times)
        earth = table.earth_at(times)
        geocentric = heliocentric_positions(self.orbit, tt_mjd) - earth
        for _ in range(2):  # light time converges to microseconds in two passes
            light_time = np.linalg.norm(geocentric, axis=-1) / LIGHT_AU_PER_DAY
            geocentric = heliocentric_positions(self.orbit, tt_mjd - light_time) - earth
        apparent = _aberrated(geocentric, table.earth_velocity_at(times))
        intermediate = _rotate(table.rotation_at(times), apparent)
        return _unit(intermediate - place.position(table.era_at(times)))
