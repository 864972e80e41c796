"""The ``lco-validate`` command line: argument handling and I/O only; the work is elsewhere."""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import click

from .catalogue import Catalogue, CatalogueError, load_catalogue
from .checker import FileResult, check_file, fewer_garbage_collections
from .codes import all_codes, explain_code
from .config import ConfigError, find_config, load_config
from .context import RequestContext, Settings
from .findings import Severity
from .kinds import REQUEST_GROUP, UNIT_KINDS, Unit, iter_units
from .loading import DEFAULT_INCLUDE, STDIN_NAME, expand_paths, load_file
from .reporters import REPORTERS, text_format
from .summary import NOT_CHECKED_OFFLINE, Summary

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
OUTPUT_FORMATS = ("text", "json")
CHECK_FORMATS = tuple(REPORTERS)
PROGRESS_MIN_FILES = 50
#: Below this many files, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 200


def _parse_now(value: str) -> datetime:
    from .schemas import parse_portal_datetime

    parsed = parse_portal_datetime(value)
    if parsed is None:
        raise click.UsageError(f"--now {value!r} is not a date-time like 2025-01-29T03:00:00Z")
    return parsed


def now_callback(
    _context: click.Context, _parameter: click.Parameter, value: str | None
) -> datetime | None:
    """For a ``--now`` option: the parsed time, or None when not given."""
    return None if value is None else _parse_now(value)


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


