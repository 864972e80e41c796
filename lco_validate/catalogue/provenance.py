"""When a snapshot was taken and where from: the account a snapshot gives of itself.

A catalogue is only as current as its snapshot.  The built-in snapshot's
account is the ``_about`` of its provenance file
(``data/lco-sites.provenance.json``); a snapshot written by ``lco-validate
catalogue pull`` carries its own ``_about`` beside configdb's keys (the
loader and the configdb schema let extra top-level keys be); a plain
configdb page says nothing, and its age is unknown.  A malformed ``_about``
counts as none: it is our note, not configdb's data, and never stops a run.
"""

from __future__ import annotations

import calendar
import functools
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

BUILT_IN_PROVENANCE = "lco-sites.provenance.json"
#: The key of a snapshot's own account of itself, in a pulled snapshot and the provenance file.
ABOUT = "_about"
#: A built-in snapshot older than this is said to be so in a run's summary.
STALE_AFTER_MONTHS = 12
#: What a run suggests when the built-in snapshot has aged.
PULL_COMMAND = "lco-validate catalogue pull sites.json"
BUILT_IN_SOURCE = f"public sources, each value's named in {BUILT_IN_PROVENANCE}"


@dataclass(frozen=True)
class SnapshotOrigin:
    """The date a snapshot's data was taken and where from; None where it does not say."""

    #: The day the snapshot's data was read.
    taken: date | None = None
    source: str | None = None
    built_in: bool = False

    def describe(self) -> str:
        """``snapshot of 2026-11-25, from ...``, or what is not known."""
        when = (
            f"snapshot of {self.taken.isoformat()}" if self.taken else "snapshot date not recorded"
        )
        where = f"from {self.source}" if self.source else "source not recorded"
        return f"{when}, {where}"

    def stale(self, today: date) -> bool:
        """Whether this is the built-in snapshot and more than ``STALE_AFTER_MONTHS`` old.

        Only the built-in snapshot is judged: a snapshot given with ``--configdb`` was
        chosen by the user, who may want an old one (to check old records, say).
        """
        return self.built_in and self.taken is not None and today > months_after(self.taken)


def months_after(day: date, months: int = STALE_AFTER_MONTHS) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@functools.cache
def built_in_origin() -> SnapshotOrigin:
    """The built-in snapshot's date, from its provenance file."""
    text = (Path(__file__).parent / "data" / BUILT_IN_PROVENANCE).read_text(encoding="utf-8")
    about = json.loads(text).get(ABOUT, {})
    return SnapshotOrigin(_day(about.get("snapshot_date")), BUILT_IN_SOURCE, built_in=True)


def origin_of(document: object) -> SnapshotOrigin:
    """What a loaded ``/sites/`` document says of itself (nothing, for a plain configdb page)."""
    about = document.get(ABOUT) if isinstance(document, dict) else None
    if not isinstance(about, dict):
        return SnapshotOrigin()
    source = about.get("source")
    return SnapshotOrigin(
        _day(about.get("snapshot_date")), source if isinstance(source, str) else None
    )


def pulled_about(source: str, when: datetime, pages: int) -> dict[str, Any]:
    """The ``_about`` a pulled snapshot carries: where and when it was read."""
    return {
        "what": "configdb GET /sites/ answer, its pages merged by 'lco-validate catalogue pull'",
        "source": source,
        "snapshot_date": when.date().isoformat(),
        "pulled_at": when.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "pages": pages,
    }


def _day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
