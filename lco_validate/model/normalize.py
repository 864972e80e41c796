"""The portal fills defaults while it validates; durations and rules see the filled-in copy.

``normalized_request`` returns a deep copy of a request with what the portal
would store; the input is never changed.  Configurations go through the
portal's steps in its order (docs/normalisation.md, Configuration steps),
because each step sees what the earlier ones filled in:

1. field conversions: numeric strings to numbers, "true"/"false" to booleans,
   every ``extra_params`` value as the portal's ExtraParamsFormatter reads it
   ("2" -> 2, 5.0 -> 5, "1.15" -> 1.15), constraint defaults (airmass 1.6,
   lunar distance 30, lunar phase 1.0) and the target's defaults (ICRS and
   HOUR_ANGLE: parallax, proper motions 0.0 and epoch 2000.0 when empty);
2. ``type`` in upper case;
3. the guiding mode (the given one, else the only mode, else the group default);
4. the acquisition mode: OFF when the configuration type forces it, else as
   for guiding, and OFF when there is still none;
5. the instrument type's and then the configuration type's Cerberus
   ``validation_schema``, on the whole configuration (their defaults);
6. per instrument config: readout mode (and its schema defaults, such as
   ``extra_params.bin_x``/``bin_y``), rotator mode (if the instrument type has
   rotator modes), optical element codes in the catalogue's spelling, region of
   interest bounds (x1 = y1 = 0, x2/y2 the detector size), exposure mode in
   ``extra_params.exposure_mode`` (if it has exposure modes);
7. ``extra_params.dither_pattern = "custom"`` for offsets without a pattern.

Every mode step applies the chosen mode's Cerberus schema and keeps its
defaults only if the object passes, as the portal does.  A step that would
fail in the portal (unknown mode, schema error) leaves its object as written,
so that later steps and other rules still see something sensible; the rules
report the failure.  Request level: configuration priorities (1, 2, 3... in
submitted order for submissions; archive records keep theirs),
``configuration_repeats`` 1, ``optimization_type`` TIME, ``observation_note``
"", ``extra_params`` {}, and ``acceptability_threshold`` = the largest
``default_acceptability_threshold`` of the configurations' instrument types.

Not done here: a window's missing ``start`` (the time of submission, which
rules know) and ``fill_window`` (it needs the visibility calculation, which
stretches ``repeat_duration``; the key is kept).

``review_configuration`` also returns every schema application with its
outcome, for the rules that report schema errors.  Reviews are cached per
(configuration, catalogue), the configuration leaving out ``id``, ``priority`` and,
unless a configdb schema reads it, the target: configurations that differ only
there share a review.  A review computed anew reuses what the conversions and the
per-instrument-config steps made of each instrument config already seen (by content,
instrument type and catalogue), so that reordered or shortened configurations are
cheap.  A catalogue must not be changed after use.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..catalogue.cerberus_schemas import PathPart, SchemaOutcome, apply_schema, fields_read
from ..catalogue.snapshot import Catalogue
from ..documents.jsondata import from_key, json_copy, value_key
from .modes import OFF, choose_mode, find_mode, read_mode, write_mode
from .notions import (
    CUSTOM_DITHER_PATTERN,
    Detector,
    detector_of,
    is_dither_sequence,
    optical_element_groups,
)
from .review_keys import (
    ExposureLimits,
    Exposures,
    exposure_limits,
    with_exposures,
    without_exposures,
)
from .values import (
    as_boolean_field,
    as_float,
    as_integer,
    as_text,
    convert_field,
    format_extra_params,
    list_or_empty,
)

JSON = dict[str, Any]

CONSTRAINT_DEFAULTS = {"max_airmass": 1.6, "min_lunar_distance": 30.0, "max_lunar_phase": 1.0}
#: Filled in when the value is empty (None, 0 or ""), as the portal's target helpers do.
SIDEREAL_TARGET_DEFAULTS = {
    "parallax": 0.0,
    "proper_motion_ra": 0.0,
    "proper_motion_dec": 0.0,
    "epoch": 2000.0,
}
TARGET_TYPES_WITH_DEFAULTS = ("ICRS", "HOUR_ANGLE")
_TARGET_TEXT_FIELDS = frozenset({"type", "name", "scheme", "extra_params"})
_CONSTRAINT_NUMBERS = (*CONSTRAINT_DEFAULTS, "max_seeing", "min_transparency")
_ROI_BOUNDS = ("x1", "x2", "y1", "y2")


# -- one configuration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaCheck:
    """One validation schema applied during normalisation, and what it found.

    ``source`` is ``"instrument type"``, ``"configuration type"`` or ``"<kind>
    mode"``; ``owner`` names the schema's owner for messages; ``location`` is the
    path from the configuration to the object the schema was applied to.
    """

    source: str
    owner: str
    location: tuple[PathPart, ...]
    outcome: SchemaOutcome


@dataclass(frozen=True)
class ConfigurationReview:
    """A configuration as the portal would store it, and the schema checks on the way.

    ``normalized`` is shared by every caller of the cache: read it, never change it.
    """

    normalized: JSON
    schema_checks: tuple[SchemaCheck, ...]
    #: Stands for the reviewed configuration: equal keys, equal reviews (``value_key``) but
    #: for exposure values, which the key may leave out (``review_keys``).
    key: bytes = field(compare=False, repr=False, default=b"")


#: Configuration keys that no configuration step reads (the target has a step of its own,
#: applied apart): configurations that differ only in them share one review.
_KEYS_BESIDE_REVIEW = ("id", "priority", "target")


def review_configuration(configuration: JSON, catalogue: Catalogue) -> ConfigurationReview:
    """Run the portal's configuration steps on a copy of ``configuration``.

    The review covers the configuration without the keys it does not depend on
    (``normalized`` lacks them: ``normalized_configuration`` puts them back).
    """
    instrument_type, configuration_type = (
        configuration.get("instrument_type"),
        configuration.get("type"),
    )
    if isinstance(instrument_type, str) and isinstance(configuration_type, str):
        beside, limits = _key_facts(catalogue, instrument_type, configuration_type.upper())
    else:
        beside, limits = frozenset(), {}
    reviewed = {key: value for key, value in configuration.items() if key not in beside}
    abstracted, exposures = without_exposures(reviewed, limits)
    key = value_key(abstracted)
    # One key serves both caches: a configuration seen with these very exposure values (a
    # cadence's, a copied request's) costs a lookup; the others share the review of its key.
    exact = (key, exposures, catalogue)
    review = _exact_reviews.get(exact)
    if review is not None:
        return review
    shared = _review(key, catalogue, reviewed if exposures else None)
    if exposures:
        normalized = with_exposures(shared.normalized, exposures)
        review = ConfigurationReview(normalized, shared.schema_checks, key)
    else:
        review = shared
    if len(_exact_reviews) >= _EXACT_REVIEWS_KEPT:
        _exact_reviews.clear()  # cheaper than keeping an order; the shared reviews stay
    _exact_reviews[exact] = review
    return review


#: Reviews by their key and the exposure values it leaves out: ``_review``'s share those.
_exact_reviews: dict[tuple[bytes, Exposures, Catalogue], ConfigurationReview] = {}
_EXACT_REVIEWS_KEPT = 4096


@functools.lru_cache(maxsize=1024)
def _key_facts(
    catalogue: Catalogue, instrument_type: str, configuration_type: str
) -> tuple[frozenset[str], ExposureLimits]:
    """What a review key leaves out for this pair: keys (``_keys_beside_review``), exposures."""
    return (
        _keys_beside_review(catalogue, instrument_type, configuration_type),
        exposure_limits(catalogue, instrument_type, configuration_type),
    )


class _ReviewCache:
    """Reviews by (key, catalogue), the least recently used going first past ``capacity``.

    A review is computed on ``written`` when given (a key that leaves exposure values
    out cannot give them back), else on the configuration the key stands for.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[bytes, Catalogue], ConfigurationReview] = OrderedDict()
        self._lock = threading.Lock()  # the server reviews in several threads

    def __call__(
        self, key: bytes, catalogue: Catalogue, written: JSON | None = None
    ) -> ConfigurationReview:
        with self._lock:
            review = self._entries.get((key, catalogue))
            if review is not None:
                self._entries.move_to_end((key, catalogue))
                return review
        # A marshal round trip copies nesting far deeper than pickle can (extra_params are free).
        configuration = from_key(key if written is None else value_key(written))
        checks: list[SchemaCheck] = []
        _normalize_configuration(configuration, catalogue, checks.append)
        review = ConfigurationReview(configuration, tuple(checks), key)
        with self._lock:
            self._entries[(key, catalogue)] = review
            if len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return review

    def cache_clear(self) -> None:
        with self._lock:
            self._entries.clear()
        _exact_reviews.clear()
        _steps_done.clear()
        _conversions_done.clear()


