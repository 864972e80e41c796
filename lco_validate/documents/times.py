"""Date-times as the portal reads them: ISO 8601 with optional seconds, fraction and zone."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta, timezone

_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.ASCII,
)


@functools.lru_cache(maxsize=65536)  # rules look at the same window bounds several times
def parse_portal_datetime(text: str) -> datetime | None:
    """Parse a timestamp the way the portal accepts it; naive times are UTC."""
    match = _DATETIME.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    microseconds = (fraction or "").ljust(6, "0")
    try:
        naive = datetime.fromisoformat(
            f"{year}-{month}-{day}T{hour}:{minute}:{second or '00'}.{microseconds}"
        )
        return naive.replace(tzinfo=_utc_offset(zone))
    except ValueError:
        return None


def _utc_offset(zone: str | None) -> timezone:
    if zone is None or zone == "Z":
        return UTC
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if minutes > 59:
        raise ValueError(zone)
    sign = -1 if zone[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
