"""When the V rules judge a request, and what their messages share.

The portal decides visibility at the end of ``RequestSerializer.validate``,
so it never gets there for a request that an earlier rule refuses; the rule
runner (``rules.run``) therefore skips the V rules for a request with an
R-code error.  Here: the V rules also stay silent when the duration cannot be
computed (D002 says why), when visibility is turned off, and for archive
records unless ``--now`` is given.
"""

from __future__ import annotations

from ..checking.context import RequestContext
from ..model.duration import DurationError


def applies(context: RequestContext) -> bool:
    """True when the portal would compute visibility for this request."""
    if not context.settings.visibility or not context.time_rules_apply:
        return False
    if isinstance(context.duration, DurationError):
        return False
    windows = context.normalized.get("windows")
    return isinstance(windows, list) and bool(windows)


def hours_and_seconds(seconds: float) -> str:
    """Both units, as users compare them with portal messages (hours) and durations (seconds)."""
    return f"{seconds / 3600:.2f} h ({seconds:.0f} s)"


def windows_pointer(context: RequestContext) -> str:
    """The single window when there is one, else the list: what the user would change."""
    windows = context.request.get("windows") or []
    suffix = "/windows/0" if len(windows) == 1 else "/windows"
    return context.pointer + suffix
