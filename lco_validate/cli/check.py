"""``lco-validate check``: findings for request files, reported in the format asked for."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import click

from ..checking.fixing import FixedFile, fix_file
from ..checking.pipeline import FileResult, check_file, fewer_garbage_collections
from ..checking.policy import CHECK, Resolution, Settings, default, excluded_by
from ..checking.summary import NOT_CHECKED_OFFLINE, Summary, stale_catalogue_note
from ..documents.loading import STDIN_NAME, expand_paths
from ..documents.writing import write_atomically
from ..reporters import FORMATS, reporter
from .options import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_USAGE,
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
@click.option(
    "--fix/--no-fix",
    default=None,
    help="Apply the safe fixes findings carry, rewriting only the files that change "
    "(standard input: the fixed text to stdout), then report what remains "
    f"[default: {'on' if default('fix') else 'off'}].",
)
@click.option(
    "--unsafe-fixes/--no-unsafe-fixes",
    default=None,
    help="Also apply (with --fix or --diff) the fixes that are a judgement, and mark them [*].",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print the fixes as a unified diff and change nothing; exit 1 when there is "
    "something to fix, else 0.",
)
@click.option(
    "--exit-non-zero-on-fix",
    is_flag=True,
    help="With --fix, exit 1 when a file was changed (the pre-commit fixing hook does).",
)
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
            if name == "configdb" and value is None:  # a path names itself; this, the day
                origin += f", {_built_in_snapshot_day()}"
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
    fixer = Fixer.of(resolution, options)
    if resolution["output-format"] == "portal":
        if fixer is not None:
            raise click.UsageError("--fix and --diff do not go with --output-format portal")
        sys.exit(_print_portal_answers(files, settings, options["output_file"]))
    results: list[FileResult] = []
    summary = Summary()
    with _progress(files, quiet=options["quiet"]) as progress:
        for path, result in zip(
            progress, check_files(files, settings, options["jobs"], fixer), strict=True
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
    stale = stale_catalogue_note(settings.catalogue, settings.started.date())
    if stale:
        summary.notes.append(stale)
    summary.notes.append(NOT_CHECKED_OFFLINE)
    unsafe = resolution["unsafe-fixes"]
    if fixer is not None:
        summary.fixed = fixer.fixed
    if fixer is None or not fixer.preview:
        findings_to_stderr = fixer is not None and fixer.wrote_stdout
        _report(results, summary, resolution["output-format"], options, unsafe, findings_to_stderr)
    if not options["quiet"]:
        for note in summary.notes:
            click.echo(f"Note: {note}", err=True)
        click.echo(summary.line(), err=True)
        fixing = summary.fix_line(unsafe=unsafe, preview=fixer is not None and fixer.preview)
        if fixing:
            click.echo(fixing, err=True)
    failed = settings.policy.failed(errors=summary.errors, warnings=summary.warnings)
    status = EXIT_FINDINGS if failed and not options["exit_zero"] else EXIT_CLEAN
    sys.exit(status if fixer is None else fixer.exit_status(status))


def _built_in_snapshot_day() -> str:
    from ..catalogue.provenance import built_in_origin

    taken = built_in_origin().taken
    return f"snapshot of {taken.isoformat()}" if taken else "snapshot date not recorded"


_pool_settings: Settings | None = None
#: None: the workers check; True or False: they fix, with or without the unsafe fixes.
_pool_unsafe: bool | None = None


def _judged(path: str, settings: Settings, unsafe: bool | None) -> FileResult | FixedFile:
    """A file checked or, when ``unsafe`` is given, fixed (and its fixed text checked)."""
    if unsafe is None:
        return check_file(path, settings)
    return fix_file(path, settings, unsafe=unsafe)


def _in_worker(path: str) -> FileResult | FixedFile:
    assert _pool_settings is not None
    return _judged(path, _pool_settings, _pool_unsafe)


def check_files(
    files: list[str], settings: Settings, jobs: int, fixer: Fixer | None = None
) -> Iterator[FileResult]:
    """Results in file order; many files are spread over ``jobs`` forked processes.

    With a ``fixer``, each file is fixed first (``checking/fixing.py``) and the result
    is that of the fixed text, which the fixer writes, prints or shows as a diff.
    """
    unsafe = None if fixer is None else fixer.unsafe
    with fewer_garbage_collections():
        if jobs <= 1 or len(files) < PARALLEL_MIN_FILES or STDIN_NAME in files:
            yield from _taken((_judged(path, settings, unsafe) for path in files), fixer)
            return
        import multiprocessing

        global _pool_settings, _pool_unsafe
        _pool_settings = settings  # forked workers inherit it, catalogue and caches included
        _pool_unsafe = unsafe
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            yield from _taken(pool.imap(_in_worker, files, chunksize=8), fixer)


def _taken(outcomes: Iterable[FileResult | FixedFile], fixer: Fixer | None) -> Iterator[FileResult]:
    """Each file's result, a fixed file's once the fixer has written, printed or shown it."""
    for outcome in outcomes:
        if isinstance(outcome, FixedFile):
            assert fixer is not None
            yield fixer.take(outcome)
        else:
            yield outcome


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
    results: list[FileResult],
    summary: Summary,
    output_format: str,
    options: dict[str, Any],
    unsafe_fixes: bool = False,
    to_stderr: bool = False,
) -> None:
    """The findings, to ``--output-file``, stdout, or stderr when stdout holds a fixed text."""
    color = {"always": True, "never": False}.get(options["color"])
    if color is None and os.environ.get("NO_COLOR"):
        color = False
    with contextlib.ExitStack() as stack:
        stream: TextIO = sys.stderr if to_stderr else sys.stdout
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

            text_format.report(results, summary, stream, color=color, unsafe_fixes=unsafe_fixes)
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


@dataclass
class Fixer:
    """What ``--fix`` or ``--diff`` does with each file's fixed text, and what it did."""

    unsafe: bool
    #: --diff: show the changes as a unified diff, write nothing.
    preview: bool
    exit_on_change: bool
    fixed: int = 0
    changed: int = 0
    unwritable: int = 0
    wrote_stdout: bool = False

    @classmethod
    def of(cls, resolution: Resolution, options: dict[str, Any]) -> Fixer | None:
        """The run's fixer; None when it neither fixes nor shows a diff."""
        if not (resolution["fix"] or options["diff"]):
            return None
        return cls(resolution["unsafe-fixes"], options["diff"], options["exit_non_zero_on_fix"])

    def take(self, fixed: FixedFile) -> FileResult:
        """Write, print or show ``fixed``; the findings that remain in it."""
        if self.preview:
            if fixed.changed:
                self.changed += 1
                self.fixed += fixed.fixed
                sys.stdout.write(unified_diff(fixed.path, fixed.original, fixed.text))
            return fixed.result
        if fixed.path == STDIN_NAME:
            sys.stdout.flush()
            sys.stdout.buffer.write(fixed.data())
            sys.stdout.flush()
            self.wrote_stdout = True
        elif fixed.changed:
            try:
                write_atomically(fixed.path, fixed.data())
            except OSError as error:
                self.unwritable += 1
                reason = error.strerror or str(error)
                click.echo(f"{fixed.path}: the fixes could not be written: {reason}", err=True)
                return fixed.result
            self.changed += 1
        self.fixed += fixed.fixed
        return fixed.result

    def exit_status(self, status: int) -> int:
        """The run's exit status once fixing is counted: 2 if a file could not be written."""
        if self.unwritable:
            return EXIT_USAGE
        if self.preview:
            return EXIT_FINDINGS if self.changed else EXIT_CLEAN
        if self.exit_on_change and self.changed:
            return EXIT_FINDINGS
        return status


def unified_diff(path: str, before: str, after: str) -> str:
    """The change as a unified diff, ``--- path`` / ``+++ path``; line endings kept as written."""
    import difflib

    lines = difflib.unified_diff(_lines(before), _lines(after), fromfile=path, tofile=path)
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _lines(text: str) -> list[str]:
    """The lines of ``text``, each with its newline: only ``\\n`` ends a line (not U+2028)."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]
