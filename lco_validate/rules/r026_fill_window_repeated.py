"""More than one configuration of a request sets fill_window.

``fill_window: true`` on a REPEAT configuration asks the portal to stretch
its ``repeat_duration`` to fill the longest visible interval of the window.
Only one configuration per request may ask for it.  Reported at each
``fill_window`` after the first one set.

Passes, in the request::

    {"configurations": [{"type": "REPEAT_EXPOSE", "repeat_duration": 600, "fill_window": true},
                        {"type": "EXPOSE"}]}

Fails at /configurations/1/fill_window, in the request::

    {"configurations": [{"type": "REPEAT_EXPOSE", "repeat_duration": 600, "fill_window": true},
                        {"type": "REPEAT_EXPOSE", "repeat_duration": 600, "fill_window": true}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._configurations import all_configurations

CODE = "R026"
SEVERITY = Severity.ERROR
SCOPE = "request"
#: Judged once every configuration of the request is well formed.
JUDGES = "/configurations"


def check(context: RequestContext) -> Iterator[Finding]:
    configurations = context.normalized.get("configurations")
    if not isinstance(configurations, list) or len(configurations) < 2:
        return  # a second configuration filling the window is what is reported
    filling = [c for c in all_configurations(context) if c.normalized.get("fill_window") is True]
    if len(filling) < 2:
        return
    first = filling[0].index
    for configuration in filling[1:]:
        yield configuration.finding(
            CODE,
            SEVERITY,
            f"fill_window is set here and on configuration {first}; a request may fill the "
            "window with one configuration only, so keep it on one and remove it from the others",
            "fill_window",
        )
