"""Tests for the JSON Schemas and lco_validate.checking.schemas (schema errors -> findings)."""

from __future__ import annotations

import copy
import json
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from lco_validate.checking.schemas import (
    load_schema,
    parse_portal_datetime,
    schema_dir,
    schema_findings,
    validator_for,
)
from lco_validate.documents.pointers import pointer_parts
from lco_validate.findings import Finding, Severity

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "requests-api-page.txt"
SCHEMA_FILES = [
    "request-group.json",
    "request.json",
    "configuration.json",
    "instrument-config.json",
    "target.json",
    "constraints.json",
    "acquisition-config.json",
    "guiding-config.json",
    "window.json",
    "location.json",
    "region-of-interest.json",
]
WARNING_CODES = {"S008", "S009", "S101"}
DELETE = object()


def seed_requests() -> list[dict[str, Any]]:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(index for index, line in enumerate(lines) if line.startswith("{"))
    return json.loads("".join(lines[start:]))["results"]  # type: ignore[no-any-return]


SEED = seed_requests()


def findings_of(document: object, kind: str = "request") -> list[Finding]:
    return list(schema_findings(document, kind))


def code_pointers(document: object, kind: str = "request") -> list[tuple[str, str]]:
    return [(finding.code, finding.pointer) for finding in findings_of(document, kind)]


def apply(document: Any, pointer: str, value: object) -> None:
    """Set (or with DELETE remove) the member at ``pointer``."""
    *parents, last = pointer_parts(pointer)
    node = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is DELETE:
        del node[key]
    else:
        node[key] = copy.deepcopy(value)


def parent_of(pointer: str) -> str:
    return pointer.rsplit("/", 1)[0]


# --------------------------------------------------------------------------- base documents

C = "/configurations/0"
IC = C + "/instrument_configs/0"
ROI = IC + "/rois/0"
CN = C + "/constraints"
AQ = C + "/acquisition_config"
GD = C + "/guiding_config"
T = C + "/target"
W = "/windows/0"
L = "/location"

READ_ONLY = {"id", "state", "created", "modified", "duration", "priority", "submitter"}

ICRS = {"type": "ICRS", "name": "L95", "ra": 58.2, "dec": -0.01}
HOUR_ANGLE = {"type": "HOUR_ANGLE", "name": "meridian", "hour_angle": 1.5, "dec": -30.0}
SATELLITE = {
    "type": "SATELLITE",
    "name": "ISS",
    "altitude": 45.0,
    "azimuth": 120.0,
    "diff_altitude_rate": 0.1,
    "diff_azimuth_rate": -0.2,
    "diff_epoch": 60700.0,
    "diff_altitude_acceleration": 0.0,
    "diff_azimuth_acceleration": 0.0,
}
SCHEME_EXTRAS = {
    "ASA_MAJOR_PLANET": ["longofperih", "meandist", "meanlong", "dailymot"],
    "ASA_MINOR_PLANET": ["argofperih", "meandist", "meananom"],
    "ASA_COMET": ["argofperih", "perihdist", "epochofperih"],
    "JPL_MAJOR_PLANET": ["argofperih", "meandist", "meananom", "dailymot"],
    "JPL_MINOR_PLANET": ["argofperih", "perihdist", "epochofperih"],
    "MPC_MINOR_PLANET": ["argofperih", "meandist", "meananom"],
    "MPC_COMET": ["argofperih", "perihdist", "epochofperih"],
}
ORBITAL_BASE_FIELDS = ["epochofel", "orbinc", "longascnode", "eccentricity", "scheme"]
ELEMENT_VALUES = {
    "epochofel": 60600.0,
    "orbinc": 9.3,
    "longascnode": 312.4,
    "eccentricity": 0.04,
    "longofperih": 10.0,
    "argofperih": 52.1,
    "meandist": 5.9,
    "perihdist": 5.7,
    "meanlong": 100.0,
    "meananom": 20.0,
    "dailymot": 0.07,
    "epochofperih": 58607.1,
}
SATELLITE_FIELDS = [key for key in SATELLITE if key not in ("type", "name")]


def orbital(scheme: str) -> dict[str, Any]:
    fields = ORBITAL_BASE_FIELDS[:-1] + SCHEME_EXTRAS[scheme]
    return {"type": "ORBITAL_ELEMENTS", "name": "29P", "scheme": scheme} | {
        key: ELEMENT_VALUES[key] for key in fields
    }


CADENCE = {
    "start": "2025-03-01T00:00:00Z",
    "end": "2025-03-10T00:00:00Z",
    "period": 24.0,
    "jitter": 2.0,
}


def base_request() -> dict[str, Any]:
    """An ICRS request from the seed page, with a region of interest added."""
    request = copy.deepcopy(SEED[3])
    request["configurations"][0]["instrument_configs"][0]["rois"] = [
        {"x1": 0, "x2": 100, "y1": 0, "y2": 100}
    ]
    return request


