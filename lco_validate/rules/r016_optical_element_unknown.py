"""An optical element code the instrument type does not have.

For a kind of element the instrument type has (``filter``...), the code must
be one of the elements in that group on the type's instruments (the union over
its instruments that are not DISABLED, at active sites).  Codes are compared
case-insensitively and stored in the catalogue's spelling (``v`` becomes
``V``).  Like the portal, the element's own ``schedulable`` flag is not
checked.  The message lists the valid codes of that kind, sorted.

Passes, in the instrument config::

    {"optical_elements": {"filter": "gp"}}

Passes, in the instrument config (codes are compared case-insensitively)::

    {"optical_elements": {"filter": "v"}}

Fails at /optical_elements/filter, in the instrument config (Sinistro has ``gp``, not
``g``)::

    {"optical_elements": {"filter": "g"}}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue.cerberus_schemas import show
from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.notions import optical_element_groups
from ._configurations import checked_configurations
from ._optical_elements import element_lists

CODE = "R016"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in checked_configurations(context):
        instrument_type = configuration.instrument_type
        groups = optical_element_groups(context.catalogue, instrument_type)
        for index, elements in element_lists(configuration):
            for kind, code in elements.items():
                codes = groups.get(f"{kind}s")
                if codes is None or (isinstance(code, str) and code.lower() in codes):
                    continue
                valid = ", ".join(sorted(codes.values())) or "(none)"
                yield configuration.finding(
                    CODE,
                    SEVERITY,
                    f"{kind} {show(code)} is not available on {instrument_type}; use one of its "
                    f"{kind} codes: {valid}",
                    "instrument_configs",
                    index,
                    "optical_elements",
                    kind,
                )
