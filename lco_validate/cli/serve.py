"""``lco-validate serve``: the portal's validation API, offline, for the clients people use."""

from __future__ import annotations

from datetime import datetime

import click

from ..checking.context import Settings
from .options import catalogue_from_option, catalogue_option, now_callback


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@catalogue_option
@click.option(
    "--now",
    metavar="ISO",
    callback=now_callback,
    help="Judge every request at this time (default: the time it arrives).",
)
def serve(host: str, port: int, configdb: str | None, now: datetime | None) -> None:
    """Answer the portal's POST /api/requestgroups/validate/ and GET /api/instruments/.

    Point a client at it instead of the portal; any API token is accepted.
    Needs the serve extra: pip install 'lco-validate[serve]'.

    \b
    Example:
      lco-validate serve --port 8000
      AEON_LCO_API_ROOT=http://127.0.0.1:8000/api/ python my_script.py
    """
    try:
        import uvicorn
    except ImportError as error:
        raise click.UsageError(
            "serve needs uvicorn and starlette: pip install 'lco-validate[serve]'"
        ) from error
    from ..server.app import make_app

    settings = Settings(catalogue=catalogue_from_option(configdb), now=now)
    app = make_app(settings)
    shared = "" if host in ("127.0.0.1", "localhost", "::1") else " (reachable from other machines)"
    click.echo(
        f"lco-validate: the portal's validation API at http://{host}:{port}/api/{shared}; "
        f"catalogue: {settings.catalogue.source}. Ctrl-C stops.",
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
