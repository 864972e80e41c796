"""``lco-validate serve``: the portal's validation API, offline, for the clients people use."""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Any

import click

from ..checking.policy import SERVE
from ..server.app import ServerLimits
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
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=ServerLimits.timeout,
    show_default=True,
    metavar="SECONDS",
    help="Answer 503 and stop a validation not answered this long after its request arrived.",
)
@click.option(
    "--read-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=ServerLimits.read_timeout,
    show_default=True,
    metavar="SECONDS",
    help="Close a connection that takes longer to send a request head, or pauses a body longer.",
)
@click.option(
    "--keep-alive",
    type=click.IntRange(min=1),
    default=ServerLimits.keep_alive,
    show_default=True,
    metavar="SECONDS",
    help="Close an idle kept-alive connection after this long.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=1),
    default=ServerLimits.max_connections,
    show_default=True,
    metavar="N",
    help="Answer 503 to a request while this many connections or requests are open.",
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=1),
    default=ServerLimits.max_requests,
    show_default=True,
    metavar="N",
    help="Refuse (400) a request group with more requests.",
)
@click.option(
    "--max-configurations",
    type=click.IntRange(min=1),
    default=ServerLimits.max_configurations,
    show_default=True,
    metavar="N",
    help="Refuse (400) a request group with more configurations in all.",
)
@click.option(
    "--max-configurations-per-request",
    type=click.IntRange(min=1),
    default=ServerLimits.max_configurations_per_request,
    show_default=True,
    metavar="N",
    help="Refuse (400) a request group with a request of more configurations.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Validation processes [default: the usable cores, 2 to 8].",
)
@click.option(
    "--proposal",
    "proposals",
    multiple=True,
    metavar="CODE",
    help="A proposal of the sandbox user, as /api/profile/ lists it (repeatable) "
    "[default: TEST_PROPOSAL].",
)
def serve(
    host: str,
    port: int,
    configdb: str | None,
    now: str | None,
    config_path: str | None,
    workers: int | None,
    proposals: tuple[str, ...],
    **limits: Any,
) -> None:
    """The portal's API, offline: validation, expansions, airmass, and a sandbox to submit to.

    Point a client at it instead of the portal; any API token is accepted and
    stands for the sandbox user, whose proposals --proposal names.  Submitted
    request groups are kept in memory until the server stops.
    Needs the serve extra: pip install 'lco-validate[serve]'.  Of the settings
    in [tool.lco-validate], only configdb and now apply: the answers are the
    portal's, so select, ignore and severity do not change them.

    No request can hold the server: each is answered within --timeout,
    connections too slow to send one are closed, and groups beyond the
    --max-* counts are refused at once.

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
    from ..server.app import make_app, uvicorn_options

    resolution = resolve_settings(SERVE, {"configdb": configdb, "now": now}, config_path)
    settings = run_settings(resolution)
    refuse_an_address_in_use(host, port)
    from ..server.workers import default_worker_count

    server_limits = ServerLimits(**limits, workers=workers or default_worker_count())
    app = make_app(settings, server_limits, proposals)
    warning = exposure_warning(host, port)
    if warning:
        click.secho(warning, err=True, fg="red", bold=True)
    click.echo(
        f"lco-validate: the portal's API at http://{host}:{port}/api/; "
        f"catalogue: {settings.catalogue.source}; {server_limits.workers} workers, "
        f"answers within {server_limits.timeout:g} s. Submissions are kept in memory only: "
        "they are gone when the server stops. Ctrl-C stops.",
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", **uvicorn_options(server_limits))


def exposure_warning(host: str, port: int) -> str | None:
    """The warning for an address beyond this machine's loopback, or None on loopback."""
    if on_loopback(host):
        return None
    where = "every network interface of this machine" if _is_any(host) else "a network interface"
    return (
        f"WARNING: listening on {host}:{port}, {where}: anyone who can reach it can use "
        "this server, with any token. Use --host 127.0.0.1 to keep it to this machine."
    )


def on_loopback(host: str) -> bool:
    """Whether every address ``host`` names is a loopback one (127.0.0.0/8, ::1)."""
    try:
        return _loopback_address(host)
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False  # uvicorn will say why it cannot bind
    return bool(found) and all(_loopback_address(str(entry[4][0])) for entry in found)


def _loopback_address(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _is_any(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


class CannotListen(click.ClickException):
    """The address cannot be listened on: the environment's fault, exit 2 with one line."""

    exit_code = 2


def refuse_an_address_in_use(host: str, port: int) -> None:
    """Raise ``CannotListen`` when ``host:port`` cannot be bound, before any work starts.

    Bound as uvicorn binds (SO_REUSEADDR), so that what passes here binds there.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        reason = (
            "it is already in use (choose another with --port)"
            if error.errno == errno.EADDRINUSE
            else f"{error.strerror or error}"
        )
        raise CannotListen(f"cannot listen on {host} port {port}: {reason}") from error
