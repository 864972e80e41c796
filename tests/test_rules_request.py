"""Request-, group-, target-, window- and location-level rules (R050-R099).

Every rule has a failing and a passing case.  Each document first goes through
the schemas (a test document must be well formed, or the portal would not get
as far as the rule), then only the rule under test runs, on the same contexts
the checker builds; the documents under fixtures/invalid/ cover the whole
pipeline.  Submissions use a fixed "now" of 2030-06-01 and windows in January
2031 (semester 2030B) unless a test needs otherwise.
"""

from __future__ import annotations

import copy
import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lco_validate import load_catalogue, request_duration
from lco_validate.catalogue.snapshot import Catalogue
from lco_validate.checking.context import GroupContext, RequestContext
from lco_validate.checking.policy import Settings
from lco_validate.checking.schemas import schema_findings
from lco_validate.documents.kinds import REQUEST_GROUP, Unit, iter_units
from lco_validate.findings import Finding, Severity
from lco_validate.rules import all_rules

from .conftest import mini_sites, seed_page

NOW = datetime(2030, 6, 1, tzinfo=UTC)
CATALOGUE = load_catalogue()
JANUARY = {"start": "2031-01-05T00:00:00Z", "end": "2031-01-25T00:00:00Z"}
M42 = {"type": "ICRS", "name": "M42", "ra": 83.8221, "dec": -5.3911}
READ_ONLY = {"id", "state", "created", "modified", "duration", "priority"}


def _without_read_only(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_read_only(v) for k, v in value.items() if k not in READ_ONLY}
    if isinstance(value, list):
        return [_without_read_only(v) for v in value]
    return value


SEED = seed_page()["results"]
QHY600 = _without_read_only(SEED[3]["configurations"][0])  # a 0m4 standard-star sequence
SINISTRO = _without_read_only(SEED[6]["configurations"][0])  # a 1m0 BVRI sequence


def configuration(base: dict[str, Any] = QHY600, **target: Any) -> dict[str, Any]:
    made = copy.deepcopy(base)
    made["target"] = {**M42, **target}
    return made


def request(**fields: Any) -> dict[str, Any]:
    made: dict[str, Any] = {
        "location": {"telescope_class": "0m4"},
        "configurations": [configuration()],
        "windows": [dict(JANUARY)],
    }
    made.update(fields)
    return made


def group(*requests: dict[str, Any], **fields: Any) -> dict[str, Any]:
    requests = requests or (request(),)
    made: dict[str, Any] = {
        "name": "rules test",
        "proposal": "LCO2030B-001",
        "observation_type": "NORMAL",
        "operator": "SINGLE" if len(requests) == 1 else "MANY",
        "ipp_value": 1.05,
        "requests": list(requests),
    }
    made.update(fields)
    return made


MY_RULES = {rule.CODE: rule for rule in all_rules() if re.fullmatch(r"R0[5-9]\d", rule.CODE)}


def found(
    document: object,
    code: str,
    *,
    now: datetime | None = NOW,
    catalogue: Catalogue = CATALOGUE,
) -> list[Finding]:
    """What rule ``code`` finds in ``document``, built into contexts as the checker does."""
    rule = MY_RULES[code]
    settings = Settings(catalogue=catalogue, now=now)
    findings: list[Finding] = []
    for unit in iter_units(document):
        assert isinstance(unit, Unit)
        schema = schema_findings(unit.value, unit.kind)
        assert [f for f in schema if f.severity is Severity.ERROR] == [], "malformed test document"
        requests = [RequestContext(r, p, unit, settings) for p, r in unit.requests()]
        if rule.SCOPE == "request":
            for context in requests:
                findings.extend(rule.check(context))
        elif unit.kind == REQUEST_GROUP:
            assert isinstance(unit.value, dict)
            group_context = GroupContext(unit.value, unit.pointer, unit, settings, requests)
            findings.extend(rule.check(group_context))
    return findings


def pointers(document: object, code: str, **options: Any) -> list[str]:
    return [f.pointer for f in found(document, code, **options)]


