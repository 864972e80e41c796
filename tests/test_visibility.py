"""Visibility: the portal's semantics offline, reproduced against docs/visibility.md.

Reference tables, each constraint on its own (hour angle, Moon distance, Moon
phase, zenith blind spot), two-body orbits of every eccentricity, offline
operation, the V rules, and the ``visibility`` command.  Independent checks
use astropy's own coordinate machinery (not our fast path) where a physical
quantity is asserted.
"""

from __future__ import annotations

import copy
import json
import math
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from lco_validate import load_catalogue
from lco_validate.checking.pipeline import check_document
from lco_validate.checking.policy import Settings
from lco_validate.cli import cli
from lco_validate.findings import Finding, Severity
from lco_validate.visibility import astro, daily
from lco_validate.visibility import intervals as iv
from lco_validate.visibility.observability import (
    MOON_HORIZON,
    Pair,
    Site,
    altitude_limit,
    dark_intervals,
    iso,
    moon_distance_intervals,
    moon_phase_intervals,
    moving_up_chunks,
    request_pairs,
    request_visibility,
    site_visibility,
    visibility_sites,
    where_positive,
)
from lco_validate.visibility.orbits import (
    GAUSS_K,
    OBLIQUITY_J2000,
    Orbit,
    OrbitError,
    heliocentric_positions,
    orbit_from_target,
)

from .conftest import SEED_PAGE, seed_page

CATALOGUE = load_catalogue()
SEED = seed_page()["results"]
JAN29 = datetime(2025, 1, 29, 3, 0, tzinfo=UTC)  # the seed page's time of submission
READ_ONLY = {"id", "state", "created", "modified", "duration", "priority", "submitter"}


