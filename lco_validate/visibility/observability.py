"""When a request's target is observable, decided as the portal decides it (docs/visibility.md).

The pipeline, from a request (with the portal's defaults filled in), a
catalogue and the time "now":

1. Sites: the telescopes carrying the *first* configuration's instrument type
   in a SCHEDULABLE instrument, narrowed by the request's site, enclosure and
   telescope (exact codes); per site, the first telescope of that type in the
   snapshot supplies latitude, longitude, horizon, hour-angle limits and
   zenith blind spot.
2. Pairs: each distinct (target, constraints) of the configurations.
3. Per site and window: dark (Sun below -12 deg) and, per pair, above the
   altitude limit, within the hour-angle limits, away from the Moon, not in a
   too bright Moon, out of the zenith blind spot; pairs are intersected,
   windows concatenated and merged.
4. The largest interval over all sites, counting only what lies after now.

Nothing here imports astropy or numpy at module level: the rules import this
module on every run, and only requests that reach a visibility verdict pay.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..catalogue.snapshot import SCHEDULABLE, Catalogue
from . import intervals as iv
from .intervals import Interval

if TYPE_CHECKING:
    from .astro import Array, Ephemeris, Place

JSON = dict[str, Any]

TWILIGHT_ALTITUDE = -12.0  # nautical twilight, Sun's centre
#: The Moon counts as up once its upper limb clears this (mean refraction at the horizon); the
#: limb is its topocentric semidiameter (at the day's 0h UTC, as rise_set takes it) above centre.
MOON_HORIZON = -0.5666667
STAR_REFRACTION_AT_ZERO = (
    -0.5667
)  # used only when the altitude limit is exactly 0 (rise_set's value)
MOVING_CHUNK = 15 * 60.0
MOON_CHUNK = 30 * 60.0
ZENITH_CHUNK = 60.0
MOON_DISTANCE_IGNORED_UP_TO = 0.5  # degrees
MOON_PHASE_IGNORED_FROM = 0.99
#: Coarse sampling of smooth curves before each crossing is refined by bisection.
SAMPLE_STEP = 300.0
BISECTIONS = 14  # 300 s / 2**14: edges to 0.02 s

SIDEREAL, MOVING, STATIC = "sidereal", "moving", "static"
SUPPORTED_SCHEMES = ("MPC_MINOR_PLANET", "MPC_COMET", "JPL_MAJOR_PLANET")


# -- what the request asks for ---------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """One site's visibility parameters, from the first telescope there carrying the type."""

    code: str
    telescope: str  # "site.enclosure.telescope" that supplied the values
    latitude: float
    longitude: float
    horizon: float  # degrees
    ha_limit_neg: float  # hours
    ha_limit_pos: float  # hours
    zenith_blind_spot: float  # degrees


@dataclass(frozen=True)
class Constraints:
    max_airmass: float
    min_lunar_distance: float
    max_lunar_phase: float


@dataclass(frozen=True)
class Pair:
    """One distinct (target, constraints) of a request, with a position model when computable."""

    configurations: tuple[int, ...]  # indices of the configurations that share it
    name: str
    kind: str  # SIDEREAL, MOVING or STATIC
    constraints: Constraints
    target: JSON = field(compare=False)
    model: Any = field(default=None, compare=False)  # astro.FixedTarget / astro.OrbitTarget


@dataclass(frozen=True)
class Unusable:
    """A configuration whose target cannot enter the visibility computation."""

    configuration: int
    key: str  # the target member at fault ("type", "scheme", an element)
    reason: str
    #: True when the portal itself cannot compute it (a server error, or refused earlier);
    #: False for elements it silently leaves out of the check.
    portal_fails: bool


def altitude_limit(max_airmass: float, horizon: float) -> float:
    """The higher of the horizon and the altitude of plane-parallel airmass ``max_airmass``.

    Compared in airmass, as ocs-rise-set does, so that a huge airmass never
    meets floating-point trouble near the horizon.
    """
    if not max_airmass:
        return horizon
    horizon_airmass = 1 / math.cos(math.radians(90 - horizon))
    if max_airmass < horizon_airmass:
        return 90 - math.degrees(math.acos(1 / max_airmass))
    return horizon


