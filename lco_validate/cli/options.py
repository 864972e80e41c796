"""What the commands share: exit codes, options, the run's settings, reading requests.

Command modules import from here; nothing here imports a command.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import click

from ..checking.policy import SETTINGS, Resolution, SettingError, Settings, default, resolve
from ..documents.kinds import UNIT_KINDS, Unit, iter_units
from ..findings import Finding, Severity

if TYPE_CHECKING:
    from ..catalogue.snapshot import Catalogue
    from ..checking.context import RequestContext

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
OUTPUT_FORMATS = ("text", "json")

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def catalogue_from_option(path: str | None) -> Catalogue:
    """The catalogue ``--configdb`` names (built-in when None); an unusable one is a usage error."""
    from ..catalogue.snapshot import CatalogueError, load_catalogue

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


def now_option(help: str) -> Decorator:
    """``--now ISO``; the value is checked when the settings are resolved."""
    return click.option("--now", metavar="ISO", help=help)


def duration_tolerance_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--duration-tolerance",
        type=click.FloatRange(min=0),
        metavar="SECONDS",
        help="Allowed difference between a recorded duration and the computed one "
        f"[default: {default('duration-tolerance'):g}].",
    )(function)


def visibility_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--visibility/--no-visibility",
        default=None,
        help="Check that targets are observable long enough (V codes) "
        f"[default: {'on' if default('visibility') else 'off'}; for archive records only "
        "with --now].",
    )(function)


def policy_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--select``, ``--ignore`` and ``--strict``: what is reported, and when a run fails."""
    for option in (
        click.option("--strict", is_flag=True, default=None, help="Warnings fail the run too."),
        click.option("--ignore", metavar="CODES", help="Do not report these codes or prefixes."),
        click.option(
            "--select", metavar="CODES", help="Only report these codes or prefixes (comma list)."
        ),
    ):
        function = option(function)
    return function


def config_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config",
        "config_path",
        metavar="FILE",
        help="Read settings from this file instead of the nearest pyproject.toml's "
        "[tool.lco-validate].",
    )(function)


def output_format_option(help: str = "How to print the results.") -> Decorator:
    """``--output-format text|json``."""
    return click.option(
        "--output-format",
        "-o",
        type=click.Choice(OUTPUT_FORMATS),
        default="text",
        show_default=True,
        help=help,
    )


def jobs_option(help: str) -> Decorator:
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


def resolve_settings(entry: str, flags: dict[str, Any], config_path: str | None) -> Resolution:
    """A command's settings: its flags over the settings file over the defaults.

    ``flags`` are keyed by setting name, None for a flag not given; an unusable
    value, in a flag or in the file, is a usage error before any work starts.
    """
    try:
        return resolve(flags, config=config_path or True, entry=entry)
    except SettingError as error:
        raise click.UsageError(str(error)) from error


def flags_given(entry: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a command's flags carry, by setting name (None for a flag not given)."""
    return {
        setting.name: (
            split_codes(options[setting.python_name])
            if setting.name in CODE_LISTS
            else options[setting.python_name]
        )
        for setting in SETTINGS
        if entry in setting.used_by and setting.python_name in options
    }


#: The settings written on the command line as comma lists of codes.
CODE_LISTS = ("select", "ignore")


def run_settings(resolution: Resolution, kind: str | None = None) -> Settings:
    """The ``Settings`` of a resolved run; an unusable catalogue is a usage error."""
    return resolution.settings(kind=kind, catalogue=catalogue_from_option(resolution["configdb"]))


def split_codes(text: str | None) -> list[str] | None:
    """A ``--select``/``--ignore`` comma list as codes; None when none are given."""
    codes = [part.strip().upper() for part in (text or "").split(",") if part.strip()]
    return codes or None


def iter_request_contexts(
    paths: tuple[str, ...], settings: Settings, unreadable: list[Finding] | None = None
) -> Iterator[tuple[str, RequestContext]]:
    """(path, context) for every request in the files.

    What cannot be read as requests (a file, a document that is not a request) is
    reported on stderr, and its errors are added to ``unreadable``: they fail the run.
    """
    from ..checking.context import RequestContext
    from ..documents.loading import expand_paths, load_file

    def report(path: str, finding: Finding) -> None:
        where = f" (at {finding.pointer})" if finding.pointer else ""
        click.echo(f"{path}: {finding.code} {finding.message}{where}", err=True)
        if unreadable is not None and finding.severity is Severity.ERROR:
            unreadable.append(finding)

    for path in expand_paths(list(paths)):
        source = load_file(path)
        for finding in source.findings:
            report(path, finding)
        for document in source.documents:
            for unit in iter_units(document.value, settings.kind):
                if isinstance(unit, Unit):
                    for pointer, request in unit.requests():
                        yield path, RequestContext(request, pointer, unit, settings)
                else:
                    report(path, unit)
