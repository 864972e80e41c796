"""Hypothesis strategies for LCO request groups, for differential testing against the portal.

``request_groups(catalogue, now)`` draws request groups as a user would POST them to
``/api/requestgroups/validate/``: every SCHEDULABLE instrument type of the catalogue,
its mode groups (modes left out for the portal to default, given exactly, or given in
another case), its optical elements, every configuration type it offers (REPEAT_* with
a long enough ``repeat_duration``, SCRIPT with a script name), dither offsets and
patterns, mosaic patterns, constraints, ICRS and orbital-element targets (and rarely
HOUR_ANGLE and SATELLITE ones) and windows around ``now``.  Most of what it draws is
valid; some is refused on purpose (a rare AND/ONEOF operator, an HOUR_ANGLE target, a
configuration on another telescope class, a window across a semester boundary) and
visibility is not arranged for beyond a rough night-time right ascension.

``mutated_request_groups`` applies zero or more recorded mutations to such a group
(``MUTATION_KINDS``); ``Exercised`` counts what a set of drawn documents covered.

Everything is drawn with Hypothesis (no ``random``) and every choice is made from a
sorted sequence, so a seeded (or derandomized) run draws the same documents each time,
as long as the same modules are loaded (Hypothesis also draws numbers it finds in the
source of loaded modules).  Hypothesis builds later examples of a run out of earlier
ones, so a long run repeats itself (about 70% of 400 examples are distinct, and rare
branches come in clusters); several short seeded runs see more.  Simplest draws give
the plainest valid document, so failures shrink towards one.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from hypothesis import strategies as st

from lco_validate.catalogue.semesters import semester_at
from lco_validate.catalogue.snapshot import SCHEDULABLE, Catalogue, telescope_class
from lco_validate.model.notions import Detector, detector_of, optical_element_groups

JSON = dict[str, Any]
Path = tuple[str | int, ...]
T = TypeVar("T")

PROPOSAL = "ORACLE-PROP"
OBSERVATION_TYPES = ("NORMAL", "TIME_CRITICAL", "RAPID_RESPONSE")
DITHER_PATTERNS = ("line", "grid", "spiral", "custom")
MOSAIC_PATTERNS = ("line", "grid", "custom")
ORBITAL_SCHEMES = ("MPC_MINOR_PLANET", "MPC_COMET", "JPL_MAJOR_PLANET")

#: What the portal's serializers accept as choices (the enums of schemas/*.json).
PORTAL_OBSERVATION_TYPES = ("NORMAL", "RAPID_RESPONSE", "TIME_CRITICAL", "DIRECT", "REAL_TIME")
PORTAL_CONFIGURATION_TYPES = (
    "EXPOSE",
    "REPEAT_EXPOSE",
    "SKY_FLAT",
    "SKY",
    "STANDARD",
    "ARC",
    "LAMP_FLAT",
    "SPECTRUM",
    "REPEAT_SPECTRUM",
    "AUTO_FOCUS",
    "TRIPLE",
    "NRES_TEST",
    "NRES_SPECTRUM",
    "REPEAT_NRES_SPECTRUM",
    "NRES_EXPOSE",
    "NRES_DARK",
    "NRES_BIAS",
    "ENGINEERING",
    "SCRIPT",
    "BIAS",
    "DARK",
)
PORTAL_TARGET_TYPES = ("ICRS", "ORBITAL_ELEMENTS", "HOUR_ANGLE", "SATELLITE")
PORTAL_SCHEMES = (
    "ASA_MAJOR_PLANET",
    "ASA_MINOR_PLANET",
    "ASA_COMET",
    "JPL_MAJOR_PLANET",
    "JPL_MINOR_PLANET",
    "MPC_MINOR_PLANET",
    "MPC_COMET",
)

MUTATION_KINDS: tuple[str, ...] = (
    "wrong_code",
    "wrong_case",
    "out_of_range",
    "boundary",
    "wrong_type",
    "removed_key",
    "added_key",
    "number_as_string",
    "null",
    "cadence",
)
#: Relative frequency of each kind: a cadence is refused outright, so it is drawn rarely.
MUTATION_WEIGHTS = {kind: (4 if kind == "cadence" else 10) for kind in MUTATION_KINDS}

# -- plausible but wrong codes ---------------------------------------------------------------------

FAKE_INSTRUMENT_TYPES = ("1M0-SCICAM-SBIG", "2M0-SPECTRAL-AG", "0M4-SCICAM-SBIG", "FLOYDS")
FAKE_MODES = {
    "readout": ("fast", "1x1", "full_frame_2x2", "default_readout"),
    "guiding": ("AUTO", "SELF", "ON_OFF"),
    "acquisition": ("BLIND", "AUTO", "BRIGHT"),
    "rotator": ("FIXED", "FLOAT"),
    "exposure": ("SYNC", "ASYNC"),
}
FAKE_ELEMENTS = ("Rp", "clear", "slit_9.9as", "Halpha", "open")
FAKE_ELEMENT_TYPES = ("filtre", "filters", "grating", "slits", "narrowband_position")
FAKE_CONFIGURATION_TYPES = ("EXPOSURE", "IMAGE", "REPEAT", "SPECTRA")
FAKE_TELESCOPE_CLASSES = ("1m", "0m5", "2m", "1.0m")
FAKE_SITES = ("lsx", "sso", "abc")
FAKE_ENCLOSURES = ("domx", "clmb", "igl")
FAKE_TELESCOPES = ("1m0z", "0m4x", "2m0")
FAKE_TARGET_TYPES = ("SIDEREAL", "NON_SIDEREAL", "FK5", "STATIC")
FAKE_SCHEMES = ("MPC_ASTEROID", "JPL_COMET", "MPC")
FAKE_DITHER_PATTERNS = ("zigzag", "box", "random", "circle")
FAKE_MOSAIC_PATTERNS = ("spiral", "box", "random")
FAKE_OPERATORS = ("AND", "ONEOF", "ALL", "ANY")
FAKE_OBSERVATION_TYPES = ("SCHEDULED", "TOO", "STANDARD", "NORMAL_")
EXTRA_UNKNOWN_KEYS = ("comment", "notes", "tags")


def _words(text: str) -> list[str]:
    return text.split()


#: Field names the portal knows (spec section 1); typos must not land on one of them.
KNOWN_KEYS = frozenset(
    _words(
        """
    id submitter submitter_id proposal name observation_type operator ipp_value state created
    modified requests duration location configurations windows cadence observation_note
    optimization_type acceptability_threshold configuration_repeats extra_params suspend_until
    priority instrument_type type repeat_duration fill_window instrument_configs constraints
    acquisition_config guiding_config target exposure_time exposure_count mode rotator_mode
    optical_elements rois x1 x2 y1 y2 optional max_airmass min_lunar_distance max_lunar_phase
    max_seeing min_transparency ra dec proper_motion_ra proper_motion_dec parallax epoch
    hour_angle altitude azimuth diff_altitude_rate diff_azimuth_rate diff_epoch
    diff_altitude_acceleration diff_azimuth_acceleration scheme epochofel orbinc longascnode
    longofperih argofperih eccentricity meandist perihdist meananom meanlong dailymot
    epochofperih start end period jitter telescope_class site enclosure telescope
    """
    )
)
#: Keys whose removal the portal (or a rule) should notice; removed_key favours them.
REQUIRED_KEYS = frozenset(
    _words(
        """
    proposal name observation_type operator ipp_value requests location configurations windows
    instrument_type type instrument_configs constraints acquisition_config guiding_config target
    exposure_time exposure_count end telescope_class ra dec epochofel orbinc longascnode
    eccentricity scheme argofperih meandist meananom perihdist epochofperih dailymot
    repeat_duration script_name exposure_time_g hour_angle altitude azimuth
    """
    )
)

# -- shapes of values ------------------------------------------------------------------------------

J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)
MJD_ZERO = datetime(1858, 11, 17, tzinfo=UTC)
IMAGING_TYPE_WEIGHTS = {
    "EXPOSE": 40,
    "REPEAT_EXPOSE": 10,
    "STANDARD": 8,
    "SKY_FLAT": 6,
    "AUTO_FOCUS": 4,
    "BIAS": 4,
    "DARK": 4,
    "SCRIPT": 4,
    "ENGINEERING": 3,
}
SPECTRUM_TYPE_WEIGHTS = {
    "SPECTRUM": 40,
    "REPEAT_SPECTRUM": 10,
    "ARC": 12,
    "LAMP_FLAT": 12,
    "SCRIPT": 4,
    "ENGINEERING": 3,
}
OTHER_TYPE_WEIGHT = 4
COMMON_EXPOSURE_TIMES = (1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0)
SCRIPT_NAMES = ("focus_sweep", "pointing_model", "sky_test", "flat_sequence")
TARGET_PREFIXES = ("HD", "TIC", "NGC", "Gaia DR3", "SN 2025", "WASP-", "M ")
GROUP_WORDS = ("oracle", "transit", "monitor", "followup", "survey", "calib", "comet", "sn")
REPEAT_SLACK = (1.0, 30.0, 60.0, 300.0, 600.0, 1800.0, 3600.0)


@functools.cache
def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


_PERCENT = st.integers(0, 99)


class _Draw:
    """Hypothesis's ``draw`` with the few primitive choices the documents are made of.

    The primitive strategies are built once and every choice is an index or a number, so
    a document costs about a hundred cheap draws.  Hypothesis's simplest draws (zeros)
    give the first option, the lowest number and no rare branch: shrinking a failing
    document heads for the plainest valid one.

    Hypothesis does not draw uniformly: ``st.floats(0, 360)`` puts about a third of its
    values below 36 (many exactly 0), and wide ``st.integers`` ranges favour small numbers,
    which would aim most targets at RA 0 and start most windows two days ago.  Draws over
    0-99 are close to uniform, so wide numbers are made of two of them (10,000 steps).
    """

    __slots__ = ("draw",)

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        if high - low < 100:
            return self.draw(_integers(low, high))
        return low + round(self._fraction() * (high - low))

    def _fraction(self) -> float:
        """Close to uniform in [0, 1], 0 for the simplest draws."""
        return (self.draw(_PERCENT) * 100 + self.draw(_PERCENT)) / 9999

    def chance(self, percent: int) -> bool:
        """True ``percent`` percent of the time."""
        return self.draw(_PERCENT) >= 100 - percent

    def choice(self, options: Sequence[T]) -> T:
        return options[self.integer(0, len(options) - 1)]

    def weighted(self, options: Sequence[tuple[T, int]]) -> T:
        """One of the values, each as often as its integer weight says."""
        index = self.integer(0, sum(weight for _, weight in options) - 1)
        for value, weight in options:
            if index < weight:
                return value
            index -= weight
        raise AssertionError("unreachable")

    def real(self, low: float, high: float, digits: int) -> float:
        """A float in [low, high] rounded to ``digits`` decimals, as a person would type it."""
        coarse = (high - low) * 10**digits < 100
        fraction = self.draw(_PERCENT) / 99 if coarse else self._fraction()
        return float(min(high, max(low, round(low + fraction * (high - low), digits))))

    def value(self, options: Sequence[tuple[float | None, int]], low: float, high: float) -> float:
        """One of the weighted values; None stands for a number typed in [low, high]."""
        chosen = self.weighted(options)
        return self.real(low, high, 2) if chosen is None else chosen


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _mjd(moment: datetime) -> float:
    return (moment - MJD_ZERO).total_seconds() / 86400.0


def _sun_longitude(moment: datetime) -> float:
    """The Sun's ecliptic longitude (degrees), to a degree or so."""
    days = (moment - J2000).total_seconds() / 86400.0
    anomaly = math.radians(357.528 + 0.9856003 * days)
    longitude = 280.460 + 0.9856474 * days + 1.915 * math.sin(anomaly)
    return (longitude + 0.020 * math.sin(2 * anomaly)) % 360.0


