"""The tool never touches the network: every test runs with connections refused (conftest)."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from lco_validate.cli import cli

from .conftest import SEED_PAGE


def test_connections_are_refused_during_tests() -> None:
    with pytest.raises(RuntimeError, match="network"):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(RuntimeError, match="network"):
        socket.socket().connect(("127.0.0.1", 9))


@pytest.mark.parametrize(
    "arguments",
    [
        ["check", str(SEED_PAGE), "--now", "2025-01-29T00:00:00Z"],
        ["duration", str(SEED_PAGE)],
        ["audit", str(SEED_PAGE), "-j", "1"],
        ["catalogue"],
    ],
)
def test_commands_work_with_the_network_refused(arguments: list[str]) -> None:
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
