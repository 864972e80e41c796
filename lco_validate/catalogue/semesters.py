"""LCO's semesters, from the table in ``data/semesters.json`` (its ``_source`` says where from).

The portal reads semesters from its database; offline we keep a table.  A
request's windows must lie in one semester, and time is charged to
allocations per semester.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..documents.times import parse_portal_datetime

SEMESTER_TABLE = "semesters.json"


@dataclass(frozen=True)
class Semester:
    code: str
    start: datetime
    end: datetime

    def contains(self, start: datetime, end: datetime) -> bool:
        return self.start <= start and end <= self.end


@functools.cache
def semesters() -> tuple[Semester, ...]:
    """Our semester table, in time order."""
    text = (Path(__file__).parent / "data" / SEMESTER_TABLE).read_text(encoding="utf-8")
    table = [
        Semester(entry["code"], _table_time(entry["start"]), _table_time(entry["end"]))
        for entry in json.loads(text)["semesters"]
    ]
    table.sort(key=lambda semester: semester.start)
    for earlier, later in itertools.pairwise(table):
        if earlier.end > later.start or earlier.start >= earlier.end:
            raise ValueError(f"{SEMESTER_TABLE}: {earlier.code} overlaps {later.code} or is empty")
    return tuple(table)


@functools.cache
def _starts() -> list[datetime]:
    return [semester.start for semester in semesters()]


def _around(moment: datetime) -> tuple[Semester, ...]:
    """The semester starting last at or before ``moment``, and the one before it.

    Semesters do not overlap (checked on loading), so only these two can hold
    ``moment``: the earlier one when it ends exactly there.
    """
    index = bisect.bisect_right(_starts(), moment) - 1
    return semesters()[max(index - 1, 0) : index + 1] if index >= 0 else ()


def _table_time(text: str) -> datetime:
    moment = parse_portal_datetime(text)
    if moment is None:
        raise ValueError(f"{SEMESTER_TABLE} has a malformed time {text!r}")
    return moment


@functools.lru_cache(maxsize=4096)  # every window of every request asks; archives share many
def semester_containing(start: datetime, end: datetime) -> Semester | None:
    """The semester holding all of [start, end], as the portal's ``get_semester_in``."""
    candidates = _around(start) if start <= end else semesters()  # reversed: any may match
    return next((s for s in candidates if s.contains(start, end)), None)


def semester_at(moment: datetime) -> Semester | None:
    return next((s for s in _around(moment) if s.start <= moment <= s.end), None)


def request_semester(request: dict[str, Any], now: datetime) -> str | None:
    """The code of the semester holding all of a request's windows (a missing start is now)."""
    bounds = []
    for window in request.get("windows") or []:
        if not isinstance(window, dict):
            return None
        end = parse_portal_datetime(str(window.get("end", "")))
        start_text = window.get("start")
        start = now if start_text in (None, "") else parse_portal_datetime(str(start_text))
        if start is None or end is None:
            return None
        bounds.append((start, end))
    if not bounds:
        return None
    found = semester_containing(min(b[0] for b in bounds), max(b[1] for b in bounds))
    return found.code if found else None
