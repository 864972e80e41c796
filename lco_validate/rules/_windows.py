"""A request's windows with their times parsed, and times written as the portal writes them.

Serves the window rules R070-R073 and the rapid-response rules R083 and R084.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ..checking.context import RequestContext
from ..documents.times import parse_portal_datetime
from ..findings import Edit, Fix


@dataclass(frozen=True)
class WindowTimes:
    """One window's times; ``start`` is None when the window has none (it starts on submission)."""

    index: int
    start: datetime | None
    end: datetime


def window_times(context: RequestContext) -> list[WindowTimes]:
    """The request's windows with parsed times; malformed ones (a schema matter) are left out.

    Computed once per request: six rules read them.
    """
    return context.once(_window_times)


def _window_times(context: RequestContext) -> list[WindowTimes]:
    found: list[WindowTimes] = []
    windows = context.normalized.get("windows")
    for index, window in enumerate(windows if isinstance(windows, list) else []):
        if not isinstance(window, dict):
            continue
        end = _parsed(window.get("end"))
        start = _parsed(window.get("start"))
        if end is None or ("start" in window and start is None):
            continue
        found.append(WindowTimes(index, start, end))
    return found


def start_or_now(window: WindowTimes, context: RequestContext) -> datetime | None:
    """The window's start, or the time of submission for a window without one.

    None when the window has no start and time-relative rules are off (an
    archive record without ``--now``): when it was submitted is not known.
    """
    if window.start is not None:
        return window.start
    return context.settings.effective_now if context.time_rules_apply else None


def swapped_bounds(window: object) -> Fix | None:
    """A window written with its end before its start, exchanged: ``start`` and ``end`` swap texts.

    The fix belongs to a finding at the window's ``end``.  Unsafe: a mistyped
    date reads the same as a swapped one.
    """
    if not isinstance(window, dict):
        return None
    start, end = window.get("start"), window.get("end")
    if not isinstance(start, str) or not isinstance(end, str):
        return None
    start_time, end_time = _parsed(start), _parsed(end)
    if start_time is None or end_time is None or not end_time < start_time:
        return None
    edits = (Edit.replace_value(end, "1/start"), Edit.replace_value(start, "0"))
    return Fix("swap start and end", False, edits)


def format_time(moment: datetime) -> str:
    """A UTC time as the portal's API writes it: 2031-01-05T00:00:00Z."""
    utc = moment.astimezone(UTC)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if utc.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return utc.strftime(pattern)


def _parsed(value: object) -> datetime | None:
    return parse_portal_datetime(value) if isinstance(value, str) else None
