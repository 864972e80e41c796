"""``lco-validate visibility``: when each request's target is observable, per site."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any, TextIO

import click

from ..findings import Finding
from .options import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    catalogue_option,
    config_option,
    iter_request_contexts,
    kind_option,
    now_option,
    output_format_option,
    resolve_settings,
    run_settings,
)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@output_format_option()
@kind_option
@catalogue_option
@now_option(
    "The time of submission: only what follows it counts towards the largest interval "
    "(default: the current time; archive records count whole intervals unless this is given)."
)
@config_option
@click.option(
    "--plot",
    "plot_path",
    metavar="FILE.png",
    help="Also write FILE.png, one figure with a panel per request (the first 12): per site, "
    "the target's altitude against time, read as airmass on the right-hand scale, with the "
    "request's max_airmass (dashed), twilight (faint), the windows and the observable "
    "intervals (thick). Needs matplotlib.",
)
def visibility(
    paths: tuple[str, ...],
    output_format: str,
    kind: str | None,
    configdb: str | None,
    now: str | None,
    config_path: str | None,
    plot_path: str | None,
) -> None:
    """Show when each request's target is observable: intervals (UTC) per site, the largest.

    Uses the portal's rules: the sites carrying the first configuration's
    instrument type, nautical twilight, the airmass and horizon limit, the
    hour-angle limits, the Moon constraints and the zenith blind spot.  Exit
    status 1 when a request is never observable, or not for as long as its
    duration, in one stretch, or when a file cannot be read as requests (its
    problems are printed on stderr).

    \b
    Example:
      lco-validate visibility request.json --now 2025-01-29T03:00:00Z --plot request.png
    """
    from ..checking.policy import VISIBILITY
    from ..visibility.observability import request_visibility

    resolution = resolve_settings(VISIBILITY, {"configdb": configdb, "now": now}, config_path)
    settings = run_settings(resolution, kind)
    fixed = settings.now
    items: list[dict[str, Any]] = []
    results = []
    unreadable: list[Finding] = []
    for path, context in iter_request_contexts(paths, settings, unreadable):
        reference = fixed if fixed is not None or context.unit.is_record else settings.started
        result = request_visibility(
            context.normalized, settings.catalogue, reference, settings.effective_now
        )
        items.append(_item(path, context.pointer, context.request, context, result, reference))
        results.append(result)
    if output_format == "json":
        json.dump({"requests": [_public(item) for item in items]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for item in items:
            _print_item(item, sys.stdout)
    if plot_path:
        _plot_all(items, results, plot_path)
    refused = any(item["refused"] for item in items)
    sys.exit(EXIT_FINDINGS if refused or unreadable else EXIT_CLEAN)


def _item(
    path: str,
    pointer: str,
    request: dict[str, Any],
    context: Any,
    result: Any,
    reference: datetime | None,
) -> dict[str, Any]:
    from ..model.duration import DurationError
    from ..visibility.observability import iso

    duration = None if isinstance(context.duration, DurationError) else context.duration.duration
    notes = [
        f"configuration {unusable.configuration + 1}: visibility not computed: {unusable.reason}"
        for unusable in result.unusable
    ]
    if not result.windows:
        notes.append("no usable window")
    if result.pairs and result.windows and not result.sites:
        notes.append(
            f"no telescope with a SCHEDULABLE {result.instrument_type} matches the location"
        )
    if reference is None:
        notes.append("archive record: whole intervals counted (give --now to count from then)")
    else:
        notes.append(f"counted from {iso(reference.timestamp())}")
    refused = result.computed and (
        result.largest <= 0 or (duration is not None and result.largest <= duration)
    )
    return {
        "path": path,
        "pointer": pointer,
        "id": request.get("id"),
        "targets": [pair.name for pair in result.pairs],
        "instrument_type": result.instrument_type,
        "largest_interval": round(result.largest, 1),
        "best_site": result.best_site,
        "duration": duration,
        "sites": {
            code: [[iso(start), iso(end)] for start, end in site.intervals]
            for code, site in result.sites.items()
        },
        "notes": notes,
        "refused": refused,
        "lengths": {
            code: [end - start for start, end in site.intervals]
            for code, site in result.sites.items()
        },
    }


def _public(item: dict[str, Any]) -> dict[str, Any]:
    keys = ("path", "pointer", "id", "largest_interval", "duration", "sites", "notes")
    return {key: item[key] for key in keys}


def _print_item(item: dict[str, Any], stream: TextIO) -> None:
    label = f"{item['path']} {item['pointer'] or '/'}"
    if item["id"] is not None:
        label += f" (id {item['id']})"
    targets = ", ".join(repr(name) for name in item["targets"]) or "no computable target"
    stream.write(f"{label}: {targets} on {item['instrument_type'] or '?'}\n")
    for code, intervals in item["sites"].items():
        if not intervals:
            stream.write(f"  {code}  not observable\n")
        for (start, end), length in zip(intervals, item["lengths"][code], strict=True):
            stream.write(f"  {code}  {start} - {end}  {length / 3600:.2f} h\n")
    largest = item["largest_interval"]
    summary = f"  largest interval {largest / 3600:.2f} h ({largest:.0f} s)"
    if item["best_site"]:
        summary += f" at {item['best_site']}"
    if item["duration"] is not None:
        verdict = "fits" if largest > item["duration"] else "does NOT fit"
        summary += (
            f"; the request takes {item['duration'] / 3600:.2f} h ({item['duration']} s): {verdict}"
        )
    stream.write(summary + "\n")
    for note in item["notes"]:
        stream.write(f"  note: {note}\n")
    stream.write("\n")


def _plot_all(items: list[dict[str, Any]], results: list[Any], plot_path: str) -> None:
    from ..visibility.plotting import MOST_PANELS, Panel, PlotUnavailable, plot_requests

    panels = [
        Panel(f"{item['path']} {item['pointer'] or '/'}: {', '.join(item['targets'])}", result)
        for item, result in zip(items, results, strict=True)
    ]
    try:
        drawn = plot_requests(panels, plot_path)
    except PlotUnavailable as error:
        raise click.UsageError(str(error)) from error
    click.echo(f"wrote {plot_path}", err=True)
    if drawn < len(panels):
        click.echo(
            f"note: the plot shows the first {MOST_PANELS} of {len(panels)} requests", err=True
        )
