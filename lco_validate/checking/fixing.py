"""Fixing a file: check, apply the fixes its findings carry, check again, to a fixed point.

Each pass checks the text under the run's settings (a finding the policy does
not report is not fixed), applies the fixes of the reported findings that the
run allows (safe ones; unsafe ones too with ``unsafe``) and do not overlap
(``documents/edits.py``), and checks the new text, until no fix is left or
``MOST_PASSES`` have run: a fix may reveal another (a key renamed, its value
is then checked), and two overlapping fixes take two passes.  The text is
never written here: ``check --fix`` writes it, ``--diff`` shows it, the Python
API returns it (docs/fixes.md).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from ..documents.edits import apply_fixes
from ..documents.loading import JSON_LINES_SUFFIXES, STDIN_NAME, SourceFile, load_bytes, load_file
from ..findings import Severity
from .pipeline import FileResult, checked_source, locate
from .policy import Settings

#: The most passes of fixes over one file.  Real documents need one or two; the bound
#: stops a pair of fixes that would undo each other.
MOST_PASSES = 10

#: Files that are not UTF-8 are not rewritten (a UTF-16 file is an error already, J006).
_NOT_REWRITTEN = {"J006": "it is not UTF-8"}


@dataclass
class FixedFile:
    """A file's text before and after fixing, and what checking the fixed text found."""

    path: str
    original: str
    text: str
    #: How many findings' fixes were applied.
    fixed: int
    #: The findings of the fixed text, located in it.
    result: FileResult
    #: Bytes written before the text: a UTF-8 byte order mark the file starts with (J005).
    prefix: bytes = b""
    #: Why the file was not fixed at all, if it was not.
    refused: str = ""

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def data(self) -> bytes:
        """The fixed file's bytes: its prefix, then the text as UTF-8."""
        return self.prefix + self.text.encode("utf-8")


def fix_file(path: str, settings: Settings, *, unsafe: bool = False) -> FixedFile:
    """Fix one file (``-`` for standard input) in memory."""
    return fix_source(load_file(path), settings, unsafe=unsafe)


def fix_source(source: SourceFile, settings: Settings, *, unsafe: bool = False) -> FixedFile:
    """Fix a loaded file in memory, pass after pass; see the module's docstring."""
    result, kept = checked_source(source, settings)
    codes = {finding.code for finding, _ in source.located}
    prefix = codecs.BOM_UTF8 if "J005" in codes else b""
    original = source.text
    refused = next((why for code, why in _NOT_REWRITTEN.items() if code in codes), "")
    fixed = 0
    for _ in range(0 if refused else MOST_PASSES):
        chosen = [(finding, start) for finding, start in kept if finding.fixable(unsafe=unsafe)]
        if not chosen:
            break
        documents = [(document.start, document.end) for document in source.documents]
        applied = apply_fixes(source.text, documents, chosen)
        if not applied.fixes:
            break
        again = reloaded(source, prefix + applied.text.encode("utf-8"))
        if _broken_by_fixing(source, again):
            break  # never expected; the file is kept as the last sound pass left it
        fixed += applied.fixes
        source = again
        result, kept = checked_source(source, settings)
    result.findings = locate(source, kept)
    return FixedFile(source.path, original, source.text, fixed, result, prefix, refused)


def fix_text(text: str, settings: Settings, *, unsafe: bool = False, name: str = STDIN_NAME) -> str:
    """``text`` with its fixes applied; ``name`` tells JSON Lines (``.jsonl``) apart."""
    source = reloaded(SourceFile(path=name), text.encode("utf-8"))
    return fix_source(source, settings, unsafe=unsafe).text


def reloaded(source: SourceFile, data: bytes) -> SourceFile:
    """``data`` read as ``source``'s file was: JSON Lines by its name, or as standard input."""
    again = SourceFile(path=source.path)
    load_bytes(
        again,
        data,
        json_lines=source.path.endswith(JSON_LINES_SUFFIXES),
        lines_allowed=source.path == STDIN_NAME,
    )
    return again


def _broken_by_fixing(before: SourceFile, after: SourceFile) -> bool:
    """Whether the fixed text reads worse as JSON: fewer documents or more J errors."""

    def errors(source: SourceFile) -> int:
        return sum(finding.severity is Severity.ERROR for finding, _ in source.located)

    return len(after.documents) < len(before.documents) or errors(after) > errors(before)
