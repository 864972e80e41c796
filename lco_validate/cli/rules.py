"""``lco-validate rules`` and ``explain CODE``: the finding codes and their documentation."""

from __future__ import annotations

import click

from ..checking.codes import all_codes, explain_code


@click.command(name="rules")
def list_rules() -> None:
    """List every finding code with a one-line summary.

    \b
    Example:
      lco-validate rules
    """
    for code, summary in all_codes():
        click.echo(f"{code}  {summary}")


@click.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print the documentation of a finding code.

    \b
    Example:
      lco-validate explain D001
    """
    documentation = explain_code(code.upper())
    if documentation is None:
        raise click.UsageError(f"no finding code {code!r}; 'lco-validate rules' lists them")
    click.echo(documentation)
