"""Configuration-level rules R001-R029: a failing and a passing case each.

Most cases use the built-in LCO catalogue (real modes, elements and schemas);
what the real network lacks (regions of interest, configuration-type schemas,
broken schemas, a mode group without a default) comes from variants of the
hand-made snapshot in conftest.py.  Rules are called directly on a request
context, so these tests need no visibility calculation.  The documents of
fixtures/invalid/configuration are checked end to end by test_invalid_fixtures.py.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest

from lco_validate.catalogue.snapshot import Catalogue, load_catalogue
from lco_validate.checking.context import RequestContext
from lco_validate.checking.policy import Settings
from lco_validate.documents.kinds import READ_ONLY_FIELDS, REQUEST, Unit
from lco_validate.findings import Finding, Severity
from lco_validate.rules import all_rules
from lco_validate.rules import r001_instrument_type_unknown as r001
from lco_validate.rules import r002_instrument_type_not_schedulable as r002
from lco_validate.rules import r003_configuration_type_not_offered as r003
from lco_validate.rules import r004_configuration_type_not_schedulable as r004
from lco_validate.rules import r005_guiding_mode_invalid as r005
from lco_validate.rules import r006_acquisition_mode_invalid as r006
from lco_validate.rules import r007_readout_mode_invalid as r007
from lco_validate.rules import r008_rotator_mode_invalid as r008
from lco_validate.rules import r009_exposure_mode_invalid as r009
from lco_validate.rules import r010_mode_requirements_not_met as r010
from lco_validate.rules import r011_instrument_type_schema as r011
from lco_validate.rules import r012_configuration_type_schema as r012
from lco_validate.rules import r013_schema_error_not_reported as r013
from lco_validate.rules import r014_schema_unusable as r014
from lco_validate.rules import r015_optical_element_type_unknown as r015
from lco_validate.rules import r016_optical_element_unknown as r016
from lco_validate.rules import r017_optical_element_missing as r017
from lco_validate.rules import r018_too_many_rois as r018
from lco_validate.rules import r019_roi_without_bounds as r019
from lco_validate.rules import r020_roi_bounds_order as r020
from lco_validate.rules import r021_roi_outside_detector as r021
from lco_validate.rules import r022_script_name_missing as r022
from lco_validate.rules import r023_repeat_duration_missing as r023
from lco_validate.rules import r024_repeat_duration_too_short as r024
from lco_validate.rules import r025_repeat_duration_not_repeat as r025
from lco_validate.rules import r026_fill_window_repeated as r026
from lco_validate.rules import r027_fill_window_not_repeat as r027
from lco_validate.rules import r028_dither_pattern_without_offsets as r028
from lco_validate.rules import r029_dither_pattern_invalid as r029
from lco_validate.rules import run as run_rules

from .conftest import mini_sites, seed_page

NOW = datetime(2030, 6, 1, tzinfo=UTC)
SINISTRO, FLOYDS, MUSCAT = "1M0-SCICAM-SINISTRO", "2M0-FLOYDS-SCICAM", "2M0-SCICAM-MUSCAT"
IMAGER = "1M0-TEST-IMAGER"
M42 = {"type": "ICRS", "name": "M42", "ra": 83.822, "dec": -5.391}
CONFIGURATION_RULES = [rule for rule in all_rules() if rule.CODE < "R050" and rule.CODE[0] == "R"]


@pytest.fixture(scope="module")
def lco() -> Catalogue:
    return load_catalogue()


def variant(change: Callable[[dict[str, Any]], None]) -> Catalogue:
    """The conftest snapshot with ``change`` applied to its imager's instrument type."""
    sites = mini_sites()
    instrument = sites[0]["enclosure_set"][0]["telescope_set"][0]["instrument_set"][0]
    change(instrument["instrument_type"])
    return Catalogue(sites, "test variant")


def mini() -> Catalogue:
    return variant(lambda instrument_type: None)


def exposure(**fields: Any) -> dict[str, Any]:
    return {"exposure_time": 30, "exposure_count": 1, "optical_elements": {"filter": "V"}, **fields}


