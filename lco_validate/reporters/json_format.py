"""One JSON object: ``findings`` (flat list) and ``summary``."""

from __future__ import annotations

import json
from typing import TextIO

from ..checking.pipeline import FileResult
from ..checking.summary import Summary


def report(results: list[FileResult], summary: Summary, stream: TextIO) -> None:
    findings = [finding.as_dict() for result in results for finding in result.findings]
    json.dump({"findings": findings, "summary": summary.as_dict()}, stream, indent=2)
    stream.write("\n")
