"""What the portal's ``POST /api/airmass/`` answers, computed offline.

The body is one request (not a group), validated as a request inside
``/validate/`` is, with no proposal and no group around it.  The portal
answers HTTP 200 either way: a refused request gets the serializer's errors as
the whole body, rooted at the request (no ``errors`` wrapper); an accepted one
``{"airmass_data": {site: {"times", "airmasses"}}, "airmass_limit": x}``
(``visibility.airmass``).  A client tells them apart by ``airmass_data``.
A body the JSON parser refuses gets the portal's 400, as ``validate``'s.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..checking.context import RequestContext
from ..checking.pipeline import check_unit
from ..checking.policy import Settings
from ..documents.kinds import REQUEST_GROUP, Unit
from ..findings import Finding, Severity
from ..reporters.portal_errors import NON_FIELD, nested_errors
from ..rules import rules_for
from .parsed_body import ParsedBody, read_body

JSON = dict[str, Any]

#: The request is checked inside a group that no rule objects to, and only what lies in
#: the request is kept: the portal validates it with its request serializer alone.
_WRAPPER = {
    "name": "airmass",
    "proposal": "airmass",
    "ipp_value": 1.0,
    "operator": "SINGLE",
    "observation_type": "NORMAL",
}
_REQUEST = "/requests/0"


def answer_text(body: bytes, settings: Settings) -> tuple[int, JSON]:
    """(HTTP status, body) for a request body, as the portal's airmass view gives them."""
    parsed = read_body(body)
    if not isinstance(parsed, ParsedBody):
        return parsed
    return 200, answer(parsed.document, settings, parsed.findings)


def answer(document: object, settings: Settings, found: list[Finding] | None = None) -> JSON:
    """The airmass view's answer for a parsed body; ``found``: the loader's findings."""
    if not isinstance(document, dict):
        kind = "a list" if isinstance(document, list) else type(document).__name__
        message = f"J013 the body is {kind}; the airmass endpoint takes one request (an object)"
        return {NON_FIELD: [message]}
    errors, context = checked_request(document, settings)
    errors = [*(f for f in found or [] if f.severity is Severity.ERROR), *errors]
    if errors or context is None:
        return nested_errors(document, errors)
    from ..visibility.airmass import request_airmass

    curves = request_airmass(context.normalized, settings.catalogue, settings.effective_now)
    if curves["airmass_data"]:
        unpropagated = orbits_left_out(context.normalized)
        if unpropagated:
            return nested_errors(document, unpropagated)
    return curves


def orbits_left_out(request: JSON) -> list[Finding]:
    """Orbital targets whose elements cannot be propagated, which the portal fails on here.

    Visibility leaves such a target out (V003 warns), so another target can
    still make the request observable; the airmass view then asks SLALIB for
    that target's place at each sample and fails (HTTP 500).  We refuse at
    the element instead.
    """
    from ..visibility.observability import request_pairs

    _, unusable = request_pairs(request)
    return [
        Finding(
            "V003",
            Severity.ERROR,
            f"the airmass of this target cannot be drawn: {entry.reason} (the portal fails "
            "with a server error here)",
            pointer=f"/configurations/{entry.configuration}/target/{entry.key}",
        )
        for entry in unusable
        if not entry.portal_fails
    ]


def checked_request(
    request: JSON, settings: Settings
) -> tuple[list[Finding], RequestContext | None]:
    """The request's errors (pointers rooted at the request) and its context when well formed."""
    group = {**_WRAPPER, "requests": [request]}
    checked = check_unit(Unit(REQUEST_GROUP, group, ""), settings)
    group_rules = {rule.CODE for rule in rules_for("group")}
    errors = [
        replace(finding, pointer=finding.pointer[len(_REQUEST) :])
        for finding in checked.findings
        if finding.severity is Severity.ERROR
        and finding.code not in group_rules
        and (finding.pointer == _REQUEST or finding.pointer.startswith(_REQUEST + "/"))
    ]
    return errors, (checked.well_formed[0] if checked.well_formed else None)


def stored_answer(body: bytes, settings: Settings) -> tuple[int, JSON]:
    """``GET /api/requests/{id}/airmass/``: a stored request's airmass, without validation.

    The portal computes it for a request it has kept, whose windows may have passed.
    """
    import json

    from ..model.normalize import normalized_request
    from ..visibility.airmass import request_airmass

    request = json.loads(body)
    normalized = normalized_request(request, settings.catalogue, submission=False)
    return 200, request_airmass(normalized, settings.catalogue, settings.effective_now)
