"""A validation schema rejects a configuration field, but the portal ignores that (warning).

The portal applies instrument-type and configuration-type schemas to the
whole configuration, but turns into errors only those under ``extra_params``,
``instrument_configs``, ``guiding_config``, ``acquisition_config``, ``target``
and ``constraints``.  An error on another key (``type``, ``repeat_duration``,
``instrument_type``...) is dropped: the request is accepted as if the schema
had passed.  Worse, when such errors are the only ones, the portal's list
handling treats the empty error as "no error" yet leaves the configuration
out of what it stores, so the configuration silently disappears from the
submitted request.

A warning, because the portal accepts the request: the schema's intent is
still broken, and the stored request may differ from the one sent.  When
every configuration of a request is left out, the portal refuses the request
for having none: that is R056, an error.

Passes, in the configuration, with catalogue sites.json (a schema allowing only EXPOSE,
SKY_FLAT and STANDARD)::

    {"type": "EXPOSE"}

Fails at /type, in the configuration, with catalogue sites.json (the same schema; the portal
says nothing)::

    {"type": "AUTO_FOCUS"}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._configurations import checked_configurations
from ._validation_schemas import WHOLE_CONFIGURATION_SOURCES

CODE = "R013"
SEVERITY = Severity.WARNING
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in checked_configurations(context):
        for schema_check in configuration.review.schema_checks:
            if schema_check.source not in WHOLE_CONFIGURATION_SOURCES:
                continue
            for problem in schema_check.outcome.problems:
                if problem.reported_by_portal:
                    continue
                yield configuration.finding(
                    CODE,
                    SEVERITY,
                    f"{problem.describe(schema_check.owner)}. The portal does not report errors "
                    f"on {problem.path[0]!s}: it accepts the request, and if this is the "
                    "configuration's only schema error it leaves the configuration out of the "
                    "stored request",
                    *problem.location,
                )
