"""The overhead model of one instrument type, and a record as the fit sees it.

``overhead_model`` lists the parameters the fit may move for an instrument type
(``Parameter``: the catalogue's value, its level and its inertia) and where each
feature goes (``OverheadModel``).  ``record_terms`` walks a request's
configurations in the portal's order, counting how often each overhead is paid
(the features) and the seconds left at the catalogue's values, or says why the
record cannot be used (a skip reason).  The features are listed in ``fit``'s
docstring.  Also here: the array types and the ceil tolerance the other modules share.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..catalogue.snapshot import Catalogue, CatalogueError
from ..model.duration import DurationError, RequestDuration, request_duration
from ..model.normalize import normalized_request
from ..model.notions import optical_element_groups, singular_element_type

JSON = dict[str, Any]
Vector = npt.NDArray[np.float64]
Matrix = npt.NDArray[np.float64]

CEIL_TOLERANCE = 1e-6

NO_RECORDED_DURATION = "no recorded duration"
NOT_TIMED = "cannot be timed with this catalogue"
SEVERAL_TYPES = "several instrument types (proportional padding; left out of the fit)"
NO_CONFIGURATIONS = "no configurations"

INSTRUMENT_TYPE_LEVEL = "instrument type"
TELESCOPE_LEVEL = "telescope"
#: When records determine only a sum, the change goes to the parameters with the least
#: inertia: readout, element change and observation padding before config change, config
#: padding, the fixed per-exposure overhead and, last, telescope values.  This keeps the
#: catalogue's split of a sum (e.g. readout + fixed: the readout changes).
INERTIA = {
    "readout": 1.0,
    "element": 1.0,
    "observation_front_padding": 1.0,
    "config_change": 1e2,
    "config_front_padding": 1e3,
    "fixed_overhead_per_exposure": 1e4,
    "instrument_change_overhead": 1e5,
    "maximum_slew_overhead": 1e5,
}


# -- the parameters of one instrument type ------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    key: str  # stable name, e.g. "readout:full_frame", "element:filters"
    label: str  # for people, e.g. "readout full_frame"
    catalogue: float
    level: str  # INSTRUMENT_TYPE_LEVEL or TELESCOPE_LEVEL (shared by a telescope's instruments)
    inertia: float  # how firmly the fit keeps the catalogue value when only a sum is known


@dataclass(frozen=True)
class OverheadModel:
    """The fitted parameters of one instrument type, in pivot order, and where features go."""

    instrument_type: str
    parameters: tuple[Parameter, ...]
    readout_slots: dict[str, int]  # lower-case mode code -> slot
    default_readout_slot: int | None
    element_slots: dict[str, int]  # group type (plural) -> slot
    element_overheads: dict[str, float]
    element_codes: dict[str, frozenset[str]]  # request key (singular) -> codes as catalogued
    configuration_type_slots: dict[str, int]
    forced_acquisition_off: frozenset[str]
    padding_slot: int
    front_padding_slot: int
    instrument_change_slot: int
    slew_slot: int
    fixed_slot: int

    @property
    def catalogue_values(self) -> Vector:
        return np.array([p.catalogue for p in self.parameters], dtype=np.float64)

    @property
    def inertia(self) -> Vector:
        return np.array([p.inertia for p in self.parameters], dtype=np.float64)


def overhead_model(catalogue: Catalogue, type_code: str) -> OverheadModel:
    """The parameters of ``type_code`` with the catalogue's values (CatalogueError if unknown)."""
    overheads = catalogue.request_overheads(type_code)
    readout = catalogue.mode_group(type_code, "readout") or {}
    instrument_type = catalogue.instrument_type(type_code) or {}
    code = str(instrument_type.get("code", type_code))
    fixed = _fixed_overhead(catalogue, type_code, readout)
    parameters: list[Parameter] = []

    def slot(key: str, label: str, value: float, level: str = INSTRUMENT_TYPE_LEVEL) -> int:
        kind = key.partition(":")[0]
        parameters.append(Parameter(key, label, float(value), level, INERTIA[kind]))
        return len(parameters) - 1

    readout_slots = {
        str(mode["code"]).lower(): slot(
            f"readout:{mode['code']}", f"readout {mode['code']}", mode.get("overhead", 0.0)
        )
        for mode in readout.get("modes", [])
    }
    default = str(readout.get("default") or "").lower()
    element_slots = {
        kind: slot(f"element:{kind}", f"{singular_element_type(kind)} change", value)
        for kind, value in overheads.optical_element_change_overheads.items()
    }
    padding_slot = slot(
        "observation_front_padding",
        "observation front padding",
        overheads.observation_front_padding,
    )
    front_padding_slot = slot(
        "config_front_padding", "config front padding", overheads.config_front_padding
    )
    configuration_types = catalogue.configuration_types(type_code)
    configuration_type_slots = {
        kind: slot(
            f"config_change:{kind}",
            f"config change {kind}",
            properties.get("config_change_overhead", 0.0),
        )
        for kind, properties in configuration_types.items()
    }
    instrument_change_slot = slot(
        "instrument_change_overhead",
        "instrument change",
        overheads.instrument_change_overhead,
        TELESCOPE_LEVEL,
    )
    slew_slot = slot(
        "maximum_slew_overhead", "maximum slew", overheads.maximum_slew_overhead, TELESCOPE_LEVEL
    )
    fixed_slot = slot("fixed_overhead_per_exposure", "fixed overhead per exposure", fixed)
    return OverheadModel(
        instrument_type=code,
        parameters=tuple(parameters),
        readout_slots=readout_slots,
        default_readout_slot=readout_slots.get(default),
        element_slots=element_slots,
        element_overheads=dict(overheads.optical_element_change_overheads),
        element_codes={
            singular_element_type(kind): frozenset(codes.values())
            for kind, codes in optical_element_groups(catalogue, type_code).items()
        },
        configuration_type_slots=configuration_type_slots,
        forced_acquisition_off=frozenset(
            kind
            for kind, properties in configuration_types.items()
            if properties.get("force_acquisition_off")
        ),
        padding_slot=padding_slot,
        front_padding_slot=front_padding_slot,
        instrument_change_slot=instrument_change_slot,
        slew_slot=slew_slot,
        fixed_slot=fixed_slot,
    )