def configuration(
    instrument_type: str = SINISTRO,
    type_: str = "EXPOSE",
    *exposures: dict[str, Any],
    **fields: Any,
) -> dict[str, Any]:
    return {
        "instrument_type": instrument_type,
        "type": type_,
        "instrument_configs": list(exposures) or [exposure()],
        "constraints": {},
        "acquisition_config": {},
        "guiding_config": {},
        "target": dict(M42),
        **fields,
    }


def floyds(*exposures: dict[str, Any], type_: str = "SPECTRUM", **fields: Any) -> dict[str, Any]:
    slit = {"exposure_time": 300, "exposure_count": 1, "optical_elements": {"slit": "slit_1.6as"}}
    return configuration(FLOYDS, type_, *(exposures or [slit]), **fields)


def muscat(**extra_params: Any) -> dict[str, Any]:
    positions = {f"narrowband_{c}_position": "out" for c in "griz"}
    times = {f"exposure_time_{c}": 30 for c in "griz"}
    return configuration(
        MUSCAT,
        "EXPOSE",
        exposure(optical_elements=positions, extra_params={**times, **extra_params}),
    )


def request(*configurations: dict[str, Any]) -> dict[str, Any]:
    return {
        "location": {"telescope_class": "1m0"},
        "windows": [{"start": "2031-01-05T00:00:00Z", "end": "2031-01-25T00:00:00Z"}],
        "configurations": list(configurations) or [configuration()],
    }


def found(rule: ModuleType, document: dict[str, Any], catalogue: Catalogue) -> list[Finding]:
    context = RequestContext(
        document, "", Unit(REQUEST, document, ""), Settings(catalogue=catalogue, now=NOW)
    )
    return list(rule.check(context))


def pointers(rule: ModuleType, document: dict[str, Any], catalogue: Catalogue) -> list[str]:
    return [finding.pointer for finding in found(rule, document, catalogue)]


def only(rule: ModuleType, document: dict[str, Any], catalogue: Catalogue) -> Finding:
    (finding,) = found(rule, document, catalogue)
    assert finding.code == rule.CODE and finding.severity is rule.SEVERITY
    return finding


# -- conventions ---------------------------------------------------------------------------------


# -- instrument type and configuration type -------------------------------------------------------


def test_r001_unknown_instrument_type(lco: Catalogue) -> None:
    finding = only(r001, request(configuration("1M0-SCICAM-SBIG")), lco)
    assert finding.pointer == "/configurations/0/instrument_type"
    assert "did you mean 1M0-SCICAM-SINISTRO" in finding.message
    assert "0M4-SCICAM-QHY600, 1M0-SCICAM-SINISTRO, 2M0-FLOYDS-SCICAM" in finding.message
    assert found(r001, request(configuration("1m0-scicam-sinistro")), lco) == []  # any case


def test_r001_is_a_root_cause_for_the_other_configuration_rules(lco: Catalogue) -> None:
    broken = configuration(
        "1M0-SCICAM-SBIG",
        "REPEAT_EXPOSE",
        exposure(mode="nonsense", optical_elements={"grism": "x"}, rois=[{"x1": 1}]),
        guiding_config={"mode": "nonsense"},
        repeat_duration=1,
    )
    codes = [f.code for rule in CONFIGURATION_RULES for f in found(rule, request(broken), lco)]
    assert codes == ["R001"]


def test_r002_instrument_type_without_schedulable_instruments(lco: Catalogue) -> None:
    nres = configuration(
        "1M0-NRES-SCICAM", "NRES_SPECTRUM", {"exposure_time": 60, "exposure_count": 1}
    )
    finding = only(r002, request(nres), lco)
    assert finding.pointer == "/configurations/0/instrument_type"
    assert "MANUAL" in finding.message and "staff" in finding.message
    assert found(r002, request(configuration()), lco) == []
    assert found(r002, request(configuration("1M0-SCICAM-SBIG")), lco) == []  # R001's


