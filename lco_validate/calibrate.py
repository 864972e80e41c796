"""Which overhead values do recorded durations imply?  A fit of the duration model to archives.

For a request whose configurations all use one instrument type, the portal's
duration (portal-behaviour.md section 3) is linear in the overheads::

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
(``INERTIA``): where only a sum is known, the catalogue's split is kept.

Memory is bounded by the number of distinct pools (features, recorded -
ceil(fixed) and its tenths of a second; see ``PoolKey``), not by the number of
records: records sharing them are pooled with their count, sums and extremes,
and a few example locations each.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from .catalogue import Catalogue, CatalogueError
from .duration import DurationError, RequestDuration, request_duration
from .normalize import normalized_request, optical_element_groups, singular_element_type

JSON = dict[str, Any]
Vector = npt.NDArray[np.float64]
Matrix = npt.NDArray[np.float64]

WHOLE_SECONDS = "whole seconds"
MIDPOINT = "rounding midpoint"
#: The variance of a value known only to lie somewhere in a 1-second interval.
ROUNDING_VARIANCE = 1.0 / 12.0
TRIM_SCHEDULE = (600.0, 120.0, 30.0, 8.0, 2.0)
DEFAULT_OUTLIER_THRESHOLD = 0.5
DEFAULT_MIN_RECORDS = 3
#: The whole-second reading must reproduce this share of the midpoint fit's records.
WHOLE_SECOND_AGREEMENT = 0.95
#: Locations kept per pool; an outlier pool larger than this lists only these (with its size).
EXAMPLES_KEPT = 10
CEIL_ITERATIONS = 500
#: At most this share of the records (and at least MIN_DROPS) is dropped as irreconcilable.
DROP_FRACTION = 0.01
MIN_DROPS = 10
#: Rounding steps tried, coarsest first, for the simplest values the records allow.
SNAP_STEPS = (1.0, 0.5, 0.1, 0.01)
REPORTED_OUTLIERS = 1000
_RANK_TOLERANCE = 1e-9
_NULL_TOLERANCE = 1e-7
_CEIL_TOLERANCE = 1e-6
_STRICT_MARGIN = 1e-9
_SMALL_MULTIPLIERS = range(1, 13)

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


class ArchiveRecord(Protocol):
    """What calibrate needs of a record; ``archive.ArchiveRequest`` has it."""

    @property
    def path(self) -> str: ...
    @property
    def pointer(self) -> str: ...
    @property
    def document(self) -> int: ...
    @property
    def request(self) -> dict[str, Any]: ...


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
    near_whole = abs(terms.fixed - round(terms.fixed)) < _CEIL_TOLERANCE
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


# -- pooling records ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordReference:
    path: str
    document: int
    pointer: str
    id: Any
    recorded: float
    fixed: float


@dataclass(slots=True)
class Pool:
    """Records with the same ``PoolKey``."""

    count: int = 0
    total: float = 0.0  # of u = recorded - fixed
    squares: float = 0.0
    lowest: float = math.inf
    highest: float = -math.inf
    examples: list[RecordReference] = field(default_factory=list)

    def add(self, excess: float, reference: RecordReference) -> None:
        self.count += 1
        self.total += excess
        self.squares += excess * excess
        self.lowest = min(self.lowest, excess)
        self.highest = max(self.highest, excess)
        if len(self.examples) < EXAMPLES_KEPT:
            self.examples.append(reference)


#: (features, recorded - ceil(fixed), tenths of ceil(fixed) - fixed, float sensitive).  The
#: tenths keep each pool within 0.1 s of recorded - fixed, so that a pool is all inside or
#: all outside the ceil's interval whenever the model's value is a multiple of 0.1 s.
PoolKey = tuple[tuple[float, ...], int, int, bool]


@dataclass
class TypeRecords:
    model: OverheadModel
    pools: dict[PoolKey, Pool] = field(default_factory=dict)
    records: int = 0
    simultaneous_changes: int = 0
    float_sensitive: int = 0


class CalibrationData:
    """Pooled records per instrument type, fed one record at a time."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.models = ModelCache(catalogue)
        self.by_type: dict[str, TypeRecords] = {}
        self.records = 0
        self.skipped: Counter[str] = Counter()
        self.several_types: Counter[str] = Counter()  # by each type involved

    def add(self, record: ArchiveRecord) -> None:
        self.records += 1
        request = record.request
        recorded = request.get("duration")
        if not isinstance(recorded, int | float) or isinstance(recorded, bool):
            self.skipped[NO_RECORDED_DURATION] += 1
            return
        terms = record_terms(request, self.catalogue, self.models)
        if isinstance(terms, str):
            self.skipped[terms] += 1
            if terms == SEVERAL_TYPES:
                for code in {
                    str(c.get("instrument_type", "")).upper()
                    for c in request["configurations"]
                    if isinstance(c, dict)
                }:
                    self.several_types[code] += 1
            return
        model = self.models.get(terms.instrument_type)
        assert model is not None
        pooled = self.by_type.setdefault(model.instrument_type, TypeRecords(model))
        pooled.records += 1
        pooled.simultaneous_changes += terms.simultaneous_changes
        pooled.float_sensitive += terms.float_sensitive
        ceiled = math.ceil(terms.fixed - _CEIL_TOLERANCE)
        tenth = min(9, int((ceiled - terms.fixed) * 10 + _CEIL_TOLERANCE))
        key = (terms.features, round(recorded) - ceiled, tenth, terms.float_sensitive)
        pool = pooled.pools.setdefault(key, Pool())
        reference = RecordReference(
            record.path, record.document, record.pointer, request.get("id"), recorded, terms.fixed
        )
        pool.add(recorded - terms.fixed, reference)

    def add_all(self, records: Iterable[ArchiveRecord]) -> None:
        for record in records:
            self.add(record)


