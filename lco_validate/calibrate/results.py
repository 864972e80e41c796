"""What a calibration reports: fitted parameters, determined combinations, outliers.

Plain results, built by ``fit`` and ``identifiability`` and read by ``changes``
and the command line.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from .model import OverheadModel, Parameter
from .records import RecordReference


@dataclass(frozen=True)
class FittedParameter:
    parameter: Parameter
    value: float
    uncertainty: float | None  # None unless determined on its own
    status: str  # "determined", "combination" or "unused"
    records: int  # inlier records that pay it

    @property
    def differs(self) -> bool:
        """Significantly different from the catalogue (more than 2 sigma and 0.01 s)."""
        if self.status != "determined" or self.uncertainty is None:
            return False
        return abs(self.value - self.parameter.catalogue) > max(2 * self.uncertainty, 0.01)


@dataclass(frozen=True)
class Combination:
    """A linear combination of parameters the data determine though its terms are not."""

    coefficients: tuple[tuple[Parameter, float], ...]
    value: float
    uncertainty: float
    catalogue: float
    together: bool  # every record pays each term equally often

    @property
    def expression(self) -> str:
        parts = []
        for index, (parameter, coefficient) in enumerate(self.coefficients):
            sign = "-" if coefficient < 0 else "+"
            size = abs(coefficient)
            factor = "" if math.isclose(size, 1.0) else f"{_number(size)} x "
            text = f"{factor}{parameter.label}"
            parts.append(text if index == 0 and sign == "+" else f"{sign} {text}")
        return " ".join(parts).replace("+ -", "-")

    @property
    def description(self) -> str:
        if not all(math.isclose(c, 1.0) for _, c in self.coefficients):
            return f"only the combination {self.expression} is determined"
        labels = [parameter.label for parameter, _ in self.coefficients]
        listed = ", ".join(labels[:-1]) + f" and {labels[-1]}"
        if self.together:
            return f"{listed} always occur together: only their sum is determined"
        return f"only the sum of {listed} is determined"

    @property
    def differs(self) -> bool:
        return abs(self.value - self.catalogue) > max(2 * self.uncertainty, 0.01)


@dataclass(frozen=True)
class Outlier:
    reference: RecordReference
    expected: int  # ceil of the fitted model
    group_size: int  # records in the same pool (only some are listed)


@dataclass
class TypeFit:
    model: OverheadModel
    method: str
    records: int
    outliers: int
    reproduced: int  # kept records whose recorded value the fitted model gives exactly
    reproduced_by_catalogue: int  # ... and the catalogue's model
    parameters: list[FittedParameter]
    combinations: list[Combination]
    residual_range: tuple[float, float]
    sigma: float
    outlier_records: list[Outlier]
    notes: list[str]

    @property
    def instrument_type(self) -> str:
        return self.model.instrument_type


@dataclass
class Calibration:
    catalogue: str
    records: int
    skipped: dict[str, int]
    several_types: dict[str, int]
    fits: list[TypeFit]
    too_few: dict[str, int]  # type -> usable records, below min_records
    min_records: int


def iter_outliers(calibration: Calibration) -> Iterator[tuple[str, Outlier]]:
    for fit in calibration.fits:
        for outlier in fit.outlier_records:
            yield fit.instrument_type, outlier


def _number(value: float) -> str:
    return f"{value:g}"