def at(location: dict[str, Any], *configurations: dict[str, Any]) -> dict[str, Any]:
    """A group of one request at ``location``."""
    return group(request(location=location, configurations=list(configurations or [QHY600])))


def every_finding(document: object, **options: Any) -> list[Finding]:
    return [finding for code in MY_RULES for finding in found(document, code, **options)]


def test_a_clean_submission_has_no_finding_from_these_rules() -> None:
    assert every_finding(group(request(), request(), operator="MANY")) == []


# --------------------------------------------------------------------------- R050-R052 location


def test_r050_unknown_codes_are_reported_at_each_field_with_the_sorted_choices() -> None:
    [klass, site] = found(at({"telescope_class": "1M0", "site": "lsx"}), "R050")
    assert klass.pointer == "/requests/0/location/telescope_class"
    assert "'1M0'" in klass.message and "did you mean '1m0'" in klass.message
    assert "0m4, 1m0, 2m0, 4m0" in klass.message
    assert site.pointer == "/requests/0/location/site"
    assert "coj, cpt, elp, lsc, ogg, sor, tfn, tlv" in site.message


def test_r050_an_empty_code_is_not_a_choice() -> None:
    assert pointers(at({"telescope_class": "0m4", "site": ""}), "R050") == [
        "/requests/0/location/site"
    ]


def test_r050_known_codes_pass() -> None:
    location = {"telescope_class": "1m0", "site": "lsc", "enclosure": "doma", "telescope": "1m0a"}
    assert found(at(location, SINISTRO), "R050") == []


def test_r050_choices_come_from_the_catalogue_in_use_including_inactive_places() -> None:
    sites = mini_sites()
    sites[0]["active"] = False  # the portal offers every code of the snapshot as a choice
    mini = Catalogue(sites, "test snapshot")
    assert found(at({"telescope_class": "1m0", "site": "tst"}), "R050", catalogue=mini) == []
    [finding] = found(at({"telescope_class": "1m0", "site": "lsc"}), "R050", catalogue=mini)
    assert "choose one of tst" in finding.message


def test_r051_enclosure_without_site_and_telescope_without_enclosure() -> None:
    document = group(
        request(location={"telescope_class": "0m4", "enclosure": "aqwa"}),
        request(location={"telescope_class": "0m4", "site": "lsc", "telescope": "0m4a"}),
    )
    findings = found(document, "R051")
    assert [f.pointer for f in findings] == ["/requests/0/location", "/requests/1/location"]
    assert "no site" in findings[0].message and "no enclosure" in findings[1].message


def test_r051_a_complete_location_passes() -> None:
    location = {"telescope_class": "0m4", "site": "lsc", "enclosure": "aqwa", "telescope": "0m4a"}
    assert found(at(location), "R051") == []


def test_r052_enclosure_not_at_the_site_lists_that_sites_enclosures() -> None:
    [finding] = found(at({"telescope_class": "0m4", "site": "cpt", "enclosure": "aqwb"}), "R052")
    assert finding.pointer == "/requests/0/location/enclosure"
    assert "enclosures there: aqwa, doma, domb, domc, igla" in finding.message


def test_r052_telescope_not_in_the_enclosure() -> None:
    location = {"telescope_class": "0m4", "site": "lsc", "enclosure": "aqwa", "telescope": "0m4b"}
    [finding] = found(at(location), "R052")
    assert finding.pointer == "/requests/0/location/telescope"
    assert "telescopes there: 0m4a" in finding.message


def test_r052_codes_that_nest_pass_and_unknown_codes_are_left_to_r050() -> None:
    location = {"telescope_class": "0m4", "site": "lsc", "enclosure": "aqwb", "telescope": "0m4a"}
    assert found(at(location), "R052") == []
    assert found(at({"telescope_class": "0m4", "site": "xyz", "enclosure": "aqwb"}), "R052") == []


# --------------------------------------------------------------------------- R053 instrument