def at(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def site(code: str, latitude: float, longitude: float, **overrides: float) -> Site:
    """docs/visibility.md, Reference values: horizon 15, HA limits +-4.6 h, no blind spot."""
    values: dict[str, float] = {
        "horizon": 15.0,
        "ha_limit_neg": -4.6,
        "ha_limit_pos": 4.6,
        "zenith_blind_spot": 0.0,
    } | overrides
    return Site(code, code, latitude, longitude, **values)


CPT = site("cpt", -32.3805542, 20.8100352)
LSC = site("lsc", -30.1673, -70.8047)
TFN = site("tfn", 28.3003, -16.5117)

L95 = {"type": "ICRS", "name": "L95", "ra": 58.2189165, "dec": -0.01496}
COMET_29P = {
    "type": "ORBITAL_ELEMENTS",
    "name": "29P",
    "scheme": "MPC_COMET",
    "epochofel": 60600.0,
    "orbinc": 9.35732,
    "longascnode": 312.4057744,
    "eccentricity": 0.0437384,
    "argofperih": 52.12985,
    "perihdist": 5.7900393,
    "epochofperih": 58607.13863,
}


def pairs_for(target: dict[str, Any], **constraints: float) -> list[Pair]:
    values = {"max_airmass": 1.6, "min_lunar_distance": 0.0, "max_lunar_phase": 1.0}
    request = {"configurations": [{"target": target, "constraints": values | constraints}]}
    pairs, unusable = request_pairs(request)
    assert not unusable
    return pairs


def submission(index: int) -> dict[str, Any]:
    """A seed request as a user would submit it (no fields only the portal writes)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in READ_ONLY}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(copy.deepcopy(SEED[index]))  # type: ignore[no-any-return]


def group(*requests: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "visibility test",
        "proposal": "LCO2025A-001",
        "ipp_value": 1.0,
        "operator": "SINGLE" if len(requests) == 1 else "MANY",
        "observation_type": "NORMAL",
        "requests": list(requests),
    }


def v_findings(document: object, now: datetime | None = JAN29, **settings: Any) -> list[Finding]:
    chosen = Settings(catalogue=CATALOGUE, now=now, **settings)
    return [f for f in check_document(document, chosen) if f.code.startswith("V")]


# --------------------------------------------------------------------------- reference tables


ICRS_REFERENCE = [
    (CPT, [("2025-01-29T18:39:42.9Z", "2025-01-29T22:19:54.3Z")]),
    (
        LSC,
        [
            ("2025-01-29T03:25:30Z", "2025-01-29T04:31:44.8Z"),
            ("2025-01-30T00:40:07.8Z", "2025-01-30T03:25:30Z"),
        ],
    ),
    (TFN, [("2025-01-29T19:36:41.2Z", "2025-01-30T00:53:16.9Z")]),
]


@pytest.mark.parametrize(
    ("where", "expected"), ICRS_REFERENCE, ids=lambda v: getattr(v, "code", "")
)
def test_icrs_reference_table_edges_within_a_minute(
    where: Site, expected: list[tuple[str, str]]
) -> None:
    window = (at("2025-01-29T03:25:30Z"), at("2025-01-30T03:25:30Z"))
    pairs = pairs_for(L95, max_airmass=3.0, min_lunar_distance=20.0)
    found = site_visibility(where, [window], pairs).intervals
    assert len(found) == len(expected)
    for (start, end), (want_start, want_end) in zip(found, expected, strict=True):
        assert abs(start - at(want_start)) <= 60 and abs(end - at(want_end)) <= 60


def test_icrs_reference_largest_interval_is_tfn() -> None:
    window = (at("2025-01-29T03:25:30Z"), at("2025-01-30T03:25:30Z"))
    pairs = pairs_for(L95, max_airmass=3.0, min_lunar_distance=20.0)
    lengths = {
        where.code: max(
            end - start for start, end in site_visibility(where, [window], pairs).intervals
        )
        for where in (CPT, LSC, TFN)
    }
    assert max(lengths, key=lengths.__getitem__) == "tfn"
    assert abs(lengths["tfn"] - 18995.61) <= 60


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (CPT, []),
        (LSC, [("2025-01-29T03:15:00Z", "2025-01-29T08:50:00Z")]),
        (TFN, [("2025-01-29T03:00:00Z", "2025-01-29T06:30:00Z")]),
    ],
    ids=["cpt", "lsc", "tfn"],
)
def test_comet_reference_table_edges_on_the_fifteen_minute_grid(
    where: Site, expected: list[tuple[str, str]]
) -> None:
    window = (at("2025-01-29T03:00:00Z"), at("2025-01-29T08:50:00Z"))
    pairs = pairs_for(COMET_29P, max_airmass=2.0, min_lunar_distance=30.0)
    found = site_visibility(where, [window], pairs).intervals
    assert found == [(at(start), at(end)) for start, end in expected]


def test_seed_l95_request_through_the_catalogue_matches_the_table() -> None:
    request = submission(6)  # 1M0-SCICAM-SINISTRO at tfn.domb.1m0a
    request["windows"] = [{"start": "2025-01-29T03:25:30Z", "end": "2025-01-30T03:25:30Z"}]
    result = request_visibility(request, CATALOGUE, JAN29)
    assert list(result.sites) == ["tfn"]
    assert result.best_site == "tfn" and abs(result.largest - 18995.61) <= 60


def test_altitude_limit_from_airmass_and_horizon() -> None:
    assert altitude_limit(3.0, 15.0) == pytest.approx(19.4712, abs=1e-4)
    assert altitude_limit(2.0, 15.0) == pytest.approx(30.0)
    assert altitude_limit(1.6, 15.0) == pytest.approx(38.6822, abs=1e-4)
    assert altitude_limit(3.9, 15.0) == 15.0  # the horizon wins below airmass 3.864
    assert altitude_limit(3.8, 15.0) == pytest.approx(15.2575, abs=1e-4)


# --------------------------------------------------------------------------- the catalogue


def test_sites_come_from_the_first_configuration_and_the_location() -> None:
    request = {
        "configurations": [{"instrument_type": "0M4-SCICAM-QHY600"}, {"instrument_type": "x"}],
        "location": {"telescope_class": "0m4"},
    }
    sites = visibility_sites(request, CATALOGUE)
    assert list(sites) == ["coj", "cpt", "elp", "lsc", "ogg", "tfn"]
    # the first QHY600 telescope at ogg is 0m4c, whose values are used for the site
    assert sites["ogg"].telescope == "ogg.clma.0m4c"
    narrowed = visibility_sites(
        request | {"location": {"site": "lsc", "enclosure": "aqwb"}}, CATALOGUE
    )
    # narrowing picks the site; the site's values still come from its first such telescope
    assert list(narrowed) == ["lsc"] and narrowed["lsc"].telescope == "lsc.aqwa.0m4a"
    assert visibility_sites(request | {"location": {"site": "ls"}}, CATALOGUE) == {}


def test_non_schedulable_instruments_give_no_site() -> None:
    request = {"configurations": [{"instrument_type": "1M0-NRES-SCICAM"}]}  # MANUAL everywhere
    assert visibility_sites(request, CATALOGUE) == {}


# --------------------------------------------------------------------------- single constraints


def _apparent_hour_angle(when: float, longitude: float, target: dict[str, Any]) -> float:
    """Hour angle (hours) from astropy's apparent sidereal time and true-equator place."""
    import astropy.units as u
    from astropy.coordinates import TETE, SkyCoord
    from astropy.time import Time

    moment = Time(when, format="unix")
    place = SkyCoord(target["ra"] * u.deg, target["dec"] * u.deg).transform_to(TETE(obstime=moment))
    sidereal = moment.sidereal_time("apparent", longitude=longitude * u.deg).hour
    return float((sidereal - place.ra.hour + 12) % 24 - 12)


def test_hour_angle_limit_ends_the_interval_at_the_limit() -> None:
    narrow = site("tfn", TFN.latitude, TFN.longitude, ha_limit_neg=-1.0, ha_limit_pos=1.0)
    window = (at("2025-01-29T03:25:30Z"), at("2025-01-30T03:25:30Z"))
    [(start, end)] = site_visibility(narrow, [window], pairs_for(L95, max_airmass=3.0)).intervals
    assert start == pytest.approx(at("2025-01-29T19:36:41Z"), abs=30)  # dusk, HA already > -1 h
    assert _apparent_hour_angle(end, TFN.longitude, L95) == pytest.approx(1.0, abs=10 / 3600)


def test_southern_sites_mirror_asymmetric_hour_angle_limits() -> None:
    # at cpt the portal turns limits (-1, +3) into (-3, +1)
    lopsided = site("cpt", CPT.latitude, CPT.longitude, ha_limit_neg=-1.0, ha_limit_pos=3.0)
    window = (at("2025-01-29T12:00:00Z"), at("2025-01-30T03:00:00Z"))
    [(start, end)] = site_visibility(lopsided, [window], pairs_for(L95, max_airmass=3.0)).intervals
    assert _apparent_hour_angle(end, CPT.longitude, L95) == pytest.approx(1.0, abs=10 / 3600)
    assert end - start < 3600  # dusk comes at HA +0.7 h


def _independent_moon_separation(times: np.ndarray, where: Site, target: dict[str, Any]) -> Any:
    import astropy.units as u
    from astropy.coordinates import EarthLocation, SkyCoord, get_body
    from astropy.time import Time

    moments = Time(times, format="unix")
    location = EarthLocation.from_geodetic(where.longitude * u.deg, where.latitude * u.deg, 0)
    moon = get_body("moon", moments, location=location)
    star = SkyCoord(target["ra"] * u.deg, target["dec"] * u.deg).transform_to(moon.frame)
    return star.separation(moon).deg


def test_moon_distance_is_judged_on_half_hour_chunks_from_each_interval_start() -> None:
    # 2025-02-08: a waxing gibbous Moon near RA 94.7 deg, Dec +28.5; this target is
    # 22.6 deg from it at 19:00 and 24.4 deg at 00:00
    target = {"type": "ICRS", "name": "near the Moon", "ra": 69.7, "dec": 28.5}
    [pair] = pairs_for(target, min_lunar_distance=23.5)
    place = astro.Place(TFN.latitude, TFN.longitude)
    above = [(at("2025-02-08T19:00:07Z"), at("2025-02-09T00:10:00Z"))]
    table = astro.ephemeris(above[0][0], above[0][1])
    kept = moon_distance_intervals(table, place, pair, above)
    chunks = iv.chunks(above, 1800)
    starts = np.array([chunk[0] for chunk in chunks])
    separations = _independent_moon_separation(starts, TFN, target)
    assert kept and iv.total(kept) < iv.total(above)  # the limit bites on some chunks only
    for (chunk_start, chunk_end), separation in zip(chunks, separations, strict=True):
        inside = iv.intersect(kept, [(chunk_start, chunk_end)])
        if abs(separation - 23.5) > 0.05:  # clear of the limit: the verdict is unambiguous
            assert bool(inside) == (separation >= 23.5)
            assert not inside or inside == [(chunk_start, chunk_end)]


def test_moon_phase_drops_chunks_only_while_a_bright_moon_is_up() -> None:
    # 2025-02-16/17: a waning gibbous Moon (about 0.8 lit) rising late in the evening at tfn
    place = astro.Place(TFN.latitude, TFN.longitude)
    start, end = at("2025-02-16T20:00:00Z"), at("2025-02-17T06:00:00Z")
    table = astro.ephemeris(start, end)
    candidates = [(start, end)]
    # rise_set's Moon is up once its upper limb (semidiameter taken at 0h UTC) clears -0.5667 deg
    [semidiameter] = astro.moon_semidiameter_at_midnight(table, place, np.array([start]))
    assert 0.24 < semidiameter < 0.28
    [(limb_rise, _)] = where_positive(
        lambda t: astro.moon_altitude(table, place, t) + 0.5666667 + semidiameter, start, end
    )
    # its once-a-day solution lands within seconds of the limb's exact crossing
    [(rise, _)] = daily.moon_up_intervals(place, -0.5666667, start, end)
    assert rise == pytest.approx(limb_rise, abs=5)
    assert start < rise < end
    assert table.moon_illumination_at(np.array([rise]))[0] > 0.7
    assert moon_phase_intervals(table, place, candidates, 0.5, start, end) == [(start, rise)]
    assert moon_phase_intervals(table, place, candidates, 0.95, start, end) == candidates
    independent = _independent_moon_altitude(rise, TFN)
    assert independent == pytest.approx(-0.567 - semidiameter, abs=0.1)


def test_moon_phase_is_read_from_the_elongation_as_the_portal_reads_it() -> None:
    # rise_set's calculate_moon_phase at tfn, 2025-02-07T01:30Z (waxing gibbous, 24 deg up):
    # 0.682251, where the true illuminated fraction is 0.6903.  A limit between the two keeps
    # the chunk for the portal, so it must for us.
    place = astro.Place(TFN.latitude, TFN.longitude)
    start, end = at("2025-02-07T01:30:00Z"), at("2025-02-07T02:00:00Z")
    table = astro.ephemeris(start, end)
    times = np.array([start])
    [portal_phase] = astro.moon_phase_from_elongation(table, place, times)
    assert portal_phase == pytest.approx(0.682251, abs=1e-4)
    assert table.moon_illumination_at(times)[0] == pytest.approx(0.6903, abs=1e-3)
    assert astro.moon_altitude(table, place, np.array([start, end])).min() > 10  # up throughout
    assert moon_phase_intervals(table, place, [(start, end)], 0.686, start, end) == [(start, end)]
    assert moon_phase_intervals(table, place, [(start, end)], 0.680, start, end) == []


def _independent_moon_altitude(when: float, where: Site) -> float:
    import astropy.units as u
    from astropy.coordinates import AltAz, EarthLocation, get_body
    from astropy.time import Time

    moment = Time(when, format="unix")
    location = EarthLocation.from_geodetic(where.longitude * u.deg, where.latitude * u.deg, 0)
    moon = get_body("moon", moment, location=location)
    return float(moon.transform_to(AltAz(obstime=moment, location=location)).alt.deg)


def test_moon_phase_limit_at_or_above_099_is_ignored() -> None:
    window = (at("2025-02-12T19:00:00Z"), at("2025-02-13T07:00:00Z"))  # full Moon
    free = site_visibility(TFN, [window], pairs_for(L95, max_lunar_phase=0.99)).intervals
    strict = site_visibility(TFN, [window], pairs_for(L95, max_lunar_phase=0.98)).intervals
    assert free and strict == []


def test_zenith_blind_spot_cuts_one_minute_chunks_around_transit() -> None:
    soar = site("sor", -30.237892, -70.733642, horizon=30.0, ha_limit_neg=-12, ha_limit_pos=12)
    blind = site(
        "sor",
        -30.237892,
        -70.733642,
        horizon=30.0,
        ha_limit_neg=-12,
        ha_limit_pos=12,
        zenith_blind_spot=11.0,
    )
    overhead = {"type": "ICRS", "name": "overhead", "ra": 120.0, "dec": -30.2}
    # dark, and the target already above airmass 2, from the window start (HA -3.1 h)
    window = (at("2025-01-30T01:00:00Z"), at("2025-01-30T08:00:00Z"))
    pairs = pairs_for(overhead, max_airmass=2.0)
    [(start, end)] = site_visibility(soar, [window], pairs).intervals
    assert start == window[0]
    before, after = site_visibility(blind, [window], pairs).intervals
    assert before[0] == start and after[1] == end
    gap = (before[1], after[0])
    # one-minute chunks counted from the start of the interval above the limit
    assert (gap[0] - start) % 60 == 0 and (gap[1] - start) % 60 == 0
    # zenith distance < 11 deg for |HA| below about 0.85 h at this declination
    assert gap[1] - gap[0] == pytest.approx(2 * 0.85 * 3600, abs=300)
    table = astro.ephemeris(*window)
    place = astro.Place(blind.latitude, blind.longitude)
    first_dropped, last_kept = np.array([gap[0]]), np.array([gap[0] - 60])
    for when, closer in ((first_dropped, True), (last_kept, False)):
        altitude = astro.altitude(
            pairs[0].model.directions(table, place, when), place.zenith(table.era_at(when))
        )[0]
        assert (90 - altitude < 11.0) == closer


OGG = site("ogg", 20.7069244, -156.2576447, horizon=25.0, ha_limit_neg=-12.0, ha_limit_pos=12.0)
#: A distant body from the rise_set oracle's draws, up at ogg in the evenings of late 2028.
DRAWN_BODY = {
    "type": "ORBITAL_ELEMENTS",
    "name": "drawn body",
    "scheme": "JPL_MAJOR_PLANET",
    "epochofel": 60512.0,
    "orbinc": 39.0,
    "longascnode": 1.5,
    "argofperih": 0.0,
    "meandist": 25.058687,
    "eccentricity": 0.174204,
    "meananom": 6.1e-05,
    "dailymot": 0.00785796,
}


def test_moving_target_moon_phase_chunks_restart_at_each_fifteen_minute_chunk() -> None:
    # rise_set hands the Moon constraints a moving target's 15-minute chunks unmerged, so the
    # phase is judged at each chunk's start (or at moonrise), never on a half-hour grid run
    # across them.  2029-01-04 at ogg: a waning Moon rises while the body is up and the phase
    # falls through the limit during the body's last chunk.
    window = (at("2029-01-04T04:01:29Z"), at("2029-01-04T10:01:29Z"))  # on the case's grid
    [pair] = pairs_for(DRAWN_BODY, max_airmass=3.0, max_lunar_phase=0.831)
    place = astro.Place(OGG.latitude, OGG.longitude)
    table = astro.ephemeris(*window)
    limit = altitude_limit(3.0, OGG.horizon)
    chunks = moving_up_chunks(table, place, OGG, pair, limit, *window)
    last = (at("2029-01-04T08:16:29Z"), at("2029-01-04T08:31:29Z"))
    assert chunks[-1] == last and len(iv.normalized(chunks)) == 1
    [(moonrise, _)] = daily.moon_up_intervals(place, MOON_HORIZON, *window)
    assert chunks[0][0] < moonrise < last[0]
    [(dusk, _)] = dark_intervals(table, place, *window)
    # judged at its start the last chunk is too bright (0.8312, as rise_set finds); a half-hour
    # grid from moonrise would judge 08:24:53 instead, dim enough (0.8308), and keep its end
    phase = astro.moon_phase_from_elongation(table, place, np.array([last[0], moonrise + 3600]))
    assert phase[0] > 0.831 + 1e-4 and phase[1] < 0.831 - 1e-4
    assert site_visibility(OGG, [window], [pair]).intervals == [(dusk, moonrise)]


def test_moving_target_moon_distance_is_judged_at_each_fifteen_minute_chunk() -> None:
    # The same for the Moon distance: each 15-minute chunk is judged at its own start.
    # 2028-12-18 at ogg: the body comes within 80 deg of the Moon between 07:46:29 and 08:01:29,
    # an odd number of quarter hours into its up interval, where no half-hour chunk starts.
    window = (at("2028-12-18T00:46:29Z"), at("2028-12-18T10:01:29Z"))
    [pair] = pairs_for(DRAWN_BODY, max_airmass=3.0, min_lunar_distance=80.0)
    place = astro.Place(OGG.latitude, OGG.longitude)
    table = astro.ephemeris(*window)
    limit = altitude_limit(3.0, OGG.horizon)
    chunks = moving_up_chunks(table, place, OGG, pair, limit, *window)
    [(up_from, up_to)] = iv.normalized(chunks)
    starts = np.array([chunk[0] for chunk in chunks])
    distance = astro.separation(
        pair.model.directions(table, place, starts), astro.moon_directions(table, place, starts)
    )
    assert np.all(np.abs(distance - 80.0) > 0.05)  # no chunk near enough its limit to be a tie
    close = [chunk for chunk, degrees in zip(chunks, distance, strict=True) if degrees < 80.0]
    assert close[0][0] == at("2028-12-18T08:01:29Z") and close[-1][1] == up_to
    assert (close[0][0] - up_from) % 1800 == 900
    [(dusk, _)] = dark_intervals(table, place, *window)
    assert site_visibility(OGG, [window], [pair]).intervals == [(dusk, close[0][0])]


def test_static_targets_are_observable_whenever_it_is_dark() -> None:
    satellite = {"type": "SATELLITE", "name": "sat", "altitude": 60, "azimuth": 0}
    window = (at("2025-01-29T12:00:00Z"), at("2025-01-30T12:00:00Z"))
    result = site_visibility(TFN, [window], pairs_for(satellite, min_lunar_distance=30.0))
    assert result.intervals and iv.total(result.intervals) == pytest.approx(result.dark)


def test_several_targets_are_intersected_and_several_windows_merged() -> None:
    window = (at("2025-01-29T12:00:00Z"), at("2025-01-30T12:00:00Z"))
    other = {"type": "ICRS", "name": "M42", "ra": 83.8221, "dec": -5.3911}
    both = pairs_for(L95, max_airmass=2.0) + pairs_for(other, max_airmass=2.0)
    alone = [site_visibility(TFN, [window], [pair]).intervals for pair in both]
    assert site_visibility(TFN, [window], both).intervals == iv.intersect(*alone)
    halves = [(window[0], at("2025-01-29T22:00:00Z")), (at("2025-01-29T22:00:00Z"), window[1])]
    assert site_visibility(TFN, halves, both[:1]).intervals == alone[0]


def test_largest_interval_counts_only_what_follows_now() -> None:
    request = submission(6)
    request["windows"] = [{"start": "2025-01-29T03:25:30Z", "end": "2025-01-30T03:25:30Z"}]
    whole = request_visibility(request, CATALOGUE, None)
    later = request_visibility(request, CATALOGUE, datetime(2025, 1, 29, 22, 0, tzinfo=UTC))
    assert whole.best_interval == later.best_interval
    assert later.largest == pytest.approx(whole.best_interval[1] - at("2025-01-29T22:00:00Z"))  # type: ignore[index]
    after = request_visibility(request, CATALOGUE, datetime(2025, 1, 30, 2, 0, tzinfo=UTC))
    assert after.largest == 0 and after.sites["tfn"].intervals


# --------------------------------------------------------------------------- orbits


def _ecliptic(positions: np.ndarray) -> np.ndarray:
    x, y, z = positions.T
    c, s = math.cos(OBLIQUITY_J2000), math.sin(OBLIQUITY_J2000)
    return np.stack([x, c * y + s * z, -s * y + c * z], axis=-1)


def _flat(**elements: float) -> Orbit:
    """An orbit in the ecliptic with perihelion on the x axis: perifocal = ecliptic."""
    return Orbit(inclination=0.0, ascending_node=0.0, perihelion_argument=0.0, **elements)


@pytest.mark.parametrize("e", [0.0, 0.3, 0.9, 0.99])
def test_comet_form_agrees_with_mean_anomaly_form_below_e_1(e: float) -> None:
    a = 3.0
    n = GAUSS_K / a**1.5
    days = np.linspace(-2000, 2000, 41)
    by_anomaly = _flat(
        eccentricity=e,
        perihelion_distance=a * (1 - e),
        mean_anomaly=0.3,
        mean_motion=n,
        epoch=60000.0,
    )
    by_perihelion = _flat(
        eccentricity=e, perihelion_distance=a * (1 - e), perihelion_time=60000.0 - 0.3 / n
    )
    np.testing.assert_allclose(
        heliocentric_positions(by_anomaly, 60000.0 + days),
        heliocentric_positions(by_perihelion, 60000.0 + days),
        atol=1e-9,
    )


def test_parabolic_orbit_follows_barker() -> None:
    q, days = 1.5, np.array([-400.0, -30.0, 0.0, 0.5, 30.0, 400.0, 5000.0])
    orbit = _flat(eccentricity=1.0, perihelion_distance=q, perihelion_time=60000.0)
    ecliptic = _ecliptic(heliocentric_positions(orbit, 60000.0 + days))
    b = GAUSS_K * days / math.sqrt(2 * q**3)  # D + D^3/3 = B, D = tan(v/2)
    cube = np.cbrt(1.5 * b + np.sqrt(2.25 * b * b + 1))
    d = cube - 1 / cube
    np.testing.assert_allclose(ecliptic[:, 0], q * (1 - d * d), atol=1e-9)
    np.testing.assert_allclose(ecliptic[:, 1], 2 * q * d, atol=1e-9)
    np.testing.assert_allclose(ecliptic[:, 2], 0, atol=1e-12)


@pytest.mark.parametrize("e", [1.0043081, 1.5, 3.0])
def test_hyperbolic_orbit_follows_the_hyperbolic_kepler_equation(e: float) -> None:
    q = 5.47781
    a = q / (e - 1)
    days = np.array([-3000.0, -100.0, 0.0, 10.0, 800.0, 20000.0])
    orbit = _flat(eccentricity=e, perihelion_distance=q, perihelion_time=60928.58452)
    ecliptic = _ecliptic(heliocentric_positions(orbit, 60928.58452 + days))
    mean = GAUSS_K / a**1.5 * days
    anomaly = np.arcsinh(mean / e)
    for _ in range(100):
        anomaly -= (e * np.sinh(anomaly) - anomaly - mean) / (e * np.cosh(anomaly) - 1)
    np.testing.assert_allclose(ecliptic[:, 0], a * (e - np.cosh(anomaly)), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(
        ecliptic[:, 1], a * math.sqrt(e * e - 1) * np.sinh(anomaly), rtol=1e-9, atol=1e-9
    )


@pytest.mark.parametrize("scheme", ["MPC_MINOR_PLANET", "JPL_MAJOR_PLANET"])
def test_planet_elements_give_the_place_astropy_gives_for_mars(scheme: str) -> None:
    """JPL's J2000 mean elements of Mars, a month after their epoch, seen from tfn."""
    import astropy.units as u
    from astropy.coordinates import CIRS, EarthLocation, get_body
    from astropy.time import Time

    mars = {
        "type": "ORBITAL_ELEMENTS",
        "scheme": scheme,
        "epochofel": 51544.5,
        "orbinc": 1.84969142,
        "longascnode": 49.55953891,
        "argofperih": 286.5016,  # longitude of perihelion - node
        "meandist": 1.52371034,
        "eccentricity": 0.09339410,
        "meananom": 19.39019754,  # mean longitude - longitude of perihelion
        # J2000 gives 0.52402068, slower than Kepler's third law allows for this meandist:
        # SLALIB refuses that (test_slalib_refuses_major_planet_elements_slower_than_kepler).
        "dailymot": 0.52404,
    }
    [pair] = pairs_for(mars)
    when = np.array([at("2000-02-01T00:00:00Z"), at("2000-02-01T06:00:00Z")])
    place = astro.Place(TFN.latitude, TFN.longitude)
    ours = pair.model.directions(astro.ephemeris(when[0], when[-1]), place, when)
    moments = Time(when, format="unix")
    location = EarthLocation.from_geodetic(TFN.longitude * u.deg, TFN.latitude * u.deg, 0)
    theirs = get_body("mars", moments, location=location).transform_to(
        CIRS(obstime=moments, location=location)
    )
    expected = theirs.cartesian.xyz.value.T
    expected /= np.linalg.norm(expected, axis=-1, keepdims=True)
    assert astro.separation(ours, expected).max() < 0.05


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"meandist": -2.77}, "meandist"),
        ({"eccentricity": 1.2}, "eccentricity"),
        ({"orbinc": "steep"}, "orbinc"),
    ],
)
def test_elements_that_cannot_be_propagated_name_their_key(
    changes: dict[str, Any], key: str
) -> None:
    ceres = {
        "type": "ORBITAL_ELEMENTS",
        "scheme": "MPC_MINOR_PLANET",
        "epochofel": 60600.0,
        "orbinc": 10.6,
        "longascnode": 80.3,
        "argofperih": 73.4,
        "meandist": 2.77,
        "eccentricity": 0.0785,
        "meananom": 145.0,
    }
    orbit_from_target(ceres)
    with pytest.raises(OrbitError) as raised:
        orbit_from_target(ceres | changes)
    assert raised.value.key == key


