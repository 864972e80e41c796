"""One synthetic request, drawn from what the catalogue offers.

``type_profiles`` digests the catalogue's SCHEDULABLE instrument types (their
places, readout, acquisition, guiding, rotator and exposure modes, optical
elements and configuration types) into profiles with the archive's mix of
weights; ``draw_request`` draws one request of a profile: its configurations,
instrument configs, constraints, target and location (``draw_windows`` adds the
windows once its duration is known).  The records are complete: every default
the portal fills in is present.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..catalogue.snapshot import SCHEDULABLE, Catalogue
from ..model.modes import default_mode

JSON = dict[str, Any]

#: Share of the archive per instrument type (roughly LCO's mix); other schedulable types
#: in a custom catalogue get OTHER_TYPE_WEIGHT each.
INSTRUMENT_TYPE_WEIGHTS = {
    "0M4-SCICAM-QHY600": 50.0,
    "1M0-SCICAM-SINISTRO": 30.0,
    "2M0-SCICAM-MUSCAT": 8.0,
    "2M0-FLOYDS-SCICAM": 8.0,
    "SOAR_GHTS_REDCAM": 2.0,
    "SOAR_GHTS_REDCAM_IMAGER": 2.0,
}
OTHER_TYPE_WEIGHT = 1.0

REQUEST_STATES = {
    "COMPLETED": 45,
    "WINDOW_EXPIRED": 30,
    "CANCELED": 12,
    "PENDING": 8,
    "FAILURE_LIMIT_REACHED": 5,
}
IMAGING_CONFIGURATION_TYPES = {
    "EXPOSE": 70,
    "REPEAT_EXPOSE": 10,
    "STANDARD": 8,
    "SKY_FLAT": 3,
}
#: Typical spectroscopic sequences: calibrations around the science spectrum.
SPECTRUM_SEQUENCES = (
    (("SPECTRUM",), 30),
    (("ARC", "SPECTRUM"), 25),
    (("LAMP_FLAT", "ARC", "SPECTRUM"), 30),
    (("SPECTRUM", "ARC"), 10),
    (("REPEAT_SPECTRUM",), 5),
)
IMAGING_EXPOSURE_TIMES = (1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 600)
SPECTRUM_EXPOSURE_TIMES = (300, 600, 900, 1200, 1800, 2700, 3600)
CALIBRATION_EXPOSURE_TIMES = (10, 20, 30, 50, 60)
CONFIGURATION_REPEATS = {1: 88, 2: 6, 3: 3, 4: 2, 6: 1}
REPEAT_DURATION_SLACK = (0, 60, 300, 600, 1800, 3600)
CATALOGUE_PREFIXES = ("TIC", "HD", "Gaia DR3", "SN 2024", "NGC")
HALF_MONTHS = "ABCDEFGHJKLMNOPQRSTUVWXY"
ARCHIVE_START = datetime(2019, 1, 1, tzinfo=UTC)
ARCHIVE_SPAN_DAYS = 7 * 365


@dataclass
class TypeProfile:
    """What the catalogue offers for one instrument type, pre-digested for drawing."""

    code: str
    category: str
    telescope_class: str
    locations: list[tuple[str, str, str]]
    readout_modes: list[JSON]
    default_readout: str
    element_groups: dict[str, list[str]]  # request key (singular) -> schedulable codes
    element_defaults: dict[str, str]
    configuration_types: dict[str, JSON]
    acquisition_modes: list[JSON]
    default_acquisition: str
    guiding_modes: list[str]
    rotator_modes: list[JSON]
    exposure_modes: list[JSON]
    threshold: float
    weight: float = 1.0


@dataclass
class Counters:
    request_id: int
    configuration_id: int


# -- what the catalogue offers ----------------------------------------------------------------


def type_profiles(catalogue: Catalogue) -> list[TypeProfile]:
    profiles = []
    for code in sorted(catalogue.schedulable_instrument_types()):
        instrument_type = catalogue.instrument_type(code)
        if instrument_type is None:  # pragma: no cover - schedulable types have a copy
            continue
        places = [
            placement
            for placement in catalogue.placements
            if placement.type_code == code and placement.state == SCHEDULABLE and placement.active
        ]
        readout = catalogue.mode_group(code, "readout")
        if not places or not readout or not readout.get("modes"):
            continue
        acquisition = catalogue.mode_group(code, "acquisition") or {}
        groups, defaults = _element_groups(places[0].instrument)
        profiles.append(
            TypeProfile(
                code=str(instrument_type["code"]),
                category=str(instrument_type.get("instrument_category", "IMAGE")),
                telescope_class=places[0].telescope_class,
                locations=sorted({placement.location for placement in places}),
                readout_modes=[m for m in readout["modes"] if m.get("schedulable", True)],
                default_readout=default_mode(readout),
                element_groups=groups,
                element_defaults=defaults,
                configuration_types={
                    entry["code"]: entry
                    for entry in instrument_type.get("configuration_types", [])
                    if entry.get("schedulable", True)
                },
                acquisition_modes=list(acquisition.get("modes", [])),
                default_acquisition=default_mode(acquisition) or "OFF",
                guiding_modes=[
                    m["code"]
                    for m in (catalogue.mode_group(code, "guiding") or {}).get("modes", [])
                ],
                rotator_modes=list((catalogue.mode_group(code, "rotator") or {}).get("modes", [])),
                exposure_modes=list(
                    (catalogue.mode_group(code, "exposure") or {}).get("modes", [])
                ),
                threshold=float(instrument_type.get("default_acceptability_threshold", 90.0)),
                weight=INSTRUMENT_TYPE_WEIGHTS.get(code, OTHER_TYPE_WEIGHT),
            )
        )
    return profiles


def _element_groups(instrument: JSON) -> tuple[dict[str, list[str]], dict[str, str]]:
    groups: dict[str, list[str]] = {}
    defaults: dict[str, str] = {}
    for camera in instrument.get("science_cameras", []):
        for group in camera.get("optical_element_groups", []):
            key = str(group["type"]).removesuffix("s")
            codes = [e["code"] for e in group.get("optical_elements", []) if e.get("schedulable")]
            if codes:
                groups[key] = codes
                defaults[key] = group.get("default") or codes[0]
    return groups, defaults


def _extra_params(rng: random.Random, mode: JSON, exposure_time: float = 0.0) -> JSON:
    """Values for the extra_params a mode's validation schema requires or fixes."""
    schema = (mode.get("validation_schema") or {}).get("extra_params", {}).get("schema", {})
    values: JSON = {}
    for key, rule in schema.items():
        if "allowed" in rule:
            values[key] = rule["allowed"][0] if key != "exposure_mode" else mode["code"]
        elif key.startswith("exposure_time_"):
            values[key] = exposure_time
        elif rule.get("required") and "min" in rule and "max" in rule:
            values[key] = round(rng.uniform(rule["min"], rule["max"]), 1)
        elif "default" in rule:
            values[key] = rule["default"]
    return values