def output_format_option(
    help: str = "How to print the results.",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--output-format text|json``."""
    return click.option(
        "--output-format",
        "-o",
        type=click.Choice(OUTPUT_FORMATS),
        default="text",
        show_default=True,
        help=help,
    )


def jobs_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        default=os.cpu_count() or 1,
        show_default="all cores",
        help=help,
    )


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
@click.argument("paths", nargs=-1)
@click.option(
    "--output-format",
    "-o",
    type=click.Choice(CHECK_FORMATS),
    help="How to print findings [default: text; github when GITHUB_ACTIONS=true].",
)
@click.option("--output-file", metavar="PATH", help="Write findings there instead of stdout.")
@kind_option
@catalogue_option
@click.option(
    "--now",
    metavar="ISO",
    help="The time that time-relative rules compare against (default: the current time; "
    "archive records are checked against the past only when this is given).",
)
@click.option(
    "--duration-tolerance",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Allowed difference between a recorded duration and the computed one [default: 0].",
)
@click.option(
    "--visibility/--no-visibility",
    default=None,
    help="Check that targets are observable long enough (V codes) [default: on; for "
    "archive records only with --now].",
)
@click.option("--select", metavar="CODES", help="Only report these codes or prefixes (comma list).")
@click.option("--ignore", metavar="CODES", help="Do not report these codes or prefixes.")
@click.option("--strict", is_flag=True, default=None, help="Warnings fail the run too (exit 1).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Print a count per code instead of findings.")
@jobs_option(f"Processes to check with, when there are at least {PARALLEL_MIN_FILES} files.")
@click.option("--config", "config_path", metavar="FILE", help="Read settings from this file.")
@click.option("--show-settings", is_flag=True, help="Print the effective settings and exit.")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the text output (NO_COLOR turns auto off).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no notes or summary.")
@click.option("-v", "--verbose", is_flag=True, help="Also list each file as it is checked.")
def check(paths: tuple[str, ...], **options: Any) -> None:
    """Check request documents: structure, rules and recorded durations.

    PATHS are files, directories (searched for *.json, *.jsonl and saved API
    pages) or - for standard input.  Settings also come from [tool.lco-validate]
    in the nearest pyproject.toml.  Exit status: 0 no errors, 1 errors found
    (or warnings with --strict), 2 usage or configuration error.

    \b
    Example:
      lco-validate check fixtures/ --output-format json
    """
    resolved = resolve_settings(options)
    if options["show_settings"]:
        for name, (value, origin) in resolved.items():
            click.echo(f"{name} = {json.dumps(value)}  ({origin})")
        return
    if not paths:
        raise click.UsageError("give at least one path (a file, a directory or -)")
    value = {name: entry[0] for name, entry in resolved.items()}
    now = _parse_now(value["now"]) if value["now"] != "current" else None
    settings = Settings(
        catalogue=_load_catalogue(value["configdb"]),
        now=now,
        duration_tolerance=value["duration-tolerance"],
        kind=options["kind"],
        visibility=value["visibility"],
    )
    wanted = _code_filter(value["select"], value["ignore"])
    severities = {code.upper(): Severity(level) for code, level in value["severity"].items()}
    files = list(
        expand_paths(list(paths), include=value["include"], exclude=_excluded(value["exclude"]))
    )
    results: list[FileResult] = []
    summary = Summary()
    with _progress(files, quiet=options["quiet"]) as progress:
        for path, result in zip(
            progress, check_files(files, settings, options["jobs"]), strict=True
        ):
            if options["verbose"]:
                click.echo(f"Checked {path}", err=True)
            result.findings = [
                replace(f, severity=severities.get(f.code, f.severity))
                for f in result.findings
                if wanted(f.code)
            ]
            results.append(result)
            summary.add(result)
    if summary.records and now is None:
        summary.notes.append(
            f"{summary.records} archive record(s) were not checked against the current time "
            "(give --now to do so)"
        )
    summary.notes.append(NOT_CHECKED_OFFLINE)
    _report(results, summary, value["output-format"], options)
    if not options["quiet"]:
        for note in summary.notes:
            click.echo(f"Note: {note}", err=True)
        click.echo(summary.line(), err=True)
    failed = summary.errors or (value["strict"] and summary.warnings)
    sys.exit(EXIT_FINDINGS if failed and not options["exit_zero"] else EXIT_CLEAN)


_pool_settings: Settings | None = None


def _check_in_worker(path: str) -> FileResult:
    assert _pool_settings is not None
    return check_file(path, _pool_settings)


def check_files(files: list[str], settings: Settings, jobs: int) -> Iterator[FileResult]:
    """Results in file order; many files are spread over ``jobs`` forked processes."""
    with fewer_garbage_collections():
        if jobs <= 1 or len(files) < PARALLEL_MIN_FILES or STDIN_NAME in files:
            for path in files:
                yield check_file(path, settings)
            return
        import multiprocessing

        global _pool_settings
        _pool_settings = settings  # forked workers inherit it, catalogue and caches included
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            yield from pool.imap(_check_in_worker, files, chunksize=8)


def resolve_settings(options: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    """Each setting's effective value and where it came from: flag, file or default."""
    try:
        if options["config_path"]:
            config = load_config(Path(options["config_path"]), explicit=True)
        else:
            config = load_config(find_config(Path.cwd()), explicit=False)
    except ConfigError as error:
        raise click.UsageError(str(error)) from error
    in_github = os.environ.get("GITHUB_ACTIONS") == "true"
    defaults: dict[str, tuple[Any, str]] = {
        "select": ([], "default"),
        "ignore": ([], "default"),
        "include": (list(DEFAULT_INCLUDE), "default"),
        "exclude": ([], "default"),
        "duration-tolerance": (0.0, "default"),
        "configdb": (None, "default: built-in LCO catalogue"),
        "now": ("current", "default"),
        "strict": (False, "default"),
        "visibility": (True, "default"),
        "output-format": (
            ("github", "default: GITHUB_ACTIONS=true") if in_github else ("text", "default")
        ),
        "severity": ({}, "default"),
    }
    resolved = dict(defaults)
    for name, value in config.values.items():
        if name == "configdb":
            value = config.resolve_path(value)
        if name == "exclude":
            value = [config.resolve_path(pattern) for pattern in value]
        resolved[name] = (value, str(config.path))
    flags = {
        "select": _split_codes(options["select"]),
        "ignore": _split_codes(options["ignore"]),
        "duration-tolerance": options["duration_tolerance"],
        "configdb": options["configdb"],
        "now": options["now"],
        "strict": options["strict"],
        "visibility": options["visibility"],
        "output-format": options["output_format"],
    }
    for name, value in flags.items():
        if value is not None and value != []:
            resolved[name] = (value, "command line")
    return resolved


def _split_codes(text: str | None) -> list[str]:
    return [part.strip().upper() for part in (text or "").split(",") if part.strip()]


def _excluded(patterns: list[str]) -> Callable[[Path], bool]:
    absolute = [str(Path(pattern).absolute()) for pattern in patterns]

    def excluded(path: Path) -> bool:
        candidate = path.absolute()
        for place in (candidate, *candidate.parents):
            if any(fnmatch.fnmatch(str(place), pattern) for pattern in absolute):
                return True
        return False

    return excluded


def _progress(files: list[str], *, quiet: bool) -> Any:
    """A progress bar on stderr for long runs at a terminal; never under pre-commit or CI."""
    shown = (
        len(files) >= PROGRESS_MIN_FILES
        and not quiet
        and sys.stderr.isatty()
        and not os.environ.get("PRE_COMMIT")
        and not os.environ.get("CI")
    )
    if not shown:
        return contextlib.nullcontext(files)
    return click.progressbar(files, label="Checking", file=sys.stderr)


def _report(
    results: list[FileResult], summary: Summary, output_format: str, options: dict[str, Any]
) -> None:
    color = {"always": True, "never": False}.get(options["color"])
    if color is None and os.environ.get("NO_COLOR"):
        color = False
    with contextlib.ExitStack() as stack:
        stream: TextIO = sys.stdout
        if options["output_file"]:
            try:
                stream = stack.enter_context(open(options["output_file"], "w", encoding="utf-8"))
            except OSError as error:
                raise click.UsageError(
                    f"cannot write {options['output_file']}: {error.strerror}"
                ) from error
            color = False
        if options["statistics"]:
            _print_statistics(summary, stream)
        elif output_format == "text":
            text_format.report(results, summary, stream, color=color)
        else:
            REPORTERS[output_format](results, summary, stream)


def _print_statistics(summary: Summary, stream: TextIO) -> None:
    summaries = dict(all_codes())
    for code, count in sorted(summary.by_code.items(), key=lambda item: (-item[1], item[0])):
        stream.write(f"{count:>6}  {code}  {summaries.get(code, '')}\n")


def _code_filter(select: list[str], ignore: list[str]) -> Callable[[str], bool]:
    selected, ignored = tuple(select), tuple(ignore)
    return lambda code: (
        (not selected or code.startswith(selected)) and not (ignored and code.startswith(ignored))
    )


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@output_format_option()
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
    settings = Settings(catalogue=_load_catalogue(configdb), kind=kind)
    items = []
    groups: dict[tuple[str, str], list[RequestContext]] = {}
    for path, context in iter_request_contexts(paths, settings):
        items.append(_duration_item(path, context.pointer, context.request, context.duration))
        if context.unit.kind == REQUEST_GROUP:
            groups.setdefault((path, context.unit.pointer), []).append(context)
    group_items = [
        _group_item(path, pointer, contexts) for (path, pointer), contexts in groups.items()
    ]
    if output_format == "json":
        json.dump({"requests": items, "groups": group_items}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for item in items:
            _print_duration(item, sys.stdout)
        for group in group_items:
            _print_group(group, sys.stdout)
    failed = any(item["duration"] is None for item in items)
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


def iter_request_contexts(
    paths: tuple[str, ...], settings: Settings
) -> Iterator[tuple[str, RequestContext]]:
    """(path, context) for every request in the files; unreadable input is reported on stderr."""
    for path in expand_paths(list(paths)):
        source = load_file(path)
        for finding in source.findings:
            click.echo(f"{path}: {finding.code} {finding.message}", err=True)
        for document in source.documents:
            for unit in iter_units(document.value, settings.kind):
                if isinstance(unit, Unit):
                    for pointer, request in unit.requests():
                        yield path, RequestContext(request, pointer, unit, settings)


def _group_item(path: str, pointer: str, contexts: list[RequestContext]) -> dict[str, Any]:
    """What a request group charges to each (semester, instrument type) allocation."""
    from .duration import RequestDuration, charged_by_allocation
    from .semesters import request_semester

    group = contexts[0].unit.value
    operator = str(group.get("operator", "")) if isinstance(group, dict) else ""
    timed = [
        (request_semester(c.normalized, c.settings.effective_now), c.duration)
        for c in contexts
        if isinstance(c.duration, RequestDuration)
    ]
    charged = charged_by_allocation(operator, timed) if len(timed) == len(contexts) else {}
    return {
        "path": path,
        "pointer": pointer,
        "operator": operator,
        "charged": [
            {"semester": semester, "instrument_type": instrument_type, "seconds": seconds}
            for (semester, instrument_type), seconds in charged.items()
        ],
    }


def _print_group(group: dict[str, Any], stream: TextIO) -> None:
    label = f"{group['path']} {group['pointer'] or '/'}"
    if not group["charged"]:
        stream.write(f"{label}: request group: not every request can be timed\n")
        return
    stream.write(f"{label}: request group ({group['operator']}) charges\n")
    for entry in group["charged"]:
        semester = entry["semester"] or "no semester"
        stream.write(f"  {entry['seconds']:g} s to {entry['instrument_type']} in {semester}\n")


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
@output_format_option()
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
