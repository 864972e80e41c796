"""Our verdict against the portal's, place by place.

The portal's ``errors`` are DRF's nested structure: an object's errors are a
dict by field, a list's errors a list with ``{}`` for valid items, a leaf a
list of messages, and ``non_field_errors`` the object's own.  ``portal_places``
turns that into (JSON Pointer, message) pairs.  ``compare`` checks one document:

* the portal accepts exactly when we report no error;
* every place the portal names has an error finding of ours at that pointer,
  below it, or at its parent (our model puts some problems one level away,
  e.g. a window's start/end order at ``end`` where DRF says the window);
* every accepted request has our duration, per request, per configuration and
  per instrument configuration.

A portal HTTP 500 counts as a refusal: we report a finding where it crashes
(README, "Where the portal and this tool differ").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lco_validate import Catalogue, DurationError, Finding, Severity, check_document
from lco_validate.documents.pointers import escape_token
from lco_validate.documents.times import parse_portal_datetime
from lco_validate.model.duration import request_duration as raw_request_duration
from lco_validate.model.fill_window import filled_request, fills_window
from lco_validate.model.normalize import normalized_request

from .portal import PortalAnswer


def portal_places(errors: object, pointer: str = "") -> list[tuple[str, str]]:
    """Every (pointer, message) the portal's error structure names, in its order."""
    if isinstance(errors, str):
        return [(pointer, errors)]
    if isinstance(errors, dict):
        places: list[tuple[str, str]] = []
        for key, value in errors.items():
            below = pointer if key == "non_field_errors" else f"{pointer}/{escape_token(key)}"
            places.extend(portal_places(value, below))
        return places
    if isinstance(errors, list):
        if all(isinstance(item, str) for item in errors):
            return [(pointer, item) for item in errors]
        places = []
        for index, item in enumerate(errors):
            if isinstance(item, str):
                places.append((pointer, item))
            elif item:
                places.extend(portal_places(item, f"{pointer}/{index}"))
        return places
    return [(pointer, str(errors))]


#: The group's own errors (``non_field_errors`` at the top) and the codes that report each:
#: a top-level place names no field, so the message says which rule refused.
GROUP_MESSAGE_CODES = (
    ("ipp_value must be", {"R080"}),
    ("type requestgroups must have", {"R081"}),
    ("HOUR_ANGLE Target type", {"R082"}),
    ("Rapid Response observation window start", {"R083"}),
    ("Rapid Response observation must start", {"R084"}),
    ("time allocated on the instrument", {"R085"}),
)


#: Places only the portal's database decides (README: not checked offline): a proposal
#: that does not exist, or one the user is not a member of or that is inactive.
DATABASE_ONLY = (
    ("/proposal", "Invalid pk"),
    ("", "You do not belong to the proposal"),
    ("", "is currently inactive"),
)


#: Visibility verdicts where our interval and rise_set's differ by no more than this
#: (seconds) are a documented difference: our edges are the exact crossings, rise_set's
#: come from one approximate step per day, and a target that barely clears its altitude
#: limit can be up for minutes in one and not at all in the other.
EDGE_TOLERANCE = 1800.0
VISIBILITY_EDGE = f"visibility verdict within {EDGE_TOLERANCE:.0f} s of rise_set's edges"
VISIBILITY_VERDICTS = frozenset({"V001", "V002"})


def request_index(pointer: str) -> int | None:
    found = re.match(r"/requests/(\d+)(/|$)", pointer)
    return int(found.group(1)) if found else None


def portal_largest(message: str) -> float | None:
    """The largest interval (s) a visibility refusal states: 0, or its hours (to 0.01 h)."""
    if "will not be visible" in message:
        return 0.0
    found = re.search(r"visible for a maximum of ([\d.]+) hours", message)
    return float(found.group(1)) * 3600 if found else None


def near_an_edge(
    document: dict[str, Any], index: int, portal: float, catalogue: Catalogue, now: datetime
) -> bool:
    """Whether our largest interval for the request is within EDGE_TOLERANCE of the portal's."""
    from lco_validate.visibility.observability import request_visibility

    request = document["requests"][index]
    ours = request_visibility(
        normalized_request(request, catalogue, submission=True), catalogue, now
    )
    return abs(ours.largest - portal) <= EDGE_TOLERANCE


