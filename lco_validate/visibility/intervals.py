"""Interval algebra on time in POSIX seconds (UTC): sorted, disjoint ``(start, end)`` pairs.

Pure Python on purpose: interval lists are short (a few per night), and the
rules that only need to compare lengths should not pay for numpy.  Intervals
that touch are merged, as the portal's interval sets merge them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Interval = tuple[float, float]


def normalized(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with empty ones dropped and overlapping or touching ones merged."""
    merged: list[Interval] = []
    for start, end in sorted(interval for interval in intervals if interval[1] > interval[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intersect(first: Sequence[Interval], second: Sequence[Interval]) -> list[Interval]:
    """The times in both; both inputs must be normalized."""
    result: list[Interval] = []
    i = j = 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if start < end:
            result.append((start, end))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result


def intersect_all(sets: Iterable[Sequence[Interval]]) -> list[Interval]:
    result: list[Interval] | None = None
    for intervals in sets:
        result = list(intervals) if result is None else intersect(result, intervals)
    return result or []


def subtract(intervals: Sequence[Interval], removed: Sequence[Interval]) -> list[Interval]:
    """The times in ``intervals`` outside ``removed``; both must be normalized."""
    result: list[Interval] = []
    j = 0
    for start, end in intervals:
        cursor = start
        while j < len(removed) and removed[j][1] <= cursor:
            j += 1
        k = j
        while k < len(removed) and removed[k][0] < end:
            if removed[k][0] > cursor:
                result.append((cursor, removed[k][0]))
            cursor = max(cursor, removed[k][1])
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def clip(intervals: Sequence[Interval], start: float, end: float) -> list[Interval]:
    return intersect(intervals, [(start, end)]) if end > start else []


def total(intervals: Iterable[Interval]) -> float:
    return sum(end - start for start, end in intervals)


def remaining_length(interval: Interval, now: float | None) -> float:
    """How much of ``interval`` is still ahead of ``now`` (all of it when now is None).

    This is the portal's ``exclude_past``: an interval that has begun counts
    from now, one that has ended counts nothing.
    """
    start, end = interval
    if now is None or start > now:
        return end - start
    return max(end - now, 0.0)


def chunks(intervals: Iterable[Interval], size: float) -> list[Interval]:
    """Each interval cut into ``size``-second chunks from its own start; the last may be short."""
    chunks: list[Interval] = []
    for start, end in intervals:
        cursor = start
        while cursor < end:
            chunks.append((cursor, min(cursor + size, end)))
            cursor += size
    return chunks
