"""A SCRIPT configuration does not name its script.

SCRIPT configurations run a named script at the telescope; the portal wants
a non-empty ``extra_params.script_name`` in the configuration.

Passes, in the configuration::

    {"type": "SCRIPT", "extra_params": {"script_name": "focus_sweep"}}

Fails at /extra_params, in the configuration::

    {"type": "SCRIPT", "extra_params": {}}

Fails at /extra_params/script_name, in the configuration::

    {"type": "SCRIPT", "extra_params": {"script_name": ""}}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ._configurations import all_configurations

CODE = "R022"
SEVERITY = Severity.ERROR
SCOPE = "configuration"


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in all_configurations(context):
        if configuration.normalized.get("type") != "SCRIPT":
            continue
        extra = configuration.normalized.get("extra_params")
        if isinstance(extra, dict) and extra.get("script_name"):
            continue
        yield configuration.finding(
            CODE,
            SEVERITY,
            "a SCRIPT configuration needs the script to run: set extra_params.script_name to "
            "the script's name",
            "extra_params",
            "script_name",
        )
