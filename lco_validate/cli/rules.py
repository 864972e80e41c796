"""``lco-validate rules`` and ``explain CODE``: the finding codes and their documentation."""

from __future__ import annotations

import click

from ..checking.codes import all_codes, explain_code, fix_documentation

#: The fix column: which fixes a code's findings can carry (blank: none).
_FIX_COLUMN = {"safe": "fix", "unsafe": "unsafe fix", "safe or unsafe": "fix/unsafe"}


@click.command(name="rules")
def list_rules() -> None:
    """List every finding code, whether it can fix, and a one-line summary.

    The second column says which fixes a code's findings can carry: "fix" (safe,
    applied by check --fix), "unsafe fix" (only with --unsafe-fixes), "fix/unsafe"
    (either, by case); blank for none.  'lco-validate explain CODE' says what a
    fix does.

    \b
    Example:
      lco-validate rules
    """
    width = max(len(column) for column in _FIX_COLUMN.values())
    for code, summary in all_codes():
        fix = fix_documentation(code)
        column = "" if fix is None else _FIX_COLUMN.get(fix.applicability, fix.applicability)
        click.echo(f"{code}  {column:<{width}}  {summary}")


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