def _fixed_overhead(catalogue: Catalogue, type_code: str, readout: JSON) -> float:
    """The fixed per-exposure overhead the portal uses (it comes from the type's last copy)."""
    modes = readout.get("modes", [])
    if not modes:
        raise CatalogueError(f"instrument type {type_code} has no readout modes")
    first = modes[0]
    return catalogue.exposure_overhead(type_code, first["code"]) - float(first.get("overhead", 0.0))


# -- one record -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordTerms:
    """A record as the fit sees it: how often each overhead is paid, and the fixed seconds."""

    instrument_type: str
    features: tuple[float, ...]
    fixed: float
    simultaneous_changes: int  # instrument configs changing several element types at once
    #: The exact sum is a whole number but floating point may land just above it, and the
    #: portal's ceil then records one second more (e.g. 2 x 30.3 + 3 x 204.8 s exposures).
    float_sensitive: bool = False


class ModelCache:
    """Overhead models by upper-case type code, built on first use (None: not in catalogue)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._models: dict[str, OverheadModel | None] = {}

    def get(self, type_code: str) -> OverheadModel | None:
        key = type_code.upper()
        if key not in self._models:
            try:
                self._models[key] = overhead_model(self.catalogue, key)
            except CatalogueError:
                self._models[key] = None
        return self._models[key]


def record_terms(
    request: JSON, catalogue: Catalogue, models: ModelCache | None = None
) -> RecordTerms | str:
    """The record's features and fixed seconds, or why it cannot be used (a skip reason)."""
    models = models or ModelCache(catalogue)
    configurations = request.get("configurations")
    if not isinstance(configurations, list) or not configurations:
        return NO_CONFIGURATIONS
    types = {
        str(c.get("instrument_type", "")).upper() for c in configurations if isinstance(c, dict)
    }
    if len(types) > 1:
        return SEVERAL_TYPES
    model = models.get(types.pop()) if types else None
    if model is None:
        return NOT_TIMED
    try:
        normalized = request if _in_stored_form(request, model) else None
        if normalized is None:
            normalized = normalized_request(request, catalogue, submission=False)
        timed = request_duration(normalized, catalogue)
        terms = _terms(normalized, timed, model)
    except (DurationError, KeyError, TypeError, ValueError, AttributeError):
        return NOT_TIMED
    near_whole = abs(terms.fixed - round(terms.fixed)) < CEIL_TOLERANCE
    noisy = terms.fixed != round(terms.fixed) or timed.unrounded != round(timed.unrounded)
    if near_whole and noisy:
        return dataclasses.replace(terms, float_sensitive=True)
    return terms


