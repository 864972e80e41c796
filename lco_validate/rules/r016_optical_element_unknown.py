"""An optical element code the instrument type does not have.

For a kind of element the instrument type has (``filter``...), the code must
be one of the elements in that group on the type's instruments (the union over
its instruments that are not DISABLED, at active sites).  Codes are compared
case-insensitively and stored in the catalogue's spelling (``v`` becomes
``V``).  Like the portal, the element's own ``schedulable`` flag is not
checked.  The message lists the valid codes of that kind, sorted.  When the
text is another name of one of them (``r'``, ``rprime``, ``SDSS-r`` or
``sdss_r`` for ``rp``, whose catalogue name is ``SDSS-rp``; a bare ``g`` where
only ``gp`` exists), it asks "did you mean"; when it could name several, it
lists them.

Passes, in the instrument config::

    {"optical_elements": {"filter": "gp"}}

Passes, in the instrument config (codes are compared case-insensitively)::

    {"optical_elements": {"filter": "v"}}

Fails at /optical_elements/filter, in the instrument config (Sinistro has ``gp``, not
``g``)::

    {"optical_elements": {"filter": "g"}}

Fails at /optical_elements/filter, in the instrument config (SDSS r' is coded ``rp``: "did you
mean")::

    {"optical_elements": {"filter": "SDSS-r"}}
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue.cerberus_schemas import show
from ..checking.context import RequestContext
from ..findings import Finding, Fix, FixDocumentation, Severity
from ..model.notions import optical_element_groups, optical_element_names
from ._configurations import checked_configurations
from ._optical_elements import element_lists
from ._spellings import ElementMatch, element_matches

CODE = "R016"
SEVERITY = Severity.ERROR
SCOPE = "configuration"
FIX = FixDocumentation(
    "safe or unsafe",
    "writes the code of the one element the text is another name of: safe when the text "
    "names it for certain (its name, or its system or prime with the band: SDSS-r, r' for rp), "
    "unsafe for a bare band (g for gp, where another system's g may have been meant)",
)


def check(context: RequestContext) -> Iterator[Finding]:
    for configuration in checked_configurations(context):
        instrument_type = configuration.instrument_type
        groups = optical_element_groups(context.catalogue, instrument_type)
        for index, elements in element_lists(configuration):
            for kind, code in elements.items():
                codes = groups.get(f"{kind}s")
                if codes is None or (isinstance(code, str) and code.lower() in codes):
                    continue
                names = optical_element_names(context.catalogue, instrument_type)
                named = names.get(f"{kind}s", {})
                matches = element_matches(code, named) if isinstance(code, str) else []
                advice = _advice(kind, matches, sorted(codes.values()))
                finding = configuration.finding(
                    CODE,
                    SEVERITY,
                    f"{kind} {show(code)} is not available on {instrument_type}; {advice}",
                    "instrument_configs",
                    index,
                    "optical_elements",
                    kind,
                )
                yield finding.with_fix(_alias_fix(matches))


def _advice(kind: str, matches: list[ElementMatch], codes: list[str]) -> str:
    """What to write: the element(s) the text may be another name of, and the valid codes."""
    valid = f"{kind} codes: {', '.join(codes) or '(none)'}"
    shown = [show(match.code) + (f" ({match.name})" if match.name else "") for match in matches]
    if len(shown) == 1:
        return f"did you mean {shown[0]}? Its {valid}"
    if shown:
        choices = f"{', '.join(shown[:-1])} or {shown[-1]}"
        return f"it may name {choices}: write the one meant. Its {valid}"
    return f"use one of its {valid}"


def _alias_fix(matches: list[ElementMatch]) -> Fix | None:
    """The one element the text may name, written as its code; none when several may."""
    if len(matches) != 1:
        return None
    (match,) = matches
    return Fix.replace_value(match.code, f"write {show(match.code)}", safe=match.certain)