MARS_J2000 = {
    "type": "ORBITAL_ELEMENTS",
    "scheme": "JPL_MAJOR_PLANET",
    "epochofel": 51544.5,
    "orbinc": 1.84969142,
    "longascnode": 49.55953891,
    "argofperih": 286.5016,
    "meandist": 1.52371034,
    "eccentricity": 0.09339410,
    "meananom": 19.39019754,
    "dailymot": 0.52402068,
}


@pytest.mark.parametrize(
    ("dailymot", "refused"),
    [(0.52402068, True), (0.524023, True), (0.5240232, False), (0.53, False), (0.0, True)],
)
def test_slalib_refuses_major_planet_elements_slower_than_kepler(
    dailymot: float, refused: bool
) -> None:
    # SLALIB (sla_el2ue, run here on these values) derives the planet's mass as
    # (n / k)^2 a^3 - 1 and answers "numerical error" when it is negative: for
    # a = 1.52371034 au that is any n below 0.52402312 degrees per day, Mars's own
    # J2000 value included.  The portal then finds the target never visible.
    target = MARS_J2000 | {"dailymot": dailymot}
    if not refused:
        orbit_from_target(target)
        return
    with pytest.raises(OrbitError) as raised:
        orbit_from_target(target)
    assert raised.value.key == "dailymot"


