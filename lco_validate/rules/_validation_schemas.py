"""The errors of the validation schemas that apply to a whole configuration.

An instrument type and a configuration type in configdb may each carry a
Cerberus schema the portal applies to the whole configuration.  Serves R011
and R012 (the errors the portal reports, one rule per schema), R013 (the
errors it drops) and R056 (a request whose every configuration the portal
silently leaves out because of them).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.normalize import ConfigurationReview
from ._configurations import checked_configurations

WHOLE_CONFIGURATION_SOURCES = ("instrument type", "configuration type")


def whole_configuration_findings(
    context: RequestContext, source: str, code: str
) -> Iterator[Finding]:
    """Reported errors of the ``source`` schema ("instrument type" or "configuration type")."""
    for configuration in checked_configurations(context):
        for schema_check in configuration.review.schema_checks:
            if schema_check.source != source:
                continue
            for problem in schema_check.outcome.problems:
                if problem.reported_by_portal:
                    yield configuration.finding(
                        code,
                        Severity.ERROR,
                        problem.describe(schema_check.owner),
                        *problem.location,
                    )


def left_out_by_portal(review: ConfigurationReview) -> bool:
    """Whether the portal drops the configuration from the request it stores.

    The portal applies the instrument type's schema, then the configuration
    type's, and stops at the first that fails; when that failure has only
    errors it does not report, the configuration vanishes without an error.
    """
    for schema_check in review.schema_checks:
        if schema_check.source not in WHOLE_CONFIGURATION_SOURCES:
            continue
        problems = schema_check.outcome.problems
        if problems:
            return not any(problem.reported_by_portal for problem in problems)
    return False
