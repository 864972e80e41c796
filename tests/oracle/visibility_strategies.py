"""Hypothesis strategies for visibility questions, for differential testing against rise_set.

``visibility_cases(catalogue)`` draws one question as the portal asks rise_set:
a site (a telescope's latitude, longitude, horizon, hour-angle limits and
zenith blind spot from the catalogue, sometimes with other hour-angle limits
or a blind spot), one or two windows from an hour to a month between 2025 and
2028, one or two (target, constraints) pairs and a request duration.  Targets
are ICRS at any declination (with proper motion and parallax at times) or
orbital elements of every scheme the portal can compute; constraints cover
airmass from 1 to far beyond the horizon's, Moon distance (0 switches it off)
and Moon phase (1 switches it off).  Every target carries the fields the
portal's serializer would default, so both sides read the same numbers.

Cases are plain JSON, so a failing one can be replayed in either venv.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from lco_validate.catalogue.snapshot import SCHEDULABLE, Catalogue

JSON = dict[str, Any]

FIRST_START = 1735689600  # 2025-01-01T00:00:00Z
LAST_START = 1861920000  # 2029-01-01T00:00:00Z
HOUR = 3600
DAY = 86400
#: The Gaussian constant in degrees per day: a planet's mean motion is this / a**1.5.
DEGREES_PER_DAY_AT_1_AU = 0.9856076686


def catalogue_sites(catalogue: Catalogue) -> list[JSON]:
    """Distinct telescope parameter sets of the schedulable telescopes, in a fixed order."""
    seen: dict[tuple[Any, ...], JSON] = {}
    for placement in catalogue.placements:
        if placement.state != SCHEDULABLE:
            continue
        telescope = placement.telescope
        site = {
            "code": placement.location[0],
            "latitude": float(telescope["lat"]),
            "longitude": float(telescope["long"]),
            "horizon": float(telescope.get("horizon", 0.0)),
            "ha_limit_neg": float(telescope.get("ha_limit_neg", -12.0)),
            "ha_limit_pos": float(telescope.get("ha_limit_pos", 12.0)),
            "zenith_blind_spot": float(telescope.get("zenith_blind_spot", 0.0) or 0.0),
        }
        seen.setdefault(tuple(sorted(site.items())), site)
    return [seen[key] for key in sorted(seen)]


def _round(value: float, places: int = 6) -> float:
    return round(value, places)


@st.composite
def sites(draw: st.DrawFn, catalogue: Catalogue) -> JSON:
    site = dict(draw(st.sampled_from(catalogue_sites(catalogue))))
    if draw(st.integers(0, 5)) == 0:
        site["ha_limit_neg"] = _round(-draw(st.floats(0.5, 12.0)), 4)
        site["ha_limit_pos"] = _round(draw(st.floats(0.5, 12.0)), 4)
    if draw(st.integers(0, 5)) == 0:
        site["zenith_blind_spot"] = _round(draw(st.floats(0.5, 15.0)), 3)
    return site


@st.composite
def windows(draw: st.DrawFn) -> list[list[float]]:
    count = draw(st.integers(1, 4)) // 4 + 1  # mostly one window, sometimes two
    found = []
    for _ in range(count):
        start = draw(st.integers(FIRST_START, LAST_START))
        kind = draw(st.sampled_from(("hours", "hours", "days", "month")))
        if kind == "hours":
            length = draw(st.integers(HOUR, DAY))
        elif kind == "days":
            length = draw(st.integers(DAY, 7 * DAY))
        else:
            length = draw(st.integers(7 * DAY, 31 * DAY))
        found.append([float(start), float(start + length)])
    return sorted(found)


@st.composite
def icrs_targets(draw: st.DrawFn) -> JSON:
    dec = _round(draw(st.floats(-90.0, 90.0)))
    moving = draw(st.integers(0, 2)) == 0 and abs(dec) < 89.0
    return {
        "type": "ICRS",
        "name": "drawn star",
        "ra": _round(draw(st.floats(0.0, 359.999999))),
        "dec": dec,
        # the portal divides the RA proper motion by cos(dec): not at the poles
        "proper_motion_ra": _round(draw(st.floats(-2000.0, 2000.0)), 3) if moving else 0.0,
        "proper_motion_dec": _round(draw(st.floats(-2000.0, 2000.0)), 3) if moving else 0.0,
        "parallax": _round(draw(st.floats(0.0, 200.0)), 3) if moving else 0.0,
        "epoch": 2000.0,
    }


@st.composite
def orbital_targets(draw: st.DrawFn) -> JSON:
    scheme = draw(st.sampled_from(("MPC_MINOR_PLANET", "MPC_COMET", "JPL_MAJOR_PLANET")))
    target: JSON = {
        "type": "ORBITAL_ELEMENTS",
        "name": "drawn body",
        "scheme": scheme,
        "epochofel": float(draw(st.integers(60300, 62000))),
        "orbinc": _round(draw(st.floats(0.0, 40.0))),
        "longascnode": _round(draw(st.floats(0.0, 359.999))),
        "argofperih": _round(draw(st.floats(0.0, 359.999))),
    }
    if scheme == "MPC_COMET":
        target["eccentricity"] = _round(draw(st.floats(0.05, 1.3)))
        target["perihdist"] = _round(draw(st.floats(0.6, 6.0)))
        target["epochofperih"] = _round(draw(st.floats(60000.0, 62500.0)), 5)
    else:
        semi_axis = draw(st.floats(0.8, 40.0)) if scheme == "JPL_MAJOR_PLANET" else None
        semi_axis = semi_axis or draw(st.floats(1.2, 5.5))
        target["meandist"] = _round(semi_axis)
        target["eccentricity"] = _round(draw(st.floats(0.0, 0.35)))
        target["meananom"] = _round(draw(st.floats(0.0, 359.999)))
        if scheme == "JPL_MAJOR_PLANET":
            # a shade faster than Kepler's law: SLALIB refuses a slower one, rounding must not
            target["dailymot"] = _round(1.0001 * DEGREES_PER_DAY_AT_1_AU / semi_axis**1.5, 8)
    return target


@st.composite
def constraints(draw: st.DrawFn) -> JSON:
    airmass = draw(
        st.one_of(
            st.sampled_from((1.6, 2.0, 3.0, 10.0)),
            st.floats(1.05, 4.0).map(lambda value: _round(value, 3)),
        )
    )
    distance = draw(st.one_of(st.just(0.0), st.floats(1.0, 90.0).map(_round)))
    phase = draw(st.one_of(st.just(1.0), st.floats(0.05, 1.0).map(lambda v: _round(v, 3))))
    return {"max_airmass": airmass, "min_lunar_distance": distance, "max_lunar_phase": phase}


@st.composite
def pairs(draw: st.DrawFn) -> list[list[JSON]]:
    count = 2 if draw(st.integers(0, 7)) == 0 else 1
    found = []
    for _ in range(count):
        target = draw(st.one_of(icrs_targets(), icrs_targets(), orbital_targets()))
        found.append([target, draw(constraints())])
    return found


@st.composite
def visibility_cases(draw: st.DrawFn, catalogue: Catalogue) -> JSON:
    return {
        "site": draw(sites(catalogue)),
        "windows": draw(windows()),
        "pairs": draw(pairs()),
        # the request's duration, for the V001/V002 verdict: from a minute to a long night
        "duration": float(draw(st.integers(60, 14 * HOUR))),
    }


def kind_of(case: JSON) -> str:
    """ "ICRS" when every target is sidereal, else "moving"."""
    types = {target["type"] for target, _ in case["pairs"]}
    return "ICRS" if types == {"ICRS"} else "moving"