def base_group() -> dict[str, Any]:
    return {
        "name": "schema test",
        "proposal": "LCO2025A-001",
        "ipp_value": 1.05,
        "operator": "SINGLE",
        "observation_type": "NORMAL",
        "requests": [base_request()],
    }


def without_read_only(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_read_only(v) for k, v in value.items() if k not in READ_ONLY}
    if isinstance(value, list):
        return [without_read_only(item) for item in value]
    return value


# --------------------------------------------------------------------------- schema files


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_schema_file_is_draft_2020_12_with_identity(name: str) -> None:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://lco-validate.example/schemas/{name}"
    assert schema["title"] and schema["description"]


def object_schemas(schema: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema with ``properties`` outside the target's if/then discriminators."""
    if isinstance(schema, dict):
        if "properties" in schema and "allOf" not in where:
            yield where, schema
        for key, sub in schema.items():
            yield from object_schemas(sub, f"{where}/{key}")
    elif isinstance(schema, list):
        for index, sub in enumerate(schema):
            yield from object_schemas(sub, f"{where}/{index}")


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_every_object_schema_refuses_unknown_keys(name: str) -> None:
    for where, schema in object_schemas(load_schema(name)):
        assert schema.get("additionalProperties") is False, f"{name}{where}"


def test_schema_folder_holds_every_file() -> None:
    assert {path.name for path in schema_dir().glob("*.json")} >= set(SCHEMA_FILES)


# --------------------------------------------------------------------------- real documents


@pytest.mark.parametrize("index", range(len(SEED)))
def test_seed_request_is_clean(index: int) -> None:
    assert findings_of(SEED[index]) == []


@pytest.mark.parametrize("strip_read_only", [False, True])
def test_submission_form_group_is_clean(strip_read_only: bool) -> None:
    group = base_group() | {"operator": "MANY", "requests": copy.deepcopy(SEED)}
    if strip_read_only:
        group = without_read_only(group)
    assert findings_of(group, "request-group") == []


@pytest.mark.parametrize(
    "target",
    [ICRS, HOUR_ANGLE, SATELLITE, *(orbital(scheme) for scheme in SCHEME_EXTRAS)],
    ids=lambda target: target.get("scheme") or target["type"],
)
def test_every_target_type_with_its_fields_is_clean(target: dict[str, Any]) -> None:
    request = base_request()
    apply(request, T, target)
    assert findings_of(request) == []


def test_target_accepts_fields_of_other_types() -> None:
    request = base_request()
    apply(request, T, ICRS | {"longascnode": 12.0, "scheme": "", "altitude": None})
    assert findings_of(request) == []


@pytest.mark.parametrize(
    "pointer, value",
    [
        (W + "/start", "2025-01-29T03:25:18"),  # naive: UTC
        (W + "/start", "2025-01-29T03:25"),  # minute precision
        (W + "/start", "2025-01-29 03:25:18.5+05:30"),
        (W + "/end", "2025-01-30T03:25:18-0700"),
        (W + "/end", "2025-01-30T03:25+02"),
        (W, {"end": "2025-01-30T00:00:00Z"}),  # start is optional
        ("/suspend_until", None),
        ("/suspend_until", "2025-02-01T00:00:00Z"),
        (CN + "/max_seeing", None),
        (CN, {}),
        (AQ, {}),
        (GD, {}),
        (GD + "/mode", ""),
        (C + "/repeat_duration", 0.0),
        (IC + "/exposure_time", 0),
        (IC + "/exposure_count", 2.0),
        (ROI, {"x1": None, "y2": 5}),
        (L, {"telescope_class": "2m0", "site": "ogg"}),
        ("/cadence", CADENCE),
        (IC + "/extra_params", {"bin_x": "2", "defocus": None}),
    ],
)
def test_accepted_variants_are_clean(pointer: str, value: object) -> None:
    request = base_request()
    apply(request, pointer, value)
    assert findings_of(request) == []


# --------------------------------------------------------------------------- failing examples


@dataclass(frozen=True)
class Case:
    pointer: str
    value: object
    expected: tuple[tuple[str, str], ...]
    kind: str = "request"
    prepare: tuple[tuple[str, object], ...] = field(default=())


def case(
    case_id: str,
    pointer: str,
    value: object,
    code: str,
    at: str | None = None,
    *,
    kind: str = "request",
    prepare: tuple[tuple[str, object], ...] = (),
    also: tuple[tuple[str, str], ...] = (),
) -> Any:
    where = at if at is not None else (parent_of(pointer) if value is DELETE else pointer)
    return pytest.param(Case(pointer, value, ((code, where), *also), kind, prepare), id=case_id)


def out_of_range(prefix: str, limits: dict[str, tuple[float | None, float | None]]) -> list[Any]:
    cases = []
    for key, (low, high) in limits.items():
        if low is not None:
            cases.append(case(f"{key} below {low}", f"{prefix}/{key}", low - 1, "S003"))
        if high is not None:
            cases.append(case(f"{key} above {high}", f"{prefix}/{key}", high + 1, "S003"))
    return cases


def missing(prefix: str, keys: list[str], kind: str = "request", **extra: Any) -> list[Any]:
    return [
        case(f"missing {key}", f"{prefix}/{key}", DELETE, "S002", kind=kind, **extra)
        for key in keys
    ]


HA = ((T, HOUR_ANGLE),)
SAT = ((T, SATELLITE),)
GROUP = "request-group"

CASES = [
    # request
    *missing("", ["location", "configurations", "windows"]),
    case("id not integer", "/id", 1.5, "S001"),
    case("state unknown", "/state", "DONE", "S004"),
    case("created date only", "/created", "2025-01-01", "S007"),
    case("modified prose", "/modified", "yesterday", "S007"),
    case("duration negative", "/duration", -1, "S003"),
    case("configurations empty", "/configurations", [], "S006"),
    case("windows empty", "/windows", [], "S006"),
    case("observation_note too long", "/observation_note", "n" * 256, "S005"),
    case("optimization_type unknown", "/optimization_type", "FAST", "S004"),
    *out_of_range("", {"acceptability_threshold": (0.0, 100.0)}),
    *out_of_range("", {"configuration_repeats": (1, 2147483647)}),
    case("configuration_repeats fraction", "/configuration_repeats", 1.5, "S001"),
    case("configuration_repeats string", "/configuration_repeats", "2", "S008"),
    # extra_params the portal stores unread, and those it fails on
    case("request extra_params text", "/extra_params", "note", "S009"),
    case("request extra_params list", "/extra_params", [{"mosaic_pattern": "line"}], "S009"),
    case("request extra_params number", "/extra_params", 5, "S001"),
    case("request extra_params naming a mosaic", "/extra_params", "mosaic_pattern", "S001"),
    case("constraints extra_params number", C + "/constraints/extra_params", 5, "S009"),
    case("configuration extra_params text", C + "/extra_params", "note", "S001"),
    case("suspend_until prose", "/suspend_until", "soon", "S007"),
    case("unknown request key", "/windwos", [], "S101"),
    # cadence (write-only)
    *missing("/cadence", ["start", "end", "period", "jitter"], prepare=(("/cadence", CADENCE),)),
    case("cadence period", "/cadence/period", 0.01, "S003", prepare=(("/cadence", CADENCE),)),
    case("cadence jitter", "/cadence/jitter", 0.0, "S003", prepare=(("/cadence", CADENCE),)),
    case("cadence start", "/cadence/start", "2025-3-1", "S007", prepare=(("/cadence", CADENCE),)),
    case("cadence unknown key", "/cadence/perod", 1, "S101", prepare=(("/cadence", CADENCE),)),
    # configuration
    *missing(
        C,
        [
            "instrument_type",
            "type",
            "instrument_configs",
            "constraints",
            "acquisition_config",
            "guiding_config",
            "target",
        ],
    ),
    case("instrument_type blank", C + "/instrument_type", "", "S005"),
    case("instrument_type too long", C + "/instrument_type", "I" * 256, "S005"),
    case("configuration type unknown", C + "/type", "EXPOSURE", "S004"),
    case("configuration type lower case", C + "/type", "expose", "S004"),
    case("repeat_duration negative", C + "/repeat_duration", -1.0, "S003"),
    case("fill_window not boolean", C + "/fill_window", "sometimes", "S001"),
    case("fill_window boolean string", C + "/fill_window", "true", "S008"),
    case("instrument_configs empty", C + "/instrument_configs", [], "S006"),
    case("unknown configuration key", C + "/instrument_name", "x", "S101"),
    # instrument config
    *missing(IC, ["exposure_time", "exposure_count"]),
    case("exposure_time negative", IC + "/exposure_time", -1.0, "S003"),
    case("exposure_time numeric string", IC + "/exposure_time", "20", "S008"),
    case("exposure_time prose", IC + "/exposure_time", "long", "S001"),
    case("exposure_time null", IC + "/exposure_time", None, "S001"),
    case("exposure_count zero", IC + "/exposure_count", 0, "S003"),
    case("exposure_count fraction", IC + "/exposure_count", 1.5, "S001"),
    case("exposure_count fraction string", IC + "/exposure_count", "1.5", "S001"),
    case("exposure_count integral string", IC + "/exposure_count", "2.0", "S008"),
    case("readout mode too long", IC + "/mode", "m" * 51, "S005"),
    case("rotator_mode too long", IC + "/rotator_mode", "r" * 51, "S005"),
    case("optical element number", IC + "/optical_elements/filter", 5, "S001"),
    # DRF's CharField takes a number's text, its FloatField a boolean as 0.0 or 1.0
    case("readout mode number", IC + "/mode", 2, "S008"),
    case("rotator_mode number", IC + "/rotator_mode", 1.5, "S008"),
    case("readout mode boolean", IC + "/mode", True, "S001"),
    case("exposure_time boolean", IC + "/exposure_time", True, "S008"),
    case("exposure_count boolean", IC + "/exposure_count", True, "S001"),
    *(case(f"roi {key} negative", f"{ROI}/{key}", -1, "S003") for key in ("x1", "x2", "y1", "y2")),
    case("roi bound fraction", ROI + "/y2", 10.5, "S001"),
    case("roi unknown key", ROI + "/x3", 1, "S101"),
    case("exposure_tme typo", IC + "/exposure_tme", 1.0, "S101"),
    # constraints
    *out_of_range(
        CN,
        {
            "max_airmass": (1.0, 25.0),
            "min_lunar_distance": (0.0, 180.0),
            "max_lunar_phase": (0.0, 1.0),
            "max_seeing": (0.0, None),
        },
    ),
    case("max_airmass half", CN + "/max_airmass", 0.5, "S003"),
    case("max_airmass null", CN + "/max_airmass", None, "S001"),
    case(
        "min_lunar_distance string out of range",
        CN + "/min_lunar_distance",
        "200",
        "S008",
        also=(("S003", CN + "/min_lunar_distance"),),
    ),
    case("unknown constraints key", CN + "/max_airmas", 2, "S101"),
    # acquisition and guiding
    case("acquisition mode blank", AQ + "/mode", "", "S005"),
    case("acquisition mode too long", AQ + "/mode", "a" * 51, "S005"),
    *out_of_range(AQ, {"exposure_time": (0.0, 60.0)}),
    case("unknown acquisition key", AQ + "/state", "ON", "S101"),
    case("guiding mode too long", GD + "/mode", "g" * 51, "S005"),
    case("guiding optional string", GD + "/optional", "False", "S008"),
    case("guiding optional yes", GD + "/optional", "yes", "S008"),  # DRF reads yes/no, on/off
    case("guiding optional one", GD + "/optional", 1, "S008"),
    case("guiding optional prose", GD + "/optional", "maybe", "S001"),
    case("guiding optional two", GD + "/optional", 2, "S001"),
    case("guiding optical element list", GD + "/optical_elements/filter", ["V"], "S001"),
    *out_of_range(GD, {"exposure_time": (0.0, 120.0)}),
    case("unknown guiding key", GD + "/state", "ON", "S101"),
    # target: common fields and ranges (checked whatever the type)
    *missing(T, ["type", "name", "ra", "dec"]),
    case("target type unknown", T + "/type", "SIDEREAL", "S004"),
    case("target name blank", T + "/name", "", "S005"),
    case("target name too long", T + "/name", "n" * 51, "S005"),
    case("dec null on ICRS", T + "/dec", None, "S002", T),
    case("scheme unknown", T + "/scheme", "MPC", "S004"),
    case("unknown target key", T + "/raa", 1.0, "S101"),
    *out_of_range(
        T,
        {
            "ra": (0.0, 360.0),
            "dec": (-90.0, 90.0),
            "proper_motion_ra": (None, 20000.0),
            "proper_motion_dec": (None, 20000.0),
            "parallax": (None, 2000.0),
            "epoch": (None, 2100.0),
            "altitude": (0.0, 90.0),
            "azimuth": (0.0, 360.0),
            "epochofel": (10000.0, 100000.0),
            "orbinc": (0.0, 180.0),
            "longascnode": (0.0, 360.0),
            "longofperih": (0.0, 360.0),
            "argofperih": (0.0, 360.0),
            "eccentricity": (0.0, None),
            "meananom": (0.0, 360.0),
            "epochofperih": (361.0, 240000.0),
        },
    ),
    *missing(T, ["hour_angle", "dec"], prepare=HA),
    case("hour_angle null", T + "/hour_angle", None, "S002", T, prepare=HA),
    *missing(T, SATELLITE_FIELDS, prepare=SAT),
    case("diff_epoch null", T + "/diff_epoch", None, "S002", T, prepare=SAT),
    *(
        case(
            f"{scheme} missing {key}", f"{T}/{key}", DELETE, "S002", prepare=((T, orbital(scheme)),)
        )
        for scheme in SCHEME_EXTRAS
        for key in ORBITAL_BASE_FIELDS + SCHEME_EXTRAS[scheme]
    ),
    case(
        "orbital scheme blank", T + "/scheme", "", "S002", T, prepare=((T, orbital("MPC_COMET")),)
    ),
    # window and location
    *missing(W, ["end"]),
    case("window month 13", W + "/end", "2025-13-01T00:00:00Z", "S007"),
    case("window prose", W + "/end", "yesterday", "S007"),
    case("window February 30", W + "/start", "2025-02-30T00:00:00Z", "S007"),
    case("window hour 25", W + "/end", "2025-01-29T25:00Z", "S007"),
    case("window epoch seconds", W + "/end", 1738000000, "S001"),
    case("unknown window key", W + "/stat", "2025-01-29T00:00Z", "S101"),
    *missing(L, ["telescope_class"]),
    case("unknown location key", L + "/instrument", "x", "S101"),
    # request group
    *missing(
        "",
        ["proposal", "name", "observation_type", "operator", "ipp_value", "requests"],
        kind=GROUP,
    ),
    case("proposal blank", "/proposal", "", "S005", kind=GROUP),
    case("group name blank", "/name", "", "S005", kind=GROUP),
    case("group name too long", "/name", "g" * 51, "S005", kind=GROUP),
    case("observation_type unknown", "/observation_type", "SCHEDULED", "S004", kind=GROUP),
    case("operator AND", "/operator", "AND", "S004", kind=GROUP),
    case("ipp_value negative", "/ipp_value", -0.5, "S003", kind=GROUP),
    case("ipp_value string", "/ipp_value", "1.5", "S008", kind=GROUP),
    case("group state unknown", "/state", "DONE", "S004", kind=GROUP),
    case("group created prose", "/created", "now", "S007", kind=GROUP),
    case("requests empty", "/requests", [], "S006", kind=GROUP),
    case("request inside group", "/requests/0/location", DELETE, "S002", kind=GROUP),
    case("unknown group key", "/propsal", "x", "S101", kind=GROUP),
    case("group is a list", "", [], "S001", kind=GROUP),
]


def wrong_type_cases() -> Iterator[Any]:
    """One S001 case per typed property of every object schema."""
    where = {
        "request.json": "",
        "configuration.json": C,
        "instrument-config.json": IC,
        "region-of-interest.json": ROI,
        "constraints.json": CN,
        "acquisition-config.json": AQ,
        "guiding-config.json": GD,
        "target.json": T,
        "window.json": W,
        "location.json": L,
        "request-group.json": "",
    }
    for name, prefix in where.items():
        kind = GROUP if name == "request-group.json" else "request"
        for key, schema in load_schema(name)["properties"].items():
            if "type" not in schema and "$ref" not in schema:
                continue  # enums: covered by the S004 cases
            if (name, key) == ("constraints.json", "extra_params"):
                continue  # stored whatever it is: S009, in the cases above
            types = schema.get("type", "object")
            value = {"wrong": True} if "array" in types or "string" in types else [1]
            if key == "extra_params":
                value = 5  # text or a list there is S009 for a request
            yield case(f"{name} {key} wrong type", f"{prefix}/{key}", value, "S001", kind=kind)


def mutated(example: Case) -> Any:
    document: Any = base_group() if example.kind == GROUP else base_request()
    for pointer, value in example.prepare:
        apply(document, pointer, value)
    if example.pointer:
        apply(document, example.pointer, example.value)
    else:
        document = example.value
    return document


@pytest.mark.parametrize("example", [*CASES, *wrong_type_cases()])
def test_mutation_gives_expected_finding(example: Case) -> None:
    document = mutated(example)
    found = findings_of(document, example.kind)
    assert [(f.code, f.pointer) for f in found] == list(example.expected)
    for finding in found:
        expected_severity = Severity.WARNING if finding.code in WARNING_CODES else Severity.ERROR
        assert finding.severity is expected_severity
        assert finding.at_key is (finding.code == "S101")
        assert not finding.path and not finding.line and not finding.column
        assert finding.message and "is not valid under any of" not in finding.message


def constrained_properties() -> set[tuple[str, str]]:
    """(property name, code) for every range/choice/length/format/required constraint."""
    codes = {
        "minimum": "S003",
        "maximum": "S003",
        "enum": "S004",
        "minLength": "S005",
        "maxLength": "S005",
        "minItems": "S006",
        "format": "S007",
    }
    wanted: set[tuple[str, str]] = set()

    def visit(schema: Any) -> None:
        if isinstance(schema, dict):
            for key, sub in schema.get("properties", {}).items():
                wanted.update((key, code) for word, code in codes.items() if word in sub)
            wanted.update((key, "S002") for key in schema.get("required", []))
            for key, sub in schema.items():
                if key != "if":  # discriminators, not constraints
                    visit(sub)
        elif isinstance(schema, list):
            for sub in schema:
                visit(sub)

    for name in SCHEMA_FILES:
        visit(load_schema(name))
    return wanted


def test_every_constraint_has_a_failing_example() -> None:
    covered: set[tuple[str, str]] = set()
    for param in CASES:
        example: Case = param.values[0]
        last = pointer_parts(example.pointer)[-1] if example.pointer else ""
        covered.update((last, code) for code, _ in example.expected)
    assert constrained_properties() - covered == set()


# --------------------------------------------------------------------------- messages


def only_finding(pointer: str, value: object, kind: str = "request") -> Finding:
    document = base_group() if kind == GROUP else base_request()
    apply(document, pointer, value)
    (finding,) = findings_of(document, kind)
    return finding


def test_range_message_names_value_and_bounds() -> None:
    finding = only_finding(CN + "/max_airmass", 0.5)
    assert finding.message == "max_airmass is 0.5; it must be between 1.0 and 25.0"


def test_choice_message_lists_choices() -> None:
    finding = only_finding(C + "/type", "EXPOSURE")
    assert finding.message.startswith(
        "configuration type 'EXPOSURE' is not valid; choose one of: ARC, AUTO_FOCUS, BIAS"
    )


def test_operator_message_lists_only_single_and_many() -> None:
    finding = only_finding("/operator", "AND", GROUP)
    assert finding.message == "operator 'AND' is not valid; choose one of: MANY, SINGLE"


def test_missing_target_field_message() -> None:
    assert only_finding(T + "/dec", DELETE).message == "target of type ICRS needs 'dec'"


def test_missing_scheme_element_message() -> None:
    request = base_request()
    apply(request, T, orbital("MPC_COMET"))
    apply(request, T + "/perihdist", DELETE)
    (finding,) = findings_of(request)
    assert (finding.code, finding.pointer) == ("S002", T)
    assert "MPC_COMET" in finding.message and "'perihdist'" in finding.message


def test_unknown_key_suggests_close_match() -> None:
    finding = only_finding(IC + "/exposure_tme", 30)
    assert finding.at_key
    assert finding.pointer == "/configurations/0/instrument_configs/0/exposure_tme"
    assert "did you mean 'exposure_time'?" in finding.message


def test_unknown_key_without_close_match_has_no_suggestion() -> None:
    assert "did you mean" not in only_finding(L + "/colour", "blue").message


def test_each_unknown_key_is_its_own_finding() -> None:
    request = base_request()
    request["foo"] = 1
    request["bar"] = 2
    assert code_pointers(request) == [("S101", "/foo"), ("S101", "/bar")]


def test_string_number_is_a_warning_naming_the_value() -> None:
    finding = only_finding(IC + "/exposure_time", "20")
    assert finding.severity is Severity.WARNING
    assert "'20'" in finding.message


def test_bad_timestamp_message_shows_accepted_form() -> None:
    finding = only_finding(W + "/end", "2025-13-01T00:00:00Z")
    assert "'2025-13-01T00:00:00Z'" in finding.message and "YYYY-MM-DD" in finding.message


def test_long_values_are_truncated() -> None:
    finding = only_finding(T + "/name", "x" * 500)
    assert "500 characters" in finding.message and len(finding.message) < 140


def test_findings_come_in_document_order() -> None:
    request = base_request()
    apply(request, W + "/end", "never")
    apply(request, IC + "/exposure_count", 0)
    apply(request, "/observation_note", 5)
    apply(request, T + "/ra", 400.0)
    pointers = [pointer for _, pointer in code_pointers(request)]
    assert pointers == [
        "/observation_note",
        IC + "/exposure_count",
        T + "/ra",
        W + "/end",
    ]


# --------------------------------------------------------------------------- date-times


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-01-29T03:25:18Z", datetime(2025, 1, 29, 3, 25, 18, tzinfo=UTC)),
        ("2025-01-29T03:25", datetime(2025, 1, 29, 3, 25, tzinfo=UTC)),
        ("2025-01-29 03:25:18.5", datetime(2025, 1, 29, 3, 25, 18, 500000, tzinfo=UTC)),
        ("2025-01-29T03:25:18.123456+01:00", datetime(2025, 1, 29, 2, 25, 18, 123456, tzinfo=UTC)),
        ("2025-01-29T03:25-0130", datetime(2025, 1, 29, 4, 55, tzinfo=UTC)),
        ("2025-01-29T03:25+02", datetime(2025, 1, 29, 1, 25, tzinfo=UTC)),
    ],
)
def test_portal_datetime_forms(text: str, expected: datetime) -> None:
    parsed = parse_portal_datetime(text)
    assert parsed is not None and parsed.tzinfo is not None
    assert parsed == expected