def visibility_sites(request: JSON, catalogue: Catalogue) -> dict[str, Site]:
    """Sites where the portal computes visibility for this request, in snapshot order."""
    configurations = request.get("configurations") or []
    if not configurations or not isinstance(configurations[0], dict):
        return {}
    wanted = str(configurations[0].get("instrument_type", "")).upper()
    location = request.get("location") if isinstance(request.get("location"), dict) else {}
    assert isinstance(location, dict)
    narrowing = [str(location.get(key) or "") for key in ("site", "enclosure", "telescope")]
    first_per_site: dict[str, Site] = {}
    located_sites: set[str] = set()
    for placement in catalogue.placements:
        if placement.state != SCHEDULABLE or placement.type_code != wanted:
            continue
        site_code, enclosure_code, telescope_code = placement.location
        if site_code not in first_per_site:
            first_per_site[site_code] = _site_from(placement.telescope, placement.location)
        if all(
            not wanted_code or wanted_code == code
            for wanted_code, code in zip(
                narrowing, (site_code, enclosure_code, telescope_code), strict=True
            )
        ):
            located_sites.add(site_code)
    return {code: site for code, site in first_per_site.items() if code in located_sites}


def _site_from(telescope: JSON, location: tuple[str, str, str]) -> Site:
    return Site(
        code=location[0],
        telescope=".".join(location),
        latitude=float(telescope["lat"]),
        longitude=float(telescope["long"]),
        horizon=float(telescope.get("horizon", 0.0)),
        ha_limit_neg=float(telescope.get("ha_limit_neg", -12.0)),
        ha_limit_pos=float(telescope.get("ha_limit_pos", 12.0)),
        zenith_blind_spot=float(telescope.get("zenith_blind_spot", 0.0) or 0.0),
    )


def request_pairs(request: JSON) -> tuple[list[Pair], list[Unusable]]:
    """The distinct (target, constraints) pairs, and the configurations left out and why."""
    grouped: dict[str, list[int]] = {}
    entries: dict[str, tuple[JSON, JSON]] = {}
    for index, configuration in enumerate(request.get("configurations") or []):
        if not isinstance(configuration, dict):
            continue
        target = (
            configuration.get("target") if isinstance(configuration.get("target"), dict) else {}
        )
        constraints = configuration.get("constraints")
        constraints = constraints if isinstance(constraints, dict) else {}
        key = json.dumps([target, constraints], sort_keys=True, default=str)
        grouped.setdefault(key, []).append(index)
        entries[key] = (target or {}, constraints)
    pairs: list[Pair] = []
    unusable: list[Unusable] = []
    for key, indices in grouped.items():
        target, constraints = entries[key]
        try:
            kind, model = _position_model(target)
        except _NotComputable as problem:
            unusable.extend(
                Unusable(index, problem.key, str(problem), problem.portal_fails)
                for index in indices
            )
            continue
        pairs.append(
            Pair(
                configurations=tuple(indices),
                name=str(target.get("name") or ""),
                kind=kind,
                constraints=Constraints(
                    max_airmass=_float(constraints.get("max_airmass"), 1.6),
                    min_lunar_distance=_float(constraints.get("min_lunar_distance"), 30.0),
                    max_lunar_phase=_float(constraints.get("max_lunar_phase"), 1.0),
                ),
                target=target,
                model=model,
            )
        )
    return pairs, unusable


class _NotComputable(Exception):
    def __init__(self, key: str, reason: str, *, portal_fails: bool) -> None:
        super().__init__(reason)
        self.key = key
        self.portal_fails = portal_fails


def _position_model(target: JSON) -> tuple[str, Any]:
    target_type = str(target.get("type") or "").upper()
    if target_type == "SATELLITE":
        return STATIC, None
    if target_type == "ICRS":
        from .astro import FixedTarget, place_at_j2000

        try:
            ra, dec = float(target["ra"]), float(target["dec"])
        except (KeyError, TypeError, ValueError):
            raise _NotComputable("dec", "it has no usable ra and dec", portal_fails=True) from None
        epoch = _float(target.get("epoch"), 2000.0) or 2000.0
        ra, dec = place_at_j2000(ra, dec, epoch)  # the portal reads the epoch as the equinox
        return SIDEREAL, FixedTarget(
            ra=ra,
            dec=dec,
            proper_motion_ra=_float(target.get("proper_motion_ra"), 0.0),
            proper_motion_dec=_float(target.get("proper_motion_dec"), 0.0),
            parallax=_float(target.get("parallax"), 0.0),
            epoch=epoch,
        )
    if target_type == "ORBITAL_ELEMENTS":
        scheme = str(target.get("scheme") or "")
        if scheme not in SUPPORTED_SCHEMES:
            raise _NotComputable(
                "scheme",
                f"scheme {scheme or '(blank)'} cannot be turned into a position by the portal "
                "(it fails with a server error); use one of "
                + ", ".join(sorted(SUPPORTED_SCHEMES)),
                portal_fails=True,
            )
        from .astro import OrbitTarget
        from .orbits import OrbitError, orbit_from_target

        try:
            return MOVING, OrbitTarget(orbit_from_target(target))
        except OrbitError as error:
            raise _NotComputable(
                error.key,
                f"its elements cannot be propagated ({error}); the portal leaves such a target "
                "out of the visibility check",
                portal_fails=False,
            ) from None
    if target_type == "HOUR_ANGLE":
        raise _NotComputable(
            "type",
            "fixed hour-angle pointings are not modelled (the portal accepts HOUR_ANGLE targets "
            "only for DIRECT and REAL_TIME observations)",
            portal_fails=True,
        )
    raise _NotComputable(
        "type", f"target type {target_type or '(none)'} is unknown", portal_fails=True
    )