def test_r053_instrument_not_on_the_telescope_class_lists_what_is_there() -> None:
    [finding] = found(at({"telescope_class": "0m4"}, QHY600, SINISTRO), "R053")
    assert finding.pointer == "/requests/0/configurations/1/instrument_type"
    assert "'1M0-SCICAM-SINISTRO'" in finding.message
    assert "schedulable there: 0M4-SCICAM-QHY600" in finding.message


def test_r053_instrument_available_at_the_location_passes_in_any_case() -> None:
    lower_case = {**QHY600, "instrument_type": "0m4-scicam-qhy600"}
    assert found(at({"telescope_class": "0m4", "site": "cpt"}, lower_case), "R053") == []
    assert found(at({"telescope_class": "1m0", "site": "lsc"}, SINISTRO), "R053") == []


def test_r053_class_that_does_not_match_the_telescope_names_the_class_there() -> None:
    location = {"telescope_class": "1m0", "site": "cpt", "enclosure": "aqwa", "telescope": "0m4a"}
    [finding] = found(at(location, SINISTRO), "R053")
    assert "no instrument type is schedulable on 1m0 telescopes at cpt.aqwa.0m4a" in finding.message
    assert "class 0m4" in finding.message


def test_r053_leaves_unknown_instruments_and_invalid_locations_to_other_rules() -> None:
    unknown = {**QHY600, "instrument_type": "0M4-SCICAM-NOPE"}
    assert found(at({"telescope_class": "0m4"}, unknown), "R053") == []
    assert found(at({"telescope_class": "0m4", "site": "xyz"}, SINISTRO), "R053") == []


def test_r053_only_schedulable_instruments_count() -> None:
    sites = mini_sites()
    enclosure = copy.deepcopy(sites[0]["enclosure_set"][0])
    enclosure["code"] = "domb"
    enclosure["telescope_set"][0]["instrument_set"][1]["state"] = "MANUAL"  # spectrograph
    sites[0]["enclosure_set"].append(enclosure)
    catalogue = Catalogue(sites, "two domes")
    spectrograph = {
        "instrument_type": "1M0-TEST-SPECTRO",
        "type": "SPECTRUM",
        "instrument_configs": [
            {
                "exposure_time": 60,
                "exposure_count": 1,
                "optical_elements": {"slit": "slit_1.0as", "filter": "clear"},
            }
        ],
        "constraints": {},
        "acquisition_config": {},
        "guiding_config": {},
        "target": M42,
    }
    in_domb = {"telescope_class": "1m0", "site": "tst", "enclosure": "domb"}
    [finding] = found(at(in_domb, spectrograph), "R053", catalogue=catalogue)
    assert "schedulable there: 1M0-TEST-IMAGER." in finding.message
    in_doma = {"telescope_class": "1m0", "site": "tst", "enclosure": "doma"}
    assert found(at(in_doma, spectrograph), "R053", catalogue=catalogue) == []


# --------------------------------------------------------------------------- R054, R055


@pytest.mark.parametrize("pattern", ["line", "grid", "custom"])
def test_r054_known_mosaic_patterns_pass(pattern: str) -> None:
    assert found(group(request(extra_params={"mosaic_pattern": pattern})), "R054") == []


@pytest.mark.parametrize("pattern", ["spiral", "Grid", None])
def test_r054_other_mosaic_patterns_fail(pattern: str | None) -> None:
    [finding] = found(group(request(extra_params={"mosaic_pattern": pattern})), "R054")
    assert finding.pointer == "/requests/0/extra_params/mosaic_pattern"
    assert "custom, grid, line" in finding.message


def test_r055_cadence_is_refused_at_its_key_and_its_absence_passes() -> None:
    cadence = {"start": JANUARY["start"], "end": JANUARY["end"], "period": 24.0, "jitter": 2.0}
    [finding] = found(group(request(cadence=cadence)), "R055")
    assert finding.pointer == "/requests/0/cadence" and finding.at_key
    assert "cadence endpoint" in finding.message
    assert found(group(request()), "R055") == []


def test_r055_applies_to_bare_requests_too() -> None:
    cadence = {"start": JANUARY["start"], "end": JANUARY["end"], "period": 24.0, "jitter": 2.0}
    assert pointers(request(cadence=cadence), "R055") == ["/cadence"]


