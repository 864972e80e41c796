"""What is wrong with a request's location, decided once for the rules that report it.

The portal looks for unknown codes and codes whose parent is missing first,
and asks whether the codes nest only when there are none.  Serves R050, R051
and R052 (one kind of problem each, through ``location_findings``) and R053
(which judges the instruments at a location only once it has no problem).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..catalogue.snapshot import Catalogue, telescope_class
from ..checking.context import RequestContext
from ..findings import Finding, Severity

#: The location fields in the order the portal lists them, with the noun a message uses.
LOCATION_FIELDS = {
    "telescope_class": "telescope class",
    "site": "site",
    "enclosure": "enclosure",
    "telescope": "telescope",
}


@dataclass(frozen=True)
class LocationProblem:
    """One thing wrong with a location, in the order the portal decides them.

    ``kind`` is ``"unknown"`` (R050), ``"missing_parent"`` (R051) or
    ``"not_nested"`` (R052); ``field`` is the location key at fault, or ""
    when the problem is a key that is missing (reported at the location).
    """

    kind: str
    field: str
    message: str


@functools.lru_cache(maxsize=8)
def location_choices(catalogue: Catalogue) -> dict[str, frozenset[str]]:
    """Every code the portal offers for each location field: all of the snapshot, active or not."""
    enclosures = [e for site in catalogue.sites for e in site.get("enclosure_set", [])]
    telescopes = [t for enclosure in enclosures for t in enclosure.get("telescope_set", [])]
    return {
        "telescope_class": frozenset(telescope_class(telescope) for telescope in telescopes),
        "site": frozenset(site["code"] for site in catalogue.sites),
        "enclosure": frozenset(enclosure["code"] for enclosure in enclosures),
        "telescope": frozenset(telescope["code"] for telescope in telescopes),
    }


def location_problems(location: dict[str, Any], catalogue: Catalogue) -> list[LocationProblem]:
    """What is wrong with ``location``; an empty list means the portal accepts it.

    A member that is a list or an object is a schema matter (S001) and left
    out here, as the portal judges the rest of a location only without it.
    """
    return list(_known_location_problems(_members(location), catalogue))


def _members(location: dict[str, Any]) -> tuple[tuple[str, type, Any], ...]:
    """The location's scalar members as a cache key."""
    # Types too: 1, 1.0 and True are equal keys but read differently in messages.
    return tuple(
        [
            (key, type(value), value)
            for key, value in location.items()
            if not isinstance(value, (list, dict))  # a tuple: checked faster than list | dict
        ]
    )


@functools.lru_cache(maxsize=1024)  # four rules ask, and archives repeat a few locations
def _known_location_problems(
    members: tuple[tuple[str, type, Any], ...], catalogue: Catalogue
) -> tuple[LocationProblem, ...]:
    return tuple(_location_problems({key: value for key, _, value in members}, catalogue))


def _location_problems(location: dict[str, Any], catalogue: Catalogue) -> list[LocationProblem]:
    problems = _unknown_codes(location, catalogue)
    problems += _missing_parents(location)
    if not problems:
        problems += _nesting(location, catalogue)
    return problems


def _unknown_codes(location: dict[str, Any], catalogue: Catalogue) -> list[LocationProblem]:
    choices = location_choices(catalogue)
    problems = []
    for field, noun in LOCATION_FIELDS.items():
        if field not in location:
            continue
        value = location[field]
        if value in choices[field]:
            continue
        valid = sorted(choices[field])
        hint = ""
        if isinstance(value, str):
            same_letters = [code for code in valid if code.lower() == value.strip().lower()]
            if same_letters:
                hint = f" (did you mean '{same_letters[0]}'? codes are matched exactly)"
        optional = "" if field == "telescope_class" else f", or leave '{field}' out to allow any"
        problems.append(
            LocationProblem(
                "unknown",
                field,
                f"{noun} {value!r} is not in the catalogue{hint}; choose one of "
                f"{', '.join(valid)}{optional}",
            )
        )
    return problems


def _missing_parents(location: dict[str, Any]) -> list[LocationProblem]:
    problems = []
    if "enclosure" in location and "site" not in location:
        problems.append(
            LocationProblem(
                "missing_parent",
                "",
                f"the location names enclosure {location['enclosure']!r} but no site; enclosure "
                "codes repeat across sites, so add the 'site' it belongs to or drop the enclosure",
            )
        )
    if "telescope" in location and "enclosure" not in location:
        problems.append(
            LocationProblem(
                "missing_parent",
                "",
                f"the location names telescope {location['telescope']!r} but no enclosure; "
                "telescope codes repeat across enclosures, so add the 'enclosure' (and 'site') "
                "it stands in or drop the telescope",
            )
        )
    return problems


def _nesting(location: dict[str, Any], catalogue: Catalogue) -> list[LocationProblem]:
    site = next((s for s in catalogue.sites if s["code"] == location.get("site")), None)
    if site is None or "enclosure" not in location:
        return []
    enclosures = {enclosure["code"]: enclosure for enclosure in site.get("enclosure_set", [])}
    enclosure = enclosures.get(location["enclosure"])
    if enclosure is None:
        return [
            LocationProblem(
                "not_nested",
                "enclosure",
                f"there is no enclosure {location['enclosure']!r} at site {site['code']!r}; "
                f"enclosures there: {_listed(enclosures)}",
            )
        ]
    telescopes = [telescope["code"] for telescope in enclosure.get("telescope_set", [])]
    if "telescope" in location and location["telescope"] not in telescopes:
        return [
            LocationProblem(
                "not_nested",
                "telescope",
                f"there is no telescope {location['telescope']!r} in enclosure "
                f"{site['code']}.{enclosure['code']}; telescopes there: {_listed(telescopes)}",
            )
        ]
    return []


def _listed(codes: Any) -> str:
    return ", ".join(sorted(codes)) or "none"


def request_location_problems(context: RequestContext) -> Sequence[LocationProblem] | None:
    """The problems of the request's (normalised) location, once per request; None: no location."""
    return context.once(_request_location_problems)


def _request_location_problems(context: RequestContext) -> Sequence[LocationProblem] | None:
    location = context.normalized.get("location")
    if not isinstance(location, dict):
        return None
    return _known_location_problems(_members(location), context.catalogue)


def location_findings(
    context: RequestContext, kind: str, code: str, severity: Severity
) -> Iterator[Finding]:
    """Findings for the location problems of one ``kind``, as rule ``code``."""
    pointer = f"{context.pointer}/location"
    for problem in request_location_problems(context) or ():
        if problem.kind == kind:
            where = f"{pointer}/{problem.field}" if problem.field else pointer
            yield Finding(code, severity, problem.message, pointer=where)
