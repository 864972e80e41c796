"""``lco-validate serve``: the portal's validation API, offline, for the clients people use."""

from __future__ import annotations

import click

from ..checking.policy import SERVE
from .options import (
    catalogue_option,
    config_option,
    now_option,
    resolve_settings,
    run_settings,
)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@catalogue_option
@now_option("Judge every request at this time (default: the time it arrives).")
@config_option
def serve(
    host: str, port: int, configdb: str | None, now: str | None, config_path: str | None
) -> None:
    """Answer the portal's POST /api/requestgroups/validate/ and GET /api/instruments/.

    Point a client at it instead of the portal; any API token is accepted.
    Needs the serve extra: pip install 'lco-validate[serve]'.  Of the settings
    in [tool.lco-validate], only configdb and now apply: the answers are the
    portal's, so select, ignore and severity do not change them.

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

    resolution = resolve_settings(SERVE, {"configdb": configdb, "now": now}, config_path)
    settings = run_settings(resolution)
    app = make_app(settings)
    shared = "" if host in ("127.0.0.1", "localhost", "::1") else " (reachable from other machines)"
    click.echo(
        f"lco-validate: the portal's validation API at http://{host}:{port}/api/{shared}; "
        f"catalogue: {settings.catalogue.source}. Ctrl-C stops.",
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
