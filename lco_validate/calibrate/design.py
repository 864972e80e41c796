"""One instrument type's pools as a weighted least-squares problem.

``Design`` holds the pools as arrays (one row per pool) and reads what the fit
aims at under the two readings of the ceil (``WHOLE_SECONDS`` and ``MIDPOINT``).
``Problem`` solves weighted least squares over chosen rows, moving the
catalogue's values least where the records cannot tell fits apart; the
``Solution`` keeps its operator, so that other targets are refitted cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .model import Matrix, Vector
from .records import Pool, PoolKey

WHOLE_SECONDS = "whole seconds"
MIDPOINT = "rounding midpoint"
RANK_TOLERANCE = 1e-9


@dataclass
class Design:
    """The pools of one type as arrays (one row per pool)."""

    features: Matrix
    counts: Vector
    mean_excess: Vector
    lowest: Vector
    highest: Vector
    sums: Vector
    squares: Vector
    whole: Vector
    sensitive: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, pools: dict[PoolKey, Pool], width: int) -> Design:
        items = list(pools.items())
        features = np.array([key[0] for key, _ in items], dtype=np.float64).reshape(-1, width)
        counts = np.array([pool.count for _, pool in items], dtype=np.float64)
        sums = np.array([pool.total for _, pool in items], dtype=np.float64)
        return cls(
            features=features,
            counts=counts,
            mean_excess=sums / counts,
            lowest=np.array([pool.lowest for _, pool in items], dtype=np.float64),
            highest=np.array([pool.highest for _, pool in items], dtype=np.float64),
            sums=sums,
            squares=np.array([pool.squares for _, pool in items], dtype=np.float64),
            whole=np.array([key[1] for key, _ in items], dtype=np.float64),
            sensitive=np.array([key[3] for key, _ in items], dtype=bool),
        )

    def target(self, method: str, values: Vector) -> Vector:
        """What the fit aims at, read with the current ``values``.

        In whole seconds a float-sensitive pool one second above the model is
        read as the floating-point ceil, not as a wrong record.
        """
        if method != WHOLE_SECONDS:
            return self.mean_excess - 0.5
        above = self.whole - self.features @ values
        return np.asarray(self.whole - (self.sensitive & (above > 0.5) & (above < 1.5)))


@dataclass
class Solution:
    values: Vector  # all parameters; unused ones at the catalogue's value
    used: npt.NDArray[np.bool_]  # columns some record pays
    rank: int
    unit_covariance: Matrix  # over the used columns; times the noise variance = covariance
    # The least-squares operator for these rows: singular vectors and values.
    left: Matrix
    singular: Vector
    basis: Matrix


@dataclass(frozen=True)
class Problem:
    """One type's pools, the catalogue values and how firmly each is kept."""

    design: Design
    prior: Vector
    scale: Vector  # 1 / sqrt(inertia): small for values the fit should leave alone

    def solve(self, rows: npt.NDArray[np.bool_], target: Vector) -> Solution:
        """Weighted least squares over ``rows``; among equally good fits, the one that moves
        the catalogue's values least (each change weighted by its parameter's inertia)."""
        features = self.design.features[rows]
        used = np.any(features != 0, axis=0)
        weights = np.sqrt(self.design.counts[rows])
        matrix = features[:, used] * self.scale[used] * weights[:, None]
        if matrix.size == 0:
            width = int(used.sum())
            empty = np.zeros((0, width))
            return Solution(
                self.prior.copy(), used, 0, np.zeros((width, width)), empty.T, np.zeros(0), empty
            )
        left, singular, basis = np.linalg.svd(matrix, full_matrices=False)
        rank = int(np.sum(singular > RANK_TOLERANCE * max(float(singular.max()), 1.0)))
        left, singular, basis = left[:, :rank], singular[:rank], basis[:rank]
        scaled = basis * self.scale[used][None, :]
        unit_covariance = scaled.T @ np.diag(1.0 / singular**2) @ scaled
        solution = Solution(self.prior.copy(), used, rank, unit_covariance, left, singular, basis)
        solution.values = self.values_for(solution, rows, target[rows])
        return solution

    def values_for(self, solution: Solution, rows: npt.NDArray[np.bool_], target: Vector) -> Vector:
        """Apply a solution's least-squares operator (same rows) to another target."""
        features = self.design.features[rows]
        right = np.sqrt(self.design.counts[rows]) * (target - features @ self.prior)
        values = self.prior.copy()
        if solution.rank:
            step = solution.basis.T @ ((solution.left.T @ right) / solution.singular)
            values[solution.used] += self.scale[solution.used] * step
        return values