def _antisolar_ra(moment: datetime) -> float:
    """Right ascension opposite the Sun (degrees): what culminates at local midnight."""
    longitude = math.radians(_sun_longitude(moment))
    obliquity = math.radians(23.439)
    sun = math.degrees(math.atan2(math.cos(obliquity) * math.sin(longitude), math.cos(longitude)))
    return (sun + 180.0) % 360.0


@dataclass(frozen=True)
class _Sky:
    """Where and when a request's first window looks at the sky, to aim targets at the night."""

    latitude: float
    reach: float  # degrees from the zenith the constraints allow (airmass, horizon)
    night_ra: float  # right ascension at local midnight
    opposition: float  # ecliptic longitude opposite the Sun
    now: datetime


def case_variants(code: str) -> list[str]:
    """The code in other cases (lower, upper, swapped, capitalised, alternating), all distinct."""
    alternating = "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(code))
    variants = [code.lower(), code.upper(), code.swapcase(), code.capitalize(), alternating]
    return sorted({variant for variant in variants if variant != code})


# -- what the catalogue offers ---------------------------------------------------------------------


@dataclass(eq=False)  # hashed by identity: one per group and catalogue
class _Modes:
    """One mode group of an instrument type, as the drawing needs it."""

    kind: str
    codes: tuple[str, ...]  # schedulable modes
    default: str  # what the portal picks when none is given; '' if it must be chosen
    schemas: dict[str, JSON]  # validation_schema by lower-case code
    overheads: dict[str, float]  # by lower-case code
    pinned: frozenset[str]  # codes whose own schema fixes the written value (no case games)

    def schema(self, code: str) -> JSON:
        return self.schemas.get(code.lower(), {})


@dataclass(eq=False)
class _Offer:
    """One SCHEDULABLE instrument type and what a request for it may use."""

    code: str
    category: str
    telescope_class: str
    places: tuple[tuple[str, str, str], ...]
    latitudes: dict[str, float]  # site -> latitude of its first telescope
    longitudes: dict[str, float]  # site -> east longitude of its first telescope
    modes: dict[str, _Modes]
    elements: dict[str, tuple[str, ...]]  # singular element type -> schedulable codes
    hidden_elements: dict[str, tuple[str, ...]]  # codes configdb marks not schedulable
    configuration_types: dict[str, JSON]  # schedulable ones, by code
    detector: Detector | None
    ic_extras: JSON  # the instrument type's Cerberus rules for instrument_configs[*].extra_params
    configuration_extras: JSON  # ... and for the configuration's extra_params
    fixed_overhead: float

    @property
    def spectrum(self) -> bool:
        return self.category != "IMAGE"


@dataclass(eq=False)
class _Digest:
    catalogue: Catalogue
    offers: tuple[_Offer, ...]
    by_code: dict[str, _Offer]
    all_types: tuple[str, ...]  # every instrument type code in the catalogue
    mode_codes: dict[str, tuple[str, ...]]  # every mode code of each kind, any type
    element_codes: tuple[str, ...]  # every optical element code, any type
    element_types: tuple[str, ...]  # every singular element type, any type
    classes: tuple[str, ...]
    sites: dict[str, dict[str, tuple[str, ...]]]  # site -> enclosure -> telescope codes

    def offer(self, instrument_type: object) -> _Offer | None:
        return (
            self.by_code.get(instrument_type.upper()) if isinstance(instrument_type, str) else None
        )

    def siblings(self, offer: _Offer) -> list[_Offer]:
        return [o for o in self.offers if o.telescope_class == offer.telescope_class]


def _sub_schema(schema: object, *keys: str) -> JSON:
    node = schema
    for key in keys:
        if not isinstance(node, dict):
            return {}
        node = node.get(key, {})
    return node if isinstance(node, dict) else {}


def _modes(catalogue: Catalogue, code: str, kind: str) -> _Modes | None:
    group = catalogue.mode_group(code, kind)
    if not group or not group.get("modes"):
        return None
    modes = group["modes"]
    codes = tuple(str(m["code"]) for m in modes if m.get("schedulable", True))
    if not codes:
        return None
    default = ""
    if len(modes) == 1:
        default = str(modes[0]["code"])
    elif group.get("default"):
        default = str(group["default"])
    if default.lower() not in {c.lower() for c in codes}:
        default = ""
    schemas = {str(m["code"]).lower(): m.get("validation_schema") or {} for m in modes}
    pin_keys = {
        "exposure": ("extra_params", "schema", "exposure_mode"),
        "rotator": ("rotator_mode",),
    }
    pinned = frozenset(
        c
        for c in codes
        if "allowed" in _sub_schema(schemas[c.lower()], *pin_keys.get(kind, ("mode",)))
    )
    return _Modes(
        kind=kind,
        codes=codes,
        default=default,
        schemas=schemas,
        overheads={str(m["code"]).lower(): float(m.get("overhead", 0.0)) for m in modes},
        pinned=pinned,
    )


def _offer(catalogue: Catalogue, code: str) -> _Offer | None:
    instrument_type = catalogue.instrument_type(code)
    places = [
        p
        for p in catalogue.placements
        if p.type_code == code and p.state == SCHEDULABLE and p.active
    ]
    if instrument_type is None or not places:
        return None
    modes = {
        kind: found
        for kind in ("readout", "guiding", "acquisition", "rotator", "exposure")
        if (found := _modes(catalogue, code, kind)) is not None
    }
    if "readout" not in modes:
        return None
    flags: dict[str, bool] = {}
    for placement in catalogue.placements:
        if placement.type_code != code:
            continue
        for camera in placement.instrument.get("science_cameras") or []:
            for group in camera.get("optical_element_groups") or []:
                for element in group.get("optical_elements") or []:
                    name = str(element["code"]).lower()
                    flags[name] = flags.get(name, False) or bool(element.get("schedulable"))
    elements: dict[str, tuple[str, ...]] = {}
    hidden: dict[str, tuple[str, ...]] = {}
    for group_type, codes in sorted(optical_element_groups(catalogue, code).items()):
        singular = group_type[:-1] if group_type.endswith("s") else group_type
        usable = tuple(sorted(c for low, c in codes.items() if flags.get(low, True)))
        elements[singular] = usable or tuple(sorted(codes.values()))
        hidden[singular] = tuple(sorted(c for low, c in codes.items() if not flags.get(low, True)))
    latitudes: dict[str, float] = {}
    longitudes: dict[str, float] = {}
    for placement in places:
        latitudes.setdefault(placement.site["code"], float(placement.telescope.get("lat", 0.0)))
        longitudes.setdefault(placement.site["code"], float(placement.telescope.get("long", 0.0)))
    schema = instrument_type.get("validation_schema") or {}
    return _Offer(
        code=str(instrument_type["code"]),
        category=str(instrument_type.get("instrument_category", "IMAGE")),
        telescope_class=places[0].telescope_class,
        places=tuple(sorted({p.location for p in places})),
        latitudes=latitudes,
        longitudes=longitudes,
        modes=modes,
        elements=elements,
        hidden_elements=hidden,
        configuration_types={
            str(entry["code"]): entry
            for entry in instrument_type.get("configuration_types", [])
            if entry.get("schedulable", True)
        },
        detector=detector_of(catalogue, code),
        ic_extras=_sub_schema(
            schema, "instrument_configs", "schema", "schema", "extra_params", "schema"
        ),
        configuration_extras=_sub_schema(schema, "extra_params", "schema"),
        fixed_overhead=float(instrument_type.get("fixed_overhead_per_exposure", 1.0)),
    )


