"""What a JSON document is: a request group, a request, an API page or an array of them.

A *unit* is one request group or one bare request found in a document, with
the pointer where it sits; everything downstream checks units.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..findings import Finding, Severity

REQUEST_GROUP = "request-group"
REQUEST = "request"
UNIT_KINDS = (REQUEST_GROUP, REQUEST)

#: Fields only the portal writes: a document carrying them is an archive record.
READ_ONLY_FIELDS = frozenset({"id", "state", "created", "modified", "submitter", "duration"})

_GROUP_KEYS = frozenset({"requests", "proposal", "ipp_value", "operator", "observation_type"})
_REQUEST_KEYS = frozenset({"configurations", "windows", "location"})
_PAGE_KEYS = frozenset({"count", "next", "previous"})


@dataclass(frozen=True)
class Unit:
    kind: str
    value: object
    pointer: str

    @property
    def is_record(self) -> bool:
        """True for a document as the API returns it (it describes the past)."""
        return is_record(self.value)

    def requests(self) -> Iterator[tuple[str, dict[str, object]]]:
        """(pointer, request) for each request object in this unit."""
        if not isinstance(self.value, dict):
            return
        if self.kind == REQUEST:
            yield self.pointer, self.value
            return
        requests = self.value.get("requests")
        if isinstance(requests, list):
            for index, request in enumerate(requests):
                if isinstance(request, dict):
                    yield f"{self.pointer}/requests/{index}", request


def is_record(value: object) -> bool:
    """True for a document as the API returns it: it carries fields only the portal writes."""
    return isinstance(value, dict) and not READ_ONLY_FIELDS.isdisjoint(value)


def detect_unit_kind(value: object) -> str | None:
    if not isinstance(value, dict):
        return None
    if not _GROUP_KEYS.isdisjoint(value):
        return REQUEST_GROUP
    if not _REQUEST_KEYS.isdisjoint(value):
        return REQUEST
    return None


def is_page(value: object) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("results"), list)
        and not _PAGE_KEYS.isdisjoint(value)
    )


def iter_units(
    value: object, forced_kind: str | None = None, pointer: str = ""
) -> Iterator[Unit | Finding]:
    """Yield the units in a document; a value that is none of the known shapes yields a finding.

    ``forced_kind`` (the ``--kind`` option) says what the units are; containers
    (API pages and arrays) are still recognised around them.
    """
    if is_page(value):
        assert isinstance(value, dict)
        for index, item in enumerate(value["results"]):
            yield from iter_units(item, forced_kind, f"{pointer}/results/{index}")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from iter_units(item, forced_kind, f"{pointer}/{index}")
        return
    kind = forced_kind or detect_unit_kind(value)
    if kind is not None:
        yield Unit(kind, value, pointer)
        return
    shape = type(value).__name__ if not isinstance(value, dict) else "an object"
    if isinstance(value, dict):
        keys = ", ".join(sorted(map(str, value))[:6]) or "no keys"
        description = f"{shape} with {keys}"
    else:
        description = {"str": "a string", "int": "a number", "float": "a number"}.get(
            shape, repr(value)[:40]
        )
    yield Finding(
        "J013",
        Severity.ERROR,
        f"this is {description}, not a request group, a request or an API page of them; "
        "a request group has 'requests', a request has 'configurations' "
        "(use --kind to say which it is meant to be)",
        pointer=pointer,
    )
