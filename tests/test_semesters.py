"""The semester table and its lookups: the binary search agrees with a scan of the table."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from lco_validate.catalogue.semesters import Semester, semester_at, semester_containing, semesters

TABLE = semesters()
EDGES = [moment for semester in TABLE for moment in (semester.start, semester.end)]
SPAN = (TABLE[0].start - timedelta(days=400), TABLE[-1].end + timedelta(days=400))


def scan_containing(start: datetime, end: datetime) -> Semester | None:
    """The portal's way: the first semester, in time order, holding all of [start, end]."""
    return next((s for s in TABLE if s.start <= start and end <= s.end), None)


moments = st.one_of(
    st.sampled_from(EDGES),
    st.floats(0.0, 1.0).map(lambda f: SPAN[0] + (SPAN[1] - SPAN[0]) * f),
)


@given(moments, st.one_of(moments, st.sampled_from([0.0, 1.0, 30.0, 200.0])))
def test_lookups_agree_with_a_scan_of_the_table(start: datetime, end: object) -> None:
    end_moment = end if isinstance(end, datetime) else start + timedelta(days=float(end))  # type: ignore[arg-type]
    assert semester_containing(start, end_moment) == scan_containing(start, end_moment)
    assert semester_at(start) == scan_containing(start, start)


def test_the_table_is_ordered_without_overlaps() -> None:
    assert len(TABLE) > 30
    assert all(earlier.end <= later.start for earlier, later in itertools.pairwise(TABLE))