@pytest.mark.parametrize(
    "text",
    [
        "2025-13-01T00:00:00Z",
        "yesterday",
        "2025-02-30T00:00:00Z",
        "2025-01-29T25:00Z",
        "2025-01-29T03:60Z",
        "2025-01-29",
        "2025-01-29T03",
        "2025-01-29T03:25:18.1234567Z",
        "2025-01-29T03:25+24:00",
        "2025-01-29T03:25+01:60",
        "2025-01-29T03:25:18Z ",
        "\u0662025-01-29T03:25Z",
    ],
)
def test_portal_datetime_refusals(text: str) -> None:
    assert parse_portal_datetime(text) is None


# --------------------------------------------------------------------------- validator reuse


def test_validator_is_built_once_per_kind() -> None:
    first = {kind: validator_for(kind) for kind in ("request", "request-group")}
    misses = validator_for.cache_info().misses
    for _ in range(3):
        findings_of(base_request())
        findings_of(base_group(), "request-group")
    assert validator_for.cache_info().misses == misses
    assert all(validator_for(kind) is validator for kind, validator in first.items())


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown document kind"):
        validator_for("page")


# --------------------------------------------------------------------------- hypothesis

NAMES = st.text(alphabet=string.ascii_letters + string.digits + " -_/", min_size=1, max_size=50)
CODES = st.text(alphabet=string.ascii_letters + string.digits + "_-", max_size=50)
PARAMS = st.dictionaries(
    st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12),
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-10, 10), CODES),
    max_size=3,
)
CONFIGURATION_TYPES = load_schema("configuration.json")["properties"]["type"]["enum"]