def test_major_planet_elements_slalib_refuses_are_never_observable() -> None:
    request = submission(0)
    request["configurations"][0]["target"] = MARS_J2000 | {"name": "Mars"}
    assert [(f.code, f.pointer) for f in v_findings(request)] == [
        ("V001", "/windows/0"),
        ("V003", "/configurations/0/target/dailymot"),
    ]


def test_elements_more_eccentric_than_slalib_takes_are_refused() -> None:
    comet = {
        "type": "ORBITAL_ELEMENTS",
        "scheme": "MPC_COMET",
        "epochofel": 60600.0,
        "orbinc": 10.6,
        "longascnode": 80.3,
        "argofperih": 73.4,
        "perihdist": 1.2,
        "epochofperih": 60610.0,
    }
    orbit_from_target(comet | {"eccentricity": 10.0})
    with pytest.raises(OrbitError) as raised:
        orbit_from_target(comet | {"eccentricity": 10.01})
    assert raised.value.key == "eccentricity"


@pytest.mark.parametrize("index", [1, 2], ids=["C/2022 QE78 e>1", "C/2017 K2 e<1"])
def test_seed_near_parabolic_comets_have_intervals_on_the_grid(index: int) -> None:
    request = submission(index)
    result = request_visibility(request, CATALOGUE, JAN29)
    window_start = at(request["windows"][0]["start"])
    assert result.largest > 3600
    for site_result in result.sites.values():
        for start, end in site_result.intervals:
            for edge in (start, end):
                on_grid = (edge - window_start) % 900 == 0
                at_end = edge == at(request["windows"][0]["end"])
                # an edge off the grid can only be dusk or dawn (darkness is not chunked)
                if not (on_grid or at_end):
                    sun = astro.sun_altitude(
                        astro.ephemeris(edge, edge),
                        astro.Place(site_result.site.latitude, site_result.site.longitude),
                        np.array([edge]),
                    )[0]
                    assert sun == pytest.approx(-12.0, abs=0.01)