def _float(value: object, default: float) -> float:
    """A number as the portal's FloatField reads it; missing or unreadable gives the default."""
    if isinstance(value, bool) or value is None or value == "":
        return default
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def request_windows(request: JSON, default_start: datetime) -> list[Interval]:
    """Each window as POSIX seconds; a missing start is the time of validation."""
    from ..documents.times import parse_portal_datetime

    windows: list[Interval] = []
    for window in request.get("windows") or []:
        if not isinstance(window, dict):
            continue
        start = window.get("start")
        parsed_start = parse_portal_datetime(start) if isinstance(start, str) else None
        if start is None or start == "":
            parsed_start = default_start
        end = window.get("end")
        parsed_end = parse_portal_datetime(end) if isinstance(end, str) else None
        if parsed_start is None or parsed_end is None:
            continue
        windows.append((parsed_start.timestamp(), parsed_end.timestamp()))
    return windows


# -- the answer --------------------------------------------------------------------------------


@dataclass
class SiteResult:
    site: Site
    intervals: list[Interval]
    dark: float  # seconds of dark time in the windows
    dark_and_up: float  # ... during which every target is above its limit and within HA limits
    #: Seconds of the windows, dark or not, when every target is above its limit and within
    #: HA limits: beside ``dark_and_up``, it tells a target up only in daylight.
    up: float = 0.0


@dataclass
class RequestVisibility:
    instrument_type: str
    windows: list[Interval]
    pairs: list[Pair]
    unusable: list[Unusable]
    sites: dict[str, SiteResult]
    now: float | None
    largest: float = 0.0
    best_site: str | None = None
    best_interval: Interval | None = None

    @property
    def computed(self) -> bool:
        """Whether there is a verdict.

        There is one when some target could be modelled, and also when the
        only targets are elements that cannot be propagated: the portal then
        drops them all and finds no observable time.  There is none when no
        target could be modelled and one of them is a kind this tool does not
        model (HOUR_ANGLE) or the portal cannot compute (an unknown scheme).
        """
        return bool(self.pairs) or (
            bool(self.unusable) and not any(entry.portal_fails for entry in self.unusable)
        )


def request_visibility(
    request: JSON,
    catalogue: Catalogue,
    now: datetime | None,
    default_start: datetime | None = None,
) -> RequestVisibility:
    """Observable intervals of a (normalized) request per site, and the largest after ``now``.

    ``now`` None counts whole intervals (for archive records looked at without
    a time of validation).
    """
    start_default = default_start or now or datetime.now(UTC)
    windows = [w for w in request_windows(request, start_default) if w[1] > w[0]]
    pairs, unusable = request_pairs(request)
    configurations = request.get("configurations") or [{}]
    first = configurations[0] if isinstance(configurations[0], dict) else {}
    result = RequestVisibility(
        instrument_type=str(first.get("instrument_type", "")).upper(),
        windows=windows,
        pairs=pairs,
        unusable=unusable,
        sites={},
        now=now.timestamp() if now is not None else None,
    )
    if not result.computed or not windows:
        return result
    for code, site in visibility_sites(request, catalogue).items():
        if pairs:
            result.sites[code] = site_visibility(site, windows, pairs)
        else:
            result.sites[code] = SiteResult(site, [], 0.0, 0.0)
    _choose_largest(result)
    return result


def _choose_largest(result: RequestVisibility) -> None:
    for code, site_result in result.sites.items():
        for interval in site_result.intervals:
            length = iv.remaining_length(interval, result.now)
            if length > result.largest:
                result.largest, result.best_site, result.best_interval = length, code, interval