def _terms(normalized: JSON, timed: RequestDuration, model: OverheadModel) -> RecordTerms:
    """Walk the configurations in the portal's order, counting where each overhead is paid."""
    per_pass = [0.0] * len(model.parameters)
    fixed_per_pass = 0.0
    previous_type = ""
    previous_elements: JSON = {}
    previous_target: JSON = {}
    simultaneous = 0
    for position, time in enumerate(timed.configurations):
        configuration = normalized["configurations"][time.index]
        instrument_configs = configuration["instrument_configs"]
        if time.repeat_duration is None:
            for written, counted in zip(instrument_configs, time.instrument_configs, strict=True):
                per_pass[_readout_slot(model, written.get("mode", ""))] += counted.exposure_count
                per_pass[model.fixed_slot] += counted.exposure_count
            per_pass[model.front_padding_slot] += 1
            fixed_per_pass += time.exposure
        else:
            fixed_per_pass += time.repeat_duration
        if position == 0:  # one instrument type: only the first configuration changes it
            per_pass[model.instrument_change_slot] += 1
        for instrument_config in instrument_configs:
            elements = instrument_config.get("optical_elements") or {}
            changed = [
                kind + "s"
                for kind, value in elements.items()
                if (kind not in previous_elements or value != previous_elements[kind])
                and kind + "s" in model.element_slots
            ]
            if changed:
                largest = max(changed, key=lambda kind: model.element_overheads[kind])
                per_pass[model.element_slots[largest]] += 1
                simultaneous += len(set(changed)) > 1
            previous_elements = elements
        target = configuration["target"]
        if _pays_maximum_slew(previous_target, target):
            per_pass[model.slew_slot] += 1
        else:
            fixed_per_pass += time.slew
        previous_target = target
        fixed_per_pass += time.acquisition + time.acquisition_exposure + time.guiding
        if previous_type != configuration["type"]:
            kind_slot = model.configuration_type_slots.get(configuration["type"])
            if kind_slot is not None:
                per_pass[kind_slot] += 1
        previous_type = configuration["type"]
    repeats = timed.configuration_repeats
    features = [_compact(repeats * count) for count in per_pass]
    features[model.padding_slot] = 1
    return RecordTerms(
        model.instrument_type, tuple(features), repeats * fixed_per_pass, simultaneous
    )


def _compact(count: float) -> float:
    """Whole counts as small ints: Python shares those, so a million pool keys stay small."""
    return int(count) if float(count).is_integer() else count


def _readout_slot(model: OverheadModel, mode: str) -> int:
    slot = model.readout_slots.get(str(mode).lower()) if mode else None
    if slot is None:
        slot = model.default_readout_slot
    if slot is None:  # pragma: no cover - the duration model has already refused it
        raise ValueError(f"no readout mode {mode!r} and no default")
    return slot


def _pays_maximum_slew(previous: JSON, target: JSON) -> bool:
    return (
        not previous
        or str(previous.get("type", "")).upper() != "ICRS"
        or str(target.get("type", "")).upper() != "ICRS"
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _in_stored_form(request: JSON, model: OverheadModel) -> bool:
    """True when normalising cannot change the duration: every default the model reads is there.

    Archive records are stored by the portal after it filled its defaults, so
    nearly all take this path; anything unusual goes through full normalisation.
    """
    if not isinstance(request.get("configuration_repeats", 1), int):
        return False
    for configuration in request["configurations"]:
        if not isinstance(configuration, dict) or not isinstance(
            configuration.get("priority"), int
        ):
            return False
        kind = configuration.get("type")
        if not isinstance(kind, str) or kind != kind.upper():
            return False
        repeat = configuration.get("repeat_duration")
        if repeat is not None and not _is_number(repeat):
            return False
        acquisition = configuration.get("acquisition_config")
        if not isinstance(acquisition, dict) or not isinstance(acquisition.get("mode"), str):
            return False
        if not acquisition["mode"] or (
            kind in model.forced_acquisition_off and acquisition["mode"] != "OFF"
        ):
            return False
        exposure = acquisition.get("exposure_time")
        if exposure is not None and not _is_number(exposure):
            return False
        guiding = configuration.get("guiding_config")
        if not isinstance(guiding, dict) or not guiding.get("mode"):
            return False
        if not isinstance(guiding.get("optional"), bool):
            return False
        if not isinstance(configuration.get("target"), dict):
            return False
        instrument_configs = configuration.get("instrument_configs")
        if not isinstance(instrument_configs, list) or not instrument_configs:
            return False
        if not all(_instrument_config_stored(ic, model) for ic in instrument_configs):
            return False
    return True


def _instrument_config_stored(instrument_config: object, model: OverheadModel) -> bool:
    if not isinstance(instrument_config, dict):
        return False
    mode = instrument_config.get("mode")
    if not isinstance(mode, str) or not mode:
        return False
    if not _is_number(instrument_config.get("exposure_time")):
        return False
    if not _is_number(instrument_config.get("exposure_count")):
        return False
    elements = instrument_config.get("optical_elements", {})
    if not isinstance(elements, dict):
        return False
    return all(
        value in model.element_codes.get(kind, frozenset()) for kind, value in elements.items()
    )
