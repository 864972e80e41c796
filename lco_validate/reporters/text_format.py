"""``path:line:col: CODE message``, one finding a line, like ruff and compilers.

A finding that ``check --fix`` would fix shows ``[*]`` after its code, as in
ruff (unsafe fixes only with ``--unsafe-fixes``).
"""

from __future__ import annotations

from typing import TextIO

import click

from ..checking.pipeline import FileResult
from ..checking.summary import Summary
from ..findings import Severity

_CODE_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def report(
    results: list[FileResult],
    summary: Summary,
    stream: TextIO,
    *,
    color: bool | None = False,
    unsafe_fixes: bool = False,
) -> None:
    """``color``: True always, False never, None when ``stream`` is a terminal."""
    for result in results:
        for finding in result.findings:
            location = click.style(f"{finding.path}:{finding.line}:{finding.column}:", bold=True)
            code = click.style(finding.code, fg=_CODE_COLOURS[finding.severity], bold=True)
            marker = " [*]" if finding.fixable(unsafe=unsafe_fixes) else ""
            click.echo(f"{location} {code}{marker} {finding.message}", file=stream, color=color)