@functools.lru_cache(maxsize=8)
def _digest(catalogue: Catalogue) -> _Digest:
    offers = tuple(
        offer
        for code in sorted(catalogue.schedulable_instrument_types())
        if (offer := _offer(catalogue, code)) is not None
    )
    if not offers:
        raise ValueError(f"{catalogue.source} has no SCHEDULABLE instrument type to draw from")
    all_types = tuple(catalogue.instrument_type_codes())
    mode_codes = {
        kind: tuple(
            sorted(
                {
                    str(mode["code"])
                    for code in all_types
                    for mode in (catalogue.mode_group(code, kind) or {}).get("modes", [])
                }
            )
        )
        for kind in ("readout", "guiding", "acquisition", "rotator", "exposure")
    }
    element_codes: set[str] = set()
    element_types: set[str] = set()
    for code in all_types:
        for group_type, codes in optical_element_groups(catalogue, code).items():
            element_types.add(group_type[:-1] if group_type.endswith("s") else group_type)
            element_codes.update(codes.values())
    sites: dict[str, dict[str, tuple[str, ...]]] = {}
    for site in catalogue.sites:
        sites[site["code"]] = {
            enclosure["code"]: tuple(t["code"] for t in enclosure.get("telescope_set", []))
            for enclosure in site.get("enclosure_set", [])
        }
    classes = sorted(
        {
            telescope_class(telescope)
            for site in catalogue.sites
            for enclosure in site.get("enclosure_set", [])
            for telescope in enclosure.get("telescope_set", [])
        }
    )
    return _Digest(
        catalogue=catalogue,
        offers=offers,
        by_code={offer.code.upper(): offer for offer in offers},
        all_types=all_types,
        mode_codes=mode_codes,
        element_codes=tuple(sorted(element_codes)),
        element_types=tuple(sorted(element_types)),
        classes=tuple(classes),
        sites=sites,
    )


# -- values from Cerberus rules --------------------------------------------------------------------


def _schema_values(d: _Draw, rules: JSON, exposure_time: float, optional_share: int) -> JSON:
    """Values for the keys of a Cerberus ``schema`` mapping: required ones always, the
    optional ones (all of them) ``optional_share`` percent of the time; keys it cannot fill
    are left out."""
    values: JSON = {}
    optional = any(
        isinstance(rule, dict) and not rule.get("required") for rule in rules.values()
    ) and d.chance(optional_share)
    for key, rule in sorted(rules.items()):
        if not isinstance(rule, dict) or key == "exposure_mode":
            continue
        if not rule.get("required") and not optional:
            continue
        if key.startswith("exposure_time_"):  # MuSCAT's per-channel exposure times
            values[key] = exposure_time if exposure_time > 0 else 1.0
        elif rule.get("allowed"):
            values[key] = d.choice(list(rule["allowed"]))
        elif rule.get("type") in ("float", "number", "integer"):
            given_low, given_high = rule.get("min"), rule.get("max")
            if given_low is not None:
                low = float(given_low)
                high = low + 60.0 if given_high is None else float(given_high)
            elif given_high is not None:
                high = float(given_high)
                low = high - 60.0
            else:
                continue
            if rule["type"] == "integer":
                values[key] = d.integer(math.ceil(low), math.floor(high))
            else:
                values[key] = d.real(low, high, 2)
        elif rule.get("type") == "boolean":
            values[key] = d.chance(50)
        elif "default" in rule:
            values[key] = copy.deepcopy(rule["default"])
    return values


# -- modes -----------------------------------------------------------------------------------------


