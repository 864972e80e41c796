"""The group's ipp_value is outside 0.5 to 2.0.

The intra-proposal priority scales a group's priority against the proposal's
other groups: above 1 it raises it (and is paid for from the proposal's IPP
time), below 1 it lowers it.  The field only refuses negative numbers; the
group check then refuses anything outside [0.5, 2.0] (the portal's
MIN_IPP_VALUE and MAX_IPP_VALUE, settable per deployment; these are LCO's).
Whether the proposal has enough IPP time for a value above 1 needs the
portal's database and is not checked.

Passes, in the group (the bounds are allowed)::

    {"ipp_value": 2.0}

Fails at /ipp_value, in the group::

    {"ipp_value": 2.5}

Fails at /ipp_value, in the group::

    {"ipp_value": 0.4}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import GroupContext
from ..findings import Finding, Severity, number_text
from ..model.values import as_number

CODE = "R080"
SEVERITY = Severity.ERROR
SCOPE = "group"

MIN_IPP_VALUE = 0.5
MAX_IPP_VALUE = 2.0


def check(context: GroupContext) -> Iterator[Finding]:
    value = as_number(context.group.get("ipp_value"))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return  # missing or not a number: the schema reports it
    if MIN_IPP_VALUE <= value <= MAX_IPP_VALUE:
        return
    nearest = MIN_IPP_VALUE if value < MIN_IPP_VALUE else MAX_IPP_VALUE
    yield Finding(
        CODE,
        SEVERITY,
        f"ipp_value {number_text(value)} is outside {MIN_IPP_VALUE} to {MAX_IPP_VALUE}, the "
        f"range the portal accepts; use a value in that range (the nearest is {nearest}, "
        "and 1.0 leaves the priority unchanged)",
        pointer=f"{context.pointer}/ipp_value",
    )