# -- one request ------------------------------------------------------------------------------


def draw_request(
    rng: random.Random, profile: TypeProfile, catalogue: Catalogue, counters: Counters
) -> JSON:
    counters.request_id += rng.randint(1, 3)
    start = ARCHIVE_START + timedelta(seconds=rng.randrange(ARCHIVE_SPAN_DAYS * 86400))
    start = start.replace(second=0, microsecond=0)
    created = start - timedelta(
        seconds=rng.randrange(3600, 30 * 86400), microseconds=rng.randrange(10**6)
    )
    modified = created + timedelta(
        seconds=rng.randrange(60, 40 * 86400), microseconds=rng.randrange(10**6)
    )
    types = _configuration_sequence(rng, profile)
    target = _target(rng, sidereal=profile.category != "IMAGE" or rng.random() < 0.85)
    # Spectra and their calibrations share the slit (and other non-filter elements).
    fixed_elements = {
        key: rng.choice(codes) for key, codes in profile.element_groups.items() if key != "filter"
    }
    configurations = []
    for priority, configuration_type in enumerate(types, start=1):
        if priority > 1 and profile.category == "IMAGE" and rng.random() < 0.3:
            target = _target(rng, sidereal=True)
        configurations.append(
            _configuration(
                rng,
                profile,
                catalogue,
                _Draw(configuration_type, priority, target, fixed_elements),
                counters,
            )
        )
    return {
        "id": counters.request_id,
        "observation_note": "",
        "optimization_type": "TIME" if rng.random() < 0.9 else "AIRMASS",
        "state": rng.choices(list(REQUEST_STATES), list(REQUEST_STATES.values()))[0],
        "acceptability_threshold": profile.threshold if rng.random() < 0.9 else 100.0,
        "configuration_repeats": rng.choices(
            list(CONFIGURATION_REPEATS), list(CONFIGURATION_REPEATS.values())
        )[0],
        "extra_params": {},
        "created": _timestamp(created),
        "modified": _timestamp(modified),
        "duration": 0,
        "configurations": configurations,
        "location": _location(rng, profile),
        "_start": start,
    }