_review = _ReviewCache()


@functools.lru_cache(maxsize=1024)
def _keys_beside_review(
    catalogue: Catalogue, instrument_type: str, configuration_type: str
) -> frozenset[str]:
    """The keys of ``_KEYS_BESIDE_REVIEW`` that neither whole-configuration schema reads."""
    type_dict = catalogue.instrument_type(instrument_type) or {}
    properties = catalogue.configuration_types(instrument_type).get(configuration_type) or {}
    beside = set(_KEYS_BESIDE_REVIEW)
    for owner in (type_dict, properties):
        if "validation_schema" in owner:
            read = fields_read(owner["validation_schema"])
            beside -= set(_KEYS_BESIDE_REVIEW) if read is None else read
    return frozenset(beside)


def normalized_configuration(
    configuration: JSON,
    catalogue: Catalogue,
    review: ConfigurationReview | None = None,
    *,
    read_only: bool = False,
) -> JSON:
    """A copy of ``configuration`` with the portal's defaults (``review``: its review, if known).

    ``read_only`` shares the nested objects with the cached review instead of copying
    them: for readers only (the checker), since a change would reach every configuration
    sharing the review.
    """
    review = review or review_configuration(configuration, catalogue)
    reviewed = review.normalized if read_only else json_copy(review.normalized)
    normalized: JSON = {}
    for key, value in configuration.items():  # the keys as written first: output reads like input
        if key in reviewed:
            normalized[key] = reviewed[key]
        elif key == "target" and isinstance(value, dict):
            # Its steps replace whole values: a shallow copy keeps the written target intact.
            target = dict(value) if read_only else json_copy(value)
            _normalize_target(target)
            normalized[key] = target
        elif key in _KEYS_BESIDE_REVIEW:
            normalized[key] = value if read_only else json_copy(value)
    for key, value in reviewed.items():
        normalized.setdefault(key, value)
    return normalized


