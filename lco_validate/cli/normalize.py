"""``lco-validate normalize``: print a document as the portal would store it."""

from __future__ import annotations

import copy
import json
import sys
from typing import Any

import click

from ..documents.pointers import pointer_parts
from ..findings import Finding, Severity
from .options import EXIT_CLEAN, EXIT_FINDINGS, catalogue_from_option, catalogue_option, kind_option


@click.command()
@click.argument("path")
@kind_option
@catalogue_option
def normalize(path: str, kind: str | None, configdb: str | None) -> None:
    """Print PATH with the defaults the portal fills in, in the input's shape.

    A request group stays a group, an API page stays a page and a bare request
    stays a request; every request gets its modes, binning, acquisition,
    constraint and target defaults, priorities and acceptability threshold as
    the portal would store them.  The file itself is never changed.
    JSON Lines input gives one line per document.  A file that cannot be read
    as JSON documents of requests prints its problems on stderr and exits 1.

    \b
    Example:
      lco-validate normalize request.json > request.normalized.json
    """
    from ..documents.kinds import Unit, iter_units
    from ..documents.loading import JSON_LINES_SUFFIXES, load_file
    from ..model.normalize import normalized_request

    catalogue = catalogue_from_option(configdb)
    source = load_file(path)
    problems = list(source.findings)
    outputs = []
    for document in source.documents:
        normalized = copy.deepcopy(document.value)
        for unit in iter_units(document.value, kind):
            if not isinstance(unit, Unit):
                problems.append(unit.with_path(path))
                continue
            submission = not unit.is_record
            for pointer, request in unit.requests():
                filled = normalized_request(request, catalogue, submission=submission)
                normalized = _replaced(normalized, pointer, filled)
        outputs.append(normalized)
    for problem in problems:
        click.echo(_describe(problem, path), err=True)
    if any(problem.severity is Severity.ERROR for problem in problems):
        sys.exit(EXIT_FINDINGS)
    one_per_line = path.endswith(JSON_LINES_SUFFIXES) or len(outputs) > 1
    # NaN and infinities are reported above (J003, J015); JSON has no way to write them.
    for output in outputs:
        if one_per_line:
            sys.stdout.write(json.dumps(output, ensure_ascii=False, allow_nan=False) + "\n")
        else:
            text = json.dumps(output, indent=2, ensure_ascii=False, allow_nan=False)
            sys.stdout.write(text + "\n")
    sys.exit(EXIT_CLEAN)


def _replaced(document: Any, pointer: str, value: Any) -> Any:
    """``document`` with the value at ``pointer`` replaced (the root itself for '')."""
    parts = pointer_parts(pointer)
    if not parts:
        return value
    parent = document
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    last = parts[-1]
    if isinstance(parent, list):
        parent[int(last)] = value
    else:
        parent[last] = value
    return document


def _describe(finding: Finding, path: str) -> str:
    place = f"{path}:{finding.line}:{finding.column}" if finding.line else path
    where = f" (at {finding.pointer})" if finding.pointer and not finding.line else ""
    return f"{place}: {finding.code} {finding.message}{where}"
