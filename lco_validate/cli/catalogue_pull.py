"""``lco-validate catalogue pull``: a configdb snapshot fetched and written, whole or not at all."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from ..catalogue.pull import DEFAULT_URL, PullPolicy


class PullRefused(click.ClickException):
    """Nothing usable was fetched, or it cannot be written: exit 2 with one line."""

    exit_code = 2


@click.command()
@click.argument("file", metavar="FILE")
@click.option(
    "--url",
    default=DEFAULT_URL,
    show_default=True,
    help="The configdb /sites/ address to read (any OCS observatory's).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=PullPolicy.timeout,
    show_default=True,
    metavar="SECONDS",
    help="Longest wait to connect or for each read; a page's whole answer gets four times it.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0, max=10),
    default=PullPolicy.retries,
    show_default=True,
    help="Attempts after the first when a page fails in a way that may pass "
    "(no connection, a timeout, a 5xx), waiting 1, 2, 4... s between them.",
)
def pull(file: str, url: str, timeout: float, retries: int) -> None:
    """Fetch configdb's /sites/ (all its pages), check it and write it to FILE.

    The one command that uses the network.  The answer is checked as
    --configdb checks a snapshot, and refused (exit 2, nothing written) when it
    is malformed, incomplete or empty; FILE is replaced only by a whole, usable
    snapshot, which records where and when it was read.  Proxies come from the
    environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY).

    \b
    Example:
      lco-validate catalogue pull sites.json
      lco-validate catalogue pull soar-sites.json --url https://configdb.example.org/sites/
    """
    import importlib.util

    from ..catalogue import pull as pulling

    if importlib.util.find_spec("httpx") is None:
        raise PullRefused("catalogue pull needs httpx: pip install 'lco-validate[pull]'")
    try:
        pulling.refuse_unwritable(file)
        pulled = pulling.pull(url, PullPolicy(timeout=timeout, retries=retries), datetime.now(UTC))
        pulling.write_snapshot(pulled.text, file)
    except pulling.PullError as error:
        raise PullRefused(f"{error}; nothing written") from error
    catalogue = pulled.catalogue
    types = catalogue.instrument_type_codes()
    schedulable = catalogue.schedulable_instrument_types()
    telescopes = [
        telescope
        for site in catalogue.sites
        for enclosure in site.get("enclosure_set", [])
        for telescope in enclosure.get("telescope_set", [])
    ]
    click.echo(
        f"Wrote {file}: {len(catalogue.sites)} sites, {len(telescopes)} telescopes, "
        f"{len(types)} instrument types ({len(schedulable)} schedulable), "
        f"from {pulled.pages} page(s) of {url}."
    )
    click.echo(f"Instrument types: {', '.join(types)}")
    click.echo(
        "Use it with a command's --configdb option:\n"
        f"  lco-validate check --configdb {file} PATHS\n"
        "or for every run, in [tool.lco-validate] of pyproject.toml (a path relative to it):\n"
        f'  configdb = "{file}"'
    )