def visibility_at_an_edge(
    document: dict[str, Any], pointer: str, message: str, catalogue: Catalogue, now: datetime
) -> bool:
    """Whether the place is a visibility refusal whose interval is near ours."""
    largest, index = portal_largest(message), request_index(pointer)
    if largest is None or index is None:
        return False
    return near_an_edge(document, index, largest, catalogue, now)


def database_only(pointer: str, message: str) -> bool:
    return any(pointer == where and text in message for where, text in DATABASE_ONLY)


def group_message_codes(message: str) -> set[str]:
    return next((codes for text, codes in GROUP_MESSAGE_CODES if text in message), set())


def parent(pointer: str) -> str:
    return pointer.rsplit("/", 1)[0] if pointer else ""


def matches(portal_pointer: str, ours: str) -> str | None:
    """How a finding of ours at ``ours`` covers a place the portal names, if it does."""
    if ours == portal_pointer:
        return "same"
    if ours.startswith(portal_pointer + "/") and portal_pointer.count("/") >= 2:
        return "below"
    if portal_pointer and ours == parent(portal_pointer):
        return "parent"
    return None


def shape(pointer: str) -> str:
    """The pointer with list indices as ``*``: divergences of one kind share it."""
    return re.sub(r"/\d+(?=/|$)", "/*", pointer) or "/"