def _normalize_configuration(
    configuration: JSON, catalogue: Catalogue, record: Callable[[SchemaCheck], None]
) -> None:
    _convert_configuration_fields(configuration)
    instrument_type = str(configuration.get("instrument_type", ""))
    if isinstance(configuration.get("type"), str):
        configuration["type"] = configuration["type"].upper()
    configuration_type = configuration.get("type")
    offered = catalogue.configuration_types(instrument_type)
    properties = offered.get(configuration_type) if isinstance(configuration_type, str) else None
    modes = _ModeSteps(instrument_type, catalogue, record)

    guiding = configuration.setdefault("guiding_config", {})
    modes.apply(guiding, "guiding", ("guiding_config",))
    acquisition = configuration.setdefault("acquisition_config", {})
    if isinstance(acquisition, dict):
        if properties and properties.get("force_acquisition_off"):
            acquisition["mode"] = OFF
        else:
            modes.apply(acquisition, "acquisition", ("acquisition_config",))
            if not acquisition.get("mode"):
                acquisition["mode"] = OFF

    type_dict = catalogue.instrument_type(instrument_type)
    if type_dict is not None:
        owner = f"instrument type {instrument_type}"
        schema = type_dict.get("validation_schema", {})
        record(_apply_whole_schema(configuration, schema, "instrument type", owner))
    if properties is not None:
        owner = f"configuration type {configuration_type} of {instrument_type}"
        schema = properties.get("validation_schema", {})
        record(_apply_whole_schema(configuration, schema, "configuration type", owner))

    for index, instrument_config in enumerate(
        list_or_empty(configuration.get("instrument_configs"))
    ):
        if isinstance(instrument_config, dict):
            for check in _instrument_config_steps(instrument_config, index, modes):
                record(check)

    if is_dither_sequence(configuration):
        extra = configuration.setdefault("extra_params", {})
        if isinstance(extra, dict):
            extra.setdefault("dither_pattern", CUSTOM_DITHER_PATTERN)
    _fill_stored_defaults(configuration)


