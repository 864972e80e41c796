"""The stream of synthetic records, each with the duration it records and its true one.

``generate_requests`` draws requests (``requests``), repeats some as cadence
copies, and records each one's duration: the model's, except for a chosen
fraction that are off by a random non-zero number of seconds.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..catalogue.snapshot import Catalogue
from .requests import Counters, draw_request, draw_windows, type_profiles

JSON = dict[str, Any]

#: Periods between the copies of a cadence request (hours).
CADENCE_PERIOD_HOURS = (8, 24, 48, 72)


@dataclass(frozen=True)
class SyntheticRequest:
    """One generated record and the duration the model gives it."""

    request: JSON  # as the API returns it; ``duration`` is what was recorded
    true_duration: int

    @property
    def wrong(self) -> bool:
        return bool(self.request["duration"] != self.true_duration)


def generate_requests(
    catalogue: Catalogue, count: int, *, seed: int, wrong_fraction: float = 0.01, cadence: int = 1
) -> Iterator[SyntheticRequest]:
    """``count`` records drawn with ``random.Random(seed)``: the same seed, the same archive.

    With ``cadence`` > 1 each drawn request comes ``cadence`` times, as the portal's cadence
    endpoint expands one: the same configurations under new ids, each copy's windows a
    period later.
    """
    rng = random.Random(seed)
    profiles = type_profiles(catalogue)
    if not profiles:
        raise ValueError(f"{catalogue.source} has no SCHEDULABLE instrument type to draw from")
    weights = [profile.weight for profile in profiles]
    counters = Counters(request_id=1_000_000 + rng.randrange(1_000_000), configuration_id=0)
    counters.configuration_id = counters.request_id * 4
    produced = 0
    while produced < count:
        profile = rng.choices(profiles, weights)[0]
        drawn = draw_request(rng, profile, catalogue, counters)
        start = drawn.pop("_start")
        copies = min(cadence, count - produced)
        template = json.dumps(drawn) if copies > 1 else ""
        period = timedelta(hours=rng.choice(CADENCE_PERIOD_HOURS)) if copies > 1 else timedelta()
        for repetition in range(copies):
            request = _cadence_copy(template, counters) if repetition else drawn
            record = _recorded(rng, request, start + repetition * period, catalogue, wrong_fraction)
            if record is None:  # pragma: no cover - profiles only offer what the catalogue prices
                break
            produced += 1
            yield record


def _cadence_copy(template: str, counters: Counters) -> JSON:
    """The drawn request again, under new request and configuration ids."""
    copy: JSON = json.loads(template)
    counters.request_id += 1
    copy["id"] = counters.request_id
    for configuration in copy["configurations"]:
        counters.configuration_id += 1
        configuration["id"] = counters.configuration_id
    return copy


def _recorded(
    rng: random.Random, request: JSON, start: datetime, catalogue: Catalogue, wrong_fraction: float
) -> SyntheticRequest | None:
    """The request with its recorded duration (sometimes wrong) and windows from ``start``."""
    from ..model.duration import DurationError, request_duration

    try:
        # Records are generated complete (every default the portal fills is present), so
        # the model runs on them directly; test_calibrate checks this equals
        # lco_validate.request_duration, which normalises first and costs ~100x more.
        true_duration = request_duration(request, catalogue).duration
    except DurationError:
        return None
    recorded = true_duration
    if rng.random() < wrong_fraction:
        recorded = _wrong_duration(rng, true_duration)
    request["duration"] = recorded
    request["windows"] = draw_windows(rng, start, recorded)
    return SyntheticRequest(request, true_duration)


def _wrong_duration(rng: random.Random, true_duration: int) -> int:
    """A non-zero error: mostly small (a stale overhead), sometimes large (a broken pipeline)."""
    scale = rng.choices(((1, 5), (6, 60), (61, 1800)), (40, 30, 30))[0]
    error = rng.randint(*scale) * rng.choice((-1, 1))
    if true_duration + error < 1:
        error = -error
    return true_duration + error