def _configuration_sequence(rng: random.Random, profile: TypeProfile) -> list[str]:
    offered = profile.configuration_types
    if profile.category == "IMAGE":
        weights = {t: w for t, w in IMAGING_CONFIGURATION_TYPES.items() if t in offered}
        if not weights:
            return [next(iter(offered))]
        first = rng.choices(list(weights), list(weights.values()))[0]
        count = rng.choices((1, 2, 3), (75, 17, 8))[0]
        sequence = [first]
        for _ in range(count - 1):
            same = rng.random() < 0.7
            sequence.append(
                first if same else rng.choices(list(weights), list(weights.values()))[0]
            )
        return sequence
    sequences = [(s, w) for s, w in SPECTRUM_SEQUENCES if all(t in offered for t in s)]
    if not sequences:
        return [next(iter(offered))]
    return list(rng.choices([s for s, _ in sequences], [w for _, w in sequences])[0])


@dataclass(frozen=True)
class _Draw:
    """What the request decided for one of its configurations."""

    configuration_type: str
    priority: int
    target: JSON
    fixed_elements: dict[str, str]


def _configuration(
    rng: random.Random,
    profile: TypeProfile,
    catalogue: Catalogue,
    draw: _Draw,
    counters: Counters,
) -> JSON:
    counters.configuration_id += rng.randint(1, 3)
    configuration_type, priority, target = draw.configuration_type, draw.priority, draw.target
    properties = profile.configuration_types[configuration_type]
    calibration = configuration_type in ("ARC", "LAMP_FLAT")
    instrument_configs = _instrument_configs(
        rng,
        profile,
        configuration_type,
        calibration,
        draw.fixed_elements if properties.get("requires_optical_elements", True) else None,
    )
    repeat_duration = None
    if "REPEAT" in configuration_type:
        exposures = sum(
            ic["exposure_count"]
            * (ic["exposure_time"] + catalogue.exposure_overhead(profile.code, ic["mode"]))
            for ic in instrument_configs
        )
        repeat_duration = float(math.ceil(exposures) + rng.choice(REPEAT_DURATION_SLACK))
    return {
        "id": counters.configuration_id,
        "instrument_type": profile.code,
        "type": configuration_type,
        "repeat_duration": repeat_duration,
        "extra_params": {},
        "priority": priority,
        "instrument_configs": instrument_configs,
        "constraints": {
            "max_airmass": rng.choice((1.6, 1.6, 2.0, 2.0, 2.5, 3.0)),
            "min_lunar_distance": rng.choice((30.0, 30.0, 20.0, 45.0)),
            "max_lunar_phase": 1.0,
            "extra_params": {},
        },
        "acquisition_config": _acquisition(rng, profile, properties),
        "guiding_config": _guiding(rng, profile),
        "target": target,
    }


