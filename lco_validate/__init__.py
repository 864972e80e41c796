"""lco-validate: offline validation and duration estimates for LCO observation requests.

The Python API mirrors the command line::

    from lco_validate import check_file, check_document, load_catalogue, request_duration

    findings = check_file("request.json")            # located findings
    findings = check_document({"requests": [...]})   # findings with JSON Pointers
    catalogue = load_catalogue()                     # the built-in LCO network
    timed = request_duration(request, catalogue)     # .duration, and the terms
    fixed = fix_text(text)                           # the text with its safe fixes applied

``check_file`` and ``check_document`` read settings as ``lco-validate check``
does: the nearest ``pyproject.toml`` with a ``[tool.lco-validate]`` table,
looked for from the current folder upwards, over the defaults.  ``config``
chooses the file: True (the default) looks for it, False reads none, a path
reads that file (a ``pyproject.toml`` or a bare table).  Keyword arguments
override the file; they are the settings of ``check``, with ``_`` for ``-``::

    check_file("request.json", select=["R", "D"], ignore=["R071"],
               severity={"S101": "error"}, duration_tolerance=2,
               now="2030-06-01T00:00:00Z", visibility=False, configdb="sites.json")
    check_file("request.json", config=False)         # the defaults and keywords only

``fix_text`` takes the same, and ``unsafe_fixes`` (as ``--unsafe-fixes``) and
``json_lines`` (the text is JSON Lines, one document a line).  Also ``kind``
(as ``--kind``).  A ``catalogue`` given as an object wins over ``configdb``.
``strict``, ``include``, ``exclude``, ``output-format`` and ``fix`` concern
runs over files and are not taken.  An unusable setting raises ``SettingError``
(a ``ValueError``) naming it and where it came from.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .catalogue.snapshot import Catalogue, CatalogueError, load_catalogue
from .checking.policy import SettingError
from .findings import Finding, Severity
from .model.duration import DurationError, RequestDuration
from .model.duration import request_duration as _raw_request_duration

if TYPE_CHECKING:
    from .checking.policy import Resolution, Settings

__all__ = [
    "Catalogue",
    "CatalogueError",
    "DurationError",
    "Finding",
    "RequestDuration",
    "SettingError",
    "Severity",
    "check_document",
    "check_file",
    "fix_text",
    "load_catalogue",
    "request_duration",
]


def _settings(
    catalogue: Catalogue | None,
    config: str | os.PathLike[str] | bool,
    kind: str | None,
    keywords: dict[str, Any],
    caller: str,
) -> Settings:
    """The run's settings: ``keywords`` over the settings file over the defaults."""
    return _resolution(config, keywords, caller).settings(kind=kind, catalogue=catalogue)


def _resolution(
    config: str | os.PathLike[str] | bool, keywords: dict[str, Any], caller: str
) -> Resolution:
    from .checking.policy import API, BY_NAME, resolve

    explicit: dict[str, Any] = {}
    for keyword, value in keywords.items():
        name = keyword.replace("_", "-")
        if name not in BY_NAME or API not in BY_NAME[name].used_by:
            taken = sorted(s.python_name for s in BY_NAME.values() if API in s.used_by)
            raise TypeError(
                f"{caller}() got an unexpected keyword argument {keyword!r}; settings: "
                f"{', '.join([*taken, 'kind', 'config'])}"
            )
        explicit[name] = value
    return resolve(explicit, config=config, entry=API, origin=f"{caller}() argument")


def check_file(
    path: str | Path,
    catalogue: Catalogue | None = None,
    *,
    config: str | os.PathLike[str] | bool = True,
    kind: str | None = None,
    **settings: Any,
) -> list[Finding]:
    """Check one file: located findings, under the settings file and ``settings`` (see above)."""
    from .checking.pipeline import check_file as check

    return check(str(path), _settings(catalogue, config, kind, settings, "check_file")).findings


def check_document(
    document: object,
    catalogue: Catalogue | None = None,
    *,
    config: str | os.PathLike[str] | bool = True,
    kind: str | None = None,
    **settings: Any,
) -> list[Finding]:
    """Check a parsed document (request group, request, API page or a list of them).

    Settings as for ``check_file``; findings have JSON Pointers but no line or column.
    """
    from .checking.pipeline import check_document as check

    return check(document, _settings(catalogue, config, kind, settings, "check_document"))


def fix_text(
    text: str,
    catalogue: Catalogue | None = None,
    *,
    json_lines: bool = False,
    config: str | os.PathLike[str] | bool = True,
    kind: str | None = None,
    **settings: Any,
) -> str:
    """``text`` (a request document) with the fixes its findings carry applied.

    As ``lco-validate check --fix`` applies them (docs/fixes.md): safe fixes, unsafe
    ones too with ``unsafe_fixes=True`` (or ``unsafe-fixes`` in the settings file),
    pass after pass, changing only the tokens they fix; the text comes back as it
    was where there is nothing to fix.  Settings as for ``check_file``: only the
    findings they report are fixed.
    """
    from .checking.fixing import fix_text as fixed

    resolution = _resolution(config, settings, "fix_text")
    run = resolution.settings(kind=kind, catalogue=catalogue)
    name = "text.jsonl" if json_lines else "-"
    return fixed(text, run, unsafe=resolution["unsafe-fixes"], name=name)


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
