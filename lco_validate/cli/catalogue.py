"""``lco-validate catalogue``: what the catalogue in use holds; its subcommands keep it current."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click

from . import catalogue_diff, catalogue_pull
from .options import catalogue_from_option, catalogue_option, output_format_option


@click.group(invoke_without_command=True)
@output_format_option()
@catalogue_option
@click.pass_context
def catalogue(context: click.Context, output_format: str, configdb: str | None) -> None:
    """Summarise the catalogue: its snapshot's date and source, sites, telescopes,
    instrument types and overheads.  'pull' fetches a current configdb snapshot.

    \b
    Example:
      lco-validate catalogue --output-format json
      lco-validate catalogue pull sites.json
    """
    if context.invoked_subcommand is not None:
        if output_format != "text" or configdb is not None:
            raise click.UsageError(
                f"put options after '{context.invoked_subcommand}': "
                f"'catalogue {context.invoked_subcommand} --help' lists them"
            )
        return
    from ..catalogue.digest import catalogue_summary, print_catalogue_summary

    # The snapshot's age is judged against today's date, not a --now: it is how far
    # the snapshot may lag behind the network as it is now.
    today = datetime.now(UTC).date()
    summary = catalogue_summary(catalogue_from_option(configdb), today)
    if output_format == "json":
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_catalogue_summary(summary, sys.stdout)


catalogue.add_command(catalogue_pull.pull)
# -- catalogue diff ----------------------------------------------------------------------------
# `catalogue diff OLD NEW` lives in cli/catalogue_diff.py and is registered on this line:
catalogue.add_command(catalogue_diff.diff)
