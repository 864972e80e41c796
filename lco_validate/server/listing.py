"""How the portal reads a list's query and pages its answer (django-filter, DRF, limit/offset).

Shared by the sandbox's lists and the account's (proposals, semesters):

* ``QueryForm`` reads filter values as django-filter's form fields read them
  (the last of repeated values, except for multiple choices; an empty value
  is no filter) and keeps the refusals in the order of the filter set, which
  is the order of the portal's 400 answer.  The messages are ours, with the
  codes of the same faults in documents: S001 not a number, S004 not one of
  the choices, S007 not a date-time;
* ``drf_ordering`` and ``ordered``: DRF's ``ordering`` parameter (unknown
  fields dropped silently) and the sort, ties in increasing id as the
  portal's DISTINCT queries leave them;
* ``paginated``: LimitOffsetPagination, with ``next``/``previous`` as DRF
  builds them (the query re-encoded with its names sorted) on the URL the
  caller gives: the server's own address, never the client's ``Host``;
* ``anonymous_limit_refusal``: the portal's middleware check of an anonymous
  GET's ``limit`` and ``offset``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, DecimalException
from typing import Any, TypeVar
from urllib.parse import urlencode

JSON = dict[str, Any]
#: (HTTP status, body): a JSON object, or a list (the observations of a request).
Answer = tuple[int, Any]
#: A URL's query parsed with blank values kept (``parse_qs(..., keep_blank_values=True)``,
#: Starlette's ``QueryParams``): each name with its values in order.
Query = Mapping[str, Sequence[str]]
Item = TypeVar("Item")
#: How to sort by one field: a key function, given whether the order is descending.
SortKey = Callable[[Item, bool], Any]

#: The portal's REST_FRAMEWORK PAGE_SIZE.
PAGE_SIZE = 10
#: The portal's MAX_UNAUTHENTICATED_LIMIT and MAX_UNAUTHENTICATED_OFFSET.
ANONYMOUS_MAX_LIMIT = 100
ANONYMOUS_MAX_OFFSET = 10_000

#: Messages of the portal's framework; clients compare them, so they are kept.
NOT_AUTHENTICATED = "Authentication credentials were not provided."
NOT_FOUND = "Not found."


def detail(message: str) -> JSON:
    return {"detail": message}


def drf_time(moment: datetime | None) -> str | None:
    """A date-time as DRF renders it: UTC, ``Z``, microseconds (six digits) only when not zero."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def last_value(query: Query, name: str) -> str | None:
    """The value Django's ``QueryDict.get`` gives: the last one."""
    values = query.get(name)
    return values[-1] if values else None


def anonymous_limit_refusal(query: Query) -> str | None:
    """The portal's refusal of an anonymous GET asking a large page, or None.

    Its middleware answers 400 with this text (``text/html; charset=utf-8``)
    before any view, for every GET without credentials; only a value of
    digits counts (`` 500`` passes).
    """
    offset = last_value(query, "offset")
    if offset and offset.isdigit() and _beyond(offset, ANONYMOUS_MAX_OFFSET):
        return "Large offset not allowed for anonymous users."
    limit = last_value(query, "limit")
    if limit and limit.isdigit() and _beyond(limit, ANONYMOUS_MAX_LIMIT):
        return "Large limit not allowed for anonymous users."
    return None


def _beyond(digits: str, most: int) -> bool:
    try:
        return int(digits) > most
    except ValueError:  # digits of scripts int() does not read, such as superscripts
        return False


# -- date-times -----------------------------------------------------------------------------------

#: Django's parse_datetime pattern, tried after ``fromisoformat``.
_DJANGO_DATETIME = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})"
    r"(?::(\d{1,2})(?:[.,](\d{1,6})\d{0,6})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
#: Then Django's DateTimeField input formats, as the portal's settings leave them (USE_L10N
#: off): the date-time formats, then the date formats.
_INPUT_FORMATS = (
    *[f"{day} {time}" for day in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y")
      for time in ("%H:%M:%S", "%H:%M:%S.%f", "%H:%M")],
    "%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y",
    "%b %d %Y", "%b %d, %Y", "%d %b %Y", "%d %b, %Y",
    "%B %d %Y", "%B %d, %Y", "%d %B %Y", "%d %B, %Y",
)  # fmt: skip


def filter_moment(text: str) -> datetime | None:
    """A query's date-time as the portal's filters read it (naive is UTC), or None if unreadable."""
    text = text.strip()
    try:
        moment: datetime | None = datetime.fromisoformat(text)
    except ValueError:
        moment = _django_pattern(text)
    for pattern in _INPUT_FORMATS if moment is None else ():
        try:
            moment = datetime.strptime(text, pattern)
            break
        except ValueError:
            continue
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _django_pattern(text: str) -> datetime | None:
    match = _DJANGO_DATETIME.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    offset = UTC
    if zone and zone != "Z":
        minutes = 60 * int(zone[1:3]) + (int(zone[-2:]) if len(zone) > 3 else 0)
        offset = timezone(timedelta(minutes=-minutes if zone[0] == "-" else minutes))
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=offset if zone else None,
        )
    except ValueError:
        return None


# -- filters --------------------------------------------------------------------------------------


