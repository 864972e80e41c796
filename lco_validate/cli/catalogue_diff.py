"""``lco-validate catalogue diff``: what changed between two snapshots; the effect on durations."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .options import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, kind_option, output_format_option

if TYPE_CHECKING:
    from ..calibrate.duration_changes import DurationChange
    from ..catalogue.snapshot import Catalogue

#: The argument that names the snapshot shipped with the package.
BUILT_IN = "built-in"


@click.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option(
    "--requests",
    "request_paths",
    multiple=True,
    metavar="PATH",
    help="Time these request files or folders (read as `check` reads them) under both "
    "snapshots instead of a drawn sample; repeat for several.",
)
@click.option(
    "--sample",
    "sample_size",
    type=click.IntRange(min=0),
    default=300,
    show_default=True,
    help="Without --requests: how many requests to draw from the snapshots (0: no durations).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the drawn sample.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="How many of the largest duration changes the text lists (JSON lists them all).",
)
@kind_option
@output_format_option()
def diff(
    old: str,
    new: str,
    request_paths: tuple[str, ...],
    sample_size: int,
    seed: int,
    limit: int,
    kind: str | None,
    output_format: str,
) -> None:
    """Compare two configdb snapshots: what changed, and what it does to durations.

    OLD and NEW are files that --configdb accepts; the word `built-in` names the
    snapshot shipped with lco-validate.  Lists sites, telescopes and instruments
    added, removed, moved or changed state, telescope limits and overheads, and
    per instrument type where it is schedulable, its overheads, modes, optical
    elements, configuration types and validation schemas.  Then times requests
    under both snapshots and lists the differences, largest first: your own with
    --requests, else a seeded sample drawn from the snapshots over every
    instrument type both know and one schedules.

    Exit status as diff(1): 0 when nothing differs, 1 when something does, 2 when
    a snapshot or a request path cannot be read (one line on stderr), or a
    request file holds something other than requests (its problems on stderr).

    \b
    Example:
      lco-validate catalogue diff old-sites.json built-in
      lco-validate catalogue diff old.json new.json --requests my-requests/ -o json
    """
    from ..calibrate.duration_changes import compare_request, sample_plan, sample_requests
    from ..catalogue.comparison import compare_catalogues

    old_catalogue, new_catalogue = _load(old), _load(new)
    for path in request_paths:
        if path != "-" and not os.path.exists(path):
            _stop(f"cannot read request path {path}: no such file or folder")
    changes = compare_catalogues(old_catalogue, new_catalogue)
    unreadable = False
    timed: list[DurationChange] = []
    sample: dict[str, Any] | None = None
    if request_paths:
        timed, unreadable = _time_files(request_paths, old_catalogue, new_catalogue, kind)
    elif sample_size:
        plan = sample_plan(old_catalogue, new_catalogue)
        sample = {
            "size": sample_size,
            "seed": seed,
            "instrument_types": plan.instrument_types,
            "not_sampled": plan.not_sampled,
        }
        timed = [
            compare_request(label, request, old_catalogue, new_catalogue, submission=False)
            for label, request in sample_requests(old_catalogue, new_catalogue, sample_size, seed)
        ]
    different = bool(changes) or any(change.differs for change in timed)
    if output_format == "json":
        _write_json(old_catalogue, new_catalogue, changes, timed, sample, different)
    else:
        _write_text(old_catalogue, new_catalogue, changes, timed, sample, limit, request_paths)
    if unreadable:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FINDINGS if different else EXIT_CLEAN)


def _stop(message: str) -> NoReturn:
    click.echo(f"lco-validate: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _load(argument: str) -> Catalogue:
    from ..catalogue.snapshot import CatalogueError, load_catalogue

    try:
        return load_catalogue(None if argument == BUILT_IN else argument)
    except CatalogueError as error:
        _stop(str(error))


def _time_files(
    paths: tuple[str, ...], old: Catalogue, new: Catalogue, kind: str | None
) -> tuple[list[DurationChange], bool]:
    """Every request of the files timed under both; whether something could not be read."""
    from ..calibrate.duration_changes import compare_request
    from ..checking.policy import Settings
    from ..findings import Finding
    from .options import iter_request_contexts

    unreadable: list[Finding] = []
    timed = []
    for path, context in iter_request_contexts(
        paths, Settings(catalogue=old, kind=kind), unreadable
    ):
        label = f"{path} {context.pointer or '/'}"
        if context.request.get("id") is not None:
            label += f" (id {context.request['id']})"
        timed.append(
            compare_request(
                label,
                context.request,
                old,
                new,
                submission=not context.unit.is_record,
                path=path,
                pointer=context.pointer,
            )
        )
    return timed, bool(unreadable)


def _write_json(
    old: Catalogue,
    new: Catalogue,
    changes: list[Any],
    timed: list[DurationChange],
    sample: dict[str, Any] | None,
    different: bool,
) -> None:
    from ..calibrate.duration_changes import duration_summary, ordered
    from ..catalogue.comparison import catalogue_counts, section_counts

    document = {
        "old": catalogue_counts(old),
        "new": catalogue_counts(new),
        "different": different,
        "counts": section_counts(changes),
        "changes": [change.as_dict() for change in changes],
        "durations": {
            "requests_from": "sample" if sample is not None else "files" if timed else "none",
            "sample": sample,
            "summary": duration_summary(timed),
            "requests": [change.as_dict() for change in ordered(timed)],
        },
    }
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _write_text(
    old: Catalogue,
    new: Catalogue,
    changes: list[Any],
    timed: list[DurationChange],
    sample: dict[str, Any] | None,
    limit: int,
    request_paths: tuple[str, ...],
) -> None:
    from ..calibrate.duration_changes import duration_lines
    from ..catalogue.comparison import catalogue_counts, change_lines

    out = sys.stdout
    for side, catalogue in (("OLD", old), ("NEW", new)):
        counts = catalogue_counts(catalogue)
        out.write(
            f"{side}: {counts['source']} ({counts['sites']} sites, {counts['telescopes']} "
            f"telescopes, {counts['instruments']} instruments, {counts['instrument_types']} "
            f"instrument types)\n"
        )
    out.write("\n")
    if not changes:
        out.write("No change in what lco-validate reads from a snapshot.\n")
    for line in change_lines(changes):
        out.write(line + "\n")
    out.write("\n")
    if sample is not None:
        types = sample["instrument_types"]
        out.write(
            f"Durations of {sample['size']} requests drawn from the snapshots (seed "
            f"{sample['seed']}) over the {len(types)} instrument types both know and one "
            f"schedules{'' if types else ' (none to draw from)'}:\n"
        )
        reasons: dict[str, list[str]] = {}
        for code, reason in sample["not_sampled"].items():
            reasons.setdefault(reason, []).append(code)
        for reason, codes in reasons.items():
            out.write(f"  not sampled ({reason}): {', '.join(codes)}\n")
    elif request_paths:
        out.write(f"Durations of the {len(timed)} requests in {', '.join(request_paths)}:\n")
    else:
        return
    if timed:
        for line in duration_lines(timed, limit):
            out.write(line + "\n")