class _ModeSteps:
    """The portal's mode helper for one configuration's instrument type."""

    def __init__(
        self, instrument_type: str, catalogue: Catalogue, record: Callable[[SchemaCheck], None]
    ) -> None:
        self.instrument_type = instrument_type
        self.catalogue = catalogue
        self.record = record

    def has_group(self, mode_type: str) -> bool:
        return self.catalogue.mode_group(self.instrument_type, mode_type) is not None

    def apply(self, owner: object, mode_type: str, location: tuple[PathPart, ...]) -> None:
        group = self.catalogue.mode_group(self.instrument_type, mode_type)
        if not isinstance(owner, dict) or group is None:
            return  # no group: the portal fails with a server error (the mode rules say so)
        choice = choose_mode(group, read_mode(owner, mode_type))
        if choice.problem or not choice.code:
            return
        write_mode(owner, mode_type, choice.code)
        mode = find_mode(group, choice.code) or {}
        outcome = apply_schema(mode.get("validation_schema", {}), owner)
        label = f"{mode_type} mode {choice.code} of {self.instrument_type}"
        self.record(SchemaCheck(f"{mode_type} mode", label, location, outcome))
        if outcome.document is not None:
            _replace_contents(owner, outcome.document)


@dataclass(frozen=True)
class _StepsDone:
    """What the instrument-config steps made of one instrument config's content."""

    result: bytes  # the instrument config after them, as ``value_key``
    checks: tuple[tuple[str, str, SchemaOutcome], ...]  # (source, owner, outcome) in order
    #: The checks located at each index asked for so far (reorderings move a config).
    located: dict[int, tuple[SchemaCheck, ...]] = field(compare=False)


#: The instrument-config steps by (catalogue, instrument type, config's ``value_key``), or
#: None where they change something in place that other objects may share (see below).
#: Their schema outcomes are shared by the reviews using them, as reviews are: read-only.
_steps_done: dict[tuple[Catalogue, str, bytes], _StepsDone | None] = {}
_STEPS_DONE_KEPT = 8192
_UNSEEN = object()


def _instrument_config_steps(
    instrument_config: JSON, index: int, modes: _ModeSteps
) -> tuple[SchemaCheck, ...]:
    """Step 6 and the stored defaults on one instrument config, in place; its schema checks.

    They read nothing but the instrument config, its instrument type and the catalogue, and
    a configuration missing the review cache mostly repeats instrument configs seen before
    in another order or company: their outcome is remembered by content.  A remembered
    outcome replaces the whole contents (fresh copies), so steps that changed a nested
    object in place (a spelling in ``optical_elements``, a region's bounds), which an
    earlier whole-configuration schema document may share, are never remembered.
    """
    catalogue, instrument_type = modes.catalogue, modes.instrument_type
    key = value_key(instrument_config)
    done = _steps_done.get((catalogue, instrument_type, key), _UNSEEN)
    if isinstance(done, _StepsDone):
        instrument_config.clear()
        instrument_config.update(from_key(done.result))
        located = done.located.get(index)
        if located is None:
            location = ("instrument_configs", index)
            located = tuple(
                SchemaCheck(source, owner, location, outcome)
                for source, owner, outcome in done.checks
            )
            done.located[index] = located
        return located
    checks: list[SchemaCheck] = []
    written = dict(instrument_config)
    _run_instrument_config_steps(
        instrument_config, index, _ModeSteps(instrument_type, catalogue, checks.append)
    )
    if done is None:  # known to change shared objects in place: nothing to remember
        return tuple(checks)
    if _changed_in_place(written, instrument_config, key):
        remembered = None
    else:
        remembered = _StepsDone(
            value_key(instrument_config),
            tuple((check.source, check.owner, check.outcome) for check in checks),
            {index: tuple(checks)},
        )
    if len(_steps_done) >= _STEPS_DONE_KEPT:
        _steps_done.clear()
    _steps_done[catalogue, instrument_type, key] = remembered
    return tuple(checks)


def _run_instrument_config_steps(instrument_config: JSON, index: int, modes: _ModeSteps) -> None:
    catalogue, instrument_type = modes.catalogue, modes.instrument_type
    location = ("instrument_configs", index)
    modes.apply(instrument_config, "readout", location)
    if modes.has_group("rotator"):
        modes.apply(instrument_config, "rotator", location)
    if catalogue.instrument_type(instrument_type) is not None:
        _spell_optical_elements(
            instrument_config, optical_element_groups(catalogue, instrument_type)
        )
    detector = detector_of(catalogue, instrument_type)
    if detector is not None:
        _fill_roi_bounds(instrument_config, detector)
    if modes.has_group("exposure"):
        modes.apply(instrument_config, "exposure", location)
    instrument_config.setdefault("mode", "")
    instrument_config.setdefault("rotator_mode", "")
    instrument_config.setdefault("optical_elements", {})
    instrument_config.setdefault("extra_params", {})