# --------------------------------------------------------------------------- offline


def test_runs_with_sockets_disabled_and_astropy_offline() -> None:
    from astropy.utils import iers
    from astropy.utils.data import conf as data_conf

    with pytest.raises(RuntimeError):
        socket.create_connection(("datacenter.iers.org", 443))  # conftest's guard is active
    window = (at("2025-01-29T03:25:30Z"), at("2025-01-30T03:25:30Z"))
    assert site_visibility(TFN, [window], pairs_for(L95)).intervals
    assert data_conf.allow_internet is False
    assert iers.conf.auto_download is False and iers.conf.auto_max_age is None


@pytest.mark.parametrize("year", [2031, 2040])
def test_windows_years_after_the_iers_data_still_work(year: int) -> None:
    window = (at(f"{year}-01-29T12:00:00Z"), at(f"{year}-01-30T12:00:00Z"))
    result = site_visibility(TFN, [window], pairs_for(L95, min_lunar_distance=30.0))
    assert 9 * 3600 < result.dark < 13 * 3600  # a winter night at 28 deg north
    assert result.intervals


# --------------------------------------------------------------------------- rules


def test_v_rules_pass_a_request_that_fits() -> None:
    request = submission(6)
    request["windows"] = [{"start": "2025-01-29T03:25:30Z", "end": "2025-01-30T03:25:30Z"}]
    assert v_findings(group(request)) == []