def between(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def maybe_null(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)))
    form = draw(
        st.sampled_from(
            [
                "%Y-%m-%dT%H:%M:%SZ",
                "%Y-%m-%dT%H:%M:%S.%fZ",
                "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M:%S+05:30",
                "%Y-%m-%dT%H:%M-0700",
                "%Y-%m-%dT%H:%M+02",
            ]
        )
    )
    return moment.strftime(form)


ROIS = st.fixed_dictionaries(
    {},
    optional={key: maybe_null(st.integers(0, 4096)) for key in ("x1", "x2", "y1", "y2")},
)
INSTRUMENT_CONFIGS = st.fixed_dictionaries(
    {"exposure_time": between(0, 3600), "exposure_count": st.integers(1, 500)},
    optional={
        "mode": CODES,
        "rotator_mode": CODES,
        "optical_elements": st.dictionaries(st.sampled_from(["filter", "slit", "grating"]), CODES),
        "extra_params": PARAMS,
        "rois": st.lists(ROIS, max_size=2),
    },
)
CONSTRAINTS = st.fixed_dictionaries(
    {},
    optional={
        "max_airmass": between(1.0, 25.0),
        "min_lunar_distance": between(0.0, 180.0),
        "max_lunar_phase": between(0.0, 1.0),
        "max_seeing": maybe_null(between(0.0, 10.0)),
        "min_transparency": maybe_null(between(-1.0, 1.0)),
        "extra_params": PARAMS,
    },
)
ACQUISITION = st.fixed_dictionaries(
    {},
    optional={
        "mode": CODES.filter(bool),
        "exposure_time": maybe_null(between(0.0, 60.0)),
        "extra_params": PARAMS,
    },
)
GUIDING = st.fixed_dictionaries(
    {},
    optional={
        "mode": CODES,
        "optional": st.booleans(),
        "optical_elements": st.dictionaries(st.just("filter"), CODES),
        "exposure_time": maybe_null(between(0.0, 120.0)),
        "extra_params": PARAMS,
    },
)
ELEMENT_RANGES = {
    "epochofel": between(10000, 100000),
    "orbinc": between(0, 180),
    "longascnode": between(0, 360),
    "eccentricity": between(0, 0.9),
    "longofperih": between(0, 360),
    "argofperih": between(0, 360),
    "meandist": between(0.1, 100),
    "perihdist": between(0.1, 100),
    "meanlong": between(0, 360),
    "meananom": between(0, 360),
    "dailymot": between(0, 5),
    "epochofperih": between(361, 240000),
}
SIDEREAL_EXTRAS = {
    "proper_motion_ra": maybe_null(between(-1000, 20000)),
    "proper_motion_dec": maybe_null(between(-1000, 20000)),
    "parallax": maybe_null(between(0, 2000)),
    "epoch": maybe_null(between(1900, 2100)),
    "extra_params": PARAMS,
}


