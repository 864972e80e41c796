"""The catalogue: a configdb ``/sites/`` snapshot and the portal's lookups in it.

``snapshot`` loads a snapshot (the built-in LCO network in ``data/``, or any
observatory's) into a ``Catalogue``, an explicit object every check is given;
``semesters`` is the semester table; ``cerberus_schemas`` and
``cerberus_quick`` apply configdb's validation schemas as the portal does;
``digest`` is the readable summary ``lco-validate catalogue`` prints;
``comparison`` lists what differs between two catalogues (``catalogue diff``);
``provenance`` is a snapshot's date and source; ``pull`` fetches a snapshot
from a configdb (``catalogue pull``), the package's one use of the network.
"""