# --------------------------------------------------------------------------- R060, R061 targets

ELEMENTS = {"type": "ORBITAL_ELEMENTS", "epochofel": 60600.0, "orbinc": 9.4, "longascnode": 312.4}
PLANET_ELEMENTS = {**ELEMENTS, "argofperih": 52.1, "meandist": 6.1, "meananom": 12.5}
COMET_ELEMENTS = {**ELEMENTS, "argofperih": 52.1, "perihdist": 5.79, "epochofperih": 58607.1}
SCHEME_ELEMENTS = {
    "MPC_MINOR_PLANET": PLANET_ELEMENTS,
    "ASA_MINOR_PLANET": PLANET_ELEMENTS,
    "JPL_MAJOR_PLANET": {**PLANET_ELEMENTS, "dailymot": 0.07},
    "ASA_MAJOR_PLANET": {
        **ELEMENTS,
        "longofperih": 10.0,
        "meandist": 6.1,
        "meanlong": 20.0,
        "dailymot": 0.07,
    },
    "MPC_COMET": COMET_ELEMENTS,
    "ASA_COMET": COMET_ELEMENTS,
    "JPL_MINOR_PLANET": COMET_ELEMENTS,
}


def orbital(scheme: str, eccentricity: float) -> dict[str, Any]:
    target = {**SCHEME_ELEMENTS[scheme], "scheme": scheme, "eccentricity": eccentricity}
    return group(request(configurations=[configuration(name="29P", **target)]))


def test_r060_eccentric_orbit_under_a_planet_scheme_is_reported_at_the_scheme() -> None:
    [finding] = found(orbital("MPC_MINOR_PLANET", 0.95), "R060")
    assert finding.pointer == "/requests/0/configurations/0/target/scheme"
    assert "0.95" in finding.message and "MPC_COMET" in finding.message


def test_r060_comet_schemes_take_any_eccentricity_and_0_9_itself_passes() -> None:
    assert found(orbital("MPC_COMET", 1.0043), "R060") == []
    assert found(orbital("ASA_COMET", 0.9999), "R060") == []
    assert found(orbital("MPC_MINOR_PLANET", 0.9), "R060") == []


def test_r060_jpl_minor_planet_is_not_a_comet_scheme() -> None:
    [finding] = found(orbital("JPL_MINOR_PLANET", 0.95), "R060")
    assert "same elements" in finding.message


@pytest.mark.parametrize("scheme", ["MPC_MINOR_PLANET", "MPC_COMET", "JPL_MAJOR_PLANET"])
def test_r061_schemes_the_portal_can_compute_pass(scheme: str) -> None:
    assert found(orbital(scheme, 0.1), "R061") == []


@pytest.mark.parametrize(
    ("scheme", "instead"),
    [
        ("JPL_MINOR_PLANET", "MPC_COMET"),
        ("ASA_COMET", "MPC_COMET"),
        ("ASA_MINOR_PLANET", "MPC_MINOR_PLANET"),
        ("ASA_MAJOR_PLANET", "JPL_MAJOR_PLANET"),
    ],
)
def test_r061_other_schemes_are_an_error_with_the_scheme_to_use(scheme: str, instead: str) -> None:
    [finding] = found(orbital(scheme, 0.1), "R061")
    assert finding.severity is Severity.ERROR
    assert finding.pointer == "/requests/0/configurations/0/target/scheme"
    assert "HTTP 500" in finding.message and f"use scheme {instead}" in finding.message


# --------------------------------------------------------------------------- R070-R073 windows


def with_windows(*windows: dict[str, str], **fields: Any) -> dict[str, Any]:
    return group(request(windows=list(windows)), **fields)


def test_r070_end_before_or_at_start_is_reported_at_the_end() -> None:
    swapped = {"start": "2031-01-06T00:00:00Z", "end": "2031-01-05T00:00:00Z"}
    equal = {"start": "2031-01-06T00:00:00Z", "end": "2031-01-06T00:00:00Z"}
    findings = found(with_windows(swapped, equal), "R070")
    assert [f.pointer for f in findings] == [
        "/requests/0/windows/0/end",
        "/requests/0/windows/1/end",
    ]
    assert "swapped" in findings[0].message and "swapped" not in findings[1].message