# -- the fit --------------------------------------------------------------------------------------


@dataclass
class _Design:
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
    def of(cls, pools: dict[PoolKey, Pool], width: int) -> _Design:
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
class _Solution:
    values: Vector  # all parameters; unused ones at the catalogue's value
    used: npt.NDArray[np.bool_]  # columns some record pays
    rank: int
    unit_covariance: Matrix  # over the used columns; times the noise variance = covariance
    # The least-squares operator for these rows: singular vectors and values.
    left: Matrix
    singular: Vector
    basis: Matrix


@dataclass(frozen=True)
class _Problem:
    """One type's pools, the catalogue values and how firmly each is kept."""

    design: _Design
    prior: Vector
    scale: Vector  # 1 / sqrt(inertia): small for values the fit should leave alone

    def solve(self, rows: npt.NDArray[np.bool_], target: Vector) -> _Solution:
        """Weighted least squares over ``rows``; among equally good fits, the one that moves
        the catalogue's values least (each change weighted by its parameter's inertia)."""
        features = self.design.features[rows]
        used = np.any(features != 0, axis=0)
        weights = np.sqrt(self.design.counts[rows])
        matrix = features[:, used] * self.scale[used] * weights[:, None]
        if matrix.size == 0:
            width = int(used.sum())
            empty = np.zeros((0, width))
            return _Solution(
                self.prior.copy(), used, 0, np.zeros((width, width)), empty.T, np.zeros(0), empty
            )
        left, singular, basis = np.linalg.svd(matrix, full_matrices=False)
        rank = int(np.sum(singular > _RANK_TOLERANCE * max(float(singular.max()), 1.0)))
        left, singular, basis = left[:, :rank], singular[:rank], basis[:rank]
        scaled = basis * self.scale[used][None, :]
        unit_covariance = scaled.T @ np.diag(1.0 / singular**2) @ scaled
        solution = _Solution(self.prior.copy(), used, rank, unit_covariance, left, singular, basis)
        solution.values = self.values_for(solution, rows, target[rows])
        return solution

    def values_for(
        self, solution: _Solution, rows: npt.NDArray[np.bool_], target: Vector
    ) -> Vector:
        """Apply a solution's least-squares operator (same rows) to another target."""
        features = self.design.features[rows]
        right = np.sqrt(self.design.counts[rows]) * (target - features @ self.prior)
        values = self.prior.copy()
        if solution.rank:
            step = solution.basis.T @ ((solution.left.T @ right) / solution.singular)
            values[solution.used] += self.scale[solution.used] * step
        return values