def test_r003_configuration_type_not_offered(lco: Catalogue) -> None:
    finding = only(r003, request(floyds(type_="EXPOSE")), lco)
    assert finding.pointer == "/configurations/0/type"
    assert "ARC, ENGINEERING, LAMP_FLAT, REPEAT_SPECTRUM, SCRIPT, SPECTRUM" in finding.message
    assert found(r003, request(floyds()), lco) == []


def test_r004_configuration_type_not_schedulable(lco: Catalogue) -> None:
    lamp = {"exposure_time": 200, "exposure_count": 1}
    failing = request(configuration("SOAR_TRIPLESPEC", "LAMP_FLAT", lamp))
    finding = only(r004, failing, lco)
    assert finding.pointer == "/configurations/0/type"
    assert "ARC, SPECTRUM, STANDARD" in finding.message
    assert found(r004, request(configuration("SOAR_TRIPLESPEC", "SPECTRUM", lamp)), lco) == []


# -- modes ---------------------------------------------------------------------------------------


def test_r005_guiding_mode(lco: Catalogue) -> None:
    finding = only(r005, request(configuration(guiding_config={"mode": "FAST"})), lco)
    assert finding.pointer == "/configurations/0/guiding_config/mode"
    assert finding.message.endswith("use one of: OFF, ON")
    nres = configuration(
        "1M0-NRES-SCICAM",
        "NRES_SPECTRUM",
        {"exposure_time": 60, "exposure_count": 1},
        guiding_config={"mode": "OFF"},
    )
    assert pointers(r005, request(nres), lco) == ["/configurations/0/guiding_config/mode"]
    assert found(r005, request(configuration(guiding_config={"mode": "on"})), lco) == []


def test_r005_several_modes_and_no_default_means_the_user_must_choose() -> None:
    def no_default(instrument_type: dict[str, Any]) -> None:
        instrument_type["mode_types"][2]["default"] = ""

    catalogue = variant(no_default)
    finding = only(r005, request(configuration(IMAGER)), catalogue)
    assert finding.pointer == "/configurations/0/guiding_config"  # the mode is missing there
    assert "no default" in finding.message and "OFF, ON" in finding.message
    chosen = configuration(IMAGER, guiding_config={"mode": "ON"})
    assert found(r005, request(chosen), catalogue) == []


def test_r005_a_missing_guiding_group_is_reported_instead_of_a_server_error() -> None:
    def without_guiding(instrument_type: dict[str, Any]) -> None:
        instrument_type["mode_types"] = instrument_type["mode_types"][:2]

    finding = only(r005, request(configuration(IMAGER)), variant(without_guiding))
    assert finding.pointer == "/configurations/0/instrument_type"
    assert "HTTP 500" in finding.message
    assert found(r005, request(configuration(IMAGER)), mini()) == []


def test_r006_acquisition_mode(lco: Catalogue) -> None:
    finding = only(r006, request(configuration(acquisition_config={"mode": "WCS"})), lco)
    assert finding.pointer == "/configurations/0/acquisition_config/mode"
    assert found(r006, request(floyds(acquisition_config={"mode": "WCS"})), lco) == []
    # ARC forces acquisition off, so whatever is written is not looked at
    arc = floyds(type_="ARC", acquisition_config={"mode": "NONSENSE"})
    assert found(r006, request(arc), lco) == []


def test_r007_readout_mode(lco: Catalogue) -> None:
    failing = request(configuration(SINISTRO, "EXPOSE", exposure(), exposure(mode="1m0_sbig_2")))
    finding = only(r007, failing, lco)
    assert finding.pointer == "/configurations/0/instrument_configs/1/mode"
    assert finding.message.endswith("use one of: central_2k_2x2, full_frame")
    assert (
        found(r007, request(configuration(SINISTRO, "EXPOSE", exposure(mode="full_frame"))), lco)
        == []
    )


