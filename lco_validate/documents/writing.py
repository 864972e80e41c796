"""Writing a file whole or not at all: a reader sees the old file or the new one, never half.

The bytes go to a new file in the same folder (a rename within one file system
is atomic), reach the disk, take the old file's permissions (a new file gets
those the umask gives), and the new file then takes the old one's place.  A
symbolic link is followed and stays a link.  ``check --fix``, ``catalogue
pull`` and ``calibrate --write`` write through here.
"""

from __future__ import annotations

import contextlib
import os
import stat

#: What a temporary file is called while it is written: ``.lco-validate-<random>.part``.
TEMPORARY_PREFIX = ".lco-validate-"
TEMPORARY_SUFFIX = ".part"


def write_atomically(path: str, data: bytes) -> None:
    """Replace (or create) the file ``path`` names by ``data``, all or nothing."""
    import tempfile  # off the start-up path: only a run that writes needs it

    target = os.path.realpath(path)
    mode = stat.S_IMODE(os.stat(target).st_mode) if os.path.isfile(target) else _umask_mode()
    descriptor, temporary = tempfile.mkstemp(
        dir=os.path.dirname(target), prefix=TEMPORARY_PREFIX, suffix=TEMPORARY_SUFFIX
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