def test_v001_window_in_daylight() -> None:
    request = submission(6)
    request["windows"] = [{"start": "2025-01-29T10:00:00Z", "end": "2025-01-29T12:00:00Z"}]
    [finding] = v_findings(group(request))
    assert (finding.code, finding.severity) == ("V001", Severity.ERROR)
    assert finding.pointer == "/requests/0/windows/0"
    assert "no night time" in finding.message and "tfn" in finding.message


def test_v001_target_never_high_enough() -> None:
    request = submission(6)
    request["windows"] = [{"start": "2025-01-29T03:25:30Z", "end": "2025-01-30T03:25:30Z"}]
    request["configurations"][0]["target"]["dec"] = -80.0  # never above 30 deg from tfn
    request["configurations"][0]["constraints"]["max_airmass"] = 2.0
    [finding] = v_findings(group(request))
    assert finding.code == "V001"
    assert "never gets high enough" in finding.message and "30.0 deg" in finding.message


def test_v002_window_too_short_gives_both_numbers_site_and_interval() -> None:
    request = submission(6)
    request["windows"] = [{"start": "2025-01-29T19:30:00Z", "end": "2025-01-29T19:50:00Z"}]
    [finding] = v_findings(group(request))
    assert (finding.code, finding.severity) == ("V002", Severity.ERROR)
    assert "0.22 h (799 s)" in finding.message  # dusk 19:36:41 to 19:50:00
    assert "0.28 h (1026 s)" in finding.message  # the request's duration
    assert "at tfn, from 2025-01-29T19:36:41Z to 2025-01-29T19:50:00Z" in finding.message