def test_r008_rotator_mode(lco: Catalogue) -> None:
    slit = {"exposure_time": 300, "exposure_count": 1, "optical_elements": {"slit": "slit_1.6as"}}
    finding = only(r008, request(floyds({**slit, "rotator_mode": "FIXED"})), lco)
    assert finding.pointer == "/configurations/0/instrument_configs/0/rotator_mode"
    assert finding.message.endswith("SKY, VFLOAT")
    assert found(r008, request(floyds({**slit, "rotator_mode": "SKY"})), lco) == []
    # Sinistro has no rotator modes: whatever is written is ignored, as by the portal
    assert (
        found(r008, request(configuration(SINISTRO, "EXPOSE", exposure(rotator_mode="X"))), lco)
        == []
    )


def test_r009_exposure_mode(lco: Catalogue) -> None:
    finding = only(r009, request(muscat(exposure_mode="STAGGERED")), lco)
    assert finding.pointer == "/configurations/0/instrument_configs/0/extra_params/exposure_mode"
    assert finding.message.endswith("ASYNCHRONOUS, SYNCHRONOUS")
    assert found(r009, request(muscat(exposure_mode="ASYNCHRONOUS")), lco) == []


def test_r010_readout_mode_requirements(lco: Catalogue) -> None:
    binned = {"mode": "central_2k_2x2"}
    failing = request(
        configuration(SINISTRO, "EXPOSE", exposure(**binned, extra_params={"bin_x": 1}))
    )
    finding = only(r010, failing, lco)
    assert finding.pointer == "/configurations/0/instrument_configs/0/extra_params/bin_x"
    assert "readout mode central_2k_2x2" in finding.message and "one of: 2" in finding.message
    passing = request(
        configuration(SINISTRO, "EXPOSE", exposure(**binned, extra_params={"bin_x": 2}))
    )
    assert found(r010, passing, lco) == []


def test_r010_acquisition_and_exposure_mode_requirements(lco: Catalogue) -> None:
    brightest = floyds(acquisition_config={"mode": "BRIGHTEST", "extra_params": {}})
    finding = only(r010, request(brightest), lco)
    assert finding.pointer == "/configurations/0/acquisition_config/extra_params"
    assert "acquire_radius" in finding.message
    radius = floyds(acquisition_config={"mode": "BRIGHTEST", "extra_params": {"acquire_radius": 5}})
    assert found(r010, request(radius), lco) == []
    incomplete = muscat()
    del incomplete["instrument_configs"][0]["extra_params"]["exposure_time_z"]
    finding = only(r010, request(incomplete), lco)
    assert finding.pointer == "/configurations/0/instrument_configs/0/extra_params"
    assert "exposure_time_z" in finding.message
    assert found(r010, request(muscat()), lco) == []


def test_r010_is_not_run_for_an_invalid_mode(lco: Catalogue) -> None:
    invalid = exposure(mode="nonsense", extra_params={"bin_x": 7})
    assert found(r010, request(configuration(SINISTRO, "EXPOSE", invalid)), lco) == []


# -- validation schemas of instrument types and configuration types -------------------------------


def test_r011_instrument_type_schema(lco: Catalogue) -> None:
    defocused = exposure(extra_params={"defocus": 7})
    finding = only(r011, request(configuration(SINISTRO, "EXPOSE", exposure(), defocused)), lco)
    assert finding.pointer == "/configurations/0/instrument_configs/1/extra_params/defocus"
    assert "between -5.0 and 5.0" in finding.message
    within = exposure(extra_params={"defocus": "2.5"})  # read as 2.5, as the portal does
    assert found(r011, request(configuration(SINISTRO, "EXPOSE", within)), lco) == []


def _type_schema(schema: object) -> Catalogue:
    def change(instrument_type: dict[str, Any]) -> None:
        instrument_type["validation_schema"] = schema

    return variant(change)


