"""``lco-validate duration``: each request's duration as the portal computes it, term by term."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

import click

from ..checking.context import RequestContext
from ..checking.policy import DURATION
from ..documents.kinds import REQUEST_GROUP
from ..findings import Finding
from ..model.duration import CHANGE_TERMS
from .options import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    catalogue_option,
    config_option,
    iter_request_contexts,
    kind_option,
    output_format_option,
    resolve_settings,
    run_settings,
)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@output_format_option()
@kind_option
@catalogue_option
@config_option
def duration(
    paths: tuple[str, ...],
    output_format: str,
    kind: str | None,
    configdb: str | None,
    config_path: str | None,
) -> None:
    """Compute each request's duration as the portal does, term by term.

    Shows the recorded duration and the difference where a document has one.
    Exit status 1 when a duration cannot be computed, or a file cannot be read
    as requests (its problems are printed on stderr).

    \b
    Example:
      lco-validate duration fixtures/requests-api-page.txt
    """
    resolution = resolve_settings(DURATION, {"configdb": configdb}, config_path)
    settings = run_settings(resolution, kind)
    items = []
    groups: dict[tuple[str, str], list[RequestContext]] = {}
    unreadable: list[Finding] = []
    for path, context in iter_request_contexts(paths, settings, unreadable):
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
    failed = bool(unreadable) or any(item["duration"] is None for item in items)
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


def _group_item(path: str, pointer: str, contexts: list[RequestContext]) -> dict[str, Any]:
    """What a request group charges to each (semester, instrument type) allocation."""
    from ..catalogue.semesters import request_semester
    from ..model.duration import RequestDuration, charged_by_allocation

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
    from ..model.duration import DurationError

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
    for name in CHANGE_TERMS:
        if terms[name]:
            yield f"{name.replace('_', ' ')}  {terms[name]:g} s"