def _changed_in_place(written: JSON, instrument_config: JSON, key: bytes) -> bool:
    """Whether a nested object of ``written`` (its members as they were) is still there, changed.

    ``key`` is the ``value_key`` of ``written`` before the steps.  Equal values may differ
    in their keys (``value_key``): that only loses a cache entry.
    """
    before: JSON | None = None
    for name, member in written.items():
        if isinstance(member, dict | list) and instrument_config.get(name) is member:
            if before is None:
                before = from_key(key)
            if value_key(member) != value_key(before[name]):
                return True
    return False


def _apply_whole_schema(
    configuration: JSON, schema: object, source: str, owner: str
) -> SchemaCheck:
    """An instrument-type or configuration-type schema, applied to the whole configuration."""
    outcome = apply_schema(schema, configuration)
    if outcome.document is not None:
        _replace_contents(configuration, outcome.document)
    return SchemaCheck(source, owner, (), outcome)


def _replace_contents(target: JSON, source: JSON) -> None:
    """Make ``target`` equal to ``source`` in place (it sits inside a larger document)."""
    target.clear()
    target.update(source)


def _spell_optical_elements(instrument_config: JSON, groups: dict[str, dict[str, str]]) -> None:
    """Element codes in the catalogue's spelling ('v' -> 'V'); unknown ones stay as written."""
    elements = instrument_config.get("optical_elements")
    if not isinstance(elements, dict):
        return
    for element_type, code in elements.items():
        codes = groups.get(f"{element_type}s", {})
        if isinstance(code, str) and code.lower() in codes:
            elements[element_type] = codes[code.lower()]


def _fill_roi_bounds(instrument_config: JSON, detector: Detector) -> None:
    """Missing (or null) bounds of a region that has at least one take the detector's edges."""
    defaults = {"x1": 0, "x2": detector.pixels_x, "y1": 0, "y2": detector.pixels_y}
    for roi in list_or_empty(instrument_config.get("rois")):
        if not isinstance(roi, dict) or all(roi.get(bound) is None for bound in _ROI_BOUNDS):
            continue
        for bound, edge in defaults.items():
            if roi.get(bound) is None:
                roi[bound] = edge


def _convert_configuration_fields(configuration: JSON) -> None:
    """What DRF's fields and the ExtraParamsFormatter make of the values (step 1)."""
    format_extra_params(configuration)
    convert_field(configuration, "instrument_type", as_text)
    convert_field(configuration, "repeat_duration", as_float)
    convert_field(configuration, "fill_window", as_boolean_field)
    for instrument_config in list_or_empty(configuration.get("instrument_configs")):
        if isinstance(instrument_config, dict):
            _convert_instrument_config(instrument_config)
    for key in ("acquisition_config", "guiding_config"):
        convert_field(configuration.get(key), "mode", as_text)
        convert_field(configuration.get(key), "exposure_time", as_float)
        format_extra_params(configuration.get(key))
    convert_field(configuration.get("guiding_config"), "optional", as_boolean_field)
    constraints = configuration.setdefault("constraints", {})
    if isinstance(constraints, dict):
        for key, value in CONSTRAINT_DEFAULTS.items():
            constraints.setdefault(key, value)
        for key in _CONSTRAINT_NUMBERS:
            convert_field(constraints, key, as_float)
    _normalize_target(configuration.get("target"))


#: Converted instrument configs by the ``value_key`` of the written ones, as ``value_key``
#: (None: the conversion changes a nested object in place, see ``_changed_in_place``).
_conversions_done: dict[bytes, bytes | None] = {}


