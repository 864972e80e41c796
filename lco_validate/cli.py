"""The ``lco-validate`` command line: argument handling and I/O only; the work is elsewhere."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TextIO

import click

from .catalogue import Catalogue, CatalogueError, load_catalogue
from .checker import FileResult, check_file
from .codes import all_codes, explain_code
from .context import Settings
from .kinds import UNIT_KINDS, Unit, iter_units
from .loading import expand_paths, load_file
from .summary import NOT_CHECKED_OFFLINE, Summary

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
OUTPUT_FORMATS = ("text", "json")


def _parse_now(
    _context: click.Context, _parameter: click.Parameter, value: str | None
) -> datetime | None:
    if value is None:
        return None
    from .schemas import parse_portal_datetime

    parsed = parse_portal_datetime(value)
    if parsed is None:
        raise click.BadParameter(f"{value!r} is not a date-time like 2025-01-29T03:00:00Z")
    return parsed


def _load_catalogue(path: str | None) -> Catalogue:
    try:
        return load_catalogue(path)
    except CatalogueError as error:
        raise click.UsageError(str(error)) from error


def catalogue_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--configdb",
        "configdb",
        metavar="FILE",
        help="A configdb /sites/ snapshot to use instead of the built-in LCO catalogue.",
    )(function)


def output_format_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--output-format",
        "-o",
        type=click.Choice(OUTPUT_FORMATS),
        default="text",
        show_default=True,
        help="How to print the results.",
    )(function)


def kind_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--kind",
        type=click.Choice(UNIT_KINDS),
        help="Treat each document (or each item of a page or array) as this kind instead of "
        "detecting it from its keys.",
    )(function)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lco-validate")
def cli() -> None:
    """Offline validator and duration estimator for LCO observation requests.

    \b
    Example:
      lco-validate check requests/
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@output_format_option
@kind_option
@catalogue_option
@click.option(
    "--now",
    callback=_parse_now,
    metavar="ISO",
    help="The time that time-relative rules compare against (default: the current time; "
    "archive records are checked against the past only when this is given).",
)
@click.option(
    "--duration-tolerance",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    metavar="SECONDS",
    help="Allowed difference between a recorded duration and the computed one.",
)
@click.option("--select", metavar="CODES", help="Only report these codes or prefixes (comma list).")
@click.option("--ignore", metavar="CODES", help="Do not report these codes or prefixes.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the summary on stderr.")
def check(
    paths: tuple[str, ...],
    output_format: str,
    kind: str | None,
    configdb: str | None,
    now: datetime | None,
    duration_tolerance: float,
    select: str | None,
    ignore: str | None,
    quiet: bool,
) -> None:
    """Check request documents: structure, rules and recorded durations.

    PATHS are files, directories (searched for *.json and *.jsonl) or - for
    standard input.  Exit status: 0 no errors, 1 errors found, 2 usage error.

    \b
    Example:
      lco-validate check fixtures/ --output-format json
    """
    settings = Settings(
        catalogue=_load_catalogue(configdb),
        now=now,
        duration_tolerance=duration_tolerance,
        kind=kind,
    )
    wanted = _code_filter(select, ignore)
    results: list[FileResult] = []
    summary = Summary()
    for path in expand_paths(list(paths)):
        result = check_file(path, settings)
        result.findings = [f for f in result.findings if wanted(f.code)]
        results.append(result)
        summary.files += 1
        summary.documents += result.documents
        summary.requests += result.requests
        summary.records += result.records
        for finding in result.findings:
            summary.by_severity[finding.severity.value] += 1
            summary.by_code[finding.code] += 1
    if summary.records and now is None:
        summary.notes.append(
            f"{summary.records} archive record(s) were not checked against the current time "
            "(give --now to do so)"
        )
    summary.notes.append(NOT_CHECKED_OFFLINE)
    from .reporters import REPORTERS

    REPORTERS[output_format](results, summary, sys.stdout)
    if not quiet:
        for note in summary.notes:
            click.echo(f"Note: {note}", err=True)
        click.echo(summary.line(), err=True)
    sys.exit(EXIT_FINDINGS if summary.errors else EXIT_CLEAN)