def site_visibility(site: Site, windows: Sequence[Interval], pairs: Sequence[Pair]) -> SiteResult:
    """One site's observable intervals over all windows (pairs intersected per window)."""
    from . import astro

    place = astro.Place(site.latitude, site.longitude)
    found: list[Interval] = []
    dark_total = dark_and_up_total = up_total = 0.0
    for start, end in windows:
        table = astro.ephemeris(start, end)
        dark = dark_intervals(table, place, start, end)
        dark_total += iv.total(dark)
        per_pair = [pair_intervals(table, place, site, pair, start, end, dark) for pair in pairs]
        found.extend(iv.intersect_all(observable for observable, _, _ in per_pair))
        dark_and_up_total += iv.total(iv.intersect_all(up for _, up, _ in per_pair))
        up_total += iv.total(iv.intersect_all(up for _, _, up in per_pair))
    return SiteResult(site, iv.normalized(found), dark_total, dark_and_up_total, up_total)


def dark_intervals(table: Ephemeris, place: Place, start: float, end: float) -> list[Interval]:
    from . import astro

    return where_positive(
        lambda times: TWILIGHT_ALTITUDE - astro.sun_altitude(table, place, times), start, end
    )


def pair_intervals(
    table: Ephemeris,
    place: Place,
    site: Site,
    pair: Pair,
    start: float,
    end: float,
    dark: list[Interval],
) -> tuple[list[Interval], list[Interval], list[Interval]]:
    """(observable, dark and up, up) for one pair in one window, as ocs-rise-set intersects them.

    "Up" is above the altitude limit and within the hour-angle limits; the
    third list is that by day and night, which the portal never asks for but a
    message needs (a target up only in daylight).
    """
    limit = altitude_limit(pair.constraints.max_airmass, site.horizon)
    # What the Moon and zenith constraints cut their chunks from.  rise_set never merges a
    # moving target's 15-minute chunks first, so those constraints restart their chunks at
    # each one: a Moon chunk is judged at most 15 minutes after the previous one, not 30.
    pieces: list[Interval]
    if pair.kind == STATIC:
        above = pieces = dark
    elif pair.kind == MOVING:
        pieces = moving_up_chunks(table, place, site, pair, limit, start, end)
        above = iv.normalized(pieces)
    else:
        from . import daily

        if limit == 0:
            limit = STAR_REFRACTION_AT_ZERO
        above = pieces = daily.up_intervals(
            pair.model, site.latitude, site.longitude, limit, start, end
        )
    within_hour_angle = (
        hour_angle_intervals(table, place, site, pair, start, end)
        if pair.kind == SIDEREAL
        else above
    )
    away_from_moon, phase_pieces = above, pieces
    if pair.kind != STATIC and pair.constraints.min_lunar_distance > MOON_DISTANCE_IGNORED_UP_TO:
        # the chunks it keeps come back merged, so the phase's chunks run across them
        away_from_moon = phase_pieces = moon_distance_intervals(table, place, pair, pieces)
    if pair.constraints.max_lunar_phase < MOON_PHASE_IGNORED_FROM:
        away_from_moon = moon_phase_intervals(
            table,
            place,
            away_from_moon,
            pair.constraints.max_lunar_phase,
            start,
            end,
            pieces=phase_pieces,
        )
    outside_blind_spot = above
    if pair.kind != STATIC and site.zenith_blind_spot > 0:
        outside_blind_spot = zenith_intervals(table, place, site, pair, pieces)
    up_any_time = iv.intersect_all([above, within_hour_angle])
    up = iv.intersect_all([dark, up_any_time])
    return iv.intersect_all([up, away_from_moon, outside_blind_spot]), up, up_any_time


def target_altitude(table: Ephemeris, place: Place, pair: Pair, times: Array) -> Array:
    from . import astro

    directions = pair.model.directions(table, place, times)
    return astro.altitude(directions, place.zenith(table.era_at(times)))


def moving_up_chunks(
    table: Ephemeris,
    place: Place,
    site: Site,
    pair: Pair,
    limit: float,
    start: float,
    end: float,
) -> list[Interval]:
    """15-minute chunks from the window start whose both ends are up and strictly within HA limits.

    Each chunk stays apart, touching ones included (sorted and disjoint, but
    not normalized), as rise_set hands them to its Moon and zenith
    constraints.  The hour-angle limits are taken as they are, also at
    southern sites: the portal's moving-object code does not mirror them as
    its sidereal code does.
    """
    import numpy as np

    from . import astro

    count = math.ceil((end - start) / MOVING_CHUNK)
    grid = np.append(start + np.arange(count) * MOVING_CHUNK, end)
    directions = pair.model.directions(table, place, grid)
    era = table.era_at(grid)
    altitudes = astro.altitude(directions, place.zenith(era))
    hour_angles = astro.hour_angle(directions, era, place.longitude)
    good = (
        (altitudes > limit) & (hour_angles > site.ha_limit_neg) & (hour_angles < site.ha_limit_pos)
    )
    kept = np.nonzero(good[:-1] & good[1:])[0]
    return [(float(grid[i]), float(grid[i + 1])) for i in kept if grid[i + 1] > grid[i]]


