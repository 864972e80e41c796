"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding.

GitHub turns each line into an annotation on the file and line of the pull
request.  It displays only the first few annotations of each kind per step, so
errors come first, then warnings, then notes; within a severity findings keep
the order of the text format.  The message repeats ``path:line:col: CODE`` so
that the plain log, where GitHub prints only the message, stays complete.
The CLI picks this format when ``GITHUB_ACTIONS=true`` and none is given.
"""

from __future__ import annotations

from typing import TextIO

from ..checking.pipeline import FileResult
from ..checking.summary import Summary
from ..findings import Finding, Severity
from .sarif_format import code_summaries, located_findings

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def escape_message(text: str) -> str:
    """Escape a command's message as ``@actions/core`` does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: also ``:`` and ``,``, which separate properties."""
    return escape_message(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(path: str, finding: Finding) -> str:
    properties = [("file", path)]
    if finding.line > 0:
        column = max(finding.column, 1)
        # Only the start of the value is known: the annotation covers its first character.
        properties += [
            ("line", str(finding.line)),
            ("col", str(column)),
            ("endLine", str(finding.line)),
            ("endColumn", str(column + 1)),
        ]
    summary = code_summaries().get(finding.code)
    title = f"{finding.code}: {summary}" if summary else finding.code
    properties.append(("title", title))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    message = f"{path}:{finding.line}:{finding.column}: {finding.code} {finding.message}"
    return f"::{COMMANDS[finding.severity]} {rendered}::{escape_message(message)}"


def report(results: list[FileResult], summary: Summary, stream: TextIO) -> None:
    located = [(path, finding) for path, finding, _digest in located_findings(results)]
    # sorted() is stable: within a severity, the text format's order is kept.
    for path, finding in sorted(located, key=lambda item: SEVERITY_ORDER[item[1].severity]):
        stream.write(workflow_command(path, finding) + "\n")