def _residual(design: _Design, method: str, values: Vector) -> Vector:
    return design.target(method, values) - design.features @ values


def _outside_ceil(
    design: _Design, method: str, values: Vector, threshold: float
) -> npt.NDArray[np.bool_]:
    """Pools whose records lie more than ``threshold`` s outside what the ceil allows."""
    predicted = design.features @ values
    if method == WHOLE_SECONDS:
        return np.asarray(np.abs(design.target(method, values) - predicted) > threshold)
    too_low = design.highest - predicted < -threshold
    too_high = design.lowest - predicted >= 1.0 + threshold
    return np.asarray(too_low | too_high)


def _majority_rows(design: _Design) -> npt.NDArray[np.bool_]:
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
    problem: _Problem, method: str, threshold: float
) -> tuple[_Solution, npt.NDArray[np.bool_]]:
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


def _within_ceil(problem: _Problem, rows: npt.NDArray[np.bool_], solution: _Solution) -> _Solution:
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
    design: _Design, method: str, values: Vector, rows: npt.NDArray[np.bool_], rank: int
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


# -- results --------------------------------------------------------------------------------------


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
    design = _Design.of(pooled.pools, len(prior))
    problem = _Problem(design, prior, 1.0 / np.sqrt(model.inertia))
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
    parameters, combinations = _describe(model, design, solution, inliers, variance)
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


def _consistent(design: _Design, values: Vector) -> npt.NDArray[np.bool_]:
    """Pools whose every recorded value is the ceil of the model with these values.

    A record one second above an exact whole-number model is a second too high,
    unless its sum is float sensitive (the portal's own sum may land above).
    """
    predicted = design.features @ values
    margin = np.where(design.sensitive, _CEIL_TOLERANCE, -_STRICT_MARGIN)
    return np.asarray(
        (predicted <= design.lowest + _CEIL_TOLERANCE) & (predicted > design.highest - 1.0 - margin)
    )


def _contradicted(
    design: _Design, rows: npt.NDArray[np.bool_], values: Vector
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
    problem: _Problem, rows: npt.NDArray[np.bool_], values: Vector
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


def _describe(
    model: OverheadModel,
    design: _Design,
    solution: _Solution,
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
    design: _Design, rows: npt.NDArray[np.bool_], used: npt.NDArray[np.bool_]
) -> Matrix:
    """The projector onto the parameter directions the records cannot see (used columns)."""
    matrix = design.features[rows][:, used] * np.sqrt(design.counts[rows])[:, None]
    width = int(used.sum())
    if matrix.size == 0:
        return np.eye(width)
    _, singular, basis = np.linalg.svd(matrix, full_matrices=False)
    rank = int(np.sum(singular > _RANK_TOLERANCE * max(float(singular.max()), 1.0)))
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


def _outlier_records(
    pooled: TypeRecords, design: _Design, values: Vector, inliers: npt.NDArray[np.bool_]
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


def _number(value: float) -> str:
    return f"{value:g}"


# -- the catalogue, updated -----------------------------------------------------------------------


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


def iter_outliers(calibration: Calibration) -> Iterator[tuple[str, Outlier]]:
    for fit in calibration.fits:
        for outlier in fit.outlier_records:
            yield fit.instrument_type, outlier


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