def test_r070_end_after_start_and_a_window_without_start_pass() -> None:
    assert found(with_windows(JANUARY, {"end": "2030-07-01T00:00:00Z"}), "R070") == []


def test_r070_compares_instants_across_time_zones() -> None:
    # 01:00+02:00 is 23:00 the day before in UTC: after the start, so the window is valid
    window = {"start": "2031-01-05T22:00:00Z", "end": "2031-01-06T01:00:00+02:00"}
    assert found(with_windows(window), "R070") == []


def test_r071_window_that_has_ended_is_reported_and_a_future_one_passes() -> None:
    past = {"start": "2030-05-01T00:00:00Z", "end": "2030-05-10T00:00:00Z"}
    [finding] = found(
        with_windows(past, {"start": "2030-06-10T00:00:00Z", "end": "2030-06-20T00:00:00Z"}), "R071"
    )
    assert finding.pointer == "/requests/0/windows/0/end"
    assert "2030-06-01T00:00:00Z" in finding.message


def test_r071_without_now_a_submission_is_checked_against_the_current_time() -> None:
    past = {"start": "2030-05-01T00:00:00Z", "end": "2030-05-10T00:00:00Z"}
    rule = MY_RULES["R071"]
    unit = Unit(REQUEST_GROUP, with_windows(past), "")
    settings = Settings(catalogue=CATALOGUE, now=None, started=NOW)
    [(pointer, document)] = list(unit.requests())
    assert len(list(rule.check(RequestContext(document, pointer, unit, settings)))) == 1


def test_r071_archive_records_need_an_explicit_now() -> None:
    record = {**request(windows=[{"start": "2020-05-01T00:00:00Z", "end": "2020-05-10T00:00:00Z"}])}
    record["id"] = 1
    assert found(record, "R071", now=None) == []
    assert pointers(record, "R071", now=NOW) == ["/windows/0/end"]


def test_r072_window_inside_a_semester_passes_up_to_its_last_second() -> None:
    whole_of_2030b = {"start": "2030-08-01T00:00:00Z", "end": "2031-01-31T23:59:59Z"}
    assert found(with_windows(whole_of_2030b), "R072") == []


def test_r072_window_crossing_a_boundary_is_reported_at_the_window() -> None:
    crossing = {"start": "2030-07-25T00:00:00Z", "end": "2030-08-05T00:00:00Z"}
    [finding] = found(with_windows(crossing), "R072")
    assert finding.pointer == "/requests/0/windows/0"
    assert "starts in 2030A, which ends at 2030-07-31T23:59:59Z" in finding.message


def test_r072_one_second_past_the_semester_end_is_outside() -> None:
    late = {"start": "2031-01-05T00:00:00Z", "end": "2031-02-01T00:00:00Z"}
    assert pointers(with_windows(late), "R072") == ["/requests/0/windows/0"]


def test_r072_windows_beyond_the_table_are_refused_and_say_so() -> None:
    beyond = {"start": "2031-03-01T00:00:00Z", "end": "2031-03-10T00:00:00Z"}
    [finding] = found(with_windows(beyond), "R072")
    assert "after 2030B, the last semester in our table" in finding.message


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2017-10-01T00:00:00Z", "2017-11-15T00:00:00Z"),  # the eight-month 2017AB
        ("2020-06-10T00:00:00Z", "2020-06-25T00:00:00Z"),  # 2020A, extended to 30 June
        ("2016-03-01T00:00:00Z", "2016-03-20T00:00:00Z"),  # 2015B, an October-March semester
    ],
)
def test_r072_follows_the_irregular_semesters_of_the_table(start: str, end: str) -> None:
    assert found(with_windows({"start": start, "end": end}), "R072") == []