@st.composite
def targets(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["ICRS", "HOUR_ANGLE", "ORBITAL_ELEMENTS", "SATELLITE"]))
    common = {"type": st.just(kind), "name": NAMES}
    if kind == "ICRS":
        required = common | {"ra": between(0, 360), "dec": between(-90, 90)}
        return draw(st.fixed_dictionaries(required, optional=SIDEREAL_EXTRAS))
    if kind == "HOUR_ANGLE":
        required = common | {"hour_angle": between(-12, 12), "dec": between(-90, 90)}
        return draw(st.fixed_dictionaries(required, optional=SIDEREAL_EXTRAS))
    if kind == "SATELLITE":
        required = common | {
            "altitude": between(0, 90),
            "azimuth": between(0, 360),
            **{key: between(-10, 10) for key in SATELLITE_FIELDS[2:]},
        }
        return draw(st.fixed_dictionaries(required))
    scheme = draw(st.sampled_from(sorted(SCHEME_EXTRAS)))
    fields = ORBITAL_BASE_FIELDS[:-1] + SCHEME_EXTRAS[scheme]
    required = common | {"scheme": st.just(scheme)} | {key: ELEMENT_RANGES[key] for key in fields}
    optional = {key: ELEMENT_RANGES[key] for key in ELEMENT_RANGES if key not in fields}
    return draw(st.fixed_dictionaries(required, optional=optional))