def _convert_instrument_config(instrument_config: JSON) -> None:
    """Step 1's conversions of one instrument config, in place, remembered by content.

    A configuration missing the review cache mostly repeats written instrument configs;
    conversions that change a nested object in place are not remembered, as in
    ``_instrument_config_steps``.
    """
    key = value_key(instrument_config)
    done = _conversions_done.get(key, _UNSEEN)
    if isinstance(done, bytes):
        instrument_config.clear()
        instrument_config.update(from_key(done))
        return
    written = dict(instrument_config)
    convert_field(instrument_config, "exposure_time", as_float)
    convert_field(instrument_config, "exposure_count", as_integer)
    for name in ("mode", "rotator_mode"):
        convert_field(instrument_config, name, as_text)
    format_extra_params(instrument_config)
    for roi in list_or_empty(instrument_config.get("rois")):
        for bound in _ROI_BOUNDS:
            convert_field(roi, bound, as_integer)
    if done is None:
        return
    if len(_conversions_done) >= _STEPS_DONE_KEPT:
        _conversions_done.clear()
    changed = _changed_in_place(written, instrument_config, key)
    _conversions_done[key] = None if changed else value_key(instrument_config)


def _normalize_target(target: object) -> None:
    if not isinstance(target, dict):
        return
    for key in target:
        if key not in _TARGET_TEXT_FIELDS:
            target[key] = as_float(target[key])
    convert_field(target, "name", as_text)
    format_extra_params(target)
    if str(target.get("type", "")).upper() in TARGET_TYPES_WITH_DEFAULTS:
        for key, value in SIDEREAL_TARGET_DEFAULTS.items():
            if not target.get(key):
                target[key] = value


def _fill_stored_defaults(configuration: JSON) -> None:
    """Model defaults the portal stores for values not given (instrument configs' apart)."""
    configuration.setdefault("extra_params", {})
    guiding = configuration.get("guiding_config")
    if isinstance(guiding, dict):
        guiding.setdefault("optional", True)
        guiding.setdefault("optical_elements", {})
        guiding.setdefault("extra_params", {})
    acquisition = configuration.get("acquisition_config")
    if isinstance(acquisition, dict):
        acquisition.setdefault("extra_params", {})
    constraints = configuration.get("constraints")
    if isinstance(constraints, dict):
        constraints.setdefault("extra_params", {})


# -- the request ----------------------------------------------------------------------------------


def normalized_request(
    request: JSON,
    catalogue: Catalogue,
    *,
    submission: bool,
    reviews: Mapping[int, ConfigurationReview] | None = None,
    read_only: bool = False,
) -> JSON:
    """A copy of ``request`` with the portal's defaults filled in.

    ``submission`` is true for documents about to be submitted: the portal
    then numbers configuration priorities in submitted order, ignoring any
    given.  Archive records keep their stored priorities.  ``reviews`` are the
    configurations' reviews by index, when known.  With ``read_only`` nested
    objects are shared with ``request`` and the review cache, not copied: the
    result must then never be changed.
    """
    reviews = reviews or {}
    normalized: JSON = {}
    for key, value in request.items():
        if key == "configurations" and isinstance(value, list):
            normalized[key] = [
                _normalized_member(
                    configuration, index, catalogue, submission, reviews.get(index), read_only
                )
                for index, configuration in enumerate(value)
            ]
        else:
            normalized[key] = value if read_only else json_copy(value)
    convert_field(normalized, "configuration_repeats", as_integer)
    convert_field(normalized, "acceptability_threshold", as_float)
    normalized.setdefault("configuration_repeats", 1)
    normalized.setdefault("optimization_type", "TIME")
    normalized.setdefault("observation_note", "")
    normalized.setdefault("extra_params", {})
    if "acceptability_threshold" not in normalized:
        threshold = _default_acceptability_threshold(normalized.get("configurations"), catalogue)
        if threshold is not None:
            normalized["acceptability_threshold"] = threshold
    return normalized


def _normalized_member(
    configuration: object,
    index: int,
    catalogue: Catalogue,
    submission: bool,
    review: ConfigurationReview | None,
    read_only: bool,
) -> object:
    if not isinstance(configuration, dict):
        return json_copy(configuration)
    normalized = normalized_configuration(configuration, catalogue, review, read_only=read_only)
    if submission or "priority" not in configuration:
        normalized["priority"] = index + 1
    return normalized


def _default_acceptability_threshold(configurations: object, catalogue: Catalogue) -> float | None:
    """The largest default threshold among the configurations' (known) instrument types."""
    thresholds = []
    for configuration in list_or_empty(configurations):
        instrument_type = (
            configuration.get("instrument_type") if isinstance(configuration, dict) else None
        )
        type_dict = (
            catalogue.instrument_type(instrument_type) if isinstance(instrument_type, str) else None
        )
        if type_dict is not None:
            thresholds.append(float(type_dict.get("default_acceptability_threshold", 90.0)))
    return max(thresholds) if thresholds else None
