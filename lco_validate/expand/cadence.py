"""The portal's cadence expansion (``POST /api/requestgroups/cadence/``), offline.

A request group whose single request carries ``cadence`` (``start``, ``end``,
``period`` and ``jitter``, the last two in hours) instead of windows comes
back as the group the portal would have you submit: one request per cadence
window in which the target is observable long enough.  The portal's steps,
in its order:

1. The group and its request are validated as usual, except that the request
   must carry a cadence and no windows (an empty list passes), nothing is
   checked against visibility, and of the group's own rules only one runs:
   a cadence group holds a single request.  The cadence's period and jitter
   are at least 0.02 h, its end is not before now and comes after its start;
   nothing relates the jitter to the period.
2. A candidate window is centred every ``period`` from ``start`` while before
   ``end``, ``jitter`` wide and clipped to [start, end]; it is kept when the
   longest observable interval in it at any site (not cut at now) is longer
   than the request's duration and it ends after now.  No window kept: the
   portal's ``{"errors": "..."}``, a string.
3. The answer is the body as sent (unknown members and unconverted values
   too), its ``requests`` replaced by one validated request per kept window
   and ``operator`` set to MANY when there are several; it is validated as a
   normal group (from now, so a window straddling now may have become too
   short), any refusal being the answer.

Times follow Python's ``timedelta`` arithmetic as the portal's do (to the
microsecond, each step added to the last).  ``expand_cadence`` also gives
every candidate window with why it was dropped, which the portal's answer
does not say.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from .. import rules
from ..checking.pipeline import check_unit
from ..checking.policy import Settings
from ..documents.kinds import REQUEST_GROUP, Unit
from ..documents.times import parse_portal_datetime
from ..findings import Finding, Severity
from ..model.duration import DurationError, request_duration
from ..model.normalize import normalized_request
from ..model.values import as_float
from ..reporters.portal_errors import NON_FIELD, nested_errors
from .validated import rendered, validated_request

JSON = dict[str, Any]

WINDOWS_GIVEN = "S301"
END_IN_PAST = "S302"
END_NOT_AFTER_START = "S303"
MORE_THAN_ONE_REQUEST = "S304"
NO_WINDOW_KEPT = "S305"

#: Dropped windows kept for reporting: a cadence of 0.02 h over years proposes millions.
MOST_DROPPED_KEPT = 10_000
#: Why a window that is over is dropped (the portal keeps only windows ending after now).
ENDS_BY_NOW = "it ends no later than now"

#: Findings of the normal validation that the cadence endpoint's validation does not make:
#: the group's own rules (replaced by the single-request rule), visibility (there are no
#: windows yet), the cadence refusal of submissions, and the one-semester rule of windows
#: (the cadence request's windows rule replaces it).
_NOT_CHECKED_HERE = frozenset(
    {*(rule.CODE for rule in rules.rules_for("group")), "R055", "R073", "V001", "V002", "V003"}
)
_REQUEST_RULES = {rule.CODE: rule for rule in rules.rules_for("request")}


@dataclass(frozen=True)
class CandidateWindow:
    """One window the cadence proposes, and whether the portal keeps it."""

    start: datetime
    end: datetime
    kept: bool
    #: The longest observable interval in the window at any site (s); None when not needed.
    largest: float | None
    #: Why the window was dropped ("" when kept).
    reason: str = ""


@dataclass
class CadenceExpansion:
    """The endpoint's answer, with the candidate windows.

    ``windows`` holds every kept window and the first ``MOST_DROPPED_KEPT``
    dropped ones, in time order; the counts cover them all.
    """

    status: int
    body: JSON
    windows: list[CandidateWindow] = field(default_factory=list)
    #: The request's duration (s), when the expansion got that far.
    duration: int | None = None
    candidates: int = 0
    #: Dropped windows, and those of them that end by now.
    dropped_count: int = 0
    ended: int = 0

    def add(self, window: CandidateWindow) -> None:
        self.candidates += 1
        if not window.kept:
            self.dropped_count += 1
            self.ended += window.reason == ENDS_BY_NOW
            if self.dropped_count > MOST_DROPPED_KEPT:
                return
        self.windows.append(window)

    @property
    def dropped(self) -> list[CandidateWindow]:
        """The dropped windows listed (the first ``MOST_DROPPED_KEPT``)."""
        return [window for window in self.windows if not window.kept]

    @property
    def dropped_not_listed(self) -> int:
        return max(0, self.dropped_count - MOST_DROPPED_KEPT)


def cadence(document: object, settings: Settings) -> tuple[int, JSON]:
    """(HTTP status, body) as the portal's cadence endpoint answers for this parsed body."""
    expansion = expand_cadence(document, settings)
    return expansion.status, expansion.body