CONFIGURATIONS = st.fixed_dictionaries(
    {
        "instrument_type": st.sampled_from(["1M0-SCICAM-SINISTRO", "2M0-FLOYDS-SCICAM"]),
        "type": st.sampled_from(CONFIGURATION_TYPES),
        "instrument_configs": st.lists(INSTRUMENT_CONFIGS, min_size=1, max_size=3),
        "constraints": CONSTRAINTS,
        "acquisition_config": ACQUISITION,
        "guiding_config": GUIDING,
        "target": targets(),
    },
    optional={
        "repeat_duration": maybe_null(between(0, 10000)),
        "extra_params": PARAMS,
        "fill_window": st.booleans(),
    },
)
WINDOWS = st.fixed_dictionaries({"end": timestamps()}, optional={"start": timestamps()})
LOCATIONS = st.fixed_dictionaries(
    {"telescope_class": st.sampled_from(["0m4", "1m0", "2m0"])},
    optional={
        "site": st.sampled_from(["lsc", "cpt", "ogg"]),
        "enclosure": st.sampled_from(["doma", "clma"]),
        "telescope": st.sampled_from(["1m0a", "2m0a"]),
    },
)
REQUESTS = st.fixed_dictionaries(
    {
        "location": LOCATIONS,
        "configurations": st.lists(CONFIGURATIONS, min_size=1, max_size=2),
        "windows": st.lists(WINDOWS, min_size=1, max_size=2),
    },
    optional={
        "observation_note": st.text(max_size=255),
        "optimization_type": st.sampled_from(["TIME", "AIRMASS"]),
        "acceptability_threshold": between(0, 100),
        "configuration_repeats": st.integers(1, 10),
        "extra_params": PARAMS,
        "suspend_until": maybe_null(timestamps()),
    },
)