def test_r072_window_without_start_starts_now() -> None:
    # now is in 2030A; the window reaches into 2030B
    assert pointers(with_windows({"end": "2030-08-10T00:00:00Z"}), "R072") == [
        "/requests/0/windows/0"
    ]
    assert found(with_windows({"end": "2030-07-10T00:00:00Z"}), "R072") == []


def test_r073_windows_in_two_semesters_report_those_outside_the_first_windows() -> None:
    document = with_windows(
        JANUARY,
        {"start": "2030-07-01T00:00:00Z", "end": "2030-07-10T00:00:00Z"},
        {"start": "2030-09-01T00:00:00Z", "end": "2030-09-10T00:00:00Z"},
    )
    [finding] = found(document, "R073")
    assert finding.pointer == "/requests/0/windows/1"
    assert "2030A" in finding.message and "2030B" in finding.message


def test_r073_windows_in_one_semester_pass_and_unplaceable_windows_do_not_count() -> None:
    september = {"start": "2030-09-01T00:00:00Z", "end": "2030-09-10T00:00:00Z"}
    beyond = {"start": "2031-03-01T00:00:00Z", "end": "2031-03-10T00:00:00Z"}
    assert found(with_windows(JANUARY, september, beyond), "R073") == []


# --------------------------------------------------------------------------- R080-R082 group


@given(st.floats(min_value=0.5, max_value=2.0))
def test_r080_ipp_values_in_range_pass(ipp_value: float) -> None:
    assert found(group(ipp_value=ipp_value), "R080") == []


@given(
    st.one_of(
        st.floats(min_value=0.0, max_value=0.5, exclude_max=True),
        st.floats(min_value=2.0, max_value=1e6, exclude_min=True),
    )
)
def test_r080_ipp_values_out_of_range_fail(ipp_value: float) -> None:
    assert pointers(group(ipp_value=ipp_value), "R080") == ["/ipp_value"]


def test_r080_reads_a_numeric_string_as_the_portal_does() -> None:
    assert pointers(group(ipp_value="2.5"), "R080") == ["/ipp_value"]


def test_r081_operator_must_match_the_number_of_requests() -> None:
    assert pointers(group(request(), request(), operator="SINGLE"), "R081") == ["/operator"]
    assert pointers(group(request(), operator="MANY"), "R081") == ["/operator"]
    assert found(group(request(), operator="SINGLE"), "R081") == []
    assert found(group(request(), request(), operator="MANY"), "R081") == []


HOUR_ANGLE = {"type": "HOUR_ANGLE", "name": "meridian", "hour_angle": 0.0, "dec": -30.0}


def hour_angle_group(observation_type: str) -> dict[str, Any]:
    hour_angle = copy.deepcopy(QHY600)
    hour_angle["target"] = HOUR_ANGLE
    return group(request(configurations=[QHY600, hour_angle]), observation_type=observation_type)


@pytest.mark.parametrize("observation_type", ["NORMAL", "TIME_CRITICAL", "RAPID_RESPONSE"])
def test_r082_hour_angle_targets_are_refused_for_scheduled_types(observation_type: str) -> None:
    [finding] = found(hour_angle_group(observation_type), "R082")
    assert finding.pointer == "/requests/0/configurations/1/target/type"
    assert observation_type in finding.message


@pytest.mark.parametrize("observation_type", ["DIRECT", "REAL_TIME"])
def test_r082_unscheduled_types_accept_hour_angle_targets(observation_type: str) -> None:
    assert found(hour_angle_group(observation_type), "R082") == []


# --------------------------------------------------------------------------- R083, R084 RR


def rapid(*windows: dict[str, str], **fields: Any) -> dict[str, Any]:
    """A RAPID_RESPONSE group of one request with these windows."""
    return group(request(windows=list(windows)), **{"observation_type": "RAPID_RESPONSE", **fields})


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


OPEN_NOW = {"start": "2030-05-31T23:00:00Z", "end": "2030-06-01T20:00:00Z"}
BASE_DURATION = request_duration(request(), CATALOGUE).duration


