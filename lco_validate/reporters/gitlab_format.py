"""GitLab Code Quality: a JSON array of issues for ``artifacts:reports:codequality``.

Each issue has ``description`` (``CODE message``), ``check_name`` (the code),
``severity`` (error: major, warning: minor, info: info), ``location`` (the
repository-relative path and line) and a ``fingerprint``.  GitLab shows only
the first issue of a fingerprint and compares fingerprints between the merge
request and its target branch, so each fingerprint is unique in a report and
is built from the path, code and JSON Pointer, not the line number.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from ..checking.pipeline import FileResult
from ..checking.summary import Summary
from ..findings import Finding, Severity
from .sarif_format import located_findings

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def issue(path: str, finding: Finding, digest: str) -> dict[str, Any]:
    return {
        "description": f"{finding.code} {finding.message}",
        "check_name": finding.code,
        "fingerprint": digest,
        "severity": SEVERITIES[finding.severity],
        "location": {"path": path, "lines": {"begin": max(finding.line, 1)}},
    }


def report(results: list[FileResult], summary: Summary, stream: TextIO) -> None:
    issues = [issue(path, finding, digest) for path, finding, digest in located_findings(results)]
    json.dump(issues, stream, indent=2)
    stream.write("\n")
