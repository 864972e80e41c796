"""``lco-validate catalogue``: what the catalogue in use holds."""

from __future__ import annotations

import json
import sys

import click

from .options import catalogue_from_option, catalogue_option, output_format_option


@click.command()
@output_format_option()
@catalogue_option
def catalogue(output_format: str, configdb: str | None) -> None:
    """Summarise the catalogue: sites, telescopes, instrument types and overheads.

    \b
    Example:
      lco-validate catalogue --output-format json
    """
    from ..catalogue.digest import catalogue_summary, print_catalogue_summary

    summary = catalogue_summary(catalogue_from_option(configdb))
    if output_format == "json":
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_catalogue_summary(summary, sys.stdout)
