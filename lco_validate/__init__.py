"""lco-validate: offline validation and duration estimates for LCO observation requests.

The Python API mirrors the command line::

    from lco_validate import check_file, check_document, load_catalogue, request_duration

    findings = check_file("request.json")            # located findings
    findings = check_document({"requests": [...]})   # findings with JSON Pointers
    catalogue = load_catalogue()                     # the built-in LCO network
    timed = request_duration(request, catalogue)     # .duration, and the terms
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .catalogue.snapshot import Catalogue, CatalogueError, load_catalogue
from .findings import Finding, Severity
from .model.duration import DurationError, RequestDuration
from .model.duration import request_duration as _raw_request_duration

__all__ = [
    "Catalogue",
    "CatalogueError",
    "DurationError",
    "Finding",
    "RequestDuration",
    "Severity",
    "check_document",
    "check_file",
    "load_catalogue",
    "request_duration",
]


def _settings(catalogue: Catalogue | None, **options: Any) -> Any:
    from .checking.context import Settings

    return Settings(catalogue=catalogue or load_catalogue(), **options)


def check_file(
    path: str | Path, catalogue: Catalogue | None = None, **options: Any
) -> list[Finding]:
    """Check one file; ``options`` are those of ``Settings`` (now, kind, duration_tolerance)."""
    from .checking.pipeline import check_file as check

    return check(str(path), _settings(catalogue, **options)).findings


def check_document(
    document: object, catalogue: Catalogue | None = None, **options: Any
) -> list[Finding]:
    """Check a parsed document (request group, request, API page or a list of them)."""
    from .checking.pipeline import check_document as check

    return check(document, _settings(catalogue, **options))


def request_duration(
    request: dict[str, Any], catalogue: Catalogue | None = None, *, submission: bool | None = None
) -> RequestDuration:
    """The portal's duration of one request, with defaults filled in as the portal does.

    ``submission`` (default: true unless the request carries read-only fields such as
    ``id``) makes submitted order, not stored priorities, decide the configuration order.
    """
    from .documents.kinds import is_record
    from .model.normalize import normalized_request

    catalogue = catalogue or load_catalogue()
    if submission is None:
        submission = not is_record(request)
    normalized = normalized_request(request, catalogue, submission=submission)
    return _raw_request_duration(normalized, catalogue)
