"""Our visibility intervals against rise_set's, edge by edge, with each edge's cause.

Every edge rise_set gives is paired with our nearest edge of the same sense
(an interval's start with a start, an end with an end); the difference is
ours minus theirs, in seconds.  The cause is read off the sky at rise_set's
edge: a window boundary, a UTC midnight, the Sun at -12 deg, a target at its
altitude limit (rising or setting) or at an hour-angle limit, the Moon at the
horizon, or, failing all of these, a Moon-distance, Moon-phase or zenith
chunk.  Edges of one side with nothing of the other within ``UNMATCHED``
seconds are counted apart.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from lco_validate.visibility import intervals as iv
from lco_validate.visibility.observability import (
    MOON_HORIZON,
    MOVING,
    SIDEREAL,
    Pair,
    Site,
    altitude_limit,
    request_pairs,
    site_visibility,
)

from .riseset import RiseSetAnswer
from .visibility_strategies import kind_of

JSON = dict[str, Any]
Interval = tuple[float, float]

UNMATCHED = 3 * 3600.0
#: Our Moon (ERFA's moon98) and rise_set's (SLALIB's sla_dmoon) differ by up to about 10
#: arcsec, so a half-hour chunk judged this close to its Moon-distance limit may go either way.
MOON_DISTANCE_MARGIN = 0.006  # degrees
#: The same for the Moon phase, read from the elongation on both sides (they agree to 2e-5).
MOON_PHASE_MARGIN = 0.00005
#: A moonrise or moonset this close to 0h UTC: rise_set's corrections of it converge on the
#: day's boundary, and a second's difference in the Moon's place decides on which side, so
#: that day's Moon can come out up for half an hour more or less.
MOON_MIDNIGHT_MARGIN = 10.0  # seconds
#: How close (degrees, hours) rise_set's edge must be to a condition's boundary to blame it.
NEAR_ALTITUDE = 0.5
NEAR_HOUR_ANGLE = 0.05


def our_site(case: JSON) -> Site:
    site = case["site"]
    return Site(
        code=site["code"],
        telescope=site["code"],
        latitude=site["latitude"],
        longitude=site["longitude"],
        horizon=site["horizon"],
        ha_limit_neg=site["ha_limit_neg"],
        ha_limit_pos=site["ha_limit_pos"],
        zenith_blind_spot=site["zenith_blind_spot"],
    )


def our_pairs(case: JSON) -> list[Pair]:
    request = {
        "configurations": [
            {"target": target, "constraints": constraints} for target, constraints in case["pairs"]
        ]
    }
    pairs, _ = request_pairs(request)  # the portal, too, leaves out what cannot be propagated
    return pairs


def our_intervals(case: JSON) -> list[Interval]:
    windows = [(start, end) for start, end in case["windows"]]
    return site_visibility(our_site(case), windows, our_pairs(case)).intervals


def verdict(largest: float, duration: float) -> str:
    """The portal's visibility verdict: V001 (never), V002 (too short) or fits."""
    if largest <= 0:
        return "V001"
    return "V002" if largest <= duration else "fits"


def cause(case: JSON, moment: float, sense: str) -> str:
    """What makes rise_set's edge at ``moment``, judged with our own astronomy."""
    import numpy as np

    from lco_validate.visibility import astro

    if any(abs(moment - bound) < 1e-3 for window in case["windows"] for bound in window):
        return "window"
    if abs(moment - round(moment / 86400) * 86400) < 1e-3:
        return "UTC midnight"
    site = our_site(case)
    place = astro.Place(site.latitude, site.longitude)
    times = np.array([moment])
    table = astro.ephemeris(moment - 3600, moment + 3600)
    if abs(astro.sun_altitude(table, place, times)[0] + 12) < 0.1:
        return "twilight"
    for pair in our_pairs(case):
        if pair.kind not in (SIDEREAL, MOVING):
            continue
        directions = pair.model.directions(table, place, times)
        era = table.era_at(times)
        altitude = astro.altitude(directions, place.zenith(era))[0]
        limit = altitude_limit(pair.constraints.max_airmass, site.horizon)
        if pair.kind == MOVING:
            return "moving target"
        if abs(altitude - (limit or -0.5667)) < NEAR_ALTITUDE:
            return "altitude rising" if sense == "start" else "altitude setting"
        hours = astro.hour_angle(directions, era, site.longitude)[0]
        limits = (site.ha_limit_neg, site.ha_limit_pos)
        if site.latitude < 0:
            limits = (-limits[1], -limits[0])
        if any(abs((hours - bound + 12) % 24 - 12) < NEAR_HOUR_ANGLE for bound in limits):
            return "hour angle"
    moon = astro.moon_altitude(table, place, times)[0]
    if abs(moon - MOON_HORIZON) < 0.6:
        return "moon rise/set"
    return "moon or zenith chunk"