def expand_cadence(
    document: object, settings: Settings, found: list[Finding] | None = None
) -> CadenceExpansion:
    """The endpoint's answer and every candidate window; ``found``: the loader's findings."""
    if not isinstance(document, dict):
        kind = "a list" if isinstance(document, list) else type(document).__name__
        message = (
            f"J013 the body is {kind}; the cadence endpoint expands one request group (an object)"
        )
        return CadenceExpansion(400, {NON_FIELD: [message]})
    refused = cadence_group_findings(document, settings, found)
    if refused:
        return CadenceExpansion(400, nested_errors(document, refused))
    request = document["requests"][0]
    normalized = normalized_request(request, settings.catalogue, submission=True)
    try:
        duration = request_duration(normalized, settings.catalogue).duration
    except DurationError as error:  # D002 refuses such a request before this point
        return CadenceExpansion(400, {NON_FIELD: [f"D002 {error}"]})
    expansion = CadenceExpansion(400, {}, duration=duration)
    for window in candidate_windows(
        normalized, read_cadence(request["cadence"]), duration, settings
    ):
        expansion.add(window)
    kept = [window for window in expansion.windows if window.kept]
    if not kept:
        expansion.body = {"errors": f"{NO_WINDOW_KEPT} {no_window_message(expansion)}"}
        return expansion
    validated = validated_request(request, normalized, settings.effective_now)
    validated.pop("windows", None)
    answer = dict(document)
    answer["requests"] = [
        {**validated, "windows": [{"start": rendered(w.start), "end": rendered(w.end)}]}
        for w in kept
    ]
    if len(kept) > 1:
        answer["operator"] = "MANY"
    checked = check_unit(Unit(REQUEST_GROUP, answer, ""), settings)
    errors = [f for f in checked.findings if f.severity is Severity.ERROR]
    if errors:
        expansion.body = nested_errors(answer, errors)
        return expansion
    expansion.status, expansion.body = 200, answer
    return expansion


# -- step 1: validation ----------------------------------------------------------------------------


def cadence_group_findings(
    document: JSON, settings: Settings, found: list[Finding] | None = None
) -> list[Finding]:
    """The errors the cadence endpoint refuses a group for before expanding it.

    The normal validation runs on a stand-in whose requests without windows
    get one far from any rule's interest, with visibility off; what it says
    about those stand-in windows, and what this endpoint does not check, is
    dropped.  The cadence's own refusals are added.
    """
    requests = document.get("requests")
    stand_in = dict(document)
    without_windows: set[int] = set()
    if isinstance(requests, list):
        stand_in["requests"] = [
            _with_stand_in_window(request, settings) if _lacks_windows(request) else request
            for request in requests
        ]
        without_windows = {
            index for index, request in enumerate(requests) if _lacks_windows(request)
        }
    checked = check_unit(Unit(REQUEST_GROUP, stand_in, ""), replace(settings, visibility=False))
    errors = [
        finding
        for finding in [*(found or []), *checked.findings]
        if finding.severity is Severity.ERROR
        and finding.code not in _NOT_CHECKED_HERE
        and not any(_lies_under(finding, f"/requests/{index}/windows") for index in without_windows)
    ]
    for index, request in enumerate(requests if isinstance(requests, list) else []):
        if isinstance(request, dict):
            own = list(_cadence_request_findings(request, f"/requests/{index}", errors, settings))
            if own:
                errors = [f for f in errors if not _judges_whole_request(f, index)] + own
    if not errors and isinstance(requests, list) and len(requests) > 1:
        errors.append(
            Finding(
                MORE_THAN_ONE_REQUEST,
                Severity.ERROR,
                f"a cadence group holds a single request, this one has {len(requests)}: "
                "expand each request's cadence in a group of its own",
            )
        )
    return errors


def _lacks_windows(request: object) -> bool:
    return isinstance(request, dict) and request.get("windows", []) == []


def _with_stand_in_window(request: JSON, settings: Settings) -> JSON:
    start = settings.effective_now + timedelta(days=1)
    window = {"start": rendered(start), "end": rendered(start + timedelta(hours=1))}
    return {**request, "windows": [window]}


def _lies_under(finding: Finding, pointer: str) -> bool:
    return finding.pointer == pointer or finding.pointer.startswith(pointer + "/")


def _judges_whole_request(finding: Finding, index: int) -> bool:
    """A finding on the whole request, which the portal gives only once its fields are valid."""
    rule = _REQUEST_RULES.get(finding.code)
    return (
        rule is not None and rules.judges(rule) == "" and _lies_under(finding, f"/requests/{index}")
    )


def _cadence_request_findings(
    request: JSON, pointer: str, errors: list[Finding], settings: Settings
) -> list[Finding]:
    """The refusals of the cadence request's own fields: windows, and the cadence itself."""
    found: list[Finding] = []
    windows = request.get("windows")
    if isinstance(windows, list) and windows and not _holds_any(errors, f"{pointer}/windows"):
        found.append(
            Finding(
                WINDOWS_GIVEN,
                Severity.ERROR,
                f"a cadence request has no windows ({len(windows)} given): the cadence makes "
                "them; leave 'windows' out or empty",
                pointer=f"{pointer}/windows",
            )
        )
    if "cadence" not in request:
        found.append(
            Finding(
                "S002",
                Severity.ERROR,
                "the request needs 'cadence' (start, end, period and jitter in hours) for "
                "the cadence endpoint to expand it",
                pointer=f"{pointer}/cadence",
            )
        )
        return found
    cadence_block = request["cadence"]
    if not isinstance(cadence_block, dict):
        return found  # the schema's finding says what is wrong with it
    found.extend(_cadence_findings(cadence_block, f"{pointer}/cadence", errors, settings))
    return found


