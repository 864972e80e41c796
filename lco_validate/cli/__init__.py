"""The ``lco-validate`` command line: the group, its commands, and the entry point.

Each command lives in its own module of this package and is registered below.
Command modules import the library's heavy parts (jsonschema, astropy,
matplotlib) inside their functions, so that ``--help`` and a check of a valid
file stay quick.  Imports run one way: this module -> command modules ->
``options`` -> the library.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys

import click

from . import (
    audit,
    calibrate,
    catalogue,
    check,
    duration,
    expand,
    normalize,
    rules,
    serve,
    visibility,
)
from .options import EXIT_INTERNAL, EXIT_USAGE


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
    expand.expand,
    audit.audit,
    calibrate.calibrate,
    catalogue.catalogue,
    rules.list_rules,
    rules.explain,
    serve.serve,
):
    cli.add_command(_command)


def main() -> None:
    """Entry point: one line on stderr instead of a traceback.

    Exit 2 when the environment is at fault (the output cannot be written: a full
    disk, a closed standard output), exit 3 for anything else, which is a bug.
    """
    if sys.stdout is None:  # started with standard output closed (>&-)
        sys.stdout = _ClosedOutput()
    try:
        try:
            cli.main(prog_name="lco-validate")
        finally:
            # Flushed here, not at interpreter exit, so that a failure to write is seen.
            sys.stdout.flush()
    except SystemExit:
        raise
    except OSError as error:
        _discard_unwritten_output()
        _say(f"lco-validate: {_describe(error)}")
        sys.exit(EXIT_USAGE)
    except Exception as error:
        _say(
            f"lco-validate: internal error: {type(error).__name__}: {error}. "
            "This is a bug; please report it with the input that caused it."
        )
        sys.exit(EXIT_INTERNAL)


#: Errors writing a stream that say why it cannot take the output.
_OUTPUT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EBADF, errno.EIO, errno.EPIPE, errno.EROFS}
)


def _describe(error: OSError) -> str:
    reason = error.strerror or str(error)
    if error.filename is not None:
        return f"cannot write {error.filename}: {reason}"
    if error.errno in _OUTPUT_ERRNOS:
        return f"cannot write the output: {reason}"
    return reason


class _ClosedOutput(io.TextIOBase):
    """Standard output for a process started without one: writing to it fails."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def _discard_unwritten_output() -> None:
    """Send standard output to /dev/null, so that what its buffer still holds can go at exit."""
    with contextlib.suppress(OSError, ValueError):
        descriptor = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, descriptor)
        os.close(devnull)


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        click.echo(line, err=True)
