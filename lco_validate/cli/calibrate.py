"""``lco-validate calibrate``: the overhead values recorded durations imply, vs the catalogue."""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from ..findings import Finding
from .options import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    catalogue_from_option,
    catalogue_option,
    output_format_option,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ..audit.archive import ArchiveRequest
    from ..calibrate import Calibration, CatalogueChange, TypeFit
    from ..catalogue.snapshot import Catalogue

OUTLIERS_SHOWN = 10
UNREADABLE_SHOWN = 5
_METHODS = {
    "whole seconds": "overhead sums are whole seconds, so each record's rounding is known",
    "rounding midpoint": "overhead sums are not whole seconds; fitted within each record's "
    "rounding interval",
}


@click.command()
@click.argument("paths", nargs=-1, required=True)
@catalogue_option
@output_format_option(help="text: a table per instrument type; json: the same as data.")
@click.option(
    "--write-catalogue",
    metavar="FILE",
    help="Write a copy of the catalogue (configdb /sites/ shape) with the values the records "
    "determine and that differ from it.",
)
@click.option(
    "--min-records",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Fit only instrument types with at least this many usable records.",
)
@click.option(
    "--outlier-threshold",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    metavar="SECONDS",
    help="How far outside what rounding up allows a record may lie before it is an outlier.",
)
def calibrate(
    paths: tuple[str, ...],
    configdb: str | None,
    output_format: str,
    write_catalogue: str | None,
    min_records: int,
    outlier_threshold: float,
) -> None:
    """Fit overhead values to recorded durations and compare them with the catalogue.

    Per instrument type, from the records whose durations the model can
    compute: readout plus fixed overhead per exposure (per readout mode),
    optical element change, configuration and observation paddings, with
    uncertainties, residuals, outliers (reported and left out) and the
    combinations the records cannot separate.  PATHS are archives as for
    'audit': API pages, JSON Lines, gzip files or directories.  Inputs are
    never changed.  Exit status: 0 done, 1 no instrument type had enough
    records, 2 usage error.

    \b
    Example:
      lco-validate calibrate archive/ --write-catalogue calibrated-sites.json
    """
    from ..calibrate import calibrate as fit
    from ..calibrate import calibration_as_dict, catalogue_changes
    from ..checking.pipeline import fewer_garbage_collections

    catalogue = catalogue_from_option(configdb)
    if write_catalogue:
        _refuse_overwriting_inputs(write_catalogue, [*paths, *([configdb] if configdb else [])])
    started = time.perf_counter()
    unreadable = _Unreadable()
    with fewer_garbage_collections():
        calibration = fit(
            _archive_requests(list(paths), unreadable),
            catalogue,
            min_records=min_records,
            outlier_threshold=outlier_threshold,
        )
    elapsed = time.perf_counter() - started
    changes, withheld = catalogue_changes(calibration)
    if write_catalogue:
        _write_catalogue(catalogue, changes, write_catalogue)
    if output_format == "json":
        data = calibration_as_dict(calibration, changes, withheld)
        data["written_catalogue"] = write_catalogue
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_calibration(calibration, changes, withheld, write_catalogue, sys.stdout)
    sys.stdout.flush()
    if unreadable.count:
        click.echo(
            f"Note: {unreadable.count:,} document(s) or item(s) were not readable requests and "
            "were skipped ('lco-validate audit' lists them), e.g.:",
            err=True,
        )
        for finding in unreadable.examples:
            place = f"{finding.path}:{finding.line}" if finding.line else str(finding.path)
            click.echo(f"  {place}: {finding.code} {finding.message}", err=True)
    if not calibration.fits:
        click.echo(
            f"Nothing to fit: no instrument type has {min_records} usable record(s).", err=True
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = calibration.records / max(elapsed, 1e-9)
    click.echo(
        f"Read {calibration.records:,} requests in {elapsed:.1f} s ({rate:,.0f} requests/s), "
        f"peak memory {peak:.0f} MiB.",
        err=True,
    )
    sys.exit(EXIT_CLEAN if calibration.fits else EXIT_FINDINGS)


@dataclass
class _Unreadable:
    """How many documents or items were skipped, and the first few findings about them."""

    count: int = 0
    examples: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.count += 1
        if len(self.examples) < UNREADABLE_SHOWN:
            self.examples.append(finding)


def _archive_requests(paths: list[str], unreadable: _Unreadable) -> Iterator[ArchiveRequest]:
    """The archive's requests, counting what could not be read instead of dropping it."""
    from ..audit.archive import ArchiveRequest, iter_archive_units
    from ..documents.kinds import Unit

    for document, unit in iter_archive_units(paths):
        if not isinstance(unit, Unit):
            unreadable.add(unit if unit.path else unit.with_path(document.path))
            continue
        for pointer, request in unit.requests():
            yield ArchiveRequest(document.path, pointer, document.index, request)


def _refuse_overwriting_inputs(target: str, inputs: list[str]) -> None:
    destination = Path(target).resolve()
    for given in inputs:
        if destination == Path(given).resolve():
            raise click.UsageError(
                f"--write-catalogue {target} would overwrite an input; choose another file"
            )


def _write_catalogue(catalogue: Catalogue, changes: list[CatalogueChange], target: str) -> None:
    """Write atomically, and only a snapshot that loads and passes the configdb schema."""
    from ..calibrate import updated_sites
    from ..catalogue.snapshot import CatalogueError, catalogue_from_document
    from ..documents.writing import write_atomically

    sites = updated_sites(catalogue, changes)
    document = {"count": len(sites), "next": None, "previous": None, "results": sites}
    text = json.dumps(document, indent=1) + "\n"
    try:  # validates against schemas/configdb-sites.json, as --configdb will read it
        catalogue_from_document(json.loads(text), target)
    except CatalogueError as error:  # pragma: no cover - updated_sites keeps the shape
        raise click.ClickException(f"the updated catalogue does not validate: {error}") from error
    write_atomically(target, text.encode("utf-8"))


# -- text -----------------------------------------------------------------------------------------


def _print_calibration(
    calibration: Calibration,
    changes: list[CatalogueChange],
    withheld: list[str],
    written: str | None,
    stream: TextIO,
) -> None:
    used = sum(fit.records for fit in calibration.fits) + sum(calibration.too_few.values())
    stream.write(
        f"Calibration against {calibration.catalogue}: {calibration.records:,} records read, "
        f"{used:,} usable.\n"
    )
    for reason, count in sorted(calibration.skipped.items()):
        stream.write(f"  left out: {count:,} with {reason}\n")
    if calibration.several_types:
        involved = ", ".join(f"{t} {n:,}" for t, n in sorted(calibration.several_types.items()))
        stream.write(f"  (requests using several types, by type involved: {involved})\n")
    for code, count in sorted(calibration.too_few.items()):
        stream.write(
            f"  not fitted: {code} has {count} usable record(s), fewer than "
            f"--min-records {calibration.min_records}\n"
        )
    for fit in calibration.fits:
        stream.write("\n")
        _print_fit(fit, stream)
    stream.write("\n")
    _print_changes(changes, withheld, written, stream)


def _print_fit(fit: TypeFit, stream: TextIO) -> None:
    kept = fit.records - fit.outliers
    low, high = fit.residual_range
    stream.write(
        f"{fit.instrument_type}: {fit.records:,} records, {fit.outliers:,} outlier(s); "
        f"{_METHODS[fit.method]}\n"
        f"  recorded - model before rounding: {low:+.2f} .. {high:+.2f} s (rounding up allows "
        f"0 .. <1); reproduced exactly: fit {fit.reproduced:,} of {kept:,}, catalogue "
        f"{fit.reproduced_by_catalogue:,}\n"
    )
    rows = [("parameter", "fitted", "catalogue", "records")]
    for fitted in fit.parameters:
        if fitted.status == "unused":
            continue
        if fitted.status == "determined" and fitted.uncertainty is not None:
            value = f"{fitted.value:.2f} ± {fitted.uncertainty:.3f}"
        else:
            value = f"{fitted.value:.2f} (in a sum)"
        if fitted.differs:
            value += " *"
        rows.append(
            (
                fitted.parameter.label,
                value,
                f"{fitted.parameter.catalogue:g}",
                f"{fitted.records:,}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        stream.write(
            f"  {row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  "
            f"{row[3]:>{widths[3]}}\n"
        )
    if any(f.differs for f in fit.parameters):
        stream.write("  * differs from the catalogue by more than twice its uncertainty\n")
    if fit.combinations:
        stream.write("  Determined only in combination:\n")
        for combination in fit.combinations:
            flag = "  * differs" if combination.differs else ""
            stream.write(
                f"    {combination.expression} = {combination.value:.2f} ± "
                f"{combination.uncertainty:.3f} s (catalogue {combination.catalogue:g}){flag}\n"
            )
            if combination.together:
                stream.write("      (these always occur together)\n")
    unused = [f.parameter.label for f in fit.parameters if f.status == "unused"]
    if unused:
        stream.write(f"  No record pays (kept as catalogued): {', '.join(unused)}\n")
    if fit.outlier_records:
        stream.write("  Outliers (left out of the fit), largest first:\n")
        for outlier in fit.outlier_records[:OUTLIERS_SHOWN]:
            reference = outlier.reference
            where = f"{reference.path} document {reference.document} {reference.pointer or '/'}"
            identity = f" id {reference.id}" if reference.id is not None else ""
            stream.write(
                f"    {where}{identity}: recorded {reference.recorded:g} s, model "
                f"{outlier.expected} s ({reference.recorded - outlier.expected:+g} s)\n"
            )
        if fit.outliers > OUTLIERS_SHOWN:
            stream.write(f"    ... {fit.outliers - OUTLIERS_SHOWN:,} more (--output-format json)\n")
    for note in fit.notes:
        stream.write(f"  Note: {note}\n")


def _print_changes(
    changes: list[CatalogueChange], withheld: list[str], written: str | None, stream: TextIO
) -> None:
    if not changes:
        stream.write("The records give no reason to change the catalogue.\n")
    else:
        where = f"written to {written}" if written else "use --write-catalogue FILE to write them"
        stream.write(f"Catalogue changes ({where}):\n")
        for change in changes:
            stream.write(
                f"  {change.instrument_type} {change.parameter.label}: {change.old:g} -> "
                f"{change.new:g} s ({change.basis})\n"
            )
    for note in withheld:
        stream.write(f"  not written: {note}\n")
