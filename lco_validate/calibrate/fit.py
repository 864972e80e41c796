"""The robust, ceil-aware fit of the duration model to pooled records; the method explained.

``calibrate`` pools records and fits every instrument type with enough of them
(``fit_all``, ``fit_type``): robust trimming under both readings of the ceil, the
simplest values the records allow, the noise level and the outlier records.
The method as a whole:

For a request whose configurations all use one instrument type, the portal's
duration (docs/duration.md) is linear in the overheads::

    duration = ceil(fixed + sum_j feature_j * overhead_j)

``fixed`` is everything the fit leaves at the catalogue's values: exposure
times, ``repeat_duration`` of REPEAT configurations, acquisition overheads and
acquisition exposures, non-optional guiding, and slews between two different
ICRS targets.  The fitted overheads and their features are, per pass over the
configurations (``configuration_repeats`` multiplies every per-pass count):

* ``readout <mode>``: exposures read out in that mode (an unknown mode counts
  as the default mode, as in the portal);
* ``fixed overhead per exposure``: all exposures;
* ``<element> change``: instrument configs that change an optical element of
  that group type (when several types change at once the portal pays the
  largest, so the count goes to the type the catalogue says is largest);
* ``config front padding``: configurations without ``repeat_duration``;
* ``config change <TYPE>``: configurations whose type differs from the previous one;
* ``instrument change`` and ``maximum slew`` (telescope values): the first
  configuration, and for slews also every change to or from a non-sidereal target;
* ``observation front padding``: once per request (not repeated).

Requests using several instrument types split the observation padding in
proportion to time, which is not linear; they are left out and counted.

The ceil: a recorded value R only says that the true duration lies in
(R - 1, R].  Two readings are tried.  *Whole seconds*: when the overhead sums
are whole seconds (as in LCO's configdb), R - ceil(fixed) is exactly the
overhead part, and a perfect fit proves it.  (A sum that is a whole number
only up to floating point, e.g. exposures of 2 x 30.3 + 3 x 204.8 s, may be
recorded one second higher, as the portal's ceil does; that is accepted.)
*Rounding midpoint*: otherwise the target is R - fixed - 0.5, the middle of
the allowed interval, and the fit is then moved by alternating projections
until every kept record lies inside its interval (this removes the bias when
fractional parts are not uniform, e.g. FLOYDS's 25.5 s per exposure).  The
whole-second reading is kept when it reproduces at least 95 % of the records
the midpoint fit accepts.  Finally the values are made as simple as the
records allow: rounded to the coarsest of 1, 0.5, 0.1, 0.01 s, or left at the
catalogue's value, whenever that reproduces as many records; configdb
overheads are round numbers set by people.  Residuals are recorded minus the
unrounded model, which the ceil allows to lie in [0, 1).  Uncertainties come
from the covariance of the least-squares fit, with a noise floor of a uniform
1-second rounding (variance 1/12): no record pins its duration better.

Robustness: the fit starts from the most common recorded value of each
distinct feature vector, then leaves out records whose residual exceeds a
shrinking threshold (600, 120, 30, 8, 2 s) and refits; finally a record is an
outlier when it lies more than ``outlier_threshold`` seconds outside what the
ceil allows (in the whole-second reading: when its recorded value differs
from the model's by a second or more).  In the midpoint reading a record off
by one second is caught only when round values that reproduce every other
record contradict it; it can hide inside the rounding slack.

Identifiability: the singular values of the design matrix give its rank; a
parameter is determined when no direction the records cannot see moves it.
The others fall into groups sharing unseen directions; for each group the
determined combinations are reported, sparsest first, with small whole
coefficients, e.g. "2 x readout full_frame + filter change + 2 x fixed
overhead per exposure = 60" or "observation front padding, config front
padding, ... always occur together: only their sum is determined".  Among the
equally good fits the one that moves the catalogue least is reported, where
moving readout, element change and observation padding costs less than
config change, config padding, the fixed overhead and telescope values
(``model.INERTIA``): where only a sum is known, the catalogue's split is kept.

Memory is bounded by the number of distinct pools (features, recorded -
ceil(fixed) and its tenths of a second; see ``records.PoolKey``), not by the number of
records: records sharing them are pooled with their count, sums and extremes,
and a few example locations each.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from ..catalogue.snapshot import Catalogue
from .design import MIDPOINT, WHOLE_SECONDS, Design, Problem, Solution
from .identifiability import describe_parameters
from .model import CEIL_TOLERANCE, Vector
from .records import ArchiveRecord, CalibrationData, TypeRecords
from .results import Calibration, Outlier, TypeFit

#: The variance of a value known only to lie somewhere in a 1-second interval.
ROUNDING_VARIANCE = 1.0 / 12.0
TRIM_SCHEDULE = (600.0, 120.0, 30.0, 8.0, 2.0)
DEFAULT_OUTLIER_THRESHOLD = 0.5
DEFAULT_MIN_RECORDS = 3
#: The whole-second reading must reproduce this share of the midpoint fit's records.
WHOLE_SECOND_AGREEMENT = 0.95
CEIL_ITERATIONS = 500
#: At most this share of the records (and at least MIN_DROPS) is dropped as irreconcilable.
DROP_FRACTION = 0.01
MIN_DROPS = 10
#: Rounding steps tried, coarsest first, for the simplest values the records allow.
SNAP_STEPS = (1.0, 0.5, 0.1, 0.01)
REPORTED_OUTLIERS = 1000
_STRICT_MARGIN = 1e-9


def _residual(design: Design, method: str, values: Vector) -> Vector:
    return design.target(method, values) - design.features @ values


def _outside_ceil(
    design: Design, method: str, values: Vector, threshold: float
) -> npt.NDArray[np.bool_]:
    """Pools whose records lie more than ``threshold`` s outside what the ceil allows."""
    predicted = design.features @ values
    if method == WHOLE_SECONDS:
        return np.asarray(np.abs(design.target(method, values) - predicted) > threshold)
    too_low = design.highest - predicted < -threshold
    too_high = design.lowest - predicted >= 1.0 + threshold
    return np.asarray(too_low | too_high)


def _majority_rows(design: Design) -> npt.NDArray[np.bool_]:
    """For each distinct feature vector, the pool holding most of its records."""
    best: dict[bytes, int] = {}
    for row in range(len(design.counts)):
        key = design.features[row].tobytes()
        if key not in best or design.counts[row] > design.counts[best[key]]:
            best[key] = row
    rows = np.zeros(len(design.counts), dtype=bool)
    rows[list(best.values())] = True
    return rows


def _robust_fit(
    problem: Problem, method: str, threshold: float
) -> tuple[Solution, npt.NDArray[np.bool_]]:
    design = problem.design
    rows = _majority_rows(design)
    solution = problem.solve(rows, design.target(method, problem.prior))
    for limit in TRIM_SCHEDULE:
        rows = np.abs(_residual(design, method, solution.values)) <= limit
        if not rows.any():
            break
        solution = problem.solve(rows, design.target(method, solution.values))
    for _ in range(5):
        inliers = ~_outside_ceil(design, method, solution.values, threshold)
        if not inliers.any():
            break
        target = design.target(method, solution.values)
        refit = _within_ceil(problem, inliers, problem.solve(inliers, target))
        settled = np.array_equal(inliers, rows)
        solution, rows = refit, inliers
        if settled:
            break
    return solution, ~_outside_ceil(design, method, solution.values, threshold)


def _within_ceil(problem: Problem, rows: npt.NDArray[np.bool_], solution: Solution) -> Solution:
    """Move a fit until every pool is consistent with the ceil, if it can be.

    Each record's true duration lies in (recorded - 1, recorded], so a pool's
    model value must lie in (highest - 1, lowest] of its recorded - fixed.
    Alternating projections (clip each pool into its interval, refit) reach a
    fit inside all intervals when one exists, and otherwise the fit with the
    least squared violation.  This removes the bias of the midpoint reading
    when fractional parts are not uniform (e.g. overheads in half seconds).
    """
    features = problem.design.features[rows]
    upper = problem.design.lowest[rows]
    lower = problem.design.highest[rows] - 1.0 + 1e-9
    for _ in range(CEIL_ITERATIONS if solution.rank else 0):
        predicted = features @ solution.values
        clipped = np.clip(predicted, lower, upper)
        if np.max(np.abs(clipped - predicted)) < 1e-9:
            break
        solution.values = problem.values_for(solution, rows, clipped)
    return solution


def _residual_variance(
    design: Design, method: str, values: Vector, rows: npt.NDArray[np.bool_], rank: int
) -> float:
    predicted = design.features[rows] @ values
    counts = design.counts[rows]
    if method == WHOLE_SECONDS:
        target = design.target(method, values)[rows]
        squares = float(np.sum(counts * (target - predicted) ** 2))
    else:
        centre = predicted + 0.5
        squares = float(
            np.sum(design.squares[rows] - 2 * centre * design.sums[rows] + counts * centre**2)
        )
    freedom = float(counts.sum()) - rank
    return max(squares / freedom if freedom > 0 else 0.0, ROUNDING_VARIANCE)


def calibrate(
    records: Iterable[ArchiveRecord],
    catalogue: Catalogue,
    *,
    min_records: int = DEFAULT_MIN_RECORDS,
    outlier_threshold: float = DEFAULT_OUTLIER_THRESHOLD,
) -> Calibration:
    """Fit every instrument type with at least ``min_records`` usable records."""
    data = CalibrationData(catalogue)
    data.add_all(records)
    return fit_all(data, min_records=min_records, outlier_threshold=outlier_threshold)


def fit_all(
    data: CalibrationData,
    *,
    min_records: int = DEFAULT_MIN_RECORDS,
    outlier_threshold: float = DEFAULT_OUTLIER_THRESHOLD,
) -> Calibration:
    fits = []
    too_few = {}
    for code in sorted(data.by_type):
        pooled = data.by_type[code]
        if pooled.records < max(min_records, 1):
            too_few[code] = pooled.records
            continue
        fits.append(fit_type(pooled, outlier_threshold=outlier_threshold))
    return Calibration(
        catalogue=data.catalogue.source,
        records=data.records,
        skipped=dict(data.skipped),
        several_types=dict(data.several_types),
        fits=fits,
        too_few=too_few,
        min_records=min_records,
    )


def fit_type(
    pooled: TypeRecords, *, outlier_threshold: float = DEFAULT_OUTLIER_THRESHOLD
) -> TypeFit:
    """Fit one instrument type: robustly, under both readings of the ceil, keeping the better."""
    model = pooled.model
    prior = model.catalogue_values
    design = Design.of(pooled.pools, len(prior))
    problem = Problem(design, prior, 1.0 / np.sqrt(model.inertia))
    midpoint, midpoint_inliers = _robust_fit(problem, MIDPOINT, outlier_threshold)
    whole, whole_inliers = _robust_fit(problem, WHOLE_SECONDS, outlier_threshold)
    exact = np.abs(_residual(design, WHOLE_SECONDS, whole.values)[whole_inliers]) < 1e-3
    agreeing = design.counts[midpoint_inliers & whole_inliers].sum()
    if exact.all() and agreeing >= WHOLE_SECOND_AGREEMENT * design.counts[midpoint_inliers].sum():
        method, solution, inliers = WHOLE_SECONDS, whole, whole_inliers
    else:
        method, solution, inliers = MIDPOINT, midpoint, midpoint_inliers
    solution.values, simplified = _simplest_consistent(problem, inliers, solution.values)
    if simplified:  # judge every record again, against the final values
        inliers = ~_outside_ceil(design, method, solution.values, outlier_threshold)
        if method == MIDPOINT:
            inliers &= ~_contradicted(design, inliers, solution.values)
    variance = _residual_variance(design, method, solution.values, inliers, solution.rank)
    parameters, combinations = describe_parameters(model, design, solution, inliers, variance)
    predicted = design.features[inliers] @ solution.values
    residual_range = (
        float(np.min(design.lowest[inliers] - predicted)) if inliers.any() else 0.0,
        float(np.max(design.highest[inliers] - predicted)) if inliers.any() else 0.0,
    )
    reproduced = design.counts[inliers & _consistent(design, solution.values)].sum()
    by_catalogue = design.counts[inliers & _consistent(design, prior)].sum()
    return TypeFit(
        model=model,
        method=method,
        records=pooled.records,
        outliers=int(design.counts[~inliers].sum()),
        reproduced=int(reproduced),
        reproduced_by_catalogue=int(by_catalogue),
        parameters=parameters,
        combinations=combinations,
        residual_range=residual_range,
        sigma=math.sqrt(variance),
        outlier_records=_outlier_records(pooled, design, solution.values, inliers),
        notes=_notes(pooled, method),
    )


def _consistent(design: Design, values: Vector) -> npt.NDArray[np.bool_]:
    """Pools whose every recorded value is the ceil of the model with these values.

    A record one second above an exact whole-number model is a second too high,
    unless its sum is float sensitive (the portal's own sum may land above).
    """
    predicted = design.features @ values
    margin = np.where(design.sensitive, CEIL_TOLERANCE, -_STRICT_MARGIN)
    return np.asarray(
        (predicted <= design.lowest + CEIL_TOLERANCE) & (predicted > design.highest - 1.0 - margin)
    )


def _contradicted(
    design: Design, rows: npt.NDArray[np.bool_], values: Vector
) -> npt.NDArray[np.bool_]:
    """Kept pools that round values explaining the other records contradict, if only a few.

    In the midpoint reading a record off by a second can sit inside the
    rounding slack; once round values reproduce every other record, it is the
    one left over.  Many contradicted records mean the values are not settled:
    then none is dropped.
    """
    contradicted = rows & ~_consistent(design, values)
    limit = max(MIN_DROPS, DROP_FRACTION * float(design.counts[rows].sum()))
    if float(design.counts[contradicted].sum()) > limit:
        return np.zeros_like(rows)
    return contradicted


def _simplest_consistent(
    problem: Problem, rows: npt.NDArray[np.bool_], values: Vector
) -> tuple[Vector, bool]:
    """The fitted values made as simple as the kept records allow, and whether rounding worked.

    First all values rounded to the coarsest of 1, 0.5, 0.1 and 0.01 s that
    reproduces as many kept records as before; then, one parameter at a time
    (the firmest first), its catalogue value or a coarser rounding when that
    still does.  This only chooses among values the records cannot tell apart:
    configdb overheads are round numbers set by people, and without it the
    ceil leaves fractions of a second that nothing supports.
    """
    design = problem.design

    def reproduced(candidate: Vector) -> float:
        return float(design.counts[rows & _consistent(design, candidate)].sum())

    target = reproduced(values)
    used = np.flatnonzero(np.any(design.features[rows] != 0, axis=0))
    rounded = False
    for step in SNAP_STEPS:
        candidate = values.copy()
        candidate[used] = np.round(values[used] / step) * step
        if reproduced(candidate) >= target:
            values, rounded = candidate, True
            break
    values = values.copy()
    order = sorted(used, key=lambda slot: -(problem.scale[slot] ** -2))
    for _ in range(2):
        for slot in order:
            current = values[slot]
            options = [problem.prior[slot], *(round(current / step) * step for step in SNAP_STEPS)]
            for option in options:
                values[slot] = option
                if reproduced(values) >= target:
                    break
            else:
                values[slot] = current
    return values, rounded


def _notes(pooled: TypeRecords, method: str) -> list[str]:
    notes = []
    if method == WHOLE_SECONDS:
        notes.append(
            "every kept record is reproduced exactly with whole-second overhead sums, so each "
            "record's rounding is known; uncertainties still allow for the 1 s rounding"
        )
    else:
        notes.append(
            "overhead sums are not whole seconds: the fit keeps each record's true duration "
            "within the second it was rounded up from; a record off by 1 s may go unnoticed"
        )
    if pooled.float_sensitive:
        notes.append(
            f"{pooled.float_sensitive} record(s) have exact sums that are whole numbers, which "
            "floating point can push just above; for them the portal's ceil may add a second, "
            "and one second more is accepted"
        )
    if pooled.simultaneous_changes:
        notes.append(
            f"{pooled.simultaneous_changes} instrument config(s) change several element types at "
            "once; the portal pays the largest, so they count for the type the catalogue "
            "says is largest"
        )
    return notes


def _outlier_records(
    pooled: TypeRecords, design: Design, values: Vector, inliers: npt.NDArray[np.bool_]
) -> list[Outlier]:
    outliers = []
    for row, pool in enumerate(pooled.pools.values()):
        if inliers[row]:
            continue
        model_part = float(design.features[row] @ values)
        for reference in pool.examples:
            expected = math.ceil(reference.fixed + model_part - 1e-6)
            outliers.append(Outlier(reference, expected, pool.count))
    outliers.sort(
        key=lambda o: (
            -abs(o.reference.recorded - o.expected),
            o.reference.path,
            o.reference.document,
            o.reference.pointer,
        )
    )
    return outliers[:REPORTED_OUTLIERS]