def test_r012_configuration_type_schema() -> None:
    def limit_flats(instrument_type: dict[str, Any]) -> None:
        flat = next(t for t in instrument_type["configuration_types"] if t["code"] == "SKY_FLAT")
        flat["validation_schema"] = {
            "instrument_configs": {
                "type": "list",
                "schema": {
                    "type": "dict",
                    "schema": {"exposure_time": {"type": "float", "max": 60}},
                },
            }
        }

    catalogue = variant(limit_flats)
    long_flat = configuration(IMAGER, "SKY_FLAT", exposure(exposure_time=90))
    finding = only(r012, request(long_flat), catalogue)
    assert finding.pointer == "/configurations/0/instrument_configs/0/exposure_time"
    assert "configuration type SKY_FLAT" in finding.message
    short_flat = configuration(IMAGER, "SKY_FLAT", exposure(exposure_time=20))
    assert found(r012, request(short_flat), catalogue) == []
    assert found(r011, request(long_flat), catalogue) == []


def test_r013_schema_errors_the_portal_drops_are_warnings_only() -> None:
    catalogue = _type_schema({"type": {"allowed": ["EXPOSE", "SKY_FLAT"]}})
    standard = request(configuration(IMAGER, "STANDARD"))
    finding = only(r013, standard, catalogue)
    assert finding.pointer == "/configurations/0/type"
    assert "leaves the configuration out" in finding.message
    assert found(r011, standard, catalogue) == []
    assert found(r013, request(configuration(IMAGER, "EXPOSE")), catalogue) == []


def test_r014_unusable_schemas_are_reported_where_they_apply() -> None:
    finding = only(r014, request(configuration(IMAGER)), _type_schema(None))
    assert finding.pointer == "/configurations/0/instrument_type"
    assert "HTTP 500" in finding.message

    def broken_readout(instrument_type: dict[str, Any]) -> None:
        instrument_type["mode_types"][0]["modes"][0]["validation_schema"] = {"mode": {"bogus": 1}}

    written_mode = request(configuration(IMAGER, "EXPOSE", exposure(mode="full")))
    finding = only(r014, written_mode, variant(broken_readout))
    assert finding.pointer == "/configurations/0/instrument_configs/0/mode"
    assert found(r014, request(configuration(IMAGER)), mini()) == []


# -- optical elements ----------------------------------------------------------------------------


def test_r015_unknown_kind_of_optical_element(lco: Catalogue) -> None:
    slit = exposure(optical_elements={"filters": "V"})
    finding = only(r015, request(configuration(SINISTRO, "EXPOSE", slit)), lco)
    assert finding.pointer == "/configurations/0/instrument_configs/0/optical_elements/filters"
    assert finding.at_key and "did you mean 'filter'" in finding.message
    # the unknown key stands for the element, so the missing filter is not reported on top
    assert found(r017, request(configuration(SINISTRO, "EXPOSE", slit)), lco) == []
    assert found(r015, request(configuration()), lco) == []


def test_r016_unknown_optical_element(lco: Catalogue) -> None:
    finding = only(
        r016,
        request(configuration(SINISTRO, "EXPOSE", exposure(optical_elements={"filter": "g"}))),
        lco,
    )
    assert finding.pointer == "/configurations/0/instrument_configs/0/optical_elements/filter"
    assert "B, CN, I, R, U, V, Y, gp" in finding.message
    lower_case = exposure(optical_elements={"filter": "v"})
    assert found(r016, request(configuration(SINISTRO, "EXPOSE", lower_case)), lco) == []


def test_r017_required_optical_element(lco: Catalogue) -> None:
    no_slit = {"exposure_time": 300, "exposure_count": 1, "optical_elements": {}}
    finding = only(r017, request(floyds(no_slit)), lco)
    assert finding.pointer == "/configurations/0/instrument_configs/0/optical_elements"
    assert "slit_1.2as, slit_1.6as, slit_2.0as, slit_6.0as" in finding.message
    assert found(r017, request(floyds()), lco) == []
    bias = configuration(SINISTRO, "BIAS", {"exposure_time": 0, "exposure_count": 5})
    assert found(r017, request(bias), lco) == []  # BIAS needs no filter


# -- regions of interest -------------------------------------------------------------------------


def with_rois(*rois: dict[str, Any], instrument_type: str = IMAGER) -> dict[str, Any]:
    return request(configuration(instrument_type, "EXPOSE", exposure(rois=list(rois))))


