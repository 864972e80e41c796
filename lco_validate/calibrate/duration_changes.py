"""What a catalogue change does to durations: each request timed under both catalogues.

``compare_request`` times one request under the old and the new catalogue the
way ``lco_validate.request_duration`` does (the portal's defaults filled in
from each catalogue, then the portal's duration), and says which terms moved.
``sample_requests`` draws requests from the catalogues when the user gives
none: a seeded round over every instrument type both catalogues know and one
of them schedules, each drawn from what the old catalogue offers for it (the
new one's where the old does not schedule it), so that the sample is what a
user of the old catalogue would have written.  ``duration_summary`` and
``duration_lines`` total and render the results.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..catalogue.snapshot import Catalogue
from ..model.duration import DurationError, RequestDuration, request_duration
from ..model.normalize import normalized_request

JSON = dict[str, Any]

DEFAULT_SAMPLE_SIZE = 300
DEFAULT_SEED = 1


@dataclass(frozen=True)
class DurationChange:
    """One request's duration under the old and the new catalogue."""

    label: str
    instrument_types: tuple[str, ...]
    old: int | None
    new: int | None
    old_error: str | None = None
    new_error: str | None = None
    #: new minus old, per duration term (docs/duration.md), where it moved
    terms: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    path: str | None = None
    pointer: str | None = None

    @property
    def difference(self) -> int | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old

    @property
    def timed_under_one_only(self) -> bool:
        return (self.old is None) != (self.new is None)

    @property
    def differs(self) -> bool:
        return bool(self.difference) or self.timed_under_one_only

    def as_dict(self) -> JSON:
        return {
            "request": self.label,
            "path": self.path,
            "pointer": self.pointer,
            "instrument_types": list(self.instrument_types),
            "old": self.old,
            "new": self.new,
            "difference": self.difference,
            "old_error": self.old_error,
            "new_error": self.new_error,
            "terms": self.terms,
            "notes": list(self.notes),
        }


def compare_request(
    label: str,
    request: JSON,
    old: Catalogue,
    new: Catalogue,
    *,
    submission: bool,
    path: str | None = None,
    pointer: str | None = None,
) -> DurationChange:
    """``request`` timed under both catalogues; ``submission`` as for ``request_duration``."""
    old_timed, old_notes = _timed(request, old, "OLD", submission)
    new_timed, new_notes = _timed(request, new, "NEW", submission)
    terms: dict[str, float] = {}
    if isinstance(old_timed, RequestDuration) and isinstance(new_timed, RequestDuration):
        before, after = _term_totals(old_timed), _term_totals(new_timed)
        for name in dict.fromkeys([*before, *after]):
            moved = round(after.get(name, 0.0) - before.get(name, 0.0), 3)
            if moved:
                terms[name] = moved
    return DurationChange(
        label=label,
        instrument_types=_instrument_types(request),
        old=old_timed.duration if isinstance(old_timed, RequestDuration) else None,
        new=new_timed.duration if isinstance(new_timed, RequestDuration) else None,
        old_error=str(old_timed) if isinstance(old_timed, DurationError) else None,
        new_error=str(new_timed) if isinstance(new_timed, DurationError) else None,
        terms=terms,
        notes=tuple(dict.fromkeys([*old_notes, *new_notes])),
        path=path,
        pointer=pointer,
    )


def _timed(
    request: JSON, catalogue: Catalogue, side: str, submission: bool
) -> tuple[RequestDuration | DurationError, list[str]]:
    normalized = normalized_request(request, catalogue, submission=submission)
    try:
        timed = request_duration(normalized, catalogue)
    except DurationError as error:
        return error, []
    return timed, _unknown_readout_modes(normalized, catalogue, side)


def _unknown_readout_modes(normalized: JSON, catalogue: Catalogue, side: str) -> list[str]:
    """Readout modes the catalogue lacks: the duration then prices the default mode."""
    notes = []
    for configuration in normalized.get("configurations") or []:
        instrument_type = str(configuration.get("instrument_type", ""))
        group = catalogue.mode_group(instrument_type, "readout") or {}
        offered = {str(mode.get("code", "")).lower() for mode in group.get("modes", [])}
        for instrument_config in configuration.get("instrument_configs") or []:
            mode = str(instrument_config.get("mode") or "")
            if mode and mode.lower() not in offered:
                notes.append(
                    f"{side} has no readout mode {mode} for {instrument_type}: "
                    "its default mode is priced"
                )
    return notes


def _term_totals(timed: RequestDuration) -> dict[str, float]:
    return dict(timed.dominant_terms(count=100))


def _instrument_types(request: JSON) -> tuple[str, ...]:
    configurations = request.get("configurations")
    if not isinstance(configurations, list):
        return ()
    return tuple(
        dict.fromkeys(
            str(c["instrument_type"]).upper()
            for c in configurations
            if isinstance(c, dict) and isinstance(c.get("instrument_type"), str)
        )
    )


# -- a sample drawn from the catalogues -------------------------------------------------------


@dataclass(frozen=True)
class SamplePlan:
    """Which instrument types a sample covers, and those it cannot."""

    instrument_types: list[str]
    not_sampled: dict[str, str]  # type -> why


def sample_plan(old: Catalogue, new: Catalogue) -> SamplePlan:
    from ..synthetic.requests import type_profiles

    in_both = sorted(set(old.instrument_type_codes()) & set(new.instrument_type_codes()))
    drawable = {profile.code.upper() for profile in type_profiles(old)} | {
        profile.code.upper() for profile in type_profiles(new)
    }
    return SamplePlan(
        instrument_types=[code for code in in_both if code in drawable],
        not_sampled={
            code: "schedulable in neither catalogue" for code in in_both if code not in drawable
        },
    )