@functools.cache
def _mode_table(modes: _Modes, blank_allowed: bool) -> tuple[tuple[tuple[str, str], int], ...]:
    """(how, code) by weight: each code given exactly (52%) or in another case (15%), the key
    left out (25%) or blank (8%) when the portal can default it, one draw for all of it."""
    count = len(modes.codes)
    table = [(("exact", code), max(1, 52 // count)) for code in modes.codes]
    if modes.default:  # else several modes and no default: the portal makes the user choose
        table.append((("omit", ""), 25 if blank_allowed else 33))
        if blank_allowed:
            table.append((("blank", ""), 8))
    for code in modes.codes:
        if code not in modes.pinned and case_variants(code):
            table.append((("case", code), max(1, 15 // count)))
    return tuple(table)


def _mode_value(d: _Draw, modes: _Modes, *, blank_allowed: bool = True) -> str | None:
    """A mode as a user writes it: None to leave the key out, '' blank, a code, another case."""
    how, code = d.weighted(_mode_table(modes, blank_allowed))
    if how == "omit":
        return None
    if how == "case":
        return d.choice(case_variants(code))
    return code


def _chosen(modes: _Modes, written: str | None) -> str:
    return written or modes.default


# -- targets ---------------------------------------------------------------------------------------

_TARGET_KINDS = (
    ("ICRS", 70),
    ("MPC_MINOR_PLANET", 9),
    ("MPC_COMET", 8),
    ("JPL_MAJOR_PLANET", 7),
    ("HOUR_ANGLE", 3),
    ("SATELLITE", 3),
)
PLANETS = ("Jupiter", "Saturn", "Uranus", "Neptune", "Mars")


def _target_name(d: _Draw) -> str:
    prefix = d.choice(TARGET_PREFIXES)
    number = d.integer(1, 999_999)
    return f"{prefix}{number}" if prefix.endswith(("-", " ")) else f"{prefix} {number}"


def _declination(d: _Draw, sky: _Sky) -> float:
    if d.chance(15):
        return d.real(-89.0, 89.0, 4)
    offset = d.real(-sky.reach, sky.reach, 4)  # high enough at the site
    return max(-89.0, min(89.0, round(sky.latitude + offset, 4)))


def _icrs(d: _Draw, sky: _Sky, near: JSON | None = None) -> JSON:
    """A star: up at night during the windows (mostly), or a few degrees from ``near``."""
    if near is not None and d.chance(80):
        ra = round((near["ra"] + d.real(-5.0, 5.0, 5)) % 360.0, 5)
        dec = max(-89.0, min(89.0, round(near["dec"] + d.real(-5.0, 5.0, 4), 4)))
    else:
        if d.chance(20):
            ra = d.real(0.0, 360.0, 5)
        else:
            ra = round((sky.night_ra + d.real(-60.0, 60.0, 5)) % 360.0, 5)
        dec = _declination(d, sky)
    target: JSON = {"type": "ICRS", "name": _target_name(d), "ra": ra, "dec": dec}
    extras = d.integer(0, 99)
    if extras >= 75:
        target["proper_motion_ra"] = d.real(-500.0, 500.0, 3)
        target["proper_motion_dec"] = d.real(-500.0, 500.0, 3)
    if extras >= 85:
        target["parallax"] = d.real(0.0, 100.0, 3)
    if extras >= 65 and d.chance(50):
        target["epoch"] = d.choice((2000.0, 2015.5, 2016.0))
    return target


def _orbital(d: _Draw, scheme: str, sky: _Sky) -> JSON:
    """Plausible elements; mostly of a body near opposition during the windows (its
    heliocentric longitude, roughly node + perihelion argument + anomaly, opposite the Sun)."""
    now = _mjd(sky.now)
    aimed = not d.chance(20)
    longitude = sky.opposition + d.real(-40.0, 40.0, 4) if aimed else d.real(0.0, 360.0, 4)
    node = d.real(0.0, 360.0, 4)
    target: JSON = {"type": "ORBITAL_ELEMENTS", "name": "", "scheme": scheme}
    target["epochofel"] = epoch = round(now + d.real(-200.0, 100.0, 1), 1)
    if scheme == "MPC_COMET":
        target["name"] = f"C/{d.integer(2015, 2026)} {d.choice('ABCDEFGHJK')}1"
        target["orbinc"] = d.real(0.0, 40.0, 4) if aimed else d.real(0.0, 180.0, 4)
        hyperbolic = d.chance(10)
        target["eccentricity"] = d.real(1.0, 1.02, 6) if hyperbolic else d.real(0.3, 0.999, 6)
        target["perihdist"] = d.real(1.2, 6.0, 6) if aimed else d.real(0.3, 6.0, 6)
        target["longascnode"] = node
        target["argofperih"] = round((longitude - node) % 360.0, 4)  # near perihelion now
        span = 60.0 if aimed else 400.0
        target["epochofperih"] = round(now + d.real(-span, span, 4), 4)
        return target
    major = scheme == "JPL_MAJOR_PLANET"
    target["name"] = d.choice(PLANETS) if major else f"({d.integer(1, 700_000)})"
    target["orbinc"] = d.real(0.0, 7.0 if major else 30.0, 4)
    target["eccentricity"] = d.real(0.0, 0.2 if major else 0.35, 6)
    meandist = d.real(1.4, 30.0, 6) if major else d.real(1.5, 5.2, 6)
    daily_motion = 0.9856076686 / meandist**1.5  # degrees a day
    perihelion = d.real(0.0, 360.0, 4)
    target["meandist"] = meandist
    target["meananom"] = round(
        (longitude - node - perihelion - daily_motion * (now - epoch)) % 360, 4
    )
    if major:
        target["dailymot"] = round(daily_motion, 8)
    target["longascnode"] = node
    target["argofperih"] = perihelion
    return target


def _target(d: _Draw, sky: _Sky) -> JSON:
    kind = d.weighted(_TARGET_KINDS)
    if kind == "ICRS":
        return _icrs(d, sky)
    if kind in ORBITAL_SCHEMES:
        return _orbital(d, kind, sky)
    if kind == "HOUR_ANGLE":  # refused for every scheduled observation type
        return {
            "type": "HOUR_ANGLE",
            "name": _target_name(d),
            "hour_angle": d.real(-4.0, 4.0, 3),
            "dec": _declination(d, sky),
        }
    return {
        "type": "SATELLITE",
        "name": f"SAT {d.integer(10000, 59999)}",
        "altitude": d.real(20.0, 89.0, 3),
        "azimuth": d.real(0.0, 360.0, 3),
        "diff_altitude_rate": d.real(-0.5, 0.5, 5),
        "diff_azimuth_rate": d.real(-0.5, 0.5, 5),
        "diff_epoch": round(_mjd(sky.now) + d.real(0.0, 10.0, 4), 4),
        "diff_altitude_acceleration": d.real(-0.001, 0.001, 6),
        "diff_azimuth_acceleration": d.real(-0.001, 0.001, 6),
    }


# -- windows ---------------------------------------------------------------------------------------

#: Window lengths (minutes) by weight; 0 for a length typed in (2 hours to 30 days).
WINDOW_MINUTES: tuple[tuple[int, int], ...] = (
    *((3 * 1440, 14), (7 * 1440, 14), (1440, 12), (14 * 1440, 9), (30 * 1440, 8)),
    *((720, 6), (360, 4), (120, 3), (0, 30)),
)


def _windows(d: _Draw, now: datetime, observation_type: str, longitude: float) -> list[JSON]:
    """One or two windows; each ends more than an hour from ``now``, most in one semester.

    Windows shorter than a day are mostly put around local midnight at ``longitude`` (east,
    degrees), as an observer would."""
    how = d.integer(0, 99)
    count = 2 if how >= 80 else 1
    in_semester = how < 72 or how >= 80  # 8% may cross a semester boundary
    windows: list[JSON] = []
    if observation_type == "RAPID_RESPONSE":  # started already, ending within 24 hours
        for _ in range(count):
            start = _minute(now - timedelta(minutes=d.integer(60, 2 * 1440)))
            end = _minute(now + timedelta(minutes=d.integer(121, 23 * 60)))
            windows.append({"start": _timestamp(start), "end": _timestamp(end)})
        return windows
    start = _minute(now + timedelta(minutes=d.integer(-2 * 1440, 20 * 1440)))
    first_semester = semester_at(start)
    for index in range(count):
        minutes = d.weighted(WINDOW_MINUTES) or d.integer(120, 30 * 1440)
        length = timedelta(minutes=minutes)
        shift = d.integer(0, 49) if minutes < 1200 else 40
        if shift < 40:  # the coming night (or a later one), give or take three hours
            midnight = _local_midnight(max(start, now + timedelta(hours=12)), longitude)
            start = _minute(midnight - length / 2 + timedelta(minutes=(shift - 20) * 9))
        end = start + length
        floor = now + timedelta(minutes=61)
        if end < floor:
            end = _minute(floor) + timedelta(hours=2)
        semester = semester_at(start)
        if in_semester and semester is not None and end > semester.end:
            if index:
                break  # a second window that would leave the semester is left out
            if semester.end - max(start, now) >= timedelta(hours=3):
                end = semester.end
            else:  # too little left of this semester: the next one
                start = semester.end + timedelta(seconds=1)
                end = start + length
        if index and in_semester and semester_at(start) != first_semester:
            break
        window = {"start": _timestamp(start), "end": _timestamp(end)}
        if index == 0 and 72 <= how < 76:
            del window["start"]  # from the moment of submission
        windows.append(window)
        if index + 1 < count:
            start = _minute(end + timedelta(minutes=d.integer(60, 5 * 1440)))
    return windows


def _local_midnight(moment: datetime, longitude: float) -> datetime:
    """The local (mean solar) midnight nearest to ``moment`` at an east ``longitude``."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    midnight -= timedelta(hours=longitude / 15.0)
    while midnight < moment - timedelta(hours=12):
        midnight += timedelta(days=1)
    while midnight > moment + timedelta(hours=12):
        midnight -= timedelta(days=1)
    return midnight


# -- instrument configs and configurations ---------------------------------------------------------

EXPOSURE_COUNTS: tuple[tuple[int, int], ...] = (
    *((1, 25), (2, 12), (3, 10), (4, 6), (5, 8), (6, 3), (7, 2), (8, 3), (9, 1), (10, 8)),
    *((count, 2 if count in (12, 15, 20) else 1) for count in range(11, 21)),
)
#: Common exposure times, and None for one typed in (0.1-600 s).
EXPOSURE_TIMES: tuple[tuple[float | None, int], ...] = (
    *((value, 6) for value in COMMON_EXPOSURE_TIMES[:6]),
    *((value, 5) for value in COMMON_EXPOSURE_TIMES[6:]),
    (None, 34),
)


def _exposure_time(d: _Draw, kind: str) -> float:
    if kind == "BIAS":
        return d.choice((0.0, 0.1))
    chosen = d.weighted(EXPOSURE_TIMES)
    return d.real(0.1, 600.0, 1) if chosen is None else chosen


def _instrument_config(d: _Draw, offer: _Offer, properties: JSON, kind: str) -> JSON:
    exposure_time = _exposure_time(d, kind)
    config: JSON = {
        "exposure_count": d.weighted(EXPOSURE_COUNTS),
        "exposure_time": exposure_time,
    }
    extra: JSON = {}
    # (mode kind, the object holding its code, the code's key, share of optional schema values)
    for kind, holder, key, optional_share in (
        ("readout", config, "mode", 20),
        ("rotator", config, "rotator_mode", 50),
        ("exposure", extra, "exposure_mode", 20),
    ):
        modes = offer.modes.get(kind)
        if modes is None:
            continue
        written = _mode_value(d, modes)
        if written is not None:
            holder[key] = written
        rules = _sub_schema(modes.schema(_chosen(modes, written)), "extra_params", "schema")
        extra.update(_schema_values(d, rules, exposure_time, optional_share))
    if offer.elements and (properties.get("requires_optical_elements", True) or d.chance(30)):
        config["optical_elements"] = {
            element_type: _element(d, offer, element_type) for element_type in offer.elements
        }
    extra.update(_schema_values(d, offer.ic_extras, exposure_time, 12))
    if extra or d.chance(30):
        config["extra_params"] = extra
    rois = d.integer(0, 99)
    detector = offer.detector
    if detector is not None and detector.max_rois > 0 and rois >= 85:
        config["rois"] = _rois(d, detector)
    elif rois >= 92:
        config["rois"] = []
    return config


@functools.cache
def _element_table(offer: _Offer, element_type: str) -> tuple[tuple[str, int], ...]:
    """Element codes by weight: as configdb spells them (86%), in another case (10%: the
    portal compares them case-insensitively), marked not schedulable (4%: not checked)."""
    codes = offer.elements[element_type]
    hidden = offer.hidden_elements.get(element_type, ())
    table = [(code, max(1, round(86 / len(codes)))) for code in codes]
    variant = max(1, round(10 / len(codes)))
    table += [(case_variants(code)[0], variant) for code in codes if case_variants(code)]
    table += [(code, max(1, round(4 / len(hidden)))) for code in hidden]
    return tuple(table)


def _element(d: _Draw, offer: _Offer, element_type: str) -> str:
    return d.weighted(_element_table(offer, element_type))


def _rois(d: _Draw, detector: Detector) -> list[JSON]:
    rois = []
    for _ in range(d.integer(1, detector.max_rois)):
        x1 = d.integer(0, detector.pixels_x - 2)
        y1 = d.integer(0, detector.pixels_y - 2)
        roi = {
            "x1": x1,
            "x2": d.integer(x1 + 1, detector.pixels_x),
            "y1": y1,
            "y2": d.integer(y1 + 1, detector.pixels_y),
        }
        if d.chance(20):  # one bound left for the portal to fill
            del roi[d.choice(("x1", "x2", "y1", "y2"))]
        rois.append(roi)
    return rois


def minimum_repeat_duration(offer: _Offer, instrument_configs: Iterable[JSON]) -> float:
    """One pass through the instrument configs, summed in the portal's order (spec 2.4 step 9):
    count x (exposure time + readout overhead + fixed overhead per exposure)."""
    readout = offer.modes["readout"]
    total = 0.0
    for config in instrument_configs:
        mode = str(config.get("mode") or readout.default).lower()
        overhead = readout.overheads.get(mode, readout.overheads.get(readout.default.lower(), 0.0))
        total += config["exposure_count"] * (
            config["exposure_time"] + overhead + offer.fixed_overhead
        )
    return total


def _dither(d: _Draw, base: list[JSON], pattern: str) -> list[JSON]:
    """The instrument configs repeated at offsets (arcsec) along a pattern."""
    spacing = d.choice((5.0, 10.0, 15.0, 30.0))
    angle = math.radians(d.choice((0.0, 30.0, 45.0, 90.0)))
    points: list[tuple[float, float]] = []
    if pattern == "line":
        for index in range(d.integer(2, 5)):
            points.append((-index * spacing * math.sin(angle), index * spacing * math.cos(angle)))
    elif pattern == "grid":
        rows, columns = d.integer(2, 3), d.integer(2, 3)
        points = [(c * spacing, r * spacing) for c in range(columns) for r in range(rows)]
    elif pattern == "spiral":
        for index in range(d.integer(3, 6)):
            radius = spacing * math.sqrt(index)
            points.append((radius * math.cos(index * 2.4), radius * math.sin(index * 2.4)))
    else:
        for _ in range(d.integer(2, 4)):
            points.append((d.real(-60.0, 60.0, 1), d.real(-60.0, 60.0, 1)))
        if all(x == 0 and y == 0 for x, y in points):
            points[0] = (1.5, 0.0)
    configs = []
    for x, y in points:
        for original in base:
            config = copy.deepcopy(original)
            extra = config.setdefault("extra_params", {})
            extra["offset_ra"] = round(x, 3)
            extra["offset_dec"] = round(y, 3)
            configs.append(config)
    return configs


#: Weighted common values; None for a value typed in.
AIRMASSES: tuple[tuple[float | None, int], ...] = (
    *((1.6, 20), (2.0, 18), (1.5, 8), (1.75, 6), (2.5, 6), (3.0, 6)),
    *((1.3, 4), (1.2, 3), (1.1, 2), (None, 27)),
)
LUNAR_DISTANCES: tuple[tuple[float | None, int], ...] = (
    *((30.0, 30), (20.0, 12), (15.0, 8), (45.0, 8), (10.0, 6), (0.0, 5), (60.0, 4), (None, 27)),
)
LUNAR_PHASES: tuple[tuple[float | None, int], ...] = (
    (1.0, 50),
    (0.75, 12),
    (0.5, 8),
    (0.25, 3),
    (None, 27),
)


def _constraints(d: _Draw) -> JSON:
    how = d.integer(0, 99)
    if how >= 92:
        return {}  # the portal's defaults
    constraints: JSON = {
        "max_airmass": d.value(AIRMASSES, 1.1, 3.0),
        "min_lunar_distance": round(d.value(LUNAR_DISTANCES, 0.0, 60.0), 1),
    }
    if how >= 62:
        constraints["max_lunar_phase"] = d.value(LUNAR_PHASES, 0.0, 1.0)
    if 87 <= how < 92:
        constraints["max_seeing"] = d.real(1.0, 3.0, 1)
    return constraints


def _acquisition(d: _Draw, offer: _Offer, properties: JSON) -> JSON:
    modes = offer.modes.get("acquisition")
    if properties.get("force_acquisition_off"):  # the portal sets OFF without looking
        if modes is not None and d.chance(10):
            return {"mode": d.choice(modes.codes)}
        return {"mode": "OFF"} if d.chance(50) else {}
    acquisition: JSON = {}
    if modes is None:
        return acquisition
    written = _mode_value(d, modes, blank_allowed=False)  # blank: "may not be blank"
    if written is not None:
        acquisition["mode"] = written
    rules = _sub_schema(modes.schema(_chosen(modes, written)), "extra_params", "schema")
    extra = _schema_values(d, rules, 0.0, 30)
    if extra:
        acquisition["extra_params"] = extra
    if _chosen(modes, written).upper() != "OFF" and d.chance(15):
        acquisition["exposure_time"] = d.choice((5.0, 10.0, 30.0, 60.0))
    return acquisition


def _guiding(d: _Draw, offer: _Offer) -> JSON:
    guiding: JSON = {}
    modes = offer.modes.get("guiding")
    if modes is not None:
        written = _mode_value(d, modes)
        if written is not None:
            guiding["mode"] = written
    how = d.integer(0, 99)
    if how >= 60:
        guiding["optional"] = how < 90
    if how >= 95:
        guiding["exposure_time"] = d.real(1.0, 120.0, 1)
    return guiding


def _configuration_type_weights(offer: _Offer) -> list[tuple[str, int]]:
    weights = SPECTRUM_TYPE_WEIGHTS if offer.spectrum else IMAGING_TYPE_WEIGHTS
    ranked = sorted(offer.configuration_types, key=lambda code: (-weights.get(code, 0), code))
    return [(code, weights.get(code, OTHER_TYPE_WEIGHT)) for code in ranked]


CALIBRATION_TYPES = frozenset({"BIAS", "DARK", "SKY_FLAT", "AUTO_FOCUS", "SCRIPT"})


def _configuration(d: _Draw, offer: _Offer, kind: str, target: JSON, constraints: JSON) -> JSON:
    properties = offer.configuration_types[kind]
    count = 1 if offer.spectrum else d.weighted(((1, 60), (2, 25), (3, 15)))
    configs = [_instrument_config(d, offer, properties, kind) for _ in range(count)]
    extra: JSON = _schema_values(d, offer.configuration_extras, 0.0, 15)
    dithered = d.integer(0, 99)
    if not offer.spectrum and kind not in CALIBRATION_TYPES and dithered >= 80:
        pattern = d.choice(DITHER_PATTERNS)
        configs = _dither(d, configs[:1], pattern)
        if dithered >= 85:
            extra["dither_pattern"] = pattern  # else the portal sets "custom"
    elif not offer.spectrum and 76 <= dithered < 80:
        for config in configs:  # zero offsets: not a dither sequence
            config.setdefault("extra_params", {}).update(offset_ra=0, offset_dec=0)
    if kind == "SCRIPT":
        extra["script_name"] = d.choice(SCRIPT_NAMES)
    configuration: JSON = {"instrument_type": offer.code, "type": kind}
    # Always configdb's spelling: the portal recognises an instrument type in any case but
    # looks its time allocation up as written (wrong_case mutations try the other cases).
    if "REPEAT" in kind:
        minimum = minimum_repeat_duration(offer, configs)
        slack = d.real(1.0, 3600.0, 1) if d.chance(30) else d.choice(REPEAT_SLACK)
        configuration["repeat_duration"] = float(math.ceil(minimum) + slack)
    if extra or d.chance(40):
        configuration["extra_params"] = extra
    configuration.update(
        instrument_configs=configs,
        constraints=copy.deepcopy(constraints),
        acquisition_config=_acquisition(d, offer, properties),
        guiding_config=_guiding(d, offer),
        target=copy.deepcopy(target),  # no object is shared: a mutation changes one place
    )
    return configuration


# -- requests and groups ---------------------------------------------------------------------------

_LOCATION_DEPTH = ((0, 55), (1, 20), (2, 10), (3, 15))


def _location(d: _Draw, offers: list[_Offer]) -> JSON:
    primary = offers[0]
    location: JSON = {"telescope_class": primary.telescope_class}
    common = set(primary.places)
    for other in offers[1:]:
        common &= set(other.places)
    depth = d.weighted(_LOCATION_DEPTH)
    if depth and common:
        site, enclosure, telescope = d.choice(sorted(common))
        location["site"] = site
        if depth >= 2:
            location["enclosure"] = enclosure
        if depth == 3:
            location["telescope"] = telescope
    return location


def _request(d: _Draw, digest: _Digest, observation_type: str, now: datetime) -> JSON:
    primary = d.choice(digest.offers)
    offers = [primary]
    siblings = [o for o in digest.siblings(primary) if o is not primary]
    for _ in range(d.weighted(((1, 60), (2, 25), (3, 15))) - 1):
        how = d.integer(0, 99)
        if how >= 90 and siblings:  # another instrument on the same telescopes
            offers.append(d.choice(siblings))
        elif 85 <= how < 90:  # anything: usually not placeable, on purpose
            offers.append(d.choice(digest.offers))
        else:
            offers.append(primary)
    location = _location(d, offers)
    site = location.get("site") or d.choice(sorted(primary.latitudes))
    windows = _windows(d, now, observation_type, primary.longitudes.get(site, 0.0))
    when = _parse_time(windows[0].get("start")) or now
    constraints = _constraints(d)
    airmass = constraints.get("max_airmass", 1.6)
    sky = _Sky(
        latitude=primary.latitudes.get(site, 0.0),
        reach=min(math.degrees(math.acos(1.0 / airmass)), 60.0) - 3.0,
        night_ra=_antisolar_ra(when),
        opposition=(_sun_longitude(when) + 180.0) % 360.0,
        now=now,
    )
    target = _target(d, sky)
    configurations = []
    for index, offer in enumerate(offers):
        if index and not offer.spectrum and d.chance(25):  # a second field, mostly nearby
            target = _icrs(d, sky, near=target if target["type"] == "ICRS" else None)
        if index and d.chance(15):  # the portal intersects the visibility of each
            constraints = _constraints(d)
        kind = d.weighted(_configuration_type_weights(offer))
        configurations.append(_configuration(d, offer, kind, target, constraints))
    repeats = [c for c in configurations if "REPEAT" in c["type"]]
    if repeats and d.chance(25):
        d.choice(repeats)["fill_window"] = True
    request: JSON = {"location": location, "configurations": configurations, "windows": windows}
    extras = d.integer(0, 99)  # one draw, several independent-looking choices
    if extras >= 70:  # 30%
        threshold = d.weighted(THRESHOLDS)
        request["acceptability_threshold"] = (
            d.real(0.0, 100.0, 1) if threshold is None else threshold
        )
    if extras % 20 >= 17:  # 15%
        request["extra_params"] = {"mosaic_pattern": d.choice(MOSAIC_PATTERNS)}
    units = extras % 10  # 10% each
    if units == 1:
        request["optimization_type"] = d.choice(("TIME", "AIRMASS"))
    if units == 2:
        request["configuration_repeats"] = d.integer(1, 3)
    if units == 3:
        request["observation_note"] = "drawn by the oracle strategies"
    return request


THRESHOLDS: tuple[tuple[float | None, int], ...] = (
    (90.0, 30),
    (100.0, 15),
    (70.0, 10),
    (80.0, 10),
    (95.0, 10),
    (None, 25),
)
IPP_VALUES = (0.5, 0.75, 1.05, 1.5, 2.0)
_OBSERVATION_TYPES = (("NORMAL", 80), ("TIME_CRITICAL", 10), ("RAPID_RESPONSE", 10))
_OPERATORS = (("MANY", 90), ("AND", 5), ("ONEOF", 5))


def _draw_request_group(d: _Draw, digest: _Digest, now: datetime) -> JSON:
    observation_type = d.weighted(_OBSERVATION_TYPES)
    count = d.weighted(((1, 70), (2, 20), (3, 10)))
    requests = [_request(d, digest, observation_type, now) for _ in range(count)]
    operator = "SINGLE"
    if count > 1:  # the portal knows only SINGLE and MANY; AND and ONEOF are refused
        operator = d.weighted(_OPERATORS)
    ipp_value = 1.0
    if d.chance(40):
        ipp_value = d.real(0.5, 2.0, 2) if d.chance(50) else d.choice(IPP_VALUES)
    return {
        "name": f"{d.choice(GROUP_WORDS)} {d.integer(1, 9999)}",
        "proposal": PROPOSAL,
        "ipp_value": ipp_value,
        "operator": operator,
        "observation_type": observation_type,
        "requests": requests,
    }


@st.composite
def _request_group(draw: st.DrawFn, digest: _Digest, now: datetime) -> JSON:
    return _draw_request_group(_Draw(draw), digest, now)


def request_groups(catalogue: Catalogue, now: datetime) -> st.SearchStrategy[JSON]:
    """Valid-looking request groups for ``POST /api/requestgroups/validate/`` at time ``now``.

    ``now`` must be timezone-aware.  Most documents are what the portal accepts; a few
    are refused on purpose (module docstring), and visibility is not guaranteed.
    """
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    return _request_group(_digest(catalogue), now.astimezone(UTC))


# -- mutations -------------------------------------------------------------------------------------

_DELETE = object()
_ABSENT = object()


@dataclass(frozen=True)
class _Edit:
    """One possible change: set ``path`` to one of ``values`` (or delete it, or rename it)."""

    path: Path
    values: tuple[object, ...]
    label: str
    op: str = "set"  # "set", "delete" or "rename" (values are then new key names)


def escape_pointer(path: Path) -> str:
    """The RFC 6901 JSON Pointer of a path."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


_LIST_ROLES = {
    "requests": "request",
    "configurations": "configuration",
    "instrument_configs": "instrument_config",
    "windows": "window",
    "rois": "roi",
}


def _role(path: Path) -> str:
    if not path:
        return "group"
    last = path[-1]
    if isinstance(last, int):
        return _LIST_ROLES.get(str(path[-2]), "item") if len(path) >= 2 else "item"
    return last


class _Document:
    """A document's nodes by role, and its leaves, for finding places to change."""

    def __init__(self, document: JSON, digest: _Digest, now: datetime) -> None:
        self.document = document
        self.digest = digest
        self.now = now
        self.nodes: dict[str, list[tuple[Path, JSON]]] = {}
        self.leaves: list[tuple[Path, object]] = []  # (path, value) of every member
        self._walk(document, ())

    def _walk(self, node: object, path: Path) -> None:
        if isinstance(node, dict):
            self.nodes.setdefault(_role(path), []).append((path, node))
            for key, value in node.items():
                self.leaves.append(((*path, key), value))
                self._walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                self.leaves.append(((*path, index), value))
                self._walk(value, (*path, index))

    def of(self, role: str) -> list[tuple[Path, JSON]]:
        return self.nodes.get(role, [])

    def offer_at(self, path: Path) -> _Offer | None:
        """The offer of the configuration holding ``path``."""
        if len(path) < 4 or path[0] != "requests" or path[2] != "configurations":
            return None
        configuration = _get(self.document, path[:4])
        if not isinstance(configuration, dict):
            return None
        return self.digest.offer(configuration.get("instrument_type"))


def _get(document: object, path: Path) -> object:
    node = document
    for part in path:
        in_object = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_object or in_list):
            return _ABSENT
        node = node[part]  # type: ignore[index]
    return node


def _foreign(codes: Iterable[str], own: Iterable[str], fakes: Iterable[str]) -> tuple[str, ...]:
    """Codes not among ``own`` (compared case-insensitively): others' and made-up ones."""
    mine = {code.lower() for code in own}
    return tuple(sorted({c for c in itertools.chain(codes, fakes) if c.lower() not in mine}))


def _code_places(doc: _Document) -> Iterator[tuple[Path, str, str]]:
    """(path, label, kind of code) of every code written in the document."""
    for path, _ in doc.of("group"):
        for key in ("operator", "observation_type"):
            yield (*path, key), key, key
    for path, configuration in doc.of("configuration"):
        yield (*path, "instrument_type"), "instrument_type", "instrument_type"
        yield (*path, "type"), "configuration type", "configuration_type"
        extra = configuration.get("extra_params")
        if isinstance(extra, dict) and "dither_pattern" in extra:
            yield (*path, "extra_params", "dither_pattern"), "dither_pattern", "dither"
    for path, request in doc.of("request"):
        extra = request.get("extra_params")
        if isinstance(extra, dict) and "mosaic_pattern" in extra:
            yield (*path, "extra_params", "mosaic_pattern"), "mosaic_pattern", "mosaic"
    for path, config in doc.of("instrument_config"):
        offer = doc.offer_at(path)
        yield (*path, "mode"), "readout mode", "readout"
        if offer is not None and "rotator" in offer.modes:
            yield (*path, "rotator_mode"), "rotator mode", "rotator"
        extra = config.get("extra_params")
        if offer is not None and "exposure" in offer.modes and isinstance(extra, dict):
            yield (*path, "extra_params", "exposure_mode"), "exposure mode", "exposure"
        elements = config.get("optical_elements")
        if isinstance(elements, dict):
            for key in elements:
                yield (*path, "optical_elements", key), f"optical element {key}", "element"
    for role, kind in (("acquisition_config", "acquisition"), ("guiding_config", "guiding")):
        for path, _ in doc.of(role):
            yield (*path, "mode"), f"{kind} mode", kind
    for path, location in doc.of("location"):
        yield (*path, "telescope_class"), "telescope_class", "telescope_class"
        yield (*path, "site"), "site", "site"
        for key in ("enclosure", "telescope"):
            if key in location:
                yield (*path, key), key, key
    for path, target in doc.of("target"):
        yield (*path, "type"), "target type", "target_type"
        if target.get("type") == "ORBITAL_ELEMENTS":
            yield (*path, "scheme"), "scheme", "scheme"


def _wrong_codes(doc: _Document, path: Path, kind: str) -> tuple[str, ...]:
    digest = doc.digest
    offer = doc.offer_at(path)
    current = _get(doc.document, path)
    current_text = current if isinstance(current, str) else ""
    if kind == "operator":
        requests = _get(doc.document, ("requests",))
        other = "MANY" if isinstance(requests, list) and len(requests) == 1 else "SINGLE"
        return _foreign((other,), (current_text,), FAKE_OPERATORS)
    if kind == "observation_type":
        return _foreign(("DIRECT", "REAL_TIME"), (current_text,), FAKE_OBSERVATION_TYPES)
    if kind == "instrument_type":
        return _foreign(digest.all_types, (current_text,), FAKE_INSTRUMENT_TYPES)
    own: Iterable[str]
    if kind == "configuration_type":
        own = offer.configuration_types if offer else (current_text,)
        return _foreign(PORTAL_CONFIGURATION_TYPES, own, FAKE_CONFIGURATION_TYPES)
    if kind in FAKE_MODES:
        modes = offer.modes.get(kind) if offer else None
        own = modes.codes if modes else (current_text,)
        return _foreign(digest.mode_codes[kind], own, FAKE_MODES[kind])
    if kind == "element":
        element_type = str(path[-1])
        own = offer.elements.get(element_type, ()) if offer else ()
        hidden = offer.hidden_elements.get(element_type, ()) if offer else ()
        return _foreign(digest.element_codes, (*own, *hidden, current_text), FAKE_ELEMENTS)
    if kind == "telescope_class":
        return _foreign(digest.classes, (current_text,), FAKE_TELESCOPE_CLASSES)
    location = _get(doc.document, path[:-1])
    site = location.get("site") if isinstance(location, dict) else None
    enclosures = digest.sites.get(site, {}) if isinstance(site, str) else {}
    if kind == "site":  # a site none of the request's instrument types is at
        request = _get(doc.document, path[:-2])
        configurations = request.get("configurations") if isinstance(request, dict) else None
        hosts = {
            place[0]
            for configuration in (configurations if isinstance(configurations, list) else [])
            if isinstance(configuration, dict)
            and (offer := digest.offer(configuration.get("instrument_type"))) is not None
            for place in offer.places
        }
        return _foreign(digest.sites, (*hosts, current_text), FAKE_SITES)
    if kind == "enclosure":
        everywhere = {e for s in digest.sites.values() for e in s}
        return _foreign(everywhere, (*enclosures, current_text), FAKE_ENCLOSURES)
    if kind == "telescope":
        enclosure = location.get("enclosure") if isinstance(location, dict) else None
        here = enclosures.get(enclosure, ()) if isinstance(enclosure, str) else ()
        everywhere = {t for s in digest.sites.values() for ts in s.values() for t in ts}
        return _foreign(everywhere, (*here, current_text), FAKE_TELESCOPES)
    if kind == "target_type":
        return _foreign(PORTAL_TARGET_TYPES, (current_text,), FAKE_TARGET_TYPES)
    if kind == "scheme":
        return _foreign(PORTAL_SCHEMES, (current_text,), FAKE_SCHEMES)
    if kind == "dither":
        return _foreign((), DITHER_PATTERNS, FAKE_DITHER_PATTERNS)
    return _foreign((), MOSAIC_PATTERNS, FAKE_MOSAIC_PATTERNS)  # mosaic: "spiral" is dither-only


def _wrong_code_edits(doc: _Document) -> list[_Edit]:
    edits = []
    for path, label, kind in _code_places(doc):
        values = _wrong_codes(doc, path, kind)
        if values:
            edits.append(_Edit(path, values, label))
        if kind == "element":  # the element type itself
            offer = doc.offer_at(path)
            own = tuple(offer.elements) if offer else (str(path[-1]),)
            types = _foreign(doc.digest.element_types, own, FAKE_ELEMENT_TYPES)
            edits.append(_Edit(path, types, "optical element type", op="rename"))
    return edits


def _wrong_case_edits(doc: _Document) -> list[_Edit]:
    edits = []
    for path, label, _ in _code_places(doc):
        value = _get(doc.document, path)
        if isinstance(value, str) and (variants := case_variants(value)):
            edits.append(_Edit(path, tuple(variants), label))
    return edits


#: (role, key): (values at the documented limits, values just beyond them) - spec sections 1-2.
LIMITS: dict[tuple[str, str], tuple[tuple[object, ...], tuple[object, ...]]] = {
    ("group", "ipp_value"): ((0.5, 2.0), (0.49, 2.01, 0.0)),
    ("request", "acceptability_threshold"): ((0, 100), (-1, 101, 100.1)),
    ("request", "configuration_repeats"): ((1,), (0, -1)),
    ("instrument_config", "exposure_count"): ((1,), (0, -1)),
    ("instrument_config", "exposure_time"): ((0, 0.0), (-1, -0.001)),
    ("constraints", "max_airmass"): ((1.0, 25.0), (0.99, 25.1)),
    ("constraints", "min_lunar_distance"): ((0, 180), (-0.1, 180.1)),
    ("constraints", "max_lunar_phase"): ((0, 1), (1.1, -0.1)),
    ("acquisition_config", "exposure_time"): ((0, 60), (-0.1, 60.1)),
    ("guiding_config", "exposure_time"): ((0, 120), (-0.1, 120.1)),
    ("target", "ra"): ((0, 360), (-0.1, 360.1)),
    ("target", "dec"): ((-90, 90), (-90.1, 90.1)),
    ("target", "proper_motion_ra"): ((20000,), (20000.1,)),
    ("target", "proper_motion_dec"): ((20000,), (20000.1,)),
    ("target", "parallax"): ((2000,), (2000.1,)),
    ("target", "epoch"): ((2100,), (2100.1,)),
    ("target", "epochofel"): ((10000, 100000), (9999.9, 100000.1)),
    ("target", "orbinc"): ((0, 180), (-0.1, 180.1)),
    ("target", "longascnode"): ((0, 360), (-0.1, 360.1)),
    ("target", "argofperih"): ((0, 360), (-0.1, 360.1)),
    ("target", "meananom"): ((0, 360), (-0.1, 360.1)),
    ("target", "epochofperih"): ((361, 240000), (360.9, 240000.1)),
    ("target", "altitude"): ((0, 90), (-0.1, 90.1)),
    ("target", "azimuth"): ((0, 360), (-0.1, 360.1)),
}
#: Keys set whether or not the object already has them (the others only when present).
_ALWAYS_SETTABLE = frozenset(
    {"ipp_value", "acceptability_threshold", "configuration_repeats", "exposure_count"}
    | {"exposure_time", "max_airmass", "min_lunar_distance", "max_lunar_phase"}
)


def _parse_time(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _limit_edits(doc: _Document, *, beyond: bool) -> list[_Edit]:
    edits = []
    values: tuple[object, ...]
    for (role, key), (at_limit, past_limit) in LIMITS.items():
        for path, node in doc.of(role):
            if key in node or key in _ALWAYS_SETTABLE:
                edits.append(_Edit((*path, key), past_limit if beyond else at_limit, key))
    for path, target in doc.of("target"):
        if "eccentricity" in target:
            comet = "COMET" in str(target.get("scheme", ""))
            values = ((-0.01,) if beyond else (0,)) if comet else (0.91, 1.0) if beyond else (0.9,)
            edits.append(_Edit((*path, "eccentricity"), values, "eccentricity"))
    for path, configuration in doc.of("configuration"):
        offer = doc.digest.offer(configuration.get("instrument_type"))
        configs = configuration.get("instrument_configs")
        if offer is None or "REPEAT" not in str(configuration.get("type")):
            continue
        try:
            minimum = minimum_repeat_duration(offer, configs)  # type: ignore[arg-type]
        except (TypeError, KeyError, AttributeError):
            continue
        values = (minimum - 0.5, round(minimum / 2, 1), 0.0) if beyond else (minimum,)
        edits.append(_Edit((*path, "repeat_duration"), values, "repeat_duration"))
    for path, window in doc.of("window"):
        start = _parse_time(window.get("start"))
        if start is not None:
            before = _timestamp(start - timedelta(hours=1)) if beyond else window["start"]
            edits.append(_Edit((*path, "end"), (before,), "window end vs start"))
        if beyond:
            past = {
                "start": _timestamp(_minute(doc.now - timedelta(days=1, hours=3))),
                "end": _timestamp(_minute(doc.now - timedelta(hours=2))),
            }
            edits.append(_Edit(path, (past,), "window in the past"))
    for path, config in doc.of("instrument_config"):
        offer = doc.offer_at(path)
        if offer is None:
            continue
        detector = offer.detector
        if beyond and detector is not None and detector.pixels_x > 1 and detector.pixels_y > 1:
            roi = {"x1": 0, "x2": min(100, detector.pixels_x), "y1": 0, "y2": 100}
            roi["y2"] = min(100, detector.pixels_y)
            too_many = [dict(roi) for _ in range(detector.max_rois + 1)]
            outside = [{"x1": 0, "x2": detector.pixels_x + 1, "y1": 0, "y2": detector.pixels_y}]
            values = (too_many, outside) if detector.max_rois else (too_many,)
            edits.append(_Edit((*path, "rois"), values, "rois"))
        extra = config.get("extra_params")
        if isinstance(extra, dict):
            edits.extend(_schema_limit_edits((*path, "extra_params"), offer.ic_extras, beyond))
    for path, configuration in doc.of("configuration"):
        offer = doc.digest.offer(configuration.get("instrument_type"))
        if offer is not None and isinstance(configuration.get("extra_params"), dict):
            rules = offer.configuration_extras
            edits.extend(_schema_limit_edits((*path, "extra_params"), rules, beyond))
    return edits


def _schema_limit_edits(path: Path, rules: JSON, beyond: bool) -> list[_Edit]:
    edits = []
    for key, rule in sorted(rules.items()):
        if not isinstance(rule, dict) or rule.get("type") not in ("float", "number", "integer"):
            continue
        low, high = rule.get("min"), rule.get("max")
        step = 1 if rule["type"] == "integer" else 0.1
        values = [v for v in (low, high) if v is not None]
        if beyond:
            values = [low - step] if low is not None else []
            values += [high + step] if high is not None else []
        if values:
            edits.append(_Edit((*path, key), tuple(values), f"extra_params {key}"))
    return edits


def _wrong_type_edits(doc: _Document) -> list[_Edit]:
    edits = []
    for path, value in doc.leaves:
        if isinstance(value, bool):
            values: tuple[object, ...] = ("yes", 1, [], {})
        elif isinstance(value, int | float):
            values = ("twenty", "", [value], {"value": value}, True)
        elif isinstance(value, str):
            values = (1, [value], {"value": value}, True)
        elif isinstance(value, dict):
            values = ("text", [value], 1, True)
        elif isinstance(value, list):
            values = ({}, value[0] if value else {}, "text", 1)
        else:
            continue
        edits.append(_Edit(path, values, f"{path[-1]} ({type(value).__name__})"))
    return edits


def _removed_key_edits(doc: _Document) -> list[_Edit]:
    """Every key; the ones the portal requires (or a rule needs) four times, to be drawn more."""
    edits = []
    for path, _ in doc.leaves:
        if isinstance(path[-1], str):
            edit = _Edit(path, (_DELETE,), path[-1], op="delete")
            edits.extend([edit] * (4 if path[-1] in REQUIRED_KEYS else 1))
    return edits


def typos(key: str) -> list[str]:
    """Misspellings of a key: a letter dropped, two swapped, one doubled, a plural, a dash."""
    found = []
    middle = len(key) // 2
    if len(key) > 2:
        found.append(key[:middle] + key[middle + 1 :])
        found.append(key[: middle - 1] + key[middle] + key[middle - 1] + key[middle + 1 :])
        found.append(key[:-1])
    found.append(key[:middle] + key[middle] + key[middle:])
    found.append(key + "s")
    if "_" in key:
        found.append(key.replace("_", "-"))
        found.append(key.replace("_", ""))
    return sorted({typo for typo in found if typo != key and typo not in KNOWN_KEYS})


_TYPO_ROLES = (
    "group",
    "request",
    "configuration",
    "instrument_config",
    "window",
    "target",
    "constraints",
    "location",
    "acquisition_config",
    "guiding_config",
    "optical_elements",
    "roi",
    "cadence",
)


def _added_key_edits(doc: _Document) -> list[_Edit]:
    edits = []
    for role in _TYPO_ROLES:
        for path, node in doc.of(role):
            for key, value in node.items():
                for typo in typos(str(key)):
                    if typo not in node:
                        edits.append(_Edit((*path, typo), (value,), f"typo of {key}"))
            for unknown in EXTRA_UNKNOWN_KEYS:
                if unknown not in node and role != "optical_elements":
                    edits.append(_Edit((*path, unknown), ("added by the oracle",), "unknown key"))
    return edits


def _number_as_string_edits(doc: _Document) -> list[_Edit]:
    edits = []
    for path, value in doc.leaves:
        if isinstance(value, int | float) and not isinstance(value, bool):
            texts = {str(value)}
            if isinstance(value, float) and value.is_integer():
                texts.add(str(int(value)))
            edits.append(_Edit(path, tuple(sorted(texts)), str(path[-1])))
    return edits


def _null_edits(doc: _Document) -> list[_Edit]:
    return [
        _Edit(path, (None,), str(path[-1]))
        for path, value in doc.leaves
        if isinstance(path[-1], str) and value is not None
    ]


def _cadence_edits(doc: _Document) -> list[_Edit]:
    start = _minute(doc.now + timedelta(days=1))
    cadences = tuple(
        {
            "start": _timestamp(start),
            "end": _timestamp(start + timedelta(days=days)),
            "period": period,
            "jitter": jitter,
        }
        for days, period, jitter in ((7, 24.0, 2.0), (3, 8.0, 8.0), (14, 72.0, 12.0))
    )
    return [
        _Edit((*path, "cadence"), cadences, "cadence")
        for path, request in doc.of("request")
        if "cadence" not in request
    ]


_EDITS_BY_KIND: dict[str, Callable[[_Document], list[_Edit]]] = {
    "wrong_code": _wrong_code_edits,
    "wrong_case": _wrong_case_edits,
    "out_of_range": functools.partial(_limit_edits, beyond=True),
    "boundary": functools.partial(_limit_edits, beyond=False),
    "wrong_type": _wrong_type_edits,
    "removed_key": _removed_key_edits,
    "added_key": _added_key_edits,
    "number_as_string": _number_as_string_edits,
    "null": _null_edits,
    "cadence": _cadence_edits,
}


def _overlaps(path: Path, taken: list[Path]) -> bool:
    """Whether ``path`` is, holds or lies inside a place already changed."""
    return any(path[: len(done)] == done or done[: len(path)] == path for done in taken)


def _short(value: object) -> str:
    if value is _ABSENT:
        return "(absent)"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _apply(document: JSON, edit: _Edit, value: object) -> tuple[Path, str]:
    """Make the change; returns the path changed and a short description."""
    parent = _get(document, edit.path[:-1])
    key = edit.path[-1]
    assert isinstance(parent, dict | list)
    old = _get(document, edit.path)
    if edit.op == "delete":
        del parent[key]  # type: ignore[arg-type]
        return edit.path, f"{edit.label} removed (was {_short(old)})"
    if edit.op == "rename":
        assert isinstance(parent, dict) and isinstance(value, str)
        parent[value] = parent.pop(key)
        return (*edit.path[:-1], value), f"{edit.label}: key {key!r} -> {value!r}"
    parent[key] = copy.deepcopy(value)  # type: ignore[index]
    if old is _ABSENT:
        return edit.path, f"{edit.label}: {key!r} added as {_short(value)}"
    return edit.path, f"{edit.label}: {_short(old)} -> {_short(value)}"


_KIND_WEIGHTS = tuple((kind, MUTATION_WEIGHTS[kind]) for kind in MUTATION_KINDS)


@st.composite
def _mutated(
    draw: st.DrawFn, digest: _Digest, now: datetime, max_mutations: int
) -> tuple[JSON, list[JSON]]:
    d = _Draw(draw)
    document = _draw_request_group(d, digest, now)
    wanted = 0
    if max_mutations > 0 and not d.chance(15):
        wanted = d.integer(1, max_mutations)
    records: list[JSON] = []
    taken: list[Path] = []
    for _ in range(wanted):
        first = MUTATION_KINDS.index(d.weighted(_KIND_WEIGHTS))
        for kind in MUTATION_KINDS[first:] + MUTATION_KINDS[:first]:  # the next kind that fits
            doc = _Document(document, digest, now)
            edits = [e for e in _EDITS_BY_KIND[kind](doc) if not _overlaps(e.path, taken)]
            if edits:
                break
        else:
            break
        edit = d.choice(edits)
        value = d.choice(edit.values)
        path, detail = _apply(document, edit, value)
        taken.extend({edit.path, path})
        records.append({"kind": kind, "pointer": escape_pointer(path), "detail": detail})
    return document, records


def mutated_request_groups(
    catalogue: Catalogue, now: datetime, max_mutations: int = 2
) -> st.SearchStrategy[tuple[JSON, list[JSON]]]:
    """A group from ``request_groups`` with 0..``max_mutations`` mutations, and their records.

    Each record is ``{"kind", "pointer", "detail"}``: one of ``MUTATION_KINDS``, the JSON
    Pointer of the place changed (for ``removed_key`` the key that is gone, for a renamed
    key the new one) and a short description.  Mutations touch independent places: none
    is inside, or holds, a place changed before it.
    """
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    if max_mutations < 0:
        raise ValueError("max_mutations must be 0 or more")
    return _mutated(_digest(catalogue), now.astimezone(UTC), max_mutations)


# -- what was exercised ----------------------------------------------------------------------------


@dataclass
class Exercised:
    """Counts of what drawn documents exercised; ``add`` them, then ``report()``.

    Counts are of configurations (instrument and configuration types, targets), groups
    (observation types, operators) and mutation records (kinds).  Instrument types are
    counted in upper case (the portal compares them so); other codes as written, so a
    mutated code shows up under its own spelling.
    """

    documents: int = 0
    instrument_types: Counter[str] = field(default_factory=Counter)
    configuration_types: Counter[str] = field(default_factory=Counter)
    target_types: Counter[str] = field(default_factory=Counter)
    observation_types: Counter[str] = field(default_factory=Counter)
    operators: Counter[str] = field(default_factory=Counter)
    mutation_kinds: Counter[str] = field(default_factory=Counter)

    def add(self, document: object, mutations: Iterable[JSON] = ()) -> None:
        self.documents += 1
        for record in mutations:
            self.mutation_kinds[str(record.get("kind"))] += 1
        if not isinstance(document, dict):
            return
        self.observation_types[_text(document.get("observation_type"))] += 1
        self.operators[_text(document.get("operator"))] += 1
        requests = document.get("requests")
        for request in requests if isinstance(requests, list) else []:
            configurations = request.get("configurations") if isinstance(request, dict) else None
            for configuration in configurations if isinstance(configurations, list) else []:
                if not isinstance(configuration, dict):
                    continue
                self.instrument_types[_text(configuration.get("instrument_type")).upper()] += 1
                self.configuration_types[_text(configuration.get("type"))] += 1
                target = configuration.get("target")
                if isinstance(target, dict):
                    kind = _text(target.get("type"))
                    if "scheme" in target:
                        kind += f"/{_text(target.get('scheme'))}"
                    self.target_types[kind] += 1

    def add_all(self, drawn: Iterable[JSON | tuple[JSON, list[JSON]]]) -> Exercised:
        """Add documents or (document, mutations) pairs; returns self."""
        for item in drawn:
            if isinstance(item, tuple):
                self.add(*item)
            else:
                self.add(item)
        return self

    def report(self) -> str:
        lines = [f"{self.documents} documents"]
        for title, counts in (
            ("instrument types", self.instrument_types),
            ("configuration types", self.configuration_types),
            ("target types", self.target_types),
            ("observation types", self.observation_types),
            ("operators", self.operators),
            ("mutation kinds", self.mutation_kinds),
        ):
            lines.append(f"{title}:")
            for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
                lines.append(f"  {count:6d}  {name}")
        return "\n".join(lines)


def _text(value: object) -> str:
    return value if isinstance(value, str) else f"<{type(value).__name__}>"
