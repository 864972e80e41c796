"""A configuration names an instrument type the catalogue does not have.

Every configuration's ``instrument_type`` must be one of the catalogue's
instrument type codes; the portal compares it in upper case and refuses an
unknown one before looking at anything else in the configuration ("Invalid
instrument type ... Valid instruments may include ...").  The message lists
the instrument types a regular user can schedule in the catalogue in use (the
built-in one or ``--configdb``), sorted, and suggests a close spelling.

An unknown instrument type is a root cause: modes, optical elements, regions
of interest, validation schemas and the minimum repeat duration all depend on
it, so those rules are not run for that configuration.  A type that exists
but has no schedulable instrument is R002.

Passes::

    {"instrument_type": "1M0-SCICAM-SINISTRO", "type": "EXPOSE", ...}

Fails (a retired type)::

    {"instrument_type": "1M0-SCICAM-SBIG", "type": "EXPOSE", ...}
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..catalogue import Catalogue
from ..cerberus_schemas import PathPart
from ..context import RequestContext
from ..findings import Finding, Severity
from ..normalize import (
    ConfigurationReview,
    instrument_type_known,
    iter_configurations,
    pointer_into,
    review_configuration,
)

CODE = "R001"
SEVERITY = Severity.ERROR
SCOPE = "request"

JSON = dict[str, Any]


@dataclass
class CheckedConfiguration:
    """One configuration of a request: as written, normalised, and where it sits."""

    index: int
    written: JSON
    normalized: JSON
    context: RequestContext

    @property
    def instrument_type(self) -> str:
        return str(self.written.get("instrument_type", ""))

    @property
    def catalogue(self) -> Catalogue:
        return self.context.catalogue

    @cached_property
    def review(self) -> ConfigurationReview:
        return review_configuration(self.written, self.catalogue)

    def pointer(self, *parts: PathPart) -> str:
        """Pointer to ``parts`` below this configuration, or the nearest existing object."""
        inside = pointer_into(self.context.request, ("configurations", self.index, *parts))
        return self.context.pointer + inside

    def finding(
        self, code: str, severity: Severity, message: str, *parts: PathPart, at_key: bool = False
    ) -> Finding:
        return Finding(code, severity, message, pointer=self.pointer(*parts), at_key=at_key)


def all_configurations(context: RequestContext) -> list[CheckedConfiguration]:
    """The request's configurations, built once per request and shared by the rules."""
    if "configurations" not in context.shared:
        context.shared["configurations"] = [
            CheckedConfiguration(index, written, normalized, context)
            for index, written, normalized in iter_configurations(
                context.request, context.normalized
            )
        ]
    return context.shared["configurations"]  # type: ignore[no-any-return]


def checked_configurations(context: RequestContext) -> list[CheckedConfiguration]:
    """The configurations whose instrument type the catalogue knows (the others are R001's)."""
    if "known configurations" not in context.shared:
        context.shared["known configurations"] = [
            configuration
            for configuration in all_configurations(context)
            if instrument_type_known(
                context.catalogue, configuration.written.get("instrument_type")
            )
        ]
    return context.shared["known configurations"]  # type: ignore[no-any-return]


def schedulable_types(catalogue: Catalogue) -> list[str]:
    return sorted(catalogue.schedulable_instrument_types())


def check(context: RequestContext) -> Iterator[Finding]:
    known = set(context.catalogue.instrument_type_codes())
    for configuration in all_configurations(context):
        instrument_type = configuration.written.get("instrument_type")
        if not isinstance(instrument_type, str) or instrument_type.upper() in known:
            continue
        valid = schedulable_types(context.catalogue)
        close = difflib.get_close_matches(instrument_type.upper(), sorted(known), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        yield configuration.finding(
            CODE,
            SEVERITY,
            f"instrument type {instrument_type!r} is not in the catalogue{hint}; use one of the "
            f"schedulable instrument types: {', '.join(valid) or '(none)'}",
            "instrument_type",
        )
