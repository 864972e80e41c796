"""``path:line:col: CODE message``, one finding a line, like ruff and compilers."""

from __future__ import annotations

from typing import TextIO

from ..checker import FileResult
from ..summary import Summary


def report(results: list[FileResult], summary: Summary, stream: TextIO) -> None:
    for result in results:
        for finding in result.findings:
            stream.write(
                f"{finding.path}:{finding.line}:{finding.column}: "
                f"{finding.code} {finding.message}\n"
            )
