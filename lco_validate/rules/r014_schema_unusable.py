"""A validation schema in the catalogue cannot be applied: the portal would fail.

Instrument types, their configuration types and their modes carry Cerberus
``validation_schema``s.  A schema that is ``null`` (seen in configdb test
data), not an object, uses a rule Cerberus does not know, or fails while
validating (an ``items`` rule on a value that is not a list) makes the
portal fail with a server error (HTTP 500) on every configuration that
reaches it, instead of answering with a validation message.

Difference from the portal: reported as an error naming the schema's owner
and the reason, at the instrument type, the configuration type or the mode.
This is a fault of the catalogue (the built-in one has none): check the
``--configdb`` snapshot.  ``description`` annotations are accepted, as the
portal's own validator accepts them.

Passes, in the instrument config, with catalogue sites.json::

    {"mode": "full_frame"}

Fails at /mode, in the instrument config, with catalogue sites.json (this readout mode's
schema uses a rule Cerberus does not know)::

    {"mode": "central_2k_2x2"}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.modes import MODE_KEYS
from ._configurations import checked_configurations

CODE = "R014"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in checked_configurations(context):
        for schema_check in configuration.review.schema_checks:
            reason = schema_check.outcome.unusable
            if not reason:
                continue
            if schema_check.source == "instrument type":
                parts: tuple[str | int, ...] = ("instrument_type",)
            elif schema_check.source == "configuration type":
                parts = ("type",)
            else:
                mode_type = schema_check.source.removesuffix(" mode")
                parts = (*schema_check.location, *MODE_KEYS[mode_type])
            yield configuration.finding(
                CODE,
                SEVERITY,
                f"the portal cannot apply the validation schema of {schema_check.owner} "
                f"({reason}) and fails with a server error (HTTP 500); fix the catalogue or "
                "choose another",
                *parts,
            )