HYPOTHESIS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HYPOTHESIS
@given(REQUESTS)
def test_generated_valid_requests_are_clean(request: dict[str, Any]) -> None:
    assert findings_of(request) == []


@HYPOTHESIS
@given(timestamps())
def test_generated_timestamps_parse(text: str) -> None:
    assert parse_portal_datetime(text) is not None


BOUNDED = {
    "exposure_time": (0.0, None),
    "exposure_count": (1, None),
    "max_airmass": (1.0, 25.0),
    "min_lunar_distance": (0.0, 180.0),
    "max_lunar_phase": (0.0, 1.0),
    "max_seeing": (0.0, None),
    "ra": (0.0, 360.0),
    "dec": (-90.0, 90.0),
    "altitude": (0.0, 90.0),
    "azimuth": (0.0, 360.0),
    "orbinc": (0.0, 180.0),
    "epochofel": (10000.0, 100000.0),
    "acceptability_threshold": (0.0, 100.0),
    "configuration_repeats": (1, 2147483647),
    "x1": (0, None),
}
ENUM_ONLY = {"type", "optimization_type", "scheme"}  # choices without a JSON type
TARGET_REQUIRED = {
    "ICRS": ["type", "name", "ra", "dec"],
    "HOUR_ANGLE": ["type", "name", "hour_angle", "dec"],
    "SATELLITE": ["type", "name", *SATELLITE_FIELDS],
}