class QueryForm:
    """A filter set's form: each value read as its field reads it; refusals kept in call order.

    Call the readers in the order of the portal's filter set, so that the
    refusals come in its order.
    """

    def __init__(self, query: Query) -> None:
        self.query = query
        self.errors: JSON = {}

    def refuse(self, name: str, message: str) -> None:
        self.errors[name] = [message]

    def text(self, name: str, *, strip: bool = True) -> str | None:
        """A text filter's value; a CharFilter's form field strips it (a model choice does not)."""
        value = last_value(self.query, name)
        if value is not None and strip:
            value = value.strip()
        return value or None

    def number(self, name: str) -> Decimal | None:
        """A NumberFilter's value (Django's DecimalField: finite decimals only)."""
        value = last_value(self.query, name)
        if not value:
            return None
        try:
            number = Decimal(value)
        except DecimalException:
            number = Decimal("NaN")
        if not number.is_finite():
            self.refuse(name, f'S001 "{value}" is not a number.')
            return None
        return number

    def choice(self, name: str, choices: Sequence[str]) -> str | None:
        value = last_value(self.query, name)
        if not value:
            return None
        if value not in choices:
            self.refuse(name, not_a_choice(value, choices))
            return None
        return value

    def choices(self, name: str, choices: Sequence[str]) -> list[str] | None:
        """A multiple choice: every value given, each a choice; an empty one is refused too."""
        values = list(self.query.get(name) or [])
        wrong = next((value for value in values if value not in choices), None)
        if wrong is not None:
            self.refuse(name, not_a_choice(wrong, choices))
            return None
        return values or None

    def moment(self, name: str) -> datetime | None:
        value = last_value(self.query, name)
        if not value:
            return None
        moment = filter_moment(value)
        if moment is None:
            self.refuse(
                name,
                f'S007 "{value}" is not a date and time this filter reads '
                "(such as 2030-11-10T00:00:00Z, 2030-11-10 00:00 or 2030-11-10; UTC if no zone).",
            )
        return moment

    def terms(self, name: str, choices: Sequence[str]) -> list[str] | None:
        """A comma-separated list of choices (django-filter's OrderingFilter)."""
        value = last_value(self.query, name)
        if not value:
            return None
        terms = [term.strip() for term in value.split(",")]
        wrong = next((term for term in terms if term not in choices), None)
        if wrong is not None:
            self.refuse(name, not_a_choice(wrong, choices))
            return None
        return terms


def not_a_choice(value: str, choices: Sequence[str]) -> str:
    listed = ", ".join(choices) if choices else "none"
    return f'S004 "{value}" is not one of the choices here: {listed}.'


def exact_integer(number: Decimal) -> int | None:
    """The id a number selects in an integer column: its integer part (1.5 is 1)."""
    if number.adjusted() > 18:  # beyond any id (and not worth building as an int)
        return None
    return int(number)


def contains(needle: str, haystack: object) -> bool:
    """A case-insensitive ``icontains`` (PostgreSQL compares the upper case of both)."""
    return isinstance(haystack, str) and needle.upper() in haystack.upper()


# -- order and pages ------------------------------------------------------------------------------


def drf_ordering(query: Query, valid: Sequence[str]) -> list[str] | None:
    """DRF's OrderingFilter: the ``ordering`` terms that name a valid field, or None for none."""
    value = last_value(query, "ordering")
    if not value:
        return None
    terms = [term.strip() for term in value.split(",")]
    return [term for term in terms if term.lstrip("-") in valid] or None


def ordered(
    items: Iterable[Item], terms: Sequence[str], keys: Mapping[str, SortKey[Item]]
) -> list[Item]:
    """``items`` sorted by ``terms`` (``-`` for descending); ties keep ``items``' order.

    The portal's list queries are DISTINCT, so PostgreSQL sorts by the
    ordering and then by the columns that follow, the id first: callers pass
    ``items`` in increasing id.
    """
    result = list(items)
    for term in reversed(terms):
        descending = term.startswith("-")
        key = keys[term.lstrip("-")]
        result.sort(key=lambda item: key(item, descending), reverse=descending)
    return result


def paginated(
    items: Sequence[Item],
    query: Query,
    url: str,
    render: Callable[[Item], Any],
    count: int | None = None,
) -> JSON:
    """DRF's LimitOffsetPagination of ``items`` listed at ``url`` (absolute, without a query).

    ``count``: what the count query counts, when the rows repeat items (the group
    list ordered through requests); pages still cut the rows.
    """
    limit = _positive(last_value(query, "limit"), strict=True) or PAGE_SIZE
    offset = _positive(last_value(query, "offset"), strict=False) or 0
    count = len(items) if count is None else count
    next_link = previous_link = None
    if offset + limit < count:
        next_link = _link(url, query, limit=str(limit), offset=str(offset + limit))
    if offset > 0:
        back = offset - limit
        previous_link = _link(url, query, limit=str(limit), offset=str(back) if back > 0 else None)
    return {
        "count": count,
        "next": next_link,
        "previous": previous_link,
        "results": [render(item) for item in items[offset : offset + limit]],
    }


def _positive(value: str | None, *, strict: bool) -> int | None:
    """DRF's ``_positive_int``: Python's int(); negative (or, if strict, zero) is refused."""
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return None if number < 0 or (number == 0 and strict) else number


def _link(url: str, query: Query, **changes: str | None) -> str:
    """DRF's replace_query_param/remove_query_param: the query re-encoded, names sorted."""
    members = {name: list(values) for name, values in query.items()}
    for name, value in changes.items():
        if value is None:
            members.pop(name, None)
        else:
            members[name] = [value]
    return f"{url}?{urlencode(sorted(members.items()), doseq=True)}"
