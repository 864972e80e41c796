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
import select
import signal
import sys
from typing import Any, NoReturn

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


class _Commands(click.Group):
    """The group, with a reader that goes away handled here rather than by click.

    Click answers a broken pipe with a silent exit 1, which would read as "error
    findings"; see ``_stop_for_a_reader_gone``.  Parsing (``--help``,
    ``--version``) and running both write.
    """

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError as error:
            _on_broken_pipe(error)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as error:
            _on_broken_pipe(error)


def _on_broken_pipe(error: BrokenPipeError) -> NoReturn:
    if _output_reader_gone():
        _stop_for_a_reader_gone()
    # Some other connection (a fetch): past click's own pipe handling, on to main.
    raise OSError(f"the other end closed the connection ({error.strerror})") from error


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
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
    disk, a closed standard output), exit 3 for anything else, which is a bug.  A
    reader that stops reading (``| head``) ends the run quietly by SIGPIPE.
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
    except BrokenPipeError:  # what was left in the buffer met a reader gone
        _stop_for_a_reader_gone()
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


def _stop_for_a_reader_gone() -> NoReturn:
    """End the way grep and cat do when the next stage of a pipeline stops reading.

    No message and no findings exit code (the run stopped early, so it is not
    known): the process ends by SIGPIPE, which shells report as 141 and
    ``set -o pipefail`` counts as a failure.  Where there is no SIGPIPE, exit 2
    (the output cannot be written).
    """
    _discard_unwritten_output()
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        # raise_signal, not os.kill: it reaches this thread before returning.
        signal.raise_signal(signal.SIGPIPE)
    sys.exit(EXIT_USAGE)


def _output_reader_gone() -> bool:
    """Whether standard output or error is a pipe or socket that nobody reads any more.

    A pipe's writing end polls as an error (Linux) or hang-up (BSD) once its
    readers have closed it.  Where that cannot be asked, assume it is so.
    """
    if not hasattr(select, "poll"):
        return True
    poller = select.poll()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            poller.register(stream.fileno(), select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


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
