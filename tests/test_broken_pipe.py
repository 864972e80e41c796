"""A reader that stops reading (``lco-validate check dir | head -1``) ends the run quietly.

Each command runs in a process whose standard output is a pipe with its reading
end already closed, so the first write meets a reader gone whatever the output's
size and buffering: the process must end by SIGPIPE, as grep and cat do, with
nothing on stderr but what the run says anyway (its notes and summary, which
precede the write that fails when standard output is buffered): no traceback,
no "Broken pipe".
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import REPO, SEED_PAGE
from .portal_documents import configuration

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGPIPE"), reason="no SIGPIPE here")

GROUP = REPO / "fixtures" / "valid" / "request-group.json"
INVALID = sorted(str(path) for path in (REPO / "fixtures" / "invalid").glob("*/*.json"))


def run_into_a_closed_pipe(
    *command: str, buffered: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` with standard output buffered as usual unless ``buffered`` is false."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    if not buffered:
        environment["PYTHONUNBUFFERED"] = "1"
    reading, writing = os.pipe()
    os.close(reading)
    try:
        return subprocess.run(
            command,
            stdout=writing,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
            env=environment,
        )
    finally:
        os.close(writing)


def dither_body(tmp_path: Path) -> str:
    body = {"configuration": configuration(), "pattern": "line", "num_points": 3}
    path = tmp_path / "dither.json"
    path.write_text(json.dumps(body | {"point_spacing": 10}))
    return str(path)


@pytest.mark.parametrize(
    "args",
    [
        ("check", *INVALID),  # findings written while the run goes on
        ("check", "-o", "json", str(SEED_PAGE)),  # one report at the end
        ("duration", str(SEED_PAGE)),
        ("normalize", str(GROUP)),
        ("visibility", "--now", "2030-01-01T00:00:00Z", str(GROUP)),
        ("audit", "-j", "1", str(SEED_PAGE)),
        ("rules",),
        ("explain", "S003"),
        ("expand", "dither", "DITHER"),
        ("--help",),  # written while the arguments are parsed, before any command runs
    ],
    ids=lambda args: " ".join(args[:2]) if args[0] == "check" else args[0],
)
@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_a_reader_gone_ends_the_run_by_sigpipe_in_silence(
    args: tuple[str, ...], buffered: bool, tmp_path: Path
) -> None:
    args = tuple(dither_body(tmp_path) if arg == "DITHER" else arg for arg in args)
    completed = run_into_a_closed_pipe(
        sys.executable, "-m", "lco_validate", *args, buffered=buffered
    )
    assert completed.returncode == -signal.SIGPIPE, completed.stderr
    said = completed.stderr.splitlines()
    assert all(line.startswith(("Note: ", "Checked ")) for line in said), completed.stderr


def test_a_closed_pipe_found_at_the_final_flush_ends_the_same_way() -> None:
    """A short output sits in the buffer until the entry point flushes it."""
    script = textwrap.dedent(
        """
        from lco_validate.cli import cli, main

        @cli.command("short")
        def short() -> None:
            print("one line")  # unlike click.echo, print leaves it in the buffer

        main()
        """
    )
    completed = run_into_a_closed_pipe(sys.executable, "-c", script, "short")
    assert completed.returncode == -signal.SIGPIPE, completed.stderr
    assert completed.stderr == ""


def test_a_broken_connection_elsewhere_is_an_error_named_on_stderr() -> None:
    """Only the output's own reader going away is quiet: another peer's is reported."""
    script = textwrap.dedent(
        """
        from lco_validate.cli import cli, main

        @cli.command("fetch-something")
        def fetch_something() -> None:
            raise BrokenPipeError(32, "Broken pipe")

        main()
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, "fetch-something"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr == ("lco-validate: the other end closed the connection (Broken pipe)\n")
