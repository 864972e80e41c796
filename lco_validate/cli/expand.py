"""``lco-validate expand``: the portal's cadence, dither and mosaic expansions, without a server."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from ..findings import Finding, Severity
from ..reporters.portal_errors import NON_FIELD
from .options import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    catalogue_option,
    config_option,
    now_option,
    output_format_option,
    resolve_settings,
    run_settings,
)

if TYPE_CHECKING:
    from ..checking.policy import Settings
    from ..documents.loading import SourceFile

EXPANSIONS = ("cadence", "dither", "mosaic")
#: A message of an answer that starts with its finding code ("S301 a cadence request ...").
_CODED = re.compile(r"([A-Z]\d{3}) (.*)", re.DOTALL)
#: Members of an answer's top level that hold one message about the whole body.
_WHOLE_BODY = ("detail", "errors")


@click.command()
@click.argument("expansion", type=click.Choice(EXPANSIONS))
@click.argument("path", metavar="FILE")
@output_format_option("How to print the findings when the expansion is refused.")
@catalogue_option
@now_option("Expand as the portal would at this time (default: the current time).")
@config_option
def expand(
    expansion: str,
    path: str,
    output_format: str,
    configdb: str | None,
    now: str | None,
    config_path: str | None,
) -> None:
    """Expand FILE as the portal's cadence, dither or mosaic endpoint does, and print the result.

    FILE (or - for standard input) holds what a client sends to the endpoint:

    \b
      cadence  a request group whose one request has "cadence" (start, end,
               period and jitter in hours) and no windows; prints the group
               with one request per window in which the target is observable
               (POST /api/requestgroups/cadence/)
      dither   {"configuration": {...}, "pattern": "line", "num_points": 5,
               "point_spacing": 10, ...}; prints the configuration with its
               instrument configs repeated at each offset
               (POST /api/configurations/dither/)
      mosaic   {"request": {...}, "pattern": "grid", "num_rows": 2,
               "num_columns": 2, "point_overlap_percent": 10, ...}; prints the
               request with its configuration repeated at each position
               (POST /api/requests/mosaic/)

    The expanded document is printed as JSON and the exit status is 0.  When
    the portal would refuse the input, its errors are printed as findings
    (path:line:col: CODE message) and the exit status is 1, as it is for a
    file that cannot be read.  Notes the portal's answer leaves out (the
    cadence windows dropped, and why) go to stderr.

    \b
    Example:
      lco-validate expand dither dither.json --now 2030-11-01T00:00:00Z > configuration.json
    """
    from ..checking.pipeline import locate
    from ..checking.policy import SERVE
    from ..documents.loading import JSON_LINES_SUFFIXES, load_file

    # Answers stand for the portal's, so only what the portal's depend on is taken, as in serve.
    resolution = resolve_settings(SERVE, {"configdb": configdb, "now": now}, config_path)
    settings = run_settings(resolution)
    source = load_file(path)
    refusals: list[Finding] = []
    outputs: list[Any] = []
    notes: list[str] = []
    if not source.documents:
        refusals = locate(source, source.located)
    for document in source.documents:
        found = [finding for finding, start in source.located if start == document.start]
        status, answer, said = _answer(expansion, document.value, found, settings)
        notes += said
        if status == 200:
            outputs.append(answer)
        else:
            refusals += _located(source, document.start, list(error_places(answer)))
    for note in notes:
        click.echo(f"{path}: note: {note}", err=True)
    if refusals:
        _print_findings(refusals, output_format)
        sys.exit(EXIT_FINDINGS)
    warnings = [pair for pair in source.located if pair[0].severity is not Severity.ERROR]
    for warning in locate(source, warnings):
        click.echo(_finding_line(warning), err=True)
    one_per_line = path.endswith(JSON_LINES_SUFFIXES) or len(outputs) > 1
    for output in outputs:
        if one_per_line:
            sys.stdout.write(json.dumps(output, ensure_ascii=False, allow_nan=False) + "\n")
        else:
            sys.stdout.write(json.dumps(output, indent=2, ensure_ascii=False, allow_nan=False))
            sys.stdout.write("\n")
    sys.exit(EXIT_CLEAN)


def _answer(
    expansion: str, document: object, found: list[Finding], settings: Settings
) -> tuple[int, Any, list[str]]:
    """(status, answer) of the expansion's endpoint, and the notes its answer leaves out."""
    if expansion == "cadence":
        from ..expand.cadence import expand_cadence
        from ..expand.validated import rendered

        expanded = expand_cadence(document, settings, found)
        notes = [
            f"cadence window {rendered(window.start)} to {rendered(window.end)} "
            f"left out: {window.reason}"
            for window in expanded.dropped
        ]
        return expanded.status, expanded.body, notes
    if expansion == "dither":
        from ..expand.dither import dither

        return (*dither(document, settings, found), [])
    from ..expand.mosaic import mosaic

    status, answer = mosaic(document, settings, found)
    return status, answer, _mosaic_notes(document) if status == 200 else []


def _mosaic_notes(document: object) -> list[str]:
    """What this tool answers where the portal fails: overlaps at exactly 315 degrees."""
    from ..expand.mosaic import FIELDS
    from ..expand.parameters import read_fields

    if not isinstance(document, dict):
        return []
    values = read_fields(document, FIELDS).values
    if "point_overlap_percent" not in values or values["orientation"] % 360 != 315:
        return []
    return [
        "the portal answers 500 for overlaps at an orientation of 315 degrees; "
        "here the spacings are not swapped, as from 315 to 45 degrees"
    ]


def error_places(answer: object, pointer: str = "") -> Iterator[tuple[str, str]]:
    """(JSON Pointer, message) for every message of an answer in the portal's error shape.

    Field errors nest as the document does (objects by key, lists by index);
    ``non_field_errors`` are about the object that holds them; a top-level
    ``detail`` or ``errors`` text is about the whole body.
    """
    from ..documents.pointers import escape_token

    if isinstance(answer, str):
        yield pointer, answer
    elif isinstance(answer, list):
        for index, item in enumerate(answer):
            where = pointer if isinstance(item, str) else f"{pointer}/{index}"
            yield from error_places(item, where)
    elif isinstance(answer, dict):
        for key, value in answer.items():
            whole = key == NON_FIELD or (not pointer and key in _WHOLE_BODY)
            yield from error_places(value, pointer if whole else f"{pointer}/{escape_token(key)}")


def _located(source: SourceFile, start: int, places: list[tuple[str, str]]) -> list[Finding]:
    """The answer's messages as findings, with the line and column of their place in the file."""
    from ..checking.pipeline import locate

    findings = []
    for pointer, message in places:
        coded = _CODED.fullmatch(message)
        code, text = (coded.group(1), coded.group(2)) if coded else ("", message)
        findings.append((Finding(code, Severity.ERROR, text, pointer=pointer), start))
    return locate(source, findings)


def _print_findings(findings: list[Finding], output_format: str) -> None:
    if output_format == "json":
        json.dump({"findings": [finding.as_dict() for finding in findings]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    for finding in findings:
        click.echo(_finding_line(finding))


def _finding_line(finding: Finding) -> str:
    """``path:line:col: CODE message``, as ``check`` prints a finding."""
    where = f"{finding.path}:{finding.line}:{finding.column}" if finding.line else finding.path
    return " ".join(part for part in (f"{where}:", finding.code, finding.message) if part)
