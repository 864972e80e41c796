"""Which parameters, and which combinations of them, the records determine.

The singular values of the design matrix give its rank; a parameter is
determined when no direction the records cannot see (``_unseen_projector``)
moves it.  The others fall into groups linked by unseen directions; for each
group readable determined combinations are chosen, sparsest first with small
whole coefficients, then rows of its reduced row-echelon form.  ``describe_parameters``
turns a fit into ``FittedParameter`` and ``Combination`` results.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from .design import RANK_TOLERANCE, Design, Solution
from .model import Matrix, OverheadModel, Vector
from .results import Combination, FittedParameter

_NULL_TOLERANCE = 1e-7
_SMALL_MULTIPLIERS = range(1, 13)


def describe_parameters(
    model: OverheadModel,
    design: Design,
    solution: Solution,
    inliers: npt.NDArray[np.bool_],
    variance: float,
) -> tuple[list[FittedParameter], list[Combination]]:
    used_slots = [int(i) for i in np.flatnonzero(solution.used)]
    payers = (design.features[inliers] != 0).T @ design.counts[inliers]
    unseen = _unseen_projector(design, inliers, solution.used)
    determined = [
        bool(np.all(np.abs(unseen[:, j]) < _NULL_TOLERANCE)) for j in range(len(used_slots))
    ]
    covariance = variance * solution.unit_covariance
    fitted = []
    for slot, parameter in enumerate(model.parameters):
        if slot not in used_slots:
            fitted.append(FittedParameter(parameter, parameter.catalogue, None, "unused", 0))
            continue
        column = used_slots.index(slot)
        value = float(solution.values[slot])
        if determined[column]:
            uncertainty = math.sqrt(max(float(covariance[column, column]), 0.0))
            status = "determined"
        else:
            uncertainty, status = None, "combination"
        fitted.append(FittedParameter(parameter, value, uncertainty, status, int(payers[slot])))
    columns = design.features[inliers][:, solution.used]
    combinations = []
    for row in _determined_combinations(unseen, determined):
        members = np.flatnonzero(row)
        terms = tuple((model.parameters[used_slots[j]], float(row[j])) for j in members)
        full = np.zeros(len(model.parameters))
        full[used_slots] = row
        together = bool(np.all(columns[:, members] == columns[:, members[:1]]))
        combinations.append(
            Combination(
                terms,
                float(full @ solution.values),
                math.sqrt(max(float(row @ covariance @ row), 0.0)),
                float(full @ model.catalogue_values),
                together,
            )
        )
    return fitted, combinations


def _unseen_projector(
    design: Design, rows: npt.NDArray[np.bool_], used: npt.NDArray[np.bool_]
) -> Matrix:
    """The projector onto the parameter directions the records cannot see (used columns)."""
    matrix = design.features[rows][:, used] * np.sqrt(design.counts[rows])[:, None]
    width = int(used.sum())
    if matrix.size == 0:
        return np.eye(width)
    _, singular, basis = np.linalg.svd(matrix, full_matrices=False)
    rank = int(np.sum(singular > RANK_TOLERANCE * max(float(singular.max()), 1.0)))
    seen = basis[:rank]
    return np.asarray(np.eye(width) - seen.T @ seen, dtype=np.float64)


def _determined_combinations(unseen: Matrix, determined: list[bool]) -> list[Vector]:
    """Readable combinations spanning what the data determine beyond single parameters.

    The parameters the data cannot separate fall into independent groups (the
    blocks of the projector onto unseen directions).  In each group the sparsest
    combinations with small non-negative whole coefficients that the data
    determine are chosen first (e.g. 2 x readout + filter change + 2 x fixed),
    then, if the group needs more, rows of its reduced row-echelon form.
    """
    width = unseen.shape[0]
    rows: list[Vector] = []
    for group in _linked_groups(unseen, determined):
        block = unseen[np.ix_(group, group)]
        needed = len(group) - round(float(np.trace(block)))
        chosen: list[Vector] = []
        for candidate in _candidates(len(group), block):
            if len(chosen) == needed:
                break
            if _independent(candidate, chosen):
                chosen.append(candidate)
        if len(chosen) < needed:
            seen = np.eye(len(group)) - block
            _, singular, basis = np.linalg.svd(seen)
            rank = int(np.sum(singular > 1e-9))
            for candidate in _reduced_row_echelon(basis[:rank]):
                if len(chosen) == needed:
                    break
                candidate = _small_whole_numbers(candidate)
                if _independent(candidate, chosen):
                    chosen.append(candidate)
        for candidate in chosen:
            row = np.zeros(width)
            row[group] = candidate
            rows.append(row)
    return rows


def _linked_groups(unseen: Matrix, determined: list[bool]) -> list[list[int]]:
    """Connected groups of undetermined parameters that share an unseen direction."""
    remaining = [j for j, known in enumerate(determined) if not known]
    groups = []
    while remaining:
        group = [remaining.pop(0)]
        for member in group:
            linked = [j for j in remaining if abs(unseen[member, j]) > _NULL_TOLERANCE]
            for j in linked:
                remaining.remove(j)
            group.extend(linked)
        groups.append(sorted(group))
    return groups


def _candidates(size: int, unseen: Matrix) -> Iterator[Vector]:
    """Small non-negative whole-number combinations the data determine, sparsest first."""
    largest = 2 if size <= 10 else 1 if size <= 16 else 0
    if largest == 0:
        return
    grid = np.array(list(itertools.product(range(largest + 1), repeat=size)), dtype=np.float64)[1:]
    leftover = np.linalg.norm(grid @ unseen, axis=1)
    kept = grid[leftover < _NULL_TOLERANCE * np.linalg.norm(grid, axis=1) * 10]
    order = sorted(
        range(len(kept)),
        key=lambda i: (
            int(np.count_nonzero(kept[i])),
            float(kept[i].max()),
            float(kept[i].sum()),
            tuple(-kept[i]),
        ),
    )
    for index in order:
        yield kept[index]


def _independent(candidate: Vector, chosen: list[Vector]) -> bool:
    if not chosen:
        return True
    basis = np.array(chosen)
    coefficients, *_ = np.linalg.lstsq(basis.T, candidate, rcond=None)
    return bool(
        np.linalg.norm(basis.T @ coefficients - candidate) > 1e-7 * np.linalg.norm(candidate)
    )


def _reduced_row_echelon(rows: Matrix) -> list[Vector]:
    matrix = rows.copy()
    pivot_row = 0
    for column in range(matrix.shape[1]):
        if pivot_row == matrix.shape[0]:
            break
        pivot = pivot_row + int(np.argmax(np.abs(matrix[pivot_row:, column])))
        if abs(matrix[pivot, column]) < 1e-9:
            continue
        matrix[[pivot_row, pivot]] = matrix[[pivot, pivot_row]]
        matrix[pivot_row] /= matrix[pivot_row, column]
        for other in range(matrix.shape[0]):
            if other != pivot_row:
                matrix[other] -= matrix[other, column] * matrix[pivot_row]
        pivot_row += 1
    cleaned = np.where(np.abs(matrix[:pivot_row]) < 1e-9, 0.0, matrix[:pivot_row])
    return list(cleaned)


def _small_whole_numbers(row: Vector) -> Vector:
    """Scale a row so its coefficients are small whole numbers when they can be."""
    for multiplier in _SMALL_MULTIPLIERS:
        scaled = row * multiplier
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6):
            return np.asarray(np.round(scaled), dtype=np.float64)
    return np.asarray(np.round(row, 6), dtype=np.float64)
