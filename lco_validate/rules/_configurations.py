"""The configurations of a request as configuration rules see them, and their cached findings.

A rule with ``SCOPE = "configuration"`` judges each configuration on its own:
nothing else in the request, no setting of the run but the catalogue, and none
of the keys the configuration's review leaves aside (``id``, ``priority``, and
``target`` unless a configdb schema reads it) may change its findings.  The
runner therefore hands such a rule a request holding one configuration only,
and keeps the findings in the run's memory (``Settings.memory``) by the
configuration's content, so that a configuration seen again (a cadence repeats
its request's) costs a lookup.  The content is the review's key, which leaves
out exposure values where no schema or configuration rule reads them
(``model/review_keys``): a rule that starts reading them must say so there.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

from ..catalogue.cerberus_schemas import PathPart
from ..catalogue.snapshot import Catalogue
from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.normalize import ConfigurationReview
from ..model.notions import instrument_type_known, pointer_into

JSON = dict[str, Any]


@dataclass
class CheckedConfiguration:
    """One configuration of a request: as written, normalised, and where it sits.

    No reference back to the request's context: a request's objects then form no
    cycle and are freed as soon as it is checked, without the garbage collector.
    """

    index: int
    written: JSON
    normalized: JSON
    review: ConfigurationReview
    catalogue: Catalogue
    request: JSON
    request_pointer: str

    @property
    def instrument_type(self) -> str:
        return str(self.written.get("instrument_type", ""))

    def pointer(self, *parts: PathPart) -> str:
        """Pointer to ``parts`` below this configuration, or the nearest existing object."""
        inside = pointer_into(self.request, ("configurations", self.index, *parts))
        return self.request_pointer + inside

    def finding(
        self, code: str, severity: Severity, message: str, *parts: PathPart, at_key: bool = False
    ) -> Finding:
        return Finding(code, severity, message, pointer=self.pointer(*parts), at_key=at_key)


def all_configurations(context: RequestContext) -> list[CheckedConfiguration]:
    """The request's configuration objects, built once per request and shared by the rules."""
    return context.once(_configurations)


def _configurations(context: RequestContext) -> list[CheckedConfiguration]:
    written = context.request.get("configurations")
    normalized = context.normalized.get("configurations")
    if not isinstance(written, list) or not isinstance(normalized, list):
        return []
    return [
        CheckedConfiguration(
            index,
            written[index],
            normalized[index],
            review,
            context.catalogue,
            context.request,
            context.pointer,
        )
        for index, review in context.reviews.items()
    ]


def checked_configurations(context: RequestContext) -> list[CheckedConfiguration]:
    """The configurations whose instrument type the catalogue knows (the others are R001's)."""
    return context.once(_known_configurations)


def _known_configurations(context: RequestContext) -> list[CheckedConfiguration]:
    return [
        configuration
        for configuration in all_configurations(context)
        if instrument_type_known(context.catalogue, configuration.written.get("instrument_type"))
    ]


def configuration_findings(
    context: RequestContext, rules: Iterable[ModuleType], indices: Iterable[int] | None = None
) -> list[Finding]:
    """The configuration rules' findings for each configuration (or those at ``indices``)."""
    rules = tuple(rules)
    codes = _codes(rules)
    found: list[Finding] = []
    reviews = context.reviews
    if not reviews:
        return found
    normalized = context.normalized.get("configurations")
    if not isinstance(normalized, list):
        return found
    chosen = None if indices is None else set(indices)
    memory = context.settings.memory
    # A configuration seen before costs a lookup: no CheckedConfiguration is built for it.
    for index, review in reviews.items():
        if chosen is not None and index not in chosen:
            continue
        key = ("configuration findings", review.key, codes)
        alone = memory.get(key)
        if alone is None:
            alone = memory.remembered(
                key,
                lambda index=index: _check_alone(context, index, normalized[index], rules),  # type: ignore[misc]
            )
        if alone:
            here = f"{context.pointer}/configurations/{index}"
            found += [finding.under(here) for finding in alone]
    return found


@functools.lru_cache(maxsize=64)
def _codes(rules: tuple[ModuleType, ...]) -> tuple[str, ...]:
    return tuple(rule.CODE for rule in rules)


def _check_alone(
    context: RequestContext, index: int, normalized: JSON, rules: tuple[ModuleType, ...]
) -> tuple[Finding, ...]:
    """The rules' findings on a request holding only this configuration, pointers relative to it."""
    alone = RequestContext.of_one_configuration(context, index, normalized)
    prefix = len("/configurations/0")
    return tuple(
        replace(finding, pointer=finding.pointer[prefix:])
        for rule in rules
        for finding in rule.check(alone)
    )