def test_r083_window_starting_later_than_now_is_reported_at_its_start() -> None:
    later = {"start": "2030-06-01T06:00:00Z", "end": "2030-06-01T20:00:00Z"}
    [finding] = found(rapid(later), "R083")
    assert finding.pointer == "/requests/0/windows/0/start"
    assert "2030-06-01T06:00:00Z" in finding.message


def test_r083_open_windows_and_windows_without_start_pass() -> None:
    assert found(rapid(OPEN_NOW, {"end": "2030-06-01T20:00:00Z"}), "R083") == []


def test_r083_only_applies_to_rapid_response_and_needs_now_for_records() -> None:
    later = {"start": "2030-06-01T06:00:00Z", "end": "2030-06-01T20:00:00Z"}
    assert found(rapid(later, observation_type="NORMAL"), "R083") == []
    record = rapid(later)
    record["id"] = 7
    assert found(record, "R083", now=None) == []
    assert len(found(record, "R083", now=NOW)) == 1


def test_r084_window_ending_within_a_day_plus_the_duration_passes() -> None:
    limit = NOW + timedelta(seconds=86400 + BASE_DURATION)
    assert found(rapid({"start": OPEN_NOW["start"], "end": iso(limit)}), "R084") == []


def test_r084_window_ending_later_is_reported_at_its_end() -> None:
    too_late = NOW + timedelta(seconds=86400 + BASE_DURATION + 1)
    [finding] = found(rapid({"start": OPEN_NOW["start"], "end": iso(too_late)}), "R084")
    assert finding.pointer == "/requests/0/windows/0/end"
    assert f"({BASE_DURATION} s)" in finding.message


def test_r084_many_groups_charge_the_longest_request_of_an_allocation() -> None:
    longer = copy.deepcopy(QHY600)
    longer["instrument_configs"][0]["exposure_count"] = 20
    long_request = request(configurations=[longer], windows=[OPEN_NOW])
    long_duration = request_duration(long_request, CATALOGUE).duration
    assert long_duration > BASE_DURATION + 600
    # the short request's window may end a day plus the *long* request's duration from now
    end = iso(NOW + timedelta(seconds=86400 + long_duration - 1))
    short_request = request(windows=[{"start": OPEN_NOW["start"], "end": end}])
    document = group(long_request, short_request, observation_type="RAPID_RESPONSE")
    assert found(document, "R084") == []


def test_r084_the_shortest_allocation_sets_the_limit(mini_catalogue: Catalogue) -> None:
    imager = {
        "instrument_type": "1M0-TEST-IMAGER",
        "type": "EXPOSE",
        "instrument_configs": [
            {"exposure_time": 30, "exposure_count": 1, "optical_elements": {"filter": "V"}}
        ],
        "constraints": {},
        "acquisition_config": {},
        "guiding_config": {},
        "target": M42,
    }
    spectrograph = {
        **imager,
        "instrument_type": "1M0-TEST-SPECTRO",
        "type": "SPECTRUM",
        "instrument_configs": [
            {
                "exposure_time": 1800,
                "exposure_count": 1,
                "optical_elements": {"slit": "slit_1.0as", "filter": "clear"},
            }
        ],
    }
    both = request(location={"telescope_class": "1m0"}, configurations=[imager, spectrograph])
    timed = request_duration(both, mini_catalogue)
    imager_share = (
        timed.by_instrument_type["1M0-TEST-IMAGER"]
        + timed.observation_front_padding["1M0-TEST-IMAGER"]
    )
    assert imager_share < timed.duration - 1000
    end = NOW + timedelta(seconds=86400 + math.ceil(imager_share) + 60)
    both["windows"] = [{"start": OPEN_NOW["start"], "end": iso(end)}]
    document = group(both, observation_type="RAPID_RESPONSE")
    [finding] = found(document, "R084", catalogue=mini_catalogue)
    assert "1M0-TEST" not in finding.message  # the limit is a number of seconds, not a type


