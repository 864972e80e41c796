"""An instrument config names a kind of optical element the instrument type does not have.

``optical_elements`` maps element kinds in the singular (``filter``,
``slit``, ``narrowband_g_position``) to element codes.  The portal adds an
``s`` to each kind and refuses one that is not an optical element group of the
instrument type's instruments (the union over its instruments that are not
DISABLED, at active sites).  The message lists the kinds the instrument type
has, sorted, and suggests a close one (``filters`` for ``filter``).

Reported at the key.  Such an instrument config is not also checked for
missing required elements (R017): the unknown key is usually the intended
element.

Passes, in the instrument config::

    {"optical_elements": {"filter": "V"}}

Fails at /optical_elements/slit, in the instrument config::

    {"optical_elements": {"slit": "slit_1.6as"}}
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.notions import optical_element_groups, singular_element_type
from ._configurations import checked_configurations
from ._optical_elements import element_lists, unknown_element_types

CODE = "R015"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in checked_configurations(context):
        instrument_type = configuration.instrument_type
        groups = optical_element_groups(context.catalogue, instrument_type)
        kinds = sorted(singular_element_type(group) for group in groups)
        for index, elements in element_lists(configuration):
            for kind in unknown_element_types(elements, groups):
                close = difflib.get_close_matches(kind, kinds, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                if kinds:
                    advice = f"its kinds of optical element are: {', '.join(kinds)}"
                else:
                    advice = "it has no optical elements: remove this entry"
                yield configuration.finding(
                    CODE,
                    SEVERITY,
                    f"{instrument_type} has no optical elements of kind {kind!r}{hint}; {advice}",
                    "instrument_configs",
                    index,
                    "optical_elements",
                    kind,
                    at_key=True,
                )