def test_v002_counts_from_now_within_a_started_interval() -> None:
    request = submission(6)
    request["windows"] = [{"start": "2025-01-29T03:25:30Z", "end": "2025-01-30T03:25:30Z"}]
    now = datetime(2025, 1, 30, 0, 40, tzinfo=UTC)  # 13 minutes before the target sets
    [finding] = v_findings(group(request), now=now)
    assert finding.code == "V002" and "from now (2025-01-30T00:40:00Z)" in finding.message


def test_v002_passes_a_repeat_configuration_that_fills_the_window() -> None:
    request = submission(6)
    request["windows"] = [{"start": "2025-01-29T19:30:00Z", "end": "2025-01-29T19:50:00Z"}]
    configuration = request["configurations"][0]
    configuration.update(type="REPEAT_EXPOSE", repeat_duration=900.0, fill_window=True)
    assert [f.code for f in v_findings(group(request))] == []


@pytest.mark.parametrize("repeats", [2, 3])
def test_v002_a_filled_window_with_configuration_repeats_overruns(repeats: int) -> None:
    # The portal stretches the configuration to fit one pass, then counts it `repeats` times.
    request = submission(6)
    request["windows"] = [{"start": "2025-01-29T03:25:30Z", "end": "2025-01-30T03:25:30Z"}]
    request["configuration_repeats"] = repeats
    configuration = request["configurations"][0]
    configuration.update(type="REPEAT_EXPOSE", repeat_duration=1000.0, fill_window=True)
    [finding] = v_findings(group(request))
    assert finding.code == "V002"
    assert f"with configuration_repeats {repeats} the stretched request" in finding.message


def test_v003_elements_that_cannot_be_propagated() -> None:
    request = submission(0)
    target = request["configurations"][0]["target"]
    target.update(scheme="MPC_MINOR_PLANET", meandist=-2.77, meananom=10.0)
    for key in ("perihdist", "epochofperih"):
        del target[key]
    findings = v_findings(group(request))
    assert {(f.code, f.pointer) for f in findings} == {
        ("V003", "/requests/0/configurations/0/target/meandist"),
        ("V001", "/requests/0/windows/0"),
    }
    v003 = next(f for f in findings if f.code == "V003")
    assert v003.severity is Severity.WARNING and "meandist -2.77 au" in v003.message


def test_v003_passes_propagatable_elements() -> None:
    assert [f.code for f in v_findings(group(submission(0)))] == []


def test_v_rules_skip_archive_records_without_now_and_run_with_it() -> None:
    record = copy.deepcopy(SEED[6])
    record["windows"] = [{"start": "2025-01-29T10:00:00Z", "end": "2025-01-29T12:00:00Z"}]
    assert v_findings(record, now=None) == []
    assert [f.code for f in v_findings(record)] == ["V001"]


