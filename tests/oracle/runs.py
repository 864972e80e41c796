"""Drawing a reproducible sample and judging it with both validators."""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from lco_validate import Catalogue

from .compare import Comparison, compare, portal_places
from .portal import PortalAnswer
from .strategies import PROPOSAL


def oracle_marks(reason: str | None) -> list[pytest.MarkDecorator]:
    """An oracle tier module's marks: ``oracle``, and a skip saying ``reason`` when its
    oracle is not built; under ``LCO_REQUIRE_ORACLE`` (CI) a missing oracle fails instead."""
    if reason and os.environ.get("LCO_REQUIRE_ORACLE"):
        raise RuntimeError(f"LCO_REQUIRE_ORACLE is set, but {reason}")  # CI must not skip
    return [pytest.mark.oracle] + ([pytest.mark.skip(reason=reason)] if reason else [])


def draw(strategy: st.SearchStrategy[Any], count: int, seed_value: int) -> list[Any]:
    """``count`` distinct examples of ``strategy``, the same ones for the same seed.

    Drawn in short runs, each with a seed of its own, until ``count`` differ:
    Hypothesis builds later examples of a run out of earlier ones and starts
    every run with its simplest example, so one long run repeats itself.
    """
    drawn: dict[str, Any] = {}

    def keep(example: Any) -> None:
        if len(drawn) < count:
            drawn.setdefault(json.dumps(example, sort_keys=True, default=str), example)

    with _without_local_constants():
        for run in range(MAX_RUNS_PER_EXAMPLE * count // RUN_LENGTH + 1):
            if len(drawn) >= count:
                break
            runner = given(strategy)(keep)
            runner = settings(
                max_examples=RUN_LENGTH,
                database=None,
                phases=[Phase.generate],
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )(runner)
            seed(seed_value * 100_003 + run)(runner)()
    return list(drawn.values())


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Draw as if no module of ours had been imported.

    Hypothesis (6.131 on) now and then draws a constant found in the source of
    the local modules imported so far, so one seed gave other examples, and other
    verdicts, depending on which test modules had run before in the process: the
    oracle tiers' "order-dependent" divergences were that.  Its internals are
    used here; with another layout the draw is left as Hypothesis makes it.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.conjecture.floats import float_to_int
        from sortedcontainers import SortedSet

        none = providers.Constants(
            integers=SortedSet(),
            floats=SortedSet(key=float_to_int),
            bytes=SortedSet(),
            strings=SortedSet(),
        )
        saved = providers._get_local_constants, providers.CONSTANTS_CACHE
        # The cache keeps the local constants allowed per kind of choice: a fresh one.
        fresh = type(saved[1])(1024)
    except (ImportError, AttributeError, TypeError):
        yield
        return
    providers._get_local_constants, providers.CONSTANTS_CACHE = (lambda: none), fresh
    try:
        yield
    finally:
        providers._get_local_constants, providers.CONSTANTS_CACHE = saved


RUN_LENGTH = 50
#: A bound on the runs, for a strategy with fewer distinct examples than asked for.
MAX_RUNS_PER_EXAMPLE = 4


@dataclass
class Tally:
    """What a run found: agreement counts and each divergence kind's smallest example."""

    documents: int = 0
    accepted: int = 0
    refused: int = 0
    crashed: int = 0
    verdicts_agree: int = 0
    refused_places_matched: int = 0
    accepted_durations_equal: int = 0
    matched_by: Counter[str] = field(default_factory=Counter)
    expected: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    smallest: dict[str, Comparison] = field(default_factory=dict)

    def add(self, result: Comparison) -> None:
        self.documents += 1
        answer = result.answer
        self.crashed += answer.crashed
        self.accepted += answer.accepted
        self.refused += not answer.accepted
        kinds = [kind for kind, _ in result.divergences]
        verdict_kinds = [k for k in kinds if k.startswith(("portal accepts", "portal refuses"))]
        verdict_kinds += [k for k in kinds if k.startswith("portal 500")]
        self.verdicts_agree += not verdict_kinds
        if not answer.accepted and not kinds:
            self.refused_places_matched += 1
        if answer.accepted and not kinds:
            self.accepted_durations_equal += 1
        self.matched_by.update(result.matched_by)
        self.expected.update(result.expected)
        for kind in set(kinds):
            self.kinds[kind] += 1
            best = self.smallest.get(kind)
            if best is None or result.size < best.size:
                self.smallest[kind] = result

    def report(self) -> str:
        lines = [
            f"documents: {self.documents} (portal accepted {self.accepted}, refused "
            f"{self.refused}, of which HTTP 500: {self.crashed})",
            f"verdicts agree: {self.verdicts_agree} of {self.documents}",
            f"refused documents with every portal place matched: "
            f"{self.refused_places_matched} of {self.refused}"
            + (
                f" ({100 * self.refused_places_matched / self.refused:.1f} %)"
                if self.refused
                else ""
            ),
            f"accepted documents with equal durations and no extra error: "
            f"{self.accepted_durations_equal} of {self.accepted}",
            "portal places matched by a finding of ours: "
            + ", ".join(f"{how} {n}" for how, n in sorted(self.matched_by.items())),
        ]
        for kind, count in sorted(self.expected.items()):
            lines.append(f"documented difference, not a divergence: {kind}: {count}")
        if self.kinds:
            lines.append("divergences (documents per kind; smallest example):")
        for kind, count in self.kinds.most_common():
            example = self.smallest[kind]
            detail = next(d for k, d in example.divergences if k == kind)
            lines.append(f"  {count:5d}  {kind}")
            lines.append(f"         {detail[:400]}")
        return "\n".join(lines)


def judge(
    documents: Iterable[dict[str, Any]],
    answers: Iterable[PortalAnswer],
    catalogue: Catalogue,
    now: datetime,
) -> Iterator[Comparison]:
    """Each document compared with the portal's answer to it, in order."""
    for document, answer in zip(documents, answers, strict=False):
        yield compare(document, answer, catalogue, now)


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "invalid"
VERDICTS = "portal-verdicts.tsv"
#: The "now" the invalid fixtures are written against (tests/test_invalid_fixtures.py).
FIXTURES_NOW = datetime(2030, 6, 1, tzinfo=UTC)


def as_submission(document: dict[str, Any]) -> dict[str, Any]:
    """A fixture as the oracle's user submits it: a group, under the oracle's proposal.

    Proposals live in the portal's database; ours has one, so a fixture's own
    proposal id would only add "Invalid pk" to every answer.
    """
    if "requests" not in document:
        document = {
            "name": "fixture",
            "ipp_value": 1.0,
            "operator": "SINGLE",
            "observation_type": "NORMAL",
            "requests": [document],
        }
    return {**document, "proposal": PROPOSAL}


def fixture_folders() -> list[tuple[Path, Path | None]]:
    """(folder, its own configdb snapshot or None) for each folder of invalid fixtures."""
    found = []
    for folder in sorted(path for path in FIXTURES.iterdir() if path.is_dir()):
        own = folder / "catalogue" / "sites.json"
        found.append((folder, own if own.exists() else None))
    return found


def verdict_lines(name: str, answer: PortalAnswer) -> list[str]:
    """What ``portal-verdicts.tsv`` records of one answer: file, verdict, place, message."""
    if answer.crashed:
        return [f"{name}\tHTTP 500\t\t{answer.exception.splitlines()[0]}"]
    if answer.accepted:
        return [f"{name}\taccepted\t\t"]
    return [
        f"{name}\trefused\t{pointer or '/'}\t{' '.join(message.split())}"
        for pointer, message in portal_places(answer.errors)
    ]
