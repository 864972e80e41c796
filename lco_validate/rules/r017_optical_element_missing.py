"""An instrument config lacks an optical element its configuration type requires.

Unless the configuration type is marked in configdb as not requiring optical
elements (BIAS, DARK, SCRIPT on imagers...), the portal wants every instrument
config to name an element of each kind the instrument type has: a filter on
an imager, a slit on FLOYDS, all four narrowband positions on MuSCAT.  No
element is filled in by default (configdb's group default is not used).  The
message names the kind and lists its codes, sorted.

Reported at the instrument config's ``optical_elements`` (or the instrument
config when it has none).  Not checked when the configuration type is not
offered (R003) or the instrument config names an unknown kind (R015).

Passes, in the instrument config::

    {"optical_elements": {"filter": "V"}}

Passes, in the instrument config, with catalogue diffuser.json (a Sinistro with filters and
a diffuser)::

    {"optical_elements": {"filter": "V", "diffuser": "out"}}

Fails at /optical_elements, in the instrument config, with catalogue diffuser.json (no
diffuser; the group's default is not used)::

    {"optical_elements": {"filter": "V"}}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.notions import optical_element_groups, singular_element_type
from ._configurations import checked_configurations
from ._optical_elements import unknown_element_types

CODE = "R017"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in checked_configurations(context):
        instrument_type = configuration.instrument_type
        configuration_type = str(configuration.normalized.get("type", ""))
        properties = context.catalogue.configuration_types(instrument_type).get(configuration_type)
        if properties is None or not properties.get("requires_optical_elements", True):
            continue
        groups = optical_element_groups(context.catalogue, instrument_type)
        instrument_configs = configuration.written.get("instrument_configs") or []
        for index, instrument_config in enumerate(instrument_configs):
            if not isinstance(instrument_config, dict):
                continue
            elements = instrument_config.get("optical_elements")
            elements = elements if isinstance(elements, dict) else {}
            if unknown_element_types(elements, groups):
                continue
            for group_type, codes in sorted(groups.items()):
                kind = singular_element_type(group_type)
                if kind in elements:
                    continue
                yield configuration.finding(
                    CODE,
                    SEVERITY,
                    f"{configuration_type} on {instrument_type} needs a {kind} in each "
                    f"instrument config; add optical_elements.{kind}, one of: "
                    f"{', '.join(sorted(codes.values())) or '(none)'}",
                    "instrument_configs",
                    index,
                    "optical_elements",
                )
