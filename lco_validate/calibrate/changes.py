"""The catalogue changes a calibration supports, the updated catalogue, the result as data.

``catalogue_changes`` chooses the values to write and says which are withheld;
``updated_sites`` applies them to a copy of the catalogue's ``/sites/`` results;
``calibration_as_dict`` is the whole result as JSON-ready data.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from ..catalogue.snapshot import Catalogue
from .model import JSON, TELESCOPE_LEVEL, Parameter
from .results import Calibration, TypeFit


@dataclass(frozen=True)
class CatalogueChange:
    instrument_type: str
    parameter: Parameter
    old: float
    new: float
    basis: str  # how the new value was found


def catalogue_changes(calibration: Calibration) -> tuple[list[CatalogueChange], list[str]]:
    """The values the records determine that differ from the catalogue, and what was not written.

    A value determined on its own is written as fitted when it differs by more
    than twice its uncertainty.  Where the records determine only a sum (or
    another combination) that differs, the fit has moved the terms with the
    least inertia (readout, element change, observation padding before config
    change, config padding and the fixed overhead), so the catalogue's split is
    kept as far as the records allow; those terms are written.  Telescope values
    (instrument change, maximum slew) are shared by every instrument on the
    telescope and are never written.  A type whose kept records the catalogue
    already reproduces as well as the fit is left alone.
    """
    changes: list[CatalogueChange] = []
    withheld: list[str] = []
    for fit in calibration.fits:
        if fit.reproduced_by_catalogue >= fit.reproduced:
            continue  # the catalogue explains the records as well as the fit: keep it
        reasons = {
            parameter.key: f"from {combination.expression} = {combination.value:.2f} s "
            f"(catalogue {combination.catalogue:g} s)"
            for combination in fit.combinations
            if combination.differs
            for parameter, _ in combination.coefficients
        }
        for fitted in fit.parameters:
            new = round(fitted.value, 2)
            if fitted.differs:
                basis = "fitted"
            elif fitted.status == "combination" and fitted.parameter.key in reasons:
                basis = reasons[fitted.parameter.key]
            else:
                continue
            if abs(new - fitted.parameter.catalogue) < 0.005:
                continue
            note = _unwritable(fitted.parameter, new)
            if note:
                withheld.append(f"{fit.instrument_type}: {note}")
                continue
            changes.append(
                CatalogueChange(
                    fit.instrument_type, fitted.parameter, fitted.parameter.catalogue, new, basis
                )
            )
    return changes, withheld


def _unwritable(parameter: Parameter, new: float) -> str:
    if parameter.level == TELESCOPE_LEVEL:
        return (
            f"{parameter.label} is a telescope value shared by other instruments; "
            f"not written ({new:g} s fitted)"
        )
    if new < 0:
        return f"{parameter.label} would be negative ({new:g} s); not written"
    return ""


def updated_sites(catalogue: Catalogue, changes: list[CatalogueChange]) -> list[JSON]:
    """A copy of the catalogue's ``/sites/`` results, changed in every copy of each type."""
    sites = copy.deepcopy(catalogue.sites)
    copied = Catalogue(sites, catalogue.source)
    for change in changes:
        for placement in copied.placements:
            if placement.type_code == change.instrument_type.upper():
                _apply(placement.instrument, change.parameter.key, change.new)
    return sites


def _apply(instrument: JSON, key: str, value: float) -> None:
    instrument_type = instrument["instrument_type"]
    kind, _, name = key.partition(":")
    if kind == "readout":
        for group in instrument_type.get("mode_types", []):
            if group.get("type") == "readout":
                for mode in group.get("modes", []):
                    if mode["code"] == name:
                        mode["overhead"] = value
    elif kind == "element":
        for camera in instrument.get("science_cameras", []):
            for group in camera.get("optical_element_groups", []):
                if group.get("type") == name:
                    group["element_change_overhead"] = value
    elif kind == "config_change":
        for entry in instrument_type.get("configuration_types", []):
            if isinstance(entry, dict) and entry.get("code") == name:
                entry["config_change_overhead"] = value
    else:
        instrument_type[key] = value


# -- as data --------------------------------------------------------------------------------------


def calibration_as_dict(
    calibration: Calibration, changes: list[CatalogueChange], withheld: list[str]
) -> JSON:
    """The whole result as JSON-ready data (what ``--output-format json`` prints)."""
    return {
        "catalogue": calibration.catalogue,
        "records": calibration.records,
        "skipped": calibration.skipped,
        "several_instrument_types": calibration.several_types,
        "min_records": calibration.min_records,
        "too_few_records": calibration.too_few,
        "instrument_types": [_fit_as_dict(fit) for fit in calibration.fits],
        "catalogue_changes": [
            {
                "instrument_type": change.instrument_type,
                "parameter": change.parameter.key,
                "old": change.old,
                "new": change.new,
                "basis": change.basis,
            }
            for change in changes
        ],
        "not_written": withheld,
    }


def _fit_as_dict(fit: TypeFit) -> JSON:
    return {
        "instrument_type": fit.instrument_type,
        "method": fit.method,
        "records": fit.records,
        "outliers": fit.outliers,
        "reproduced": fit.reproduced,
        "reproduced_by_catalogue": fit.reproduced_by_catalogue,
        "sigma": _rounded(fit.sigma),
        "residual_range": [_rounded(fit.residual_range[0]), _rounded(fit.residual_range[1])],
        "parameters": [
            {
                "parameter": fitted.parameter.key,
                "label": fitted.parameter.label,
                "level": fitted.parameter.level,
                "status": fitted.status,
                "fitted": _rounded(fitted.value),
                "uncertainty": None if fitted.uncertainty is None else _rounded(fitted.uncertainty),
                "catalogue": fitted.parameter.catalogue,
                "records": fitted.records,
                "differs": fitted.differs,
            }
            for fitted in fit.parameters
        ],
        "combinations": [
            {
                "terms": {p.key: coefficient for p, coefficient in combination.coefficients},
                "expression": combination.expression,
                "description": combination.description,
                "together": combination.together,
                "fitted": _rounded(combination.value),
                "uncertainty": _rounded(combination.uncertainty),
                "catalogue": _rounded(combination.catalogue),
                "differs": combination.differs,
            }
            for combination in fit.combinations
        ],
        "outlier_records": [
            {
                "path": outlier.reference.path,
                "document": outlier.reference.document,
                "pointer": outlier.reference.pointer,
                "id": outlier.reference.id,
                "recorded": outlier.reference.recorded,
                "model": outlier.expected,
                "same_pool": outlier.group_size,
            }
            for outlier in fit.outlier_records
        ],
        "notes": fit.notes,
    }


def _rounded(value: float) -> float:
    return round(value, 6) + 0.0  # + 0.0 turns -0.0 into 0.0