def message_gist(message: str) -> str:
    """The portal's message without its values, to name a kind of divergence."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\d+(\.\d+)?", "…", message)
    return " ".join(text.split()[:9])


@dataclass
class Comparison:
    """One document judged by both."""

    document: dict[str, Any]
    answer: PortalAnswer
    findings: list[Finding]
    #: (kind, detail) per divergence; empty when we agree.
    divergences: list[tuple[str, str]] = field(default_factory=list)
    matched_by: dict[str, int] = field(default_factory=dict)
    #: Documented differences this document showed (README), which are not divergences.
    expected: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def size(self) -> int:
        return len(json.dumps(self.document))


def compare(
    document: dict[str, Any],
    answer: PortalAnswer,
    catalogue: Catalogue,
    now: datetime,
    findings: list[Finding] | None = None,
) -> Comparison:
    """``findings``: ours for the document, when already known (from ``serve``'s answer, say)."""
    try:
        if findings is None:
            findings = check_document(document, catalogue, now=now)
    except Exception as error:  # never for any input: the run goes on, and says so
        result = Comparison(document, answer, [])
        result.divergences.append((f"we fail: {type(error).__name__}", str(error)[:300]))
        return result
    result = Comparison(document, answer, findings)
    errors = result.errors
    if answer.crashed:
        if not errors:
            result.divergences.append(("portal 500, we accept", answer.exception))
        return result
    if answer.accepted:
        theirs = answer.durations.get("requests", [])
        for finding in errors:
            index = request_index(finding.pointer)
            if (
                finding.code in VISIBILITY_VERDICTS
                and index is not None
                and index < len(theirs)
                and near_an_edge(document, index, theirs[index]["largest_interval"], catalogue, now)
            ):
                result.expected.append(VISIBILITY_EDGE)
                continue
            result.divergences.append(
                (f"portal accepts, we say {finding.code}", f"{finding.pointer}: {finding.message}")
            )
        if not errors:
            result.divergences.extend(duration_divergences(document, answer, catalogue, now))
        return result
    places = portal_places(answer.errors)
    offline = [place for place in places if not database_only(*place)]
    if len(offline) < len(places):
        result.expected.append("the portal's database refuses the proposal")
    if not offline:
        return result
    if not errors:
        if all(visibility_at_an_edge(document, *place, catalogue, now) for place in offline):
            result.expected.append(VISIBILITY_EDGE)
            return result
        named = "; ".join(f"{p or '/'}: {m}" for p, m in offline)
        result.divergences.append(("portal refuses, we accept", named))
        return result
    for pointer, message in offline:
        if pointer:
            how = next((m for f in errors if (m := matches(pointer, f.pointer))), None)
        else:
            codes = group_message_codes(message)
            how = "by code" if any(f.code in codes for f in errors) else None
        if how is None and visibility_at_an_edge(document, pointer, message, catalogue, now):
            result.expected.append(VISIBILITY_EDGE)
        elif how is None:
            result.divergences.append(
                (
                    f"portal names {shape(pointer)} ({message_gist(message)}), we do not",
                    f"{pointer}: {message} | ours: "
                    + ", ".join(f"{f.code} {f.pointer}" for f in errors),
                )
            )
        else:
            result.matched_by[how] = result.matched_by.get(how, 0) + 1
    return result


def duration_divergences(
    document: dict[str, Any], answer: PortalAnswer, catalogue: Catalogue, now: datetime
) -> list[tuple[str, str]]:
    """Our durations against the portal's, for an accepted document.

    A request that fills its window is stretched with the portal's own
    ``largest_interval`` (our visibility edges differ from rise_set's by
    seconds), which checks the arithmetic exactly.  The portal reports that
    interval whole while it stretched to the part after ``now``: such a request
    is only compared once all its windows lie ahead.
    """
    found: list[tuple[str, str]] = []
    theirs = answer.durations.get("requests", [])
    for index, request in enumerate(document.get("requests", [])):
        portal = theirs[index] if index < len(theirs) else {}
        normalized = normalized_request(request, catalogue, submission=True)
        try:
            if fills_window(normalized):
                if not _windows_ahead(normalized, now):
                    continue
                normalized = filled_request(normalized, catalogue, portal["largest_interval"])
            timed = raw_request_duration(normalized, catalogue)
        except DurationError as error:
            found.append(("duration: we cannot compute one", f"/requests/{index}: {error}"))
            continue
        if timed.duration != portal.get("duration"):
            found.append(
                (
                    "duration: request differs",
                    f"/requests/{index}: ours {timed.duration}, portal {portal.get('duration')}",
                )
            )
        elif timed.portal_configurations() != portal.get("configurations"):
            found.append(
                (
                    "duration: configuration terms differ",
                    f"/requests/{index}: ours {timed.portal_configurations()}, "
                    f"portal {portal.get('configurations')}",
                )
            )
    return found


def _windows_ahead(request: dict[str, Any], now: datetime) -> bool:
    """Whether every window starts after ``now`` (one without a start starts at ``now``)."""
    starts = [window.get("start") for window in request.get("windows") or []]
    parsed = [parse_portal_datetime(start) if isinstance(start, str) else None for start in starts]
    return all(start is not None and start > now for start in parsed)


def findings_from_answer(errors: object) -> list[Finding]:
    """The errors of a ``serve`` answer as findings (each message starts with its code)."""
    found = []
    for pointer, message in portal_places(errors):
        code, _, text = message.partition(" ")
        found.append(Finding(code, Severity.ERROR, text, pointer=pointer))
    return found


def served_duration_divergences(
    document: dict[str, Any], served: dict[str, Any], answer: PortalAnswer
) -> list[tuple[str, str]]:
    """Where the server's ``request_durations`` differ from the portal's.

    fill_window requests are left out: their durations follow the largest
    interval, whose edges differ (README); ``duration_divergences`` checks their
    stretching with the portal's own interval.
    """
    from lco_validate.model.fill_window import fills_window

    ours = served.get("requests", [])
    theirs = answer.durations.get("requests", [])
    if len(ours) != len(theirs):
        return [("served durations: other request count", f"{len(ours)} != {len(theirs)}")]
    found = []
    for index, (mine, portal) in enumerate(zip(ours, theirs, strict=True)):
        if fills_window(document["requests"][index]):
            continue
        for key in ("duration", "configurations"):
            if mine[key] != portal[key]:
                found.append(
                    (f"served {key} differs", f"/requests/{index}: {mine[key]} != {portal[key]}")
                )
    return found
