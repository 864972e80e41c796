"""``path:line:col: CODE message``, one finding a line, like ruff and compilers."""

from __future__ import annotations

from typing import TextIO

import click

from ..checking.pipeline import FileResult
from ..checking.summary import Summary
from ..findings import Severity

_CODE_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def report(
    results: list[FileResult], summary: Summary, stream: TextIO, *, color: bool | None = False
) -> None:
    """``color``: True always, False never, None when ``stream`` is a terminal."""
    for result in results:
        for finding in result.findings:
            location = click.style(f"{finding.path}:{finding.line}:{finding.column}:", bold=True)
            code = click.style(finding.code, fg=_CODE_COLOURS[finding.severity], bold=True)
            click.echo(f"{location} {code} {finding.message}", file=stream, color=color)
