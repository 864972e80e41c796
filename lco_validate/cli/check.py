"""``lco-validate check``: findings for request files, reported in the format asked for."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO

import click

from ..checking.pipeline import FileResult, check_file, fewer_garbage_collections
from ..checking.policy import CHECK, Settings, default, excluded_by
from ..checking.summary import NOT_CHECKED_OFFLINE, Summary
from ..documents.loading import STDIN_NAME, expand_paths
from ..reporters import FORMATS, reporter
from .options import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    catalogue_option,
    config_option,
    duration_tolerance_option,
    flags_given,
    jobs_option,
    kind_option,
    now_option,
    policy_options,
    resolve_settings,
    run_settings,
    visibility_option,
)

PROGRESS_MIN_FILES = 50
#: Below this many files, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 200


@click.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--output-format",
    "-o",
    type=click.Choice([*FORMATS, "portal"]),
    help=f"How to print findings [default: {default('output-format')}; github when "
    "GITHUB_ACTIONS=true]; portal: the portal's /validate/ answer (errors, "
    "request_durations), one JSON line per file.",
)
@click.option("--output-file", metavar="PATH", help="Write findings there instead of stdout.")
@kind_option
@catalogue_option
@now_option(
    "The time that time-relative rules compare against (default: the current time; "
    "archive records are checked against the past only when this is given)."
)
@duration_tolerance_option
@visibility_option
@policy_options
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Print a count per code instead of findings.")
@jobs_option(f"Processes to check with, when there are at least {PARALLEL_MIN_FILES} files.")
@config_option
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
    resolution = resolve_settings(CHECK, flags_given(CHECK, options), options["config_path"])
    if options["show_settings"]:
        for name, value, origin in resolution.items():
            click.echo(f"{name} = {json.dumps(value, default=str)}  ({origin})")
        return
    if not paths:
        raise click.UsageError("give at least one path (a file, a directory or -)")
    settings = run_settings(resolution, options["kind"])
    files = list(
        expand_paths(
            list(paths),
            include=resolution["include"],
            exclude=excluded_by(resolution["exclude"]),
        )
    )
    if resolution["output-format"] == "portal":
        sys.exit(_print_portal_answers(files, settings, options["output_file"]))
    results: list[FileResult] = []
    summary = Summary()
    with _progress(files, quiet=options["quiet"]) as progress:
        for path, result in zip(
            progress, check_files(files, settings, options["jobs"]), strict=True
        ):
            if options["verbose"]:
                click.echo(f"Checked {path}", err=True)
            results.append(result)
            summary.add(result)
    if summary.records and settings.now is None:
        summary.notes.append(
            f"{summary.records} archive record(s) were not checked against the current time "
            "(give --now to do so)"
        )
    summary.notes.append(NOT_CHECKED_OFFLINE)
    _report(results, summary, resolution["output-format"], options)
    if not options["quiet"]:
        for note in summary.notes:
            click.echo(f"Note: {note}", err=True)
        click.echo(summary.line(), err=True)
    failed = settings.policy.failed(errors=summary.errors, warnings=summary.warnings)
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
            from ..reporters import text_format

            text_format.report(results, summary, stream, color=color)
        else:
            reporter(output_format)(results, summary, stream)


def _print_portal_answers(files: list[str], settings: Settings, output_file: str | None) -> int:
    """Each file's answer from the portal's validate endpoint; 1 when one has errors.

    The answers are the portal's, as ``serve`` gives them: select, ignore, severity,
    duration-tolerance and visibility do not change them (``server/app.py``).
    """
    from ..documents.loading import load_file
    from ..server.app import as_the_portal
    from ..server.validate import answer_source

    failed = False
    with contextlib.ExitStack() as stack:
        stream: TextIO = sys.stdout
        if output_file:
            stream = stack.enter_context(open(output_file, "w", encoding="utf-8"))
        for path in files:
            status, answer = answer_source(load_file(path), as_the_portal(settings))
            failed = failed or status != 200 or bool(answer.get("errors"))
            stream.write(json.dumps(answer) + "\n")
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def _print_statistics(summary: Summary, stream: TextIO) -> None:
    from ..checking.codes import all_codes

    summaries = dict(all_codes())
    for code, count in sorted(summary.by_code.items(), key=lambda item: (-item[1], item[0])):
        stream.write(f"{count:>6}  {code}  {summaries.get(code, '')}\n")
