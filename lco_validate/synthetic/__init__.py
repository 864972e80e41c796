"""Synthetic archives: seeded, realistic request records with known true durations.

Used by ``benchmarks/generate_archive.py`` (the command line) and by the tests
of ``calibrate``.  Records look like what ``GET /api/requests/`` returns: ids,
states, ``created``/``modified``, a mix of the catalogue's SCHEDULABLE
instrument types (QHY600 dominant, then Sinistro, MuSCAT, FLOYDS with
acquisition and slits, a few SOAR), their readout modes, optical elements and
configuration types, one to three configurations, REPEAT configurations,
``configuration_repeats``, ICRS and orbital-element targets, one or two windows
and locations that exist.  The recorded ``duration`` is the model's
(``lco_validate.request_duration`` with the catalogue given), except for a
chosen fraction of records that are off by a random non-zero number of seconds.

Generation streams: one request at a time, constant memory.

The package, split by concern; each module imports only modules listed above it:

* ``requests``: what the catalogue offers for each instrument type (its profile)
  and drawing one request from it: configurations, instrument configs, targets,
  location and windows;
* ``records``: the stream of records (``generate_requests``, with cadence
  copies) and the duration recorded for each, sometimes wrong;
* ``archive``: writing records as API pages or JSON lines, with the list of the
  wrong ones beside them (``write_archive``).

Re-exported here: the names the benchmarks and the tests use.
"""

from __future__ import annotations

from .archive import FORMATS, WRONG_SUFFIX, WrittenArchive, write_archive
from .records import SyntheticRequest, generate_requests

__all__ = [
    "FORMATS",
    "WRONG_SUFFIX",
    "SyntheticRequest",
    "WrittenArchive",
    "generate_requests",
    "write_archive",
]