def hour_angle_intervals(
    table: Ephemeris, place: Place, site: Site, pair: Pair, start: float, end: float
) -> list[Interval]:
    """Times within the HA limits; at southern sites the limits are mirrored, as the portal does."""
    from . import daily

    negative, positive = site.ha_limit_neg, site.ha_limit_pos
    if site.latitude < 0:
        negative, positive = -positive, -negative
    if positive - negative >= 24:
        return [(start, end)]
    return daily.hour_angle_intervals(pair.model, site.longitude, negative, positive, start, end)


def moon_distance_intervals(
    table: Ephemeris, place: Place, pair: Pair, above: list[Interval]
) -> list[Interval]:
    """Half-hour chunks of the up intervals, judged at their start, kept when far from the Moon.

    The Moon is topocentric; it counts whether or not it is above the horizon.
    """
    import numpy as np

    from . import astro

    chunks = iv.chunks(above, MOON_CHUNK)
    if not chunks:
        return []
    starts = np.array([chunk[0] for chunk in chunks])
    distances = astro.separation(
        pair.model.directions(table, place, starts), astro.moon_directions(table, place, starts)
    )
    keep = distances >= pair.constraints.min_lunar_distance
    return iv.normalized(chunk for chunk, kept in zip(chunks, keep, strict=True) if kept)


def moon_phase_intervals(
    table: Ephemeris,
    place: Place,
    candidates: list[Interval],
    max_phase: float,
    start: float,
    end: float,
    pieces: Sequence[Interval] | None = None,
) -> list[Interval]:
    """``candidates`` minus the half-hour chunks (while the Moon is up) where it is too bright.

    The chunks are cut from ``pieces`` (sorted and disjoint; touching ones each start their
    own chunks), by default ``candidates`` themselves.
    """
    import numpy as np

    from . import astro

    if not candidates:
        return []
    from . import daily

    moon_up = daily.moon_up_intervals(place, MOON_HORIZON, start, end)
    chunks = iv.chunks(iv.intersect(candidates if pieces is None else pieces, moon_up), MOON_CHUNK)
    if not chunks:
        return candidates
    illumination = astro.moon_phase_from_elongation(
        table, place, np.array([chunk[0] for chunk in chunks])
    )
    bright = iv.normalized(
        chunk for chunk, fraction in zip(chunks, illumination, strict=True) if fraction > max_phase
    )
    return iv.subtract(candidates, bright)


def zenith_intervals(
    table: Ephemeris, place: Place, site: Site, pair: Pair, above: list[Interval]
) -> list[Interval]:
    """One-minute chunks of the up intervals kept when at least the blind spot from the zenith."""
    import numpy as np

    chunks = iv.chunks(above, ZENITH_CHUNK)
    if not chunks:
        return []
    starts = np.array([chunk[0] for chunk in chunks])
    zenith_distance = 90 - target_altitude(table, place, pair, starts)
    keep = zenith_distance >= site.zenith_blind_spot
    return iv.normalized(chunk for chunk, kept in zip(chunks, keep, strict=True) if kept)


def where_positive(function: Callable[[Array], Array], start: float, end: float) -> list[Interval]:
    """The parts of [start, end] where a smooth ``function`` of time is positive.

    Sampled every ``SAMPLE_STEP`` seconds, then each sign change refined by
    bisection; an excursion shorter than the sampling step between two
    samples of the same sign can be missed.
    """
    import numpy as np

    if end <= start:
        return []
    count = max(2, math.ceil((end - start) / SAMPLE_STEP) + 1)
    times = np.linspace(start, end, count)
    positive = function(times) > 0
    changes = np.nonzero(positive[1:] != positive[:-1])[0]
    low, high = times[changes], times[changes + 1]
    low_state = positive[changes]
    for _ in range(BISECTIONS if len(changes) else 0):
        middle = (low + high) / 2
        same = (function(middle) > 0) == low_state
        low = np.where(same, middle, low)
        high = np.where(same, high, middle)
    edges = [start, *((low + high) / 2).tolist(), end]
    inside = bool(positive[0])
    found: list[Interval] = []
    for left, right in itertools.pairwise(edges):
        if inside:
            found.append((left, right))
        inside = not inside
    return found


# -- presentation helpers ----------------------------------------------------------------------


def iso(seconds: float) -> str:
    """ISO-8601 UTC to the second, e.g. 2025-01-29T18:39:43Z."""
    return datetime.fromtimestamp(round(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
