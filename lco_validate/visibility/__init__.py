"""Target visibility with the LCO portal's semantics, computed offline (docs/visibility.md).

* ``intervals``: interval algebra on POSIX seconds (pure Python).
* ``orbits``: two-body propagation of ORBITAL_ELEMENTS (numpy).
* ``astro``: offline astropy configuration, shared Sun/Moon/Earth tables,
  target positions (astropy, ERFA, numpy; imported only when computing).
* ``observability``: which sites, which constraints, the observable
  intervals and the largest interval after now.
* ``checking``: when the V rules run, and one computation shared by them.
* ``plotting``: the ``--plot`` figure (matplotlib, imported only for plots).

Importing this package costs nothing: the heavy modules load on first use.
"""