def _cadence_findings(
    block: JSON, pointer: str, errors: list[Finding], settings: Settings
) -> list[Finding]:
    start = _moment(block.get("start"))
    end = _moment(block.get("end"))
    now = settings.effective_now
    if end is not None and end < now and not _holds_any(errors, f"{pointer}/end"):
        return [
            Finding(
                END_IN_PAST,
                Severity.ERROR,
                f"the cadence ends at {rendered(end)}, before now ({rendered(now)}); "
                "a cadence must end in the future",
                pointer=f"{pointer}/end",
            )
        ]
    if not _holds_any(errors, pointer) and start is not None and end is not None and start >= end:
        return [
            Finding(
                END_NOT_AFTER_START,
                Severity.ERROR,
                f"the cadence ends at {rendered(end)}, "
                f"{'at' if start == end else 'before'} its start ({rendered(start)}); "
                "its end must come after its start",
                pointer=pointer,
            )
        ]
    return []


def _holds_any(findings: list[Finding], pointer: str) -> bool:
    """Whether a finding lies at ``pointer`` or below it."""
    return any(_lies_under(finding, pointer) for finding in findings)


def _moment(value: object) -> datetime | None:
    return parse_portal_datetime(value) if isinstance(value, str) else None


# -- step 2: the windows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cadence:
    start: datetime
    end: datetime
    period: timedelta
    half_jitter: timedelta


def read_cadence(block: JSON) -> Cadence:
    """A validated cadence block as the portal reads it (DRF's conversions, hours to timedelta).

    A period or half jitter well beyond the cadence's length gives the same
    windows as one of that length, so it is held there: the portal's
    ``timedelta`` overflows on 1e308 hours (a 500), and a step far past the
    end could leave the calendar.
    """
    start, end = _moment(block["start"]), _moment(block["end"])
    assert start is not None and end is not None  # validated
    period = float(as_float(block["period"]))  # type: ignore[arg-type]
    half_jitter = float(as_float(block["jitter"])) / 2.0  # type: ignore[arg-type]
    length = end - start
    beyond = length.total_seconds() / 3600 + 1  # hours: an hour past the length, to be safe
    return Cadence(
        start,
        end,
        length if period > beyond else timedelta(hours=period),
        length if half_jitter > beyond else timedelta(hours=half_jitter),
    )


def candidate_windows(
    normalized: JSON, cadence_read: Cadence, duration: int, settings: Settings
) -> Iterator[CandidateWindow]:
    """Every window the cadence proposes, in time order, each kept or dropped as the portal does.

    The portal computes visibility for each; a window that is over, or no
    longer than the request, is dropped without it (the result is the same).
    """
    from ..visibility.observability import request_pairs, site_visibility, visibility_sites

    pairs, _ = request_pairs(normalized)
    sites = list(visibility_sites(normalized, settings.catalogue).values())
    now = settings.effective_now
    centre: datetime | None = cadence_read.start
    while centre is not None and centre < cadence_read.end:
        start = max(
            _shifted(centre, -cadence_read.half_jitter) or cadence_read.start, cadence_read.start
        )
        end = min(_shifted(centre, cadence_read.half_jitter) or cadence_read.end, cadence_read.end)
        centre = _shifted(centre, cadence_read.period)
        if end <= now:
            yield CandidateWindow(start, end, False, None, ENDS_BY_NOW)
            continue
        if (end - start).total_seconds() <= duration:
            reason = f"it is {_hours(end - start)} long, no longer than the request's {duration} s"
            yield CandidateWindow(start, end, False, None, reason)
            continue
        span = [(start.timestamp(), end.timestamp())]
        largest = 0.0
        if pairs:
            for site in sites:
                for first, last in site_visibility(site, span, pairs).intervals:
                    largest = max(largest, last - first)
        if largest > duration:
            yield CandidateWindow(start, end, True, largest)
        else:
            reason = (
                f"the target is observable for {largest:.0f} s at most in it, "
                f"no longer than the request's {duration} s"
            )
            yield CandidateWindow(start, end, False, largest, reason)


def _shifted(moment: datetime, span: timedelta) -> datetime | None:
    """``moment + span``, or None beyond the calendar (years 1 to 9999): past the cadence."""
    try:
        return moment + span
    except OverflowError:
        return None


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:.2f} h"


def no_window_message(expansion: CadenceExpansion) -> str:
    count, duration = expansion.candidates, expansion.duration
    past = expansion.ended
    detail = f" ({past:,} of them end by now)" if past else ""
    return (
        f"none of the cadence's {count:,} windows{detail} lets the target be observed for "
        f"longer than the request's duration, {duration} s: widen the jitter, change the "
        "period or the dates, or loosen the constraints"
    )
