"""The real portal as oracle for the dither and mosaic endpoints: same status, places, documents.

Generated bodies (a fixed seed): configurations and requests drawn by the
oracle's strategies (valid ones, and some mutated), with pattern parameters
valid and invalid (every pattern, counts and spacings of every kind, the
values DRF converts, NaN text, the orientations at the flip boundaries).
Each is answered by ``expand.dither``/``expand.mosaic`` and by the portal,
and compared:

* the same status; where the portal answers 500 and the README documents what
  we answer instead (315 degrees with overlaps: 200; non-finite geometry and
  a negative spiral spacing: 400), that documented answer; a portal that
  fails while validating the embedded request (a null optical element...)
  has refused it, as the group oracle counts it, and so must we (400);
* on 400, every place the portal names has a refusal of ours there, below it
  or at its parent (``oracle.compare.matches``);
* on 200, the same document, member by member, numbers within 1e-9 and of the
  same JSON type (``0`` is not ``0.0``).

Needs the oracle built (``bash oracle/setup.sh``); ``LCO_PATTERN_ORACLE_SAMPLE``
sets the number of bodies per endpoint (default 200).
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from lco_validate import load_catalogue
from lco_validate.checking.policy import Settings
from lco_validate.expand.dither import PATH as DITHER_PATH
from lco_validate.expand.dither import dither
from lco_validate.expand.mosaic import PATH as MOSAIC_PATH
from lco_validate.expand.mosaic import mosaic

from .oracle.compare import EDGE_TOLERANCE, matches, portal_places
from .oracle.portal import Portal, PortalAnswer, unavailable_reason
from .oracle.runs import draw, oracle_marks
from .oracle.strategies import mutated_request_groups, request_groups

pytestmark = oracle_marks(unavailable_reason())

JSON = dict[str, Any]
CATALOGUE = load_catalogue()
NOW = datetime(2027, 3, 1, tzinfo=UTC)
SETTINGS = Settings(catalogue=CATALOGUE, now=NOW)
SEED = 20261207
SAMPLE = int(os.environ.get("LCO_PATTERN_ORACLE_SAMPLE", "200"))
TOLERANCE = 1e-9
#: The telescope classes of the catalogue: every one must be exercised.
TELESCOPE_CLASSES = {placement.telescope_class for placement in CATALOGUE.placements}
#: The portal's server errors whose offline answer the README documents, by what we answer.
DOCUMENTED_CRASHES = {
    # With overlaps, no branch decides the swap: at 315 degrees (we answer 200) and at a
    # NaN orientation (we refuse it, 400).
    "UnboundLocalError": (200, 400),
    "Out of range float values": (400,),  # NaN or infinite offsets reach the renderer
    "math domain error": (400,),  # a negative or infinite spiral spacing, sin(inf)
}

MISSING = object()


@pytest.fixture(scope="module")
def portal() -> Iterator[Portal]:
    with Portal() as running:
        yield running


# -- the bodies ------------------------------------------------------------------------------------


def _pick(rng: random.Random, weighted: list[tuple[object, int]]) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _count(rng: random.Random) -> object:
    return _pick(
        rng,
        [
            (rng.randint(1, 5), 60),
            (0, 4),
            (-1, 3),
            (2.0, 4),
            ("3", 4),
            ("2.00", 2),
            (3.5, 3),
            (True, 2),
            (None, 2),
            ("many", 2),
        ],
    )


def _spacing(rng: random.Random, scale: float) -> object:
    return _pick(
        rng,
        [
            (round(rng.uniform(0, scale), rng.choice([0, 1, 3])), 60),
            (rng.randint(1, int(scale)), 10),
            (-round(rng.uniform(0, scale), 2), 5),
            (0, 3),
            (str(round(rng.uniform(0, scale), 2)), 5),
            ("nan", 2),
            ("inf", 2),
            (None, 2),
            ([10], 2),
            (True, 1),
        ],
    )


def _orientation(rng: random.Random) -> object:
    return _pick(
        rng,
        [
            (round(rng.uniform(-720, 720), rng.choice([0, 2])), 30),
            (rng.choice([0, 30, 45, 90, 135, 180, 225, 270, 315, -45, 675, 44.9, 314.9]), 25),
            ("90", 3),
            ("nan", 2),
            (None, 2),
        ],
    )


def _center(rng: random.Random) -> object:
    return rng.choice([True, False, "True", "False", "yes", "off", 1, 0.0, "", None, "maybe"])


def _overlap(rng: random.Random) -> object:
    return _pick(
        rng,
        [
            (round(rng.uniform(0, 90), rng.choice([0, 1, 4])), 60),
            (rng.choice([0, 100, 50]), 10),
            (rng.choice([-1, 100.5, 120]), 6),
            ("20", 4),
            ("nan", 2),
            (None, 2),
        ],
    )


def pattern_parameters(rng: random.Random, patterns: tuple[str, ...], scale: float) -> JSON:
    """The pattern members of a body: mostly usable, some of every kind of refusal."""
    body: JSON = {}
    pattern = _pick(
        rng,
        [*((name, 30) for name in patterns), ("custom", 2), ("spiral", 2), ("Line", 1), (None, 1)],
    )
    if rng.random() > 0.03:
        body["pattern"] = pattern
    counts = ("num_rows", "num_columns") if pattern == "grid" else ("num_points",)
    for name in counts:
        if rng.random() > 0.06:
            body[name] = _count(rng)
    if rng.random() < 0.1:  # the other pattern's counts are ignored
        body[rng.choice(["num_points", "num_rows", "num_columns"])] = rng.randint(1, 3)
    if rng.random() < 0.9:
        body["point_spacing"] = _spacing(rng, scale)
    if rng.random() < 0.3:
        body["line_spacing"] = _spacing(rng, scale)
    if rng.random() < 0.6:
        body["orientation"] = _orientation(rng)
    if rng.random() < 0.6:
        body["center"] = _center(rng)
    return body


@dataclass
class Drawn:
    """Requests drawn by the oracle's strategies, valid and mutated, to take documents from."""

    valid: list[JSON]
    mutated: list[JSON]

    @classmethod
    def sample(cls, count: int, seed_value: int) -> Drawn:
        groups = draw(request_groups(CATALOGUE, NOW), count, seed_value)
        mutated = draw(mutated_request_groups(CATALOGUE, NOW, 1), max(count // 4, 1), seed_value)
        return cls(
            [request for group in groups for request in group["requests"]],
            [
                request
                for group, _ in mutated
                if isinstance(group.get("requests"), list)
                for request in group["requests"]
                if isinstance(request, dict)
            ],
        )

    def request(self, rng: random.Random) -> object:
        if rng.random() < 0.03:
            return rng.choice([None, "request", [], MISSING])
        pool = self.mutated if rng.random() < 0.15 and self.mutated else self.valid
        request = copy.deepcopy(rng.choice(pool))
        configurations = request.get("configurations")
        if isinstance(configurations, list) and len(configurations) > 1 and rng.random() < 0.75:
            request["configurations"] = configurations[:1]
        roll = rng.random()
        if roll < 0.04:  # what the portal makes of the request's own extra_params
            request["extra_params"] = rng.choice(
                [{"mosaic_pattern": "grid"}, {"mosaic_pattern": "foo"}, {"note": "x"}, "text"]
            )
        elif roll < 0.07:  # members only the portal writes: ignored
            request.update(id=7, state="PENDING", duration=100)
        elif roll < 0.10 and isinstance(request.get("windows"), list) and request["windows"]:
            request["windows"][0].pop("start", None)  # starts now
        return request

    def configuration(self, rng: random.Random) -> object:
        request = self.request(rng)
        if not isinstance(request, dict):
            return request
        configurations = request.get("configurations")
        if not isinstance(configurations, list) or not configurations:
            return configurations
        configuration = rng.choice(configurations)
        roll = rng.random()
        if roll < 0.05 and isinstance(configuration, dict):  # a pattern recorded already
            configuration["extra_params"] = {"dither_pattern": rng.choice(["line", "custom"])}
        elif roll < 0.10 and isinstance(configuration, dict):  # offsets given: overwritten
            for instrument_config in configuration.get("instrument_configs") or []:
                if isinstance(instrument_config, dict):
                    instrument_config["extra_params"] = {"offset_ra": 5, "offset_dec": "1.5"}
        return configuration


def dither_bodies(drawn: Drawn, count: int, rng: random.Random) -> list[JSON]:
    bodies = []
    for _ in range(count):
        body = pattern_parameters(rng, ("line", "grid", "spiral"), 60.0)
        configuration = drawn.configuration(rng)
        if configuration is not MISSING:
            body["configuration"] = configuration
        bodies.append(body)
    return bodies


def mosaic_bodies(drawn: Drawn, count: int, rng: random.Random) -> list[JSON]:
    bodies = []
    for _ in range(count):
        body = pattern_parameters(rng, ("line", "grid"), 1200.0)
        if rng.random() < 0.5:
            body["point_overlap_percent"] = _overlap(rng)
            if rng.random() < 0.3:
                body.pop("point_spacing", None)
        if rng.random() < 0.25:
            body["line_overlap_percent"] = _overlap(rng)
        request = drawn.request(rng)
        if request is not MISSING:
            body["request"] = request
        bodies.append(body)
    return bodies


# -- the comparison --------------------------------------------------------------------------------


def differences(portal: object, ours: object, pointer: str = "") -> Iterator[str]:
    """Where two JSON documents differ: members, items, types, numbers beyond TOLERANCE."""
    if isinstance(portal, dict) and isinstance(ours, dict):
        for key in portal.keys() | ours.keys():
            if key not in ours:
                yield f"{pointer}/{key}: missing in ours"
            elif key not in portal:
                yield f"{pointer}/{key}: only in ours"
            else:
                yield from differences(portal[key], ours[key], f"{pointer}/{key}")
    elif isinstance(portal, list) and isinstance(ours, list):
        if len(portal) != len(ours):
            yield f"{pointer}: {len(portal)} items in the portal's, {len(ours)} in ours"
        for index, (theirs, mine) in enumerate(zip(portal, ours, strict=False)):
            yield from differences(theirs, mine, f"{pointer}/{index}")
    elif type(portal) is not type(ours):
        yield f"{pointer}: the portal's {portal!r}, ours {ours!r}"
    elif isinstance(portal, float) and isinstance(ours, float):
        same_sign = math.copysign(1.0, portal) == math.copysign(1.0, ours)
        if abs(portal - ours) > TOLERANCE or (portal == 0 and not same_sign):
            yield f"{pointer}: the portal's {portal!r}, ours {ours!r}"
    elif portal != ours:
        yield f"{pointer}: the portal's {portal!r}, ours {ours!r}"


STRETCH = f"a fill_window repeat_duration within {EDGE_TOLERANCE:.0f} s (visibility edges)"


def _stretched_alike(difference: str) -> bool:
    """A fill_window configuration's stretch, which follows the largest visible interval.

    Our interval's edges are the exact crossings, rise_set's come from one
    approximate step per day (``oracle.compare.EDGE_TOLERANCE``), so the
    stretched ``repeat_duration`` may differ by as much.
    """
    found = re.fullmatch(
        r"/configurations/\d+/repeat_duration: the portal's (\S+), ours (\S+)", difference
    )
    return found is not None and abs(float(found[1]) - float(found[2])) <= EDGE_TOLERANCE


def portal_body_places(answer: PortalAnswer) -> list[tuple[str, str]]:
    return portal_places(answer.body)


def our_places(errors: object, pointer: str = "") -> list[str]:
    return [place for place, _ in portal_places(errors, pointer)]


@dataclass
class Agreement:
    """The comparison's counts, and each kind of disagreement with its first example."""

    endpoint: str
    bodies: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    agreed: Counter[str] = field(default_factory=Counter)
    documented: Counter[str] = field(default_factory=Counter)
    disagreements: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, body: JSON, answer: PortalAnswer, status: int, ours: JSON) -> None:
        self.bodies += 1
        self.statuses[answer.status] += 1
        for kind, detail in judged(answer, status, ours):
            if kind.startswith("agree"):
                self.agreed[kind] += 1
            elif kind.startswith("documented"):
                self.documented[kind] += 1
            else:
                self.disagreements[kind] += 1
                self.examples.setdefault(kind, f"{detail}\n  body: {json.dumps(body)[:1500]}")

    @property
    def agreeing(self) -> int:
        return sum(self.agreed.values()) + sum(self.documented.values())

    def report(self) -> str:
        lines = [
            f"{self.endpoint}: {self.bodies} bodies; the portal's statuses "
            + ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items())),
            f"agreeing: {self.agreeing} of {self.bodies} "
            f"({100 * self.agreeing / max(self.bodies, 1):.1f} %)",
        ]
        lines += [f"  {n:5d}  {kind}" for kind, n in sorted(self.agreed.items())]
        lines += [f"  {n:5d}  {kind}" for kind, n in sorted(self.documented.items())]
        for kind, n in self.disagreements.most_common():
            lines.append(f"  {n:5d}  DISAGREE {kind}\n         {self.examples[kind][:2000]}")
        return "\n".join(lines)