def sample_requests(
    old: Catalogue, new: Catalogue, size: int, seed: int
) -> Iterator[tuple[str, JSON]]:
    """``size`` complete requests, (label, request), the same for the same catalogues and seed.

    One instrument type after another (``sample_plan``), so every type gets an
    equal share; a type's requests are drawn in turn from what the old and the
    new catalogue offer for it (modes, elements, configuration types), as the
    synthetic archives draw theirs, so that the sample holds requests written
    for either.
    """
    from ..synthetic.requests import Counters, draw_request, type_profiles

    plan = sample_plan(old, new)
    if not plan.instrument_types:
        return
    sources: dict[str, list[tuple[str, Any, Catalogue]]] = {}
    for side, catalogue in (("OLD", old), ("NEW", new)):
        for profile in type_profiles(catalogue):
            sources.setdefault(profile.code.upper(), []).append((side, profile, catalogue))
    rng = random.Random(seed)
    counters = Counters(request_id=0, configuration_id=0)
    for index in range(size):
        turn, position = divmod(index, len(plan.instrument_types))
        offered = sources[plan.instrument_types[position]]
        side, profile, catalogue = offered[turn % len(offered)]
        request = draw_request(rng, profile, catalogue, counters)
        request.pop("_start", None)  # when its windows would start: not part of a request
        yield f"sample #{index + 1} (drawn from {side})", request


# -- totals and text --------------------------------------------------------------------------


def ordered(changes: Iterable[DurationChange]) -> list[DurationChange]:
    """Timed under one catalogue only first, then by the size of the difference, largest first.

    Equal ones keep their order (the files' order, or the sample's).
    """
    return sorted(changes, key=lambda c: (not c.timed_under_one_only, -abs(c.difference or 0)))


def duration_summary(changes: list[DurationChange]) -> JSON:
    """Counts over all requests, and per instrument type (or combination of types)."""
    timed = [c for c in changes if c.difference is not None]
    by_type: dict[str, list[DurationChange]] = {}
    for change in changes:
        by_type.setdefault(" + ".join(change.instrument_types) or "(none)", []).append(change)
    return {
        "requests": len(changes),
        "longer": sum(1 for c in timed if c.difference and c.difference > 0),
        "shorter": sum(1 for c in timed if c.difference and c.difference < 0),
        "unchanged": sum(1 for c in timed if c.difference == 0),
        "timed_under_old_only": sum(1 for c in changes if c.old is not None and c.new is None),
        "timed_under_new_only": sum(1 for c in changes if c.new is not None and c.old is None),
        "timed_under_neither": sum(1 for c in changes if c.old is None and c.new is None),
        "by_instrument_type": {
            code: _type_summary(group) for code, group in sorted(by_type.items())
        },
    }


def _type_summary(group: list[DurationChange]) -> JSON:
    differences = [c.difference for c in group if c.difference is not None]
    return {
        "requests": len(group),
        "changed": sum(1 for c in group if c.differs),
        "smallest_difference": min(differences) if differences else None,
        "largest_difference": max(differences) if differences else None,
        "mean_difference": round(sum(differences) / len(differences), 1) if differences else None,
        "not_timed": len(group) - len(differences),
    }


def duration_lines(changes: list[DurationChange], limit: int) -> Iterator[str]:
    """The effect for people: counts, per type, the ``limit`` largest changes, what fails."""
    summary = duration_summary(changes)
    yield (
        f"  {summary['longer']} longer, {summary['shorter']} shorter, "
        f"{summary['unchanged']} unchanged; timed under OLD only {summary['timed_under_old_only']}"
        f", NEW only {summary['timed_under_new_only']}, neither {summary['timed_under_neither']}"
    )
    yield "  by instrument type: requests, changed, difference (smallest .. largest, mean)"
    width = max((len(code) for code in summary["by_instrument_type"]), default=0)
    for code, entry in summary["by_instrument_type"].items():
        spread = "not timed under both"
        if entry["largest_difference"] is not None:
            spread = (
                f"{entry['smallest_difference']:+d} .. {entry['largest_difference']:+d} s, "
                f"mean {entry['mean_difference']:+g} s"
            )
        yield f"    {code:<{width}}  {entry['requests']:>4}  {entry['changed']:>4}  {spread}"
    one_sided = [c for c in changes if c.timed_under_one_only]
    if one_sided:
        yield f"  timed under one catalogue only ({len(one_sided)}):"
        for change in ordered(one_sided)[:limit]:
            yield f"    {_describe(change)}"
        if len(one_sided) > limit:
            yield f"    ... and {len(one_sided) - limit} more"
    moved = ordered(c for c in changes if c.difference)
    if moved:
        yield f"  largest changes ({min(limit, len(moved))} of {len(moved)}):"
        for change in moved[:limit]:
            yield f"    {_describe(change)}"


def _describe(change: DurationChange) -> str:
    types = ", ".join(change.instrument_types) or "no instrument type"
    where = f"{change.label} [{types}]"
    if change.old is None or change.new is None:
        side, error = ("OLD", change.old_error) if change.old is None else ("NEW", change.new_error)
        other_side, seconds = ("NEW", change.new) if change.old is None else ("OLD", change.old)
        return f"{where}: cannot be timed under {side} ({error}); {other_side} gives {seconds} s"
    terms = ", ".join(
        f"{name.replace('_', ' ')} {value:+g}" for name, value in change.terms.items()
    )
    notes = "".join(f"; note: {note}" for note in change.notes)
    return f"{change.difference:+6d} s  {where}: {change.old} -> {change.new} s ({terms}){notes}"