def test_v_rules_skip_requests_the_portal_refuses_earlier() -> None:
    past = submission(6)  # its windows ended before this "now": R071's finding, not ours
    assert v_findings(group(past), now=datetime(2025, 3, 1, tzinfo=UTC)) == []
    elsewhere = submission(6)
    elsewhere["windows"] = [{"start": "2025-01-29T10:00:00Z", "end": "2025-01-29T12:00:00Z"}]
    elsewhere["location"] = {"telescope_class": "1m0", "site": "ogg"}  # no Sinistro at ogg
    assert v_findings(group(elsewhere)) == []


def test_v_rules_can_be_switched_off() -> None:
    @dataclass(frozen=True)
    class WithoutVisibility(Settings):
        visibility: bool = False

    request = submission(6)
    request["windows"] = [{"start": "2025-01-29T10:00:00Z", "end": "2025-01-29T12:00:00Z"}]
    settings = WithoutVisibility(catalogue=CATALOGUE, now=JAN29)
    assert [f for f in check_document(group(request), settings) if f.code.startswith("V")] == []


def test_check_without_visibility_to_decide_imports_neither_astropy_nor_numpy() -> None:
    script = (
        "import sys\n"
        "from lco_validate import load_catalogue\n"
        "from lco_validate.checking.pipeline import check_file\n"
        "from lco_validate.checking.policy import Settings\n"
        f"check_file({str(SEED_PAGE)!r}, Settings(catalogue=load_catalogue()))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'astropy', 'numpy', 'erfa'}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"


# --------------------------------------------------------------------------- command


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_command_json_on_the_seed_page() -> None:
    result = run("visibility", str(SEED_PAGE), "--now", "2025-01-29T03:00:00Z", "-o", "json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["requests"]
    assert len(items) == 10
    first = items[0]
    assert {"path", "pointer", "largest_interval", "sites"} <= set(first)
    assert first["pointer"] == "/results/0" and first["largest_interval"] == 20100.0
    assert first["sites"]["lsc"] == [["2025-01-29T03:15:00Z", "2025-01-29T08:50:00Z"]]
    tfn = items[6]  # L95 on the 1 m at tfn
    assert list(tfn["sites"]) == ["tfn"]
    [[start, end]] = tfn["sites"]["tfn"]
    assert abs(at(start) - at("2025-01-29T19:36:41.2Z")) <= 60
    assert abs(at(end) - at("2025-01-30T00:53:16.9Z")) <= 60


def test_command_text_shows_intervals_and_the_largest() -> None:
    result = run("visibility", str(SEED_PAGE), "--now", "2025-01-29T03:00:00Z")
    assert result.exit_code == 0
    assert "/results/0 (id 3763971): '29P' on 0M4-SCICAM-QHY600" in result.stdout
    assert "  lsc  2025-01-29T03:15:00Z - 2025-01-29T08:50:00Z  5.58 h" in result.stdout
    assert "largest interval 5.58 h (20100 s) at lsc" in result.stdout


def test_command_exits_1_when_a_request_does_not_fit(tmp_path: Path) -> None:
    request = submission(6)
    request["windows"] = [{"start": "2025-01-29T19:30:00Z", "end": "2025-01-29T19:50:00Z"}]
    path = tmp_path / "short.json"
    path.write_text(json.dumps(request))
    result = run("visibility", str(path), "--now", "2025-01-29T03:00:00Z")
    assert result.exit_code == 1 and "does NOT fit" in result.stdout


def test_command_plot_writes_a_png(tmp_path: Path) -> None:
    source = tmp_path / "request.json"
    source.write_text(json.dumps(SEED[0]))  # 29P on the 0.4 m network, six sites
    picture = tmp_path / "request.png"
    result = run("visibility", str(source), "--now", "2025-01-29T03:00:00Z", "--plot", str(picture))
    assert result.exit_code == 0, result.output
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 10_000


def test_command_help_has_an_example() -> None:
    result = run("visibility", "--help")
    assert result.exit_code == 0 and "Example:" in result.output


def test_iso_rounds_to_the_second() -> None:
    assert iso(at("2025-01-29T18:39:42.6Z")) == "2025-01-29T18:39:43Z"


def test_proper_motion_moves_a_polar_target_along_its_great_circle() -> None:
    # In RA/Dec rates the pole is singular: the target used to spin round the sky, and a
    # southern pole target with proper motion came out observable from SOAR, whose pole
    # sits at 30 degrees, below the airmass limit's 38.7 (rise_set: never visible).
    pole = astro.FixedTarget(ra=52.2, dec=-90.0, proper_motion_ra=-385.5, proper_motion_dec=-484.3)
    _, dec = pole.catalogue_place(np.array([2026.0]))
    moved = math.hypot(385.5, 484.3) / 3.6e6 * 26  # degrees, along the great circle
    assert math.degrees(dec[0]) == pytest.approx(-90.0 + moved, abs=1e-9)


def test_proper_motion_of_barnards_star_matches_linear_rates_to_an_arcsecond() -> None:
    star = astro.FixedTarget(
        ra=269.452, dec=4.6934, proper_motion_ra=-801.551, proper_motion_dec=10362.394
    )
    ra, dec = star.catalogue_place(np.array([2026.0]))
    years = 26.0
    expected_dec = 4.6934 + 10362.394 / 3.6e6 * years
    expected_ra = 269.452 - 801.551 / 3.6e6 * years / math.cos(math.radians(4.6934))
    assert math.degrees(dec[0]) == pytest.approx(expected_dec, abs=1 / 3600)
    assert math.degrees(ra[0]) % 360 == pytest.approx(expected_ra, abs=1 / 3600)
