"""The group's operator does not match its number of requests.

``SINGLE`` is for a group of exactly one request, ``MANY`` for a group of
several independent requests.  The portal refuses SINGLE with more than one
request and any other operator with exactly one.  (Its message for the
latter is worded for MANY whatever the operator; the schema already refuses
operators other than SINGLE and MANY, so that quirk cannot show here.)
Reported at ``operator``.

Passes, in the group (two requests)::

    {"operator": "MANY", "requests": [{}, {}]}

Fails at /operator, in the group (MANY with one request)::

    {"operator": "MANY"}

Fails at /operator, in the group (SINGLE with two requests)::

    {"operator": "SINGLE", "requests": [{}, {}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import GroupContext
from ..findings import Finding, Severity

CODE = "R081"
SEVERITY = Severity.ERROR
SCOPE = "group"


def check(context: GroupContext) -> Iterator[Finding]:
    operator = context.group.get("operator")
    requests = context.group.get("requests")
    if not isinstance(operator, str) or not isinstance(requests, list):
        return
    count = len(requests)
    if operator == "SINGLE" and count > 1:
        message = (
            f"operator SINGLE is for a group of one request, but this group has {count}; "
            "use operator MANY, or split the requests into groups of their own"
        )
    elif operator != "SINGLE" and count == 1:
        message = (
            f"operator {operator} is for a group of several requests, but this group has one; "
            "use operator SINGLE"
        )
    else:
        return
    yield Finding(CODE, SEVERITY, message, pointer=f"{context.pointer}/operator")
