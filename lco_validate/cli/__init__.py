"""The ``lco-validate`` command line: the group, its commands, and the entry point.

Each command lives in its own module of this package and is registered below.
Command modules import the library's heavy parts (jsonschema, astropy,
matplotlib) inside their functions, so that ``--help`` and a check of a valid
file stay quick.  Imports run one way: this module -> command modules ->
``options`` -> the library.
"""

from __future__ import annotations

import sys

import click

from . import audit, calibrate, catalogue, check, duration, normalize, rules, serve, visibility
from .options import EXIT_INTERNAL


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lco-validate")
def cli() -> None:
    """Offline validator and duration estimator for LCO observation requests.

    \b
    Example:
      lco-validate check requests/
    """


for _command in (
    check.check,
    duration.duration,
    visibility.visibility,
    normalize.normalize,
    audit.audit,
    calibrate.calibrate,
    catalogue.catalogue,
    rules.list_rules,
    rules.explain,
    serve.serve,
):
    cli.add_command(_command)


def main() -> None:
    """Entry point: exit 3 with a one-line message instead of a traceback on internal errors."""
    try:
        cli.main(prog_name="lco-validate")
    except SystemExit:
        raise
    except Exception as error:
        click.echo(
            f"lco-validate: internal error: {type(error).__name__}: {error}. "
            "This is a bug; please report it with the input that caused it.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