def judged(answer: PortalAnswer, status: int, ours: JSON) -> list[tuple[str, str]]:
    if answer.crashed:
        for text, documented in DOCUMENTED_CRASHES.items():
            if text in answer.exception and status in documented:
                return [(f"documented: portal 500 ({text}), ours {status}", "")]
        if status == 400 and not any(text in answer.exception for text in DOCUMENTED_CRASHES):
            # As in the group oracle: a portal that fails while validating has refused.
            kind = answer.exception.split(":")[0]
            return [(f"documented: portal 500 while validating ({kind}), ours 400", "")]
        return [
            (f"portal 500, ours {status}", f"{answer.exception}; ours {json.dumps(ours)[:600]}")
        ]
    if answer.status != status:
        return [
            (
                f"portal {answer.status}, ours {status}",
                f"portal {json.dumps(answer.body)[:800]}\n  ours {json.dumps(ours)[:800]}",
            )
        ]
    if status == 200:
        found = list(differences(answer.body, ours))
        if found and all(_stretched_alike(place) for place in found):
            return [(f"documented: {STRETCH}", "; ".join(found[:2]))]
        if found:
            return [(f"200 documents differ at {_shape(found[0])}", "; ".join(found[:6]))]
        return [("agree: 200, the same document", "")]
    mine = [as_in_a_group(place) for place in our_places(ours)]
    unmatched = [
        (place, message)
        for place, message in portal_body_places(answer)
        if not any(matches(as_in_a_group(place), our_place) for our_place in mine)
    ]
    if unmatched:
        place, message = unmatched[0]
        return [
            (
                f"400, portal place {_shape(place)} not ours",
                f"portal {place}: {message}; ours {json.dumps(ours)[:800]}",
            )
        ]
    return [(f"agree: {status}, every portal place ours", "")]