def _code_filter(select: str | None, ignore: str | None) -> Callable[[str], bool]:
    def codes(text: str | None) -> tuple[str, ...]:
        return tuple(part.strip().upper() for part in (text or "").split(",") if part.strip())

    selected, ignored = codes(select), codes(ignore)
    return lambda code: (
        (not selected or code.startswith(selected)) and not (ignored and code.startswith(ignored))
    )


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@output_format_option
@kind_option
@catalogue_option
def duration(
    paths: tuple[str, ...], output_format: str, kind: str | None, configdb: str | None
) -> None:
    """Compute each request's duration as the portal does, term by term.

    Shows the recorded duration and the difference where a document has one.

    \b
    Example:
      lco-validate duration fixtures/requests-api-page.txt
    """
    from .context import RequestContext

    settings = Settings(catalogue=_load_catalogue(configdb), kind=kind)
    items = []
    for path in expand_paths(list(paths)):
        source = load_file(path)
        for finding in source.findings:
            click.echo(f"{path}: {finding.code} {finding.message}", err=True)
        for document in source.documents:
            for unit in iter_units(document.value, kind):
                if not isinstance(unit, Unit):
                    continue
                for pointer, request in unit.requests():
                    context = RequestContext(request, pointer, unit, settings)
                    items.append(_duration_item(path, pointer, request, context.duration))
    if output_format == "json":
        json.dump({"requests": items}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for item in items:
            _print_duration(item, sys.stdout)
    failed = any(item["duration"] is None for item in items)
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


def _duration_item(path: str, pointer: str, request: dict[str, Any], computed: Any) -> Any:
    from .duration import DurationError

    recorded = request.get("duration")
    item: dict[str, Any] = {
        "path": path,
        "pointer": pointer,
        "id": request.get("id"),
        "recorded": recorded if isinstance(recorded, int | float) else None,
    }
    if isinstance(computed, DurationError):
        item.update(duration=None, configurations=[], breakdown=None, error=str(computed))
        return item
    item.update(
        duration=computed.duration,
        configurations=computed.portal_configurations(),
        breakdown={
            "configuration_repeats": computed.configuration_repeats,
            "configurations": [c.terms() for c in computed.configurations],
            "by_instrument_type": computed.by_instrument_type,
            "observation_front_padding": computed.observation_front_padding,
            "unrounded": computed.unrounded,
        },
    )
    return item


def _print_duration(item: dict[str, Any], stream: TextIO) -> None:
    label = f"{item['path']} {item['pointer'] or '/'}"
    if item["id"] is not None:
        label += f" (id {item['id']})"
    if item["duration"] is None:
        stream.write(f"{label}: cannot compute: {item['error']}\n\n")
        return
    recorded = item["recorded"]
    verdict = ""
    if recorded is not None:
        difference = recorded - item["duration"]
        verdict = (
            f" (recorded {recorded:g} s, matches)"
            if difference == 0
            else f" (recorded {recorded:g} s, differs by {difference:+g} s)"
        )
    stream.write(f"{label}: {item['duration']} s{verdict}\n")
    breakdown = item["breakdown"]
    for terms in breakdown["configurations"]:
        stream.write(
            f"  configuration {terms['index'] + 1}: {terms['type']} on {terms['instrument_type']}"
            f"  {terms['total']:g} s\n"
        )
        for line in _term_lines(terms):
            stream.write(f"    {line}\n")
    if breakdown["configuration_repeats"] != 1:
        stream.write(f"  x {breakdown['configuration_repeats']} configuration repeats\n")
    padding = sum(breakdown["observation_front_padding"].values())
    stream.write(f"  observation front padding  {padding:g} s\n")
    stream.write(f"  total {breakdown['unrounded']:g} s, rounded up to {item['duration']} s\n\n")


def _term_lines(terms: dict[str, Any]) -> Iterator[str]:
    if terms["repeat_duration"] is not None:
        yield f"repeat duration  {terms['repeat_duration']:g} s"
    else:
        yield f"exposure  {terms['exposure']:g} s"
        yield f"readout and fixed overheads  {terms['readout_and_fixed']:g} s"
        yield f"config front padding  {terms['config_front_padding']:g} s"
    for name in (
        "instrument_change",
        "optical_element_change",
        "slew",
        "acquisition",
        "acquisition_exposure",
        "guiding",
        "configuration_type_change",
    ):
        if terms[name]:
            yield f"{name.replace('_', ' ')}  {terms[name]:g} s"


@cli.command()
@output_format_option
@catalogue_option
def catalogue(output_format: str, configdb: str | None) -> None:
    """Summarise the catalogue: sites, telescopes, instrument types and overheads.

    \b
    Example:
      lco-validate catalogue --output-format json
    """
    from .catalogue_summary import catalogue_summary, print_catalogue_summary

    summary = catalogue_summary(_load_catalogue(configdb))
    if output_format == "json":
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_catalogue_summary(summary, sys.stdout)


@cli.command(name="rules")
def list_rules() -> None:
    """List every finding code with a one-line summary.

    \b
    Example:
      lco-validate rules
    """
    for code, summary in all_codes():
        click.echo(f"{code}  {summary}")


@cli.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print the documentation of a finding code.

    \b
    Example:
      lco-validate explain D001
    """
    documentation = explain_code(code.upper())
    if documentation is None:
        raise click.UsageError(f"no finding code {code!r}; 'lco-validate rules' lists them")
    click.echo(documentation)


def main() -> None:
    """Entry point: exit 3 with a one-line message instead of a traceback on internal errors."""
    try:
        cli.main(prog_name="lco-validate")
    except SystemExit:
        raise
    except Exception as error:
        click.echo(
            f"lco-validate: internal error: {type(error).__name__}: {error}. "
            "This is a bug; please report it with the input that caused it.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)


from . import commands  # noqa: E402,F401 - registers the commands that live in their own modules
