"""A request body read as the portal's JSON parser reads it, for the endpoints that take one.

``read_body`` gives the parsed document with the loader's findings, or the
portal's 400 ``{"detail": "JSON parse error - ..."}`` for what its parser
refuses: the same reading ``validate.answer_text`` makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..documents.loading import SourceFile, load_bytes
from ..findings import Finding, Severity

JSON = dict[str, Any]

#: Findings for which the portal's JSON parser refuses the body (status 400).
PARSE_ERRORS = frozenset({"J001", "J004", "J006", "J007", "J008", "J009", "J011", "J014"})


@dataclass(frozen=True)
class ParsedBody:
    document: object
    #: What the loader noticed in the text (duplicate keys, lone surrogates...).
    findings: list[Finding]


def read_body(body: bytes) -> ParsedBody | tuple[int, JSON]:
    """The body's document, or (400, the portal's parse error) when it cannot be read."""
    source = SourceFile(path="request body")
    load_bytes(source, body)
    unreadable = [f for f in source.findings if f.severity is Severity.ERROR]
    if not source.documents or (unreadable and unreadable[0].code in PARSE_ERRORS):
        reason = unreadable[0].message if unreadable else "the body is empty"
        return 400, {"detail": f"JSON parse error - {reason}"}
    return ParsedBody(source.documents[0].value, source.findings)
