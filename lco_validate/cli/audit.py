"""``lco-validate audit``: archives of requests, streamed, checked in parallel, summarised."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, TextIO

import click

from ..checking.policy import AUDIT
from ..checking.summary import counted
from ..findings import Finding
from .options import (
    catalogue_from_option,
    catalogue_option,
    config_option,
    duration_tolerance_option,
    flags_given,
    jobs_option,
    kind_option,
    now_option,
    output_format_option,
    policy_options,
    resolve_settings,
    visibility_option,
)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@output_format_option(
    help="text: the summary (findings with --findings); json: summary and findings as data."
)
@kind_option
@catalogue_option
@now_option("Run time-relative rules (and visibility) against this time.")
@duration_tolerance_option
@visibility_option
@policy_options
@jobs_option("Worker processes.")
@config_option
@click.option("--findings", "show_findings", is_flag=True, help="Print each finding (text).")
def audit(
    paths: tuple[str, ...],
    output_format: str,
    kind: str | None,
    jobs: int,
    show_findings: bool,
    config_path: str | None,
    **flags: Any,
) -> None:
    """Audit archives of requests: schema, rules and recorded durations, at scale.

    PATHS are concatenated API pages (saved from the browsable API or plain
    JSON), JSON Lines, gzip-compressed files, or directories of them.  Memory
    stays bounded by the largest single page.  The summary gives findings by
    code, duration agreement by instrument type and the worst offenders.
    Findings carry the line where their document starts.  Settings also come
    from [tool.lco-validate] in the nearest pyproject.toml, as for check
    (not include or output-format: archives are named and reported apart).
    Exit status: 1 when errors are found (or warnings with --strict).

    \b
    Example:
      lco-validate audit archive/ --jobs 2 -o json > audit.json
    """
    from ..audit.runner import AuditOptions, run_audit

    resolution = resolve_settings(AUDIT, flags_given(AUDIT, flags), config_path)
    catalogue_from_option(resolution["configdb"])  # a bad snapshot: a usage error before work
    options = AuditOptions(resolution, kind)
    started = time.perf_counter()
    writer = _FindingWriter(sys.stdout, output_format, show_findings)
    progress = _Progress() if sys.stderr.isatty() and not os.environ.get("CI") else None
    summary = run_audit(
        list(paths),
        options,
        jobs,
        on_findings=writer.write,
        on_progress=progress.update if progress else lambda summary: None,
    )
    if progress:
        progress.close()
    seconds = time.perf_counter() - started
    report = summary.as_dict(seconds)
    if output_format == "json":
        writer.finish(report)
    else:
        _print_summary(report, sys.stdout)
    failed = resolution.policy.failed(
        errors=summary.by_severity["error"], warnings=summary.by_severity["warning"]
    )
    sys.exit(1 if failed else 0)


class _FindingWriter:
    """Streams findings out as batches finish, so that none are held in memory."""

    def __init__(self, stream: TextIO, output_format: str, show: bool) -> None:
        self.stream, self.json, self.show = stream, output_format == "json", show
        self.first = True
        if self.json:
            stream.write('{"findings": [')

    def write(self, findings: list[Finding]) -> None:
        for finding in findings:
            if self.json:
                item = finding.as_dict()
                self.stream.write(("\n  " if self.first else ",\n  ") + json.dumps(item))
                self.first = False
            elif self.show:
                self.stream.write(
                    f"{finding.path}:{finding.line}:{finding.column}: {finding.pointer} "
                    f"{finding.code} {finding.message}\n"
                )

    def finish(self, report: dict[str, Any]) -> None:
        self.stream.write('\n],\n"summary": ' + json.dumps(report, indent=2) + "}\n")


class _Progress:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last = 0.0

    def update(self, summary: Any) -> None:
        now = time.perf_counter()
        if now - self.last >= 0.5:
            self.last = now
            rate = summary.requests / max(now - self.started, 1e-9)
            click.echo(f"\r{summary.requests:,} requests ({rate:,.0f}/s)", nl=False, err=True)

    def close(self) -> None:
        click.echo("", err=True)


def _print_summary(report: dict[str, Any], stream: TextIO) -> None:
    rate = report["requests_per_second"]
    stream.write(
        f"Audited {counted(report['files'], 'file')}, {counted(report['documents'], 'document')}, "
        f"{counted(report['requests'], 'request')} in {report['seconds']:.1f} s"
        f"{f' ({rate:,} requests/s)' if rate else ''}.\n\n"
    )
    codes = report["findings_by_code"]
    stream.write("Findings by code:" + (" none\n" if not codes else "\n"))
    for code, count in codes.items():
        stream.write(f"  {code}  {count:>10,}\n")
    stream.write("\nDuration agreement by instrument type (recorded - computed, seconds):\n")
    header = f"  {'instrument type':<28}{'requests':>10}{'compared':>10}{'exact':>10}  spread\n"
    stream.write(header)
    for instrument_type, agreement in report["duration_agreement"].items():
        spread = agreement["difference_percentiles"]
        shown = (
            "min {min:+d}  p1 {p1:+d}  median {p50:+d}  p99 {p99:+d}  max {max:+d}".format(**spread)
            if spread
            else "-"
        )
        exact = agreement["exact_fraction"]
        stream.write(
            f"  {instrument_type:<28}{agreement['requests']:>10,}{agreement['compared']:>10,}"
            f"{(f'{exact:.1%}' if exact is not None else '-'):>10}  {shown}\n"
        )
        buckets = ", ".join(
            f"{k}: {v:,}" for k, v in agreement["difference_histogram"].items() if v
        )
        if buckets:
            stream.write(f"  {'':<28}{buckets}\n")
    if report["worst_offenders"]:
        stream.write("\nWorst offenders:\n")
        for entry in report["worst_offenders"]:
            stream.write(
                f"  {entry['difference']:+d} s  {entry['path']} document {entry['document'] + 1} "
                f"{entry['pointer']}  id {entry['id']}  recorded {entry['recorded']} "
                f"computed {entry['computed']}  {entry['instrument_type']}\n"
            )
