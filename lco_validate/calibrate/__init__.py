"""Which overhead values do recorded durations imply?  A fit of the duration model to archives.

The package, split by concern; each module imports only modules listed above it:

* ``model``: the overhead model of one instrument type (its parameters and their
  catalogue values), and a record's features and fixed seconds;
* ``records``: records collected from archives, pooled per instrument type;
* ``design``: one type's pools as a weighted least-squares problem, read under
  the two readings of the ceil;
* ``results``: what a calibration reports (fitted parameters, combinations, outliers);
* ``identifiability``: which parameters and combinations the records determine;
* ``fit``: the robust, ceil-aware fit (its docstring explains the whole method);
* ``changes``: the catalogue changes, the updated ``/sites/`` and the result as data.
* ``duration_changes``: what a change of catalogue does to durations, each request
  timed under both (``catalogue diff``; not re-exported: it draws its sample with
  ``synthetic``).

Re-exported here: the names the command line and the tests use.
"""

from __future__ import annotations

from .changes import CatalogueChange, calibration_as_dict, catalogue_changes, updated_sites
from .design import MIDPOINT, WHOLE_SECONDS
from .fit import calibrate, fit_all
from .model import SEVERAL_TYPES, record_terms
from .records import CalibrationData
from .results import Calibration, TypeFit, iter_outliers

__all__ = [
    "MIDPOINT",
    "SEVERAL_TYPES",
    "WHOLE_SECONDS",
    "Calibration",
    "CalibrationData",
    "CatalogueChange",
    "TypeFit",
    "calibrate",
    "calibration_as_dict",
    "catalogue_changes",
    "fit_all",
    "iter_outliers",
    "record_terms",
    "updated_sites",
]
