"""A configuration's instrument type is not schedulable at the request's location.

The location narrows where a request may run: a telescope class, and
optionally a site, enclosure and telescope.  The portal collects the
instrument types that have a SCHEDULABLE instrument on an active telescope
matching the location and refuses any configuration whose instrument type
(compared in upper case) is not among them.  This is also what ties the
instrument to the telescope class: a 1 m imager under ``"telescope_class":
"0m4"`` is refused here.  The message lists the instrument types schedulable
at that location in the catalogue in use, sorted.

The portal matches location parts as substrings of the catalogue's codes (site
and class compared in lower case); after the exact-choice check of R050 this
only matters for unusual codes, but it is reproduced.  We check as a regular
(non-staff) user: staff who fully specify a location may also use instruments
in other states.  Configurations whose instrument type is not schedulable
anywhere are left to the configuration-level rule, and a location that is
itself invalid (R050-R052) is not looked at, as in the portal.

Passes, in the request::

    {"location": {"telescope_class": "1m0", "site": "lsc"}}

Fails at /configurations/0/instrument_type, in the request (no 0.4 m telescope carries a
Sinistro)::

    {"location": {"telescope_class": "0m4"}}

Fails at /configurations/0/instrument_type, in the request (``ogg`` has no 1 m telescope)::

    {"location": {"telescope_class": "1m0", "site": "ogg"}}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..catalogue.snapshot import SCHEDULABLE, Catalogue
from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._locations import request_location_problems

CODE = "R053"
SEVERITY = Severity.ERROR
SCOPE = "request"


def _describe_location(location: dict[str, Any]) -> str:
    """``1m0 telescopes at any site`` / ``1m0 telescopes at lsc.doma`` style wording."""
    parts = []
    for field in ("site", "enclosure", "telescope"):
        if not location.get(field):
            break  # a valid location narrows site, then enclosure, then telescope (R051)
        parts.append(str(location[field]))
    place = ".".join(parts) if parts else "any site"
    return f"{location.get('telescope_class')} telescopes at {place}"


def _schedulable_at(location: dict[str, Any], catalogue: Catalogue) -> set[str]:
    return catalogue.schedulable_instrument_types(
        telescope_class=str(location.get("telescope_class") or ""),
        site=str(location.get("site") or ""),
        enclosure=str(location.get("enclosure") or ""),
        telescope=str(location.get("telescope") or ""),
    )


def _classes_there(location: dict[str, Any], catalogue: Catalogue) -> list[str]:
    """Telescope classes with a schedulable instrument at the place, whatever the class asked."""
    return sorted(
        {
            placement.telescope_class
            for placement in catalogue.placements
            if placement.active
            and placement.state == SCHEDULABLE
            and str(location.get("site") or "").lower() in placement.site["code"]
            and str(location.get("enclosure") or "") in placement.enclosure["code"]
            and str(location.get("telescope") or "").lower() in placement.telescope["code"]
        }
    )


def check(context: RequestContext) -> Iterator[Finding]:
    location = context.normalized.get("location")
    configurations = context.normalized.get("configurations")
    if not isinstance(location, dict) or not isinstance(configurations, list):
        return
    if request_location_problems(context):
        return
    schedulable_anywhere = context.catalogue.schedulable_instrument_types()
    valid = _schedulable_at(location, context.catalogue)
    for index, configuration in enumerate(configurations):
        instrument_type = str(configuration.get("instrument_type", ""))
        wanted = instrument_type.upper()
        if wanted not in schedulable_anywhere or wanted in valid:
            continue
        place = _describe_location(location)
        if valid:
            message = (
                f"instrument type {instrument_type!r} is not schedulable on {place}; instrument "
                f"types schedulable there: {', '.join(sorted(valid))}. Use one of those or "
                "change the location"
            )
        else:
            classes = _classes_there(location, context.catalogue)
            hint = f" (the telescopes there are of class {', '.join(classes)})" if classes else ""
            message = (
                f"instrument type {instrument_type!r} cannot be scheduled: no instrument type "
                f"is schedulable on {place}{hint}; change the location"
            )
        yield Finding(
            CODE,
            SEVERITY,
            message,
            pointer=f"{context.pointer}/configurations/{index}/instrument_type",
        )