def test_r084_is_skipped_when_a_duration_cannot_be_computed() -> None:
    unknown = {**QHY600, "instrument_type": "0M4-SCICAM-NOPE"}
    window = {"start": OPEN_NOW["start"], "end": "2030-06-20T00:00:00Z"}
    document = group(
        request(configurations=[unknown], windows=[window]), observation_type="RAPID_RESPONSE"
    )
    assert found(document, "R084") == []


# --------------------------------------------------------------------------- the seed page


@pytest.mark.parametrize("now", [None, datetime(2025, 1, 29, tzinfo=UTC)])
def test_the_seed_page_is_clean_under_these_rules(now: datetime | None) -> None:
    assert every_finding(seed_page(), now=now) == []


def test_the_seed_records_are_judged_against_an_explicit_now() -> None:
    later = datetime(2026, 1, 1, tzinfo=UTC)
    assert [f.code for f in every_finding(seed_page(), now=later)] == ["R071"] * len(SEED)
    assert found(seed_page(), "R071", now=None) == []


def test_rule_modules_leave_heavy_libraries_alone() -> None:
    for rule in MY_RULES.values():
        source = Path(rule.__file__).read_text()
        assert "astropy" not in source and "matplotlib" not in source, rule.CODE


# ----------------------------------------------------- objects judged beside structural errors


def check(document: object, now: datetime = NOW) -> list[tuple[str, str]]:
    from lco_validate.checking.pipeline import check_document

    settings = Settings(catalogue=CATALOGUE, now=now, visibility=False)
    return [(f.code, f.pointer) for f in check_document(document, settings)]


def test_a_window_is_judged_beside_a_malformed_exposure_count() -> None:
    broken = request(windows=[{"start": "2031-01-25T00:00:00Z", "end": "2031-01-05T00:00:00Z"}])
    broken["configurations"][0]["instrument_configs"][0]["exposure_count"] = 0
    assert check(group(broken)) == [
        ("S003", "/requests/0/configurations/0/instrument_configs/0/exposure_count"),
        ("R070", "/requests/0/windows/0/end"),
    ]


def test_well_formed_configurations_are_judged_beside_a_malformed_one() -> None:
    good_but_wrong = configuration()
    good_but_wrong["acquisition_config"] = {"mode": "WCS"}
    malformed = configuration()
    malformed["instrument_configs"][0]["exposure_time"] = "long"
    malformed["guiding_config"] = {"mode": "FAST"}
    found_codes = check(group(request(configurations=[good_but_wrong, malformed])))
    assert ("R006", "/requests/0/configurations/0/acquisition_config/mode") in found_codes
    # The malformed configuration's own object checks wait for its fields: no R005 for it.
    assert [code for code, pointer in found_codes if "/configurations/1" in pointer] == ["S001"]


def test_a_request_level_rule_waits_for_the_whole_request() -> None:
    elsewhere = request(location={"telescope_class": "1m0"})  # QHY600 is not on a 1-metre
    elsewhere["windows"][0]["end"] = 5
    assert check(group(elsewhere)) == [("S001", "/requests/0/windows/0/end")]
    assert ("R053", "/requests/0/configurations/0/instrument_type") in check(
        group(request(location={"telescope_class": "1m0"}))
    )


def test_group_rules_wait_for_the_whole_group() -> None:
    assert check(group(ipp_value=3.0, name=[7])) == [("S001", "/name")]


# ----------------------------------------------------------------------------------- R085


def test_r085_an_instrument_type_in_lower_case_finds_no_allocation() -> None:
    lower = configuration()
    lower["instrument_type"] = lower["instrument_type"].lower()
    document = group(request(configurations=[configuration(), lower]))
    assert pointers(document, "R085") == ["/requests/0/configurations/1/instrument_type"]
    assert pointers(group(request(configurations=[configuration()])), "R085") == []


@pytest.mark.parametrize("observation_type", ["DIRECT", "REAL_TIME"])
def test_r085_is_not_reported_where_the_portal_skips_allocations(observation_type: str) -> None:
    lower = configuration()
    lower["instrument_type"] = lower["instrument_type"].lower()
    document = group(request(configurations=[lower]), observation_type=observation_type)
    assert pointers(document, "R085") == []