def required_here(pointer: str, node: dict[str, Any]) -> list[str]:
    last = pointer_parts(pointer)[-1] if pointer else ""
    parent = pointer_parts(pointer)[-2] if pointer.count("/") > 1 else ""
    if pointer == "":
        return ["location", "configurations", "windows"]
    if last == "target":
        if node["type"] == "ORBITAL_ELEMENTS":
            return ["type", "name", *ORBITAL_BASE_FIELDS, *SCHEME_EXTRAS[node["scheme"]]]
        return TARGET_REQUIRED[node["type"]]
    if parent == "configurations":
        return ["instrument_type", "type", "instrument_configs", "constraints", "target"]
    if parent == "instrument_configs":
        return ["exposure_time", "exposure_count"]
    if parent == "windows":
        return ["end"]
    return ["telescope_class"] if last == "location" else []


def members(value: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    yield pointer, value
    if isinstance(value, dict):
        for key, member in value.items():
            if key != "extra_params":
                yield from members(member, f"{pointer}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from members(item, f"{pointer}/{index}")


@HYPOTHESIS
@given(REQUESTS, st.data())
def test_single_mutation_is_reported_where_it_was_made(
    request: dict[str, Any], data: st.DataObject
) -> None:
    mutations: list[tuple[str, object, str, str]] = []  # pointer, new value, code, reported at
    for pointer, value in members(request):
        key = pointer_parts(pointer)[-1] if pointer else ""
        if key in BOUNDED and isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = BOUNDED[key]
            step = data.draw(st.integers(1, 10**6), label="step")
            if low is not None:
                mutations.append((pointer, low - step, "S003", pointer))
            if high is not None:
                mutations.append((pointer, high + step, "S003", pointer))
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            code = "S004" if key in ENUM_ONLY else "S001"
            mutations.append((pointer, {"not": "scalar"}, code, pointer))
        if isinstance(value, dict):
            for field_name in required_here(pointer, value):
                mutations.append((f"{pointer}/{field_name}", DELETE, "S002", pointer))
    pointer, new_value, code, at = data.draw(st.sampled_from(mutations), label="mutation")
    apply(request, pointer, new_value)
    assert code_pointers(request) == [(code, at)]