def _instrument_configs(
    rng: random.Random,
    profile: TypeProfile,
    configuration_type: str,
    calibration: bool,
    fixed_elements: dict[str, str] | None,  # None: the configuration type takes no elements
) -> list[JSON]:
    spectrum = profile.category != "IMAGE"
    count = 1 if spectrum else rng.choices((1, 2, 3, 4, 5, 6), (35, 20, 15, 15, 8, 7))[0]
    filters = profile.element_groups.get("filter", [])
    chosen_filters = rng.sample(filters, min(count, len(filters))) if filters else []
    configs = []
    for index in range(count):
        mode = _readout_mode(rng, profile)
        exposure_time = _exposure_time(rng, spectrum, calibration, configuration_type)
        elements: JSON = {}
        if fixed_elements is not None:
            elements = dict(fixed_elements)
            if chosen_filters:
                elements["filter"] = chosen_filters[index % len(chosen_filters)]
            for key in elements:
                if key.endswith("_position"):  # MuSCAT narrowband wheels: mostly out
                    elements[key] = "in" if rng.random() < 0.1 else profile.element_defaults[key]
        extra = _extra_params(rng, mode)
        if profile.exposure_modes:
            exposure_mode = rng.choice(profile.exposure_modes)
            extra.update(_extra_params(rng, exposure_mode, exposure_time))
        if not spectrum and rng.random() < 0.3:
            extra.update({"offset_ra": 0, "offset_dec": 0})
        rotator_mode = ""
        if profile.rotator_modes:
            rotator = rng.choice(profile.rotator_modes)
            rotator_mode = rotator["code"]
            extra.update(_extra_params(rng, rotator))
            if rotator_mode == "SKY":
                extra["rotator_angle"] = round(rng.uniform(0, 360), 1)
        configs.append(
            {
                "optical_elements": elements,
                "mode": mode["code"],
                "exposure_time": exposure_time,
                "exposure_count": 1
                if calibration
                else rng.choices((1, 2, 3, 4, 5, 10, 20), (40, 20, 12, 10, 8, 7, 3))[0],
                "rotator_mode": rotator_mode,
                "extra_params": extra,
                "rois": [],
            }
        )
    return configs


def _readout_mode(rng: random.Random, profile: TypeProfile) -> JSON:
    default = next((m for m in profile.readout_modes if m["code"] == profile.default_readout), None)
    if default is not None and (len(profile.readout_modes) == 1 or rng.random() < 0.75):
        return default
    return rng.choice(profile.readout_modes)


def _exposure_time(rng: random.Random, spectrum: bool, calibration: bool, kind: str) -> float:
    if calibration:
        return float(rng.choice(CALIBRATION_EXPOSURE_TIMES))
    if kind == "SKY_FLAT":
        return float(rng.choice((1, 2, 4)))
    if rng.random() < 0.1:  # user-typed values such as 12.5 or 37.3
        return round(rng.uniform(0.5, 300.0), 1)
    return float(rng.choice(SPECTRUM_EXPOSURE_TIMES if spectrum else IMAGING_EXPOSURE_TIMES))


def _acquisition(rng: random.Random, profile: TypeProfile, properties: JSON) -> JSON:
    if properties.get("force_acquisition_off") or not profile.acquisition_modes:
        return {"mode": "OFF", "extra_params": {}}
    usable = [m for m in profile.acquisition_modes if m["code"] != "OFF"]
    if not usable or profile.default_acquisition == "OFF":
        return {"mode": "OFF", "extra_params": {}}
    mode = rng.choice(usable)
    acquisition: JSON = {"mode": mode["code"], "extra_params": _extra_params(rng, mode)}
    if rng.random() < 0.2:
        acquisition["exposure_time"] = float(rng.choice((5, 10, 20, 30)))
    return acquisition