#: Where the embedded document would sit in a request group, so that ``matches`` judges its
#: places as the group oracle judges a request's (a refusal "below" counts from that depth).
IN_A_GROUP = {"/request": "/requests/0", "/configuration": "/requests/0/configurations/0"}


def as_in_a_group(place: str) -> str:
    for top, deeper in IN_A_GROUP.items():
        if place == top or place.startswith(top + "/"):
            return deeper + place[len(top) :]
    return place


def _shape(text: str) -> str:
    return "".join("*" if part.isdigit() else part for part in text.split(":")[0].split("/")[:5])


def run(
    portal: Portal,
    bodies: list[JSON],
    path: str,
    endpoint: Callable[[object, Settings], tuple[int, JSON]],
) -> Agreement:
    agreement = Agreement(path)
    for body in bodies:
        answer = portal.post(path, body, NOW)
        status, ours = endpoint(copy.deepcopy(body), SETTINGS)
        agreement.add(body, answer, status, ours)
    return agreement


def telescope_classes(bodies: list[JSON], key: str) -> set[str]:
    found = set()
    for body in bodies:
        holder = body.get(key)
        if key == "configuration":
            instrument_type = holder.get("instrument_type") if isinstance(holder, dict) else None
            found |= {
                placement.telescope_class
                for placement in CATALOGUE.placements
                if isinstance(instrument_type, str)
                and placement.type_code == instrument_type.upper()
            }
        elif isinstance(holder, dict) and isinstance(holder.get("location"), dict):
            found.add(str(holder["location"].get("telescope_class")))
    return found


def test_dither_answers_as_the_portal(portal: Portal) -> None:
    rng = random.Random(SEED)
    drawn = Drawn.sample(max(SAMPLE // 3, 20), SEED)
    bodies = dither_bodies(drawn, SAMPLE, rng)
    assert telescope_classes(bodies, "configuration") >= TELESCOPE_CLASSES
    agreement = run(portal, bodies, DITHER_PATH, dither)
    print(agreement.report())
    assert not agreement.disagreements, agreement.report()
    assert agreement.statuses[200] >= SAMPLE // 5, agreement.report()


def test_mosaic_answers_as_the_portal(portal: Portal) -> None:
    rng = random.Random(SEED + 1)
    drawn = Drawn.sample(max(SAMPLE // 3, 20), SEED + 1)
    bodies = mosaic_bodies(drawn, SAMPLE, rng)
    assert telescope_classes(bodies, "request") >= TELESCOPE_CLASSES
    agreement = run(portal, bodies, MOSAIC_PATH, mosaic)
    print(agreement.report())
    assert not agreement.disagreements, agreement.report()
    assert agreement.statuses[200] >= SAMPLE // 10, agreement.report()