def test_r018_too_many_regions_of_interest(lco: Catalogue) -> None:
    finding = only(r018, with_rois({"x1": 0}, instrument_type=SINISTRO), lco)
    assert finding.pointer == "/configurations/0/instrument_configs/0/rois"
    assert "does not support regions of interest" in finding.message
    assert found(r018, with_rois(instrument_type=SINISTRO), lco) == []
    assert "at most 1" in only(r018, with_rois({"x1": 0}, {"x1": 5}), mini()).message
    assert found(r018, with_rois({"x1": 0}), mini()) == []


def test_r019_region_of_interest_without_bounds(lco: Catalogue) -> None:
    assert pointers(r019, with_rois({}), mini()) == [
        "/configurations/0/instrument_configs/0/rois/0"
    ]
    assert found(r019, with_rois({"x1": 10}), mini()) == []
    assert found(r019, with_rois({}, instrument_type=SINISTRO), lco) == []  # R018 says it all


def test_r020_region_of_interest_must_start_before_it_ends() -> None:
    assert pointers(r020, with_rois({"x1": 600, "x2": 100}), mini()) == [
        "/configurations/0/instrument_configs/0/rois/0/x1"
    ]
    # y2 defaults to the detector's 1000 pixels
    assert pointers(r020, with_rois({"y1": 1000}), mini()) == [
        "/configurations/0/instrument_configs/0/rois/0/y1"
    ]
    assert found(r020, with_rois({"x1": 100, "x2": 600}), mini()) == []


def test_r021_region_of_interest_beyond_the_detector() -> None:
    finding = only(r021, with_rois({"x1": 0, "x2": 2048}), mini())
    assert finding.pointer == "/configurations/0/instrument_configs/0/rois/0/x2"
    assert "2000 x 1000" in finding.message
    assert found(r021, with_rois({"x1": 0, "x2": 2000, "y2": 1000}), mini()) == []


# -- SCRIPT, REPEAT, fill_window, dither -----------------------------------------------------------


def test_r022_script_name(lco: Catalogue) -> None:
    script = configuration(SINISTRO, "SCRIPT", extra_params={})
    assert pointers(r022, request(script), lco) == ["/configurations/0/extra_params"]
    named = configuration(SINISTRO, "SCRIPT", extra_params={"script_name": "sweep"})
    assert found(r022, request(named), lco) == []


def test_r023_repeat_duration_missing(lco: Catalogue) -> None:
    finding = only(r023, request(configuration(SINISTRO, "REPEAT_EXPOSE")), lco)
    assert finding.pointer == "/configurations/0"
    assert "at least 59 s" in finding.message  # 30 s exposure + 28 s readout + 1 s fixed
    given = configuration(SINISTRO, "REPEAT_EXPOSE", repeat_duration=600)
    assert found(r023, request(given), lco) == []


def test_r024_repeat_duration_below_one_pass(lco: Catalogue) -> None:
    twice = exposure(exposure_count=2)  # 2 x (30 + 28 + 1) = 118 s
    finding = only(
        r024, request(configuration(SINISTRO, "REPEAT_EXPOSE", twice, repeat_duration=100)), lco
    )
    assert finding.pointer == "/configurations/0/repeat_duration"
    assert "at least 118 s" in finding.message
    exact = configuration(SINISTRO, "REPEAT_EXPOSE", twice, repeat_duration=118)
    assert found(r024, request(exact), lco) == []
    unknown_readout = configuration(
        SINISTRO, "REPEAT_EXPOSE", exposure(mode="nonsense"), repeat_duration=1
    )
    assert found(r024, request(unknown_readout), lco) == []  # R007 is the cause


def test_r025_repeat_duration_on_a_type_that_does_not_repeat(lco: Catalogue) -> None:
    finding = only(r025, request(configuration(repeat_duration=600)), lco)
    assert finding.pointer == "/configurations/0/repeat_duration"
    assert "REPEAT_EXPOSE" in finding.message
    assert found(r025, request(configuration(repeat_duration=None)), lco) == []