def _guiding(rng: random.Random, profile: TypeProfile) -> JSON:
    mode = (
        "ON"
        if "ON" in profile.guiding_modes or not profile.guiding_modes
        else profile.guiding_modes[0]
    )
    draw = rng.random()
    if draw < 0.05 and "OFF" in profile.guiding_modes:
        mode = "OFF"
    return {
        "optional": draw >= 0.1,
        "mode": mode,
        "optical_elements": {},
        "exposure_time": None,
        "extra_params": {},
    }


def _target(rng: random.Random, *, sidereal: bool) -> JSON:
    if sidereal:
        return {
            "type": "ICRS",
            "name": f"{rng.choice(CATALOGUE_PREFIXES)} {rng.randrange(1, 10**6)}",
            "ra": round(rng.uniform(0.0, 360.0), 6),
            "dec": round(math.degrees(math.asin(rng.uniform(-1.0, 0.9))), 6),
            "proper_motion_ra": 0.0 if rng.random() < 0.8 else round(rng.uniform(-200, 200), 3),
            "proper_motion_dec": 0.0 if rng.random() < 0.8 else round(rng.uniform(-200, 200), 3),
            "parallax": 0.0,
            "epoch": 2000.0,
            "extra_params": {},
        }
    if rng.random() < 0.5:
        return {
            "type": "ORBITAL_ELEMENTS",
            "name": f"{rng.randrange(1000, 700000)}",
            "epochofel": 60600.0,
            "orbinc": round(rng.uniform(0.0, 30.0), 5),
            "longascnode": round(rng.uniform(0.0, 360.0), 5),
            "eccentricity": round(rng.uniform(0.0, 0.3), 7),
            "scheme": "MPC_MINOR_PLANET",
            "argofperih": round(rng.uniform(0.0, 360.0), 5),
            "meandist": round(rng.uniform(1.2, 4.5), 7),
            "meananom": round(rng.uniform(0.0, 360.0), 5),
            "extra_params": {},
        }
    return {
        "type": "ORBITAL_ELEMENTS",
        "name": f"C/{rng.randrange(2015, 2026)} {rng.choice(HALF_MONTHS)}{rng.randrange(1, 99)}",
        "epochofel": 60600.0,
        "orbinc": round(rng.uniform(0.0, 180.0), 5),
        "longascnode": round(rng.uniform(0.0, 360.0), 5),
        "eccentricity": round(rng.uniform(0.5, 1.01), 7),
        "scheme": "MPC_COMET",
        "argofperih": round(rng.uniform(0.0, 360.0), 5),
        "perihdist": round(rng.uniform(0.3, 8.0), 7),
        "epochofperih": round(rng.uniform(58000.0, 62000.0), 5),
        "extra_params": {},
    }


def _location(rng: random.Random, profile: TypeProfile) -> JSON:
    location = {"telescope_class": profile.telescope_class}
    draw = rng.random()
    if draw < 0.25:
        site, enclosure, telescope = rng.choice(profile.locations)
        location["site"] = site
        if draw < 0.15:
            location.update(enclosure=enclosure, telescope=telescope)
    return location


def draw_windows(rng: random.Random, start: datetime, duration: int) -> list[JSON]:
    """One or two windows long enough for the request, inside one semester (as the portal
    requires of every window)."""
    from ..catalogue.semesters import semester_at

    semester = semester_at(start)
    windows: list[JSON] = []
    for _ in range(1 if rng.random() < 0.85 else 2):
        length = timedelta(
            seconds=max(rng.choice((2, 6, 12, 24, 72, 168, 336)) * 3600, duration + 3600)
        )
        end = start + length
        if semester is not None and end > semester.end:
            if windows:
                break
            end = semester.end
            start = max(end - length, semester.start)
        windows.append({"start": _timestamp(start), "end": _timestamp(end)})
        start = end + timedelta(seconds=rng.randrange(3600, 5 * 86400))
    return windows


def _timestamp(moment: datetime) -> str:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"
