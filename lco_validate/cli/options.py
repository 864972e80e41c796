"""What the commands share: exit codes, options, ``check``'s settings, reading requests.

Command modules import from here; nothing here imports a command.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..checking.config import ConfigError, find_config, load_config
from ..documents.kinds import UNIT_KINDS, Unit, iter_units
from ..documents.loading import DEFAULT_INCLUDE

if TYPE_CHECKING:
    from ..catalogue.snapshot import Catalogue
    from ..checking.context import RequestContext, Settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
OUTPUT_FORMATS = ("text", "json")

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def parse_now(value: str) -> datetime:
    """A ``--now`` value as a time, or a usage error naming the expected form."""
    from ..checking.schemas import parse_portal_datetime

    parsed = parse_portal_datetime(value)
    if parsed is None:
        raise click.UsageError(f"--now {value!r} is not a date-time like 2025-01-29T03:00:00Z")
    return parsed


def now_callback(
    _context: click.Context, _parameter: click.Parameter, value: str | None
) -> datetime | None:
    """For a ``--now`` option: the parsed time, or None when not given."""
    return None if value is None else parse_now(value)


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


def resolve_settings(options: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    """Each ``check`` setting's effective value and where it came from: flag, file or default."""
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


def code_filter(select: list[str], ignore: list[str]) -> Callable[[str], bool]:
    """Whether a code is reported under ``--select`` and ``--ignore`` (prefixes)."""
    selected, ignored = tuple(select), tuple(ignore)
    return lambda code: (
        (not selected or code.startswith(selected)) and not (ignored and code.startswith(ignored))
    )


def excluded_by(patterns: list[str]) -> Callable[[Path], bool]:
    """Whether a path, or a folder above it, matches one of the ``exclude`` patterns."""
    absolute = [str(Path(pattern).absolute()) for pattern in patterns]

    def excluded(path: Path) -> bool:
        candidate = path.absolute()
        for place in (candidate, *candidate.parents):
            if any(fnmatch.fnmatch(str(place), pattern) for pattern in absolute):
                return True
        return False

    return excluded


def iter_request_contexts(
    paths: tuple[str, ...], settings: Settings
) -> Iterator[tuple[str, RequestContext]]:
    """(path, context) for every request in the files; unreadable input is reported on stderr."""
    from ..checking.context import RequestContext
    from ..documents.loading import expand_paths, load_file

    for path in expand_paths(list(paths)):
        source = load_file(path)
        for finding in source.findings:
            click.echo(f"{path}: {finding.code} {finding.message}", err=True)
        for document in source.documents:
            for unit in iter_units(document.value, settings.kind):
                if isinstance(unit, Unit):
                    for pointer, request in unit.requests():
                        yield path, RequestContext(request, pointer, unit, settings)