def test_r026_fill_window_on_several_configurations(lco: Catalogue) -> None:
    filling = configuration(SINISTRO, "REPEAT_EXPOSE", repeat_duration=600, fill_window=True)
    assert pointers(r026, request(filling, configuration(), filling, filling), lco) == [
        "/configurations/2/fill_window",
        "/configurations/3/fill_window",
    ]
    assert found(r026, request(filling, configuration()), lco) == []


def test_r027_fill_window_outside_repeat_types_is_a_warning(lco: Catalogue) -> None:
    finding = only(r027, request(configuration(fill_window=True)), lco)
    assert finding.severity is Severity.WARNING
    filling = configuration(SINISTRO, "REPEAT_EXPOSE", repeat_duration=600, fill_window="true")
    assert found(r027, request(filling), lco) == []


def _dither(pattern: object, *offsets: object) -> dict[str, Any]:
    exposures = [exposure(extra_params={"offset_ra": offset}) for offset in offsets]
    return request(
        configuration(SINISTRO, "EXPOSE", *exposures, extra_params={"dither_pattern": pattern})
    )


def test_r028_dither_pattern_without_offsets(lco: Catalogue) -> None:
    finding = only(r028, _dither("line", 0, "0"), lco)  # "0" reads as 0, as in the portal
    assert finding.pointer == "/configurations/0/extra_params/dither_pattern"
    assert found(r028, _dither("line", 0, 5), lco) == []


def test_r029_unknown_dither_pattern(lco: Catalogue) -> None:
    finding = only(r029, _dither("zigzag", 0, 5), lco)
    assert finding.pointer == "/configurations/0/extra_params/dither_pattern"
    assert finding.message.endswith("custom, grid, line, spiral")
    assert found(r029, _dither("spiral", 0, 5), lco) == []


# -- whole documents -----------------------------------------------------------------------------


def test_seed_requests_submitted_again_pass_every_configuration_rule(lco: Catalogue) -> None:
    for record in seed_page()["results"]:
        submission = {k: copy.deepcopy(v) for k, v in record.items() if k not in READ_ONLY_FIELDS}
        for rule in CONFIGURATION_RULES:
            assert found(rule, submission, lco) == [], (rule.CODE, record["id"])


# -- configuration rules judge each configuration alone, once per distinct configuration ---------


def _rule_findings(document: dict[str, Any], catalogue: Catalogue) -> list[tuple[str, str]]:
    context = RequestContext(
        document, "/requests/3", Unit(REQUEST, document, ""), Settings(catalogue=catalogue, now=NOW)
    )
    return [(f.code, f.pointer) for f in run_rules("request", context) if f.code < "R050"]


def test_identical_configurations_each_get_their_findings_at_their_own_place(
    lco: Catalogue,
) -> None:
    wrong_filter = configuration(SINISTRO, "EXPOSE", exposure(optical_elements={"filter": "Q"}))
    elsewhere = {**wrong_filter, "id": 7, "priority": 2, "target": {**M42, "name": "M43"}}
    document = request(wrong_filter, configuration(), elsewhere)
    assert _rule_findings(document, lco) == [
        ("R016", "/requests/3/configurations/0/instrument_configs/0/optical_elements/filter"),
        ("R016", "/requests/3/configurations/2/instrument_configs/0/optical_elements/filter"),
    ]
    # Seen again in another request: the same findings, at that request's places.
    assert _rule_findings(request(configuration(), wrong_filter), lco) == [
        ("R016", "/requests/3/configurations/1/instrument_configs/0/optical_elements/filter"),
    ]


def test_a_schema_that_reads_the_target_makes_the_target_part_of_the_configuration() -> None:
    catalogue = _type_schema({"target": {"type": "dict", "schema": {"name": {"maxlength": 3}}}})
    short = configuration(IMAGER, "EXPOSE", target={**M42, "name": "M42"})
    long = configuration(IMAGER, "EXPOSE", target={**M42, "name": "Orion Nebula"})
    assert _rule_findings(request(short), catalogue) == []
    assert _rule_findings(request(long), catalogue) == [
        ("R011", "/requests/3/configurations/0/target/name")
    ]
    assert _rule_findings(request(short), catalogue) == []