def borderline(case: JSON) -> str:
    """Why some Moon chunk of ``case`` sits within the ephemerides' disagreement of its limit.

    Such a chunk can be dropped by one side and kept by the other, moving an
    edge by the chunk's length: not a difference of semantics, and counted
    apart.  An empty answer: no chunk is that close.
    """
    import numpy as np

    from lco_validate.visibility import astro, daily
    from lco_validate.visibility.observability import moving_up_chunks

    site = our_site(case)
    place = astro.Place(site.latitude, site.longitude)
    for start, end in case["windows"]:
        table = astro.ephemeris(start, end)
        for pair in our_pairs(case):
            limit = altitude_limit(pair.constraints.max_airmass, site.horizon)
            if pair.kind == SIDEREAL:
                above = daily.up_intervals(
                    pair.model, site.latitude, site.longitude, limit or -0.5667, start, end
                )
            elif pair.kind == MOVING:
                # unmerged, as the Moon's chunks restart at each of them
                above = moving_up_chunks(table, place, site, pair, limit, start, end)
            else:
                continue
            chunks = iv.chunks(above, 1800.0)
            if not chunks:
                continue
            starts = np.array([chunk[0] for chunk in chunks])
            wanted = pair.constraints.min_lunar_distance
            if wanted > 0.5:
                distance = astro.separation(
                    pair.model.directions(table, place, starts),
                    astro.moon_directions(table, place, starts),
                )
                close = np.abs(distance - wanted) < MOON_DISTANCE_MARGIN
                if close.any():
                    return (
                        f"Moon distance {distance[close][0]:.4f} deg at {iso(starts[close][0])}, "
                        f"limit {wanted}"
                    )
            wanted = pair.constraints.max_lunar_phase
            if wanted < 0.99:
                crossing = _moon_limb_crossing_near_midnight(table, place, start, end)
                if crossing:
                    return crossing
                phase = astro.moon_phase_from_elongation(table, place, starts)
                close = np.abs(phase - wanted) < MOON_PHASE_MARGIN
                if close.any():
                    moment = iso(starts[close][0])
                    return f"Moon phase {phase[close][0]:.5f} at {moment}, limit {wanted}"
    return ""


def _moon_limb_crossing_near_midnight(table: Any, place: Any, start: float, end: float) -> str:
    from lco_validate.visibility import astro
    from lco_validate.visibility.observability import where_positive

    def above(times: Any) -> Any:
        limb = astro.moon_semidiameter_at_midnight(table, place, times)
        return astro.moon_altitude(table, place, times) - (MOON_HORIZON - limb)

    for interval in where_positive(above, start, end):
        for moment in interval:
            if moment in (start, end):
                continue
            offset = moment - round(moment / 86400) * 86400
            if abs(offset) < MOON_MIDNIGHT_MARGIN:
                return f"Moon's limb crosses the horizon at {iso(moment)}, {offset:+.1f} s from 0h"
    return ""


@dataclass
class EdgeDifference:
    cause: str
    sense: str  # "start" or "end"
    theirs: float
    difference: float  # ours - theirs, seconds


@dataclass
class CaseResult:
    case: JSON
    ours: list[Interval]
    theirs: list[Interval]
    edges: list[EdgeDifference] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    largest_ours: float = 0.0
    largest_theirs: float = 0.0
    exception: str = ""
    #: Set when a Moon chunk sits on its limit (``borderline``): such a case is reported apart.
    borderline: str = ""

    @property
    def kind(self) -> str:
        return kind_of(self.case)

    @property
    def verdicts(self) -> tuple[str, str]:
        duration = self.case["duration"]
        return verdict(self.largest_ours, duration), verdict(self.largest_theirs, duration)


def _nearest(values: list[float], target: float) -> float | None:
    if not values:
        return None
    index = bisect.bisect_left(values, target)
    near = [values[i] for i in (index - 1, index) if 0 <= i < len(values)]
    return min(near, key=lambda value: abs(value - target))


def compare(case: JSON, answer: RiseSetAnswer) -> CaseResult:
    ours = our_intervals(case)
    result = CaseResult(case, ours, answer.intervals, exception=answer.exception)
    result.largest_ours = max((end - start for start, end in ours), default=0.0)
    result.largest_theirs = answer.largest
    if answer.exception:
        return result
    result.borderline = borderline(case)
    for index, sense in enumerate(("start", "end")):
        mine = sorted(interval[index] for interval in ours)
        theirs = sorted(interval[index] for interval in answer.intervals)
        for moment in theirs:
            near = _nearest(mine, moment)
            if near is None or abs(near - moment) > UNMATCHED:
                result.unmatched.append(f"rise_set's {sense} {iso(moment)} has no match of ours")
                continue
            result.edges.append(
                EdgeDifference(cause(case, moment, sense), sense, moment, near - moment)
            )
        for moment in mine:
            near = _nearest(theirs, moment)
            if near is None or abs(near - moment) > UNMATCHED:
                result.unmatched.append(f"our {sense} {iso(moment)} has no match in rise_set's")
    return result


def iso(seconds: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Summary:
    """The distribution of edge differences per (target kind, cause), and the worst cases."""

    results: list[CaseResult] = field(default_factory=list)

    def add(self, result: CaseResult) -> None:
        self.results.append(result)

    @property
    def strict(self) -> list[CaseResult]:
        """The cases that must agree: rise_set answered and no Moon chunk sits on its limit."""
        return [r for r in self.results if not r.exception and not r.borderline]

    def by_cause(self) -> dict[tuple[str, str], list[EdgeDifference]]:
        grouped: dict[tuple[str, str], list[EdgeDifference]] = defaultdict(list)
        for result in self.strict:
            for edge in result.edges:
                grouped[(result.kind, edge.cause)].append(edge)
        return dict(grouped)

    def worst(self, kind: str, count: int = 5) -> list[tuple[float, CaseResult, EdgeDifference]]:
        found = [
            (abs(edge.difference), result, edge)
            for result in self.strict
            if result.kind == kind
            for edge in result.edges
        ]
        return sorted(found, key=lambda item: -item[0])[:count]

    def report(self) -> str:
        lines = [f"cases: {len(self.results)}"]
        exceptions = [r for r in self.results if r.exception]
        if exceptions:
            lines.append(f"rise_set raised on {len(exceptions)}: {exceptions[0].exception}")
        aside = [r for r in self.results if r.borderline]
        lines.append(
            f"set apart, a Moon chunk on its limit: {len(aside)}"
            + "".join(
                f"\n  {r.borderline}; edges off by more than 10 s: "
                f"{sum(abs(e.difference) > 10 for e in r.edges)}, unmatched: {len(r.unmatched)}"
                for r in aside
            )
        )
        lines.append(
            f"{'kind':7} {'cause':22} {'edges':>6} {'median':>8} {'p95 |d|':>8} "
            f"{'max |d|':>8} {'min d':>8} {'max d':>8}  (seconds, ours - rise_set)"
        )
        for (kind, why), edges in sorted(self.by_cause().items()):
            values = [edge.difference for edge in edges]
            sizes = sorted(abs(value) for value in values)
            p95 = sizes[min(len(sizes) - 1, math.ceil(0.95 * len(sizes)) - 1)]
            lines.append(
                f"{kind:7} {why:22} {len(values):6d} {statistics.median(values):8.2f} "
                f"{p95:8.2f} {sizes[-1]:8.2f} {min(values):8.2f} {max(values):8.2f}"
            )
        unmatched = [(r, text) for r in self.strict for text in r.unmatched]
        lines.append(
            f"unmatched edges: {len(unmatched)} in {len({id(r) for r, _ in unmatched})} cases"
        )
        for result, text in unmatched[:5]:
            lines.append(f"  {text}: {result.case}")
        for kind in ("ICRS", "moving"):
            subset = [r for r in self.strict if r.kind == kind]
            if not subset:
                continue
            gaps = sorted(abs(r.largest_ours - r.largest_theirs) for r in subset)
            agree = sum(r.verdicts[0] == r.verdicts[1] for r in subset)
            every = [r for r in self.results if r.kind == kind and not r.exception]
            agree_all = sum(r.verdicts[0] == r.verdicts[1] for r in every)
            lines.append(
                f"{kind}: largest_interval |ours - rise_set| "
                f"median {statistics.median(gaps):.2f} s, "
                f"max {gaps[-1]:.2f} s; V001/V002 verdicts agree on {agree} of {len(subset)} "
                f"({agree_all} of {len(every)} with the cases set apart)"
            )
            for _size, result, edge in self.worst(kind, 3):
                lines.append(
                    f"  worst {kind} edge {edge.difference:+.2f} s ({edge.cause}, {edge.sense} "
                    f"{iso(edge.theirs)}): {result.case}"
                )
        return "\n".join(lines)
