"""Normalisation: the defaults the portal fills in, step by step, and `lco-validate normalize`.

The built-in catalogue supplies the real modes and schemas (Sinistro readout
modes fix the binning, FLOYDS has rotator modes and acquires with WCS by
default, MuSCAT has exposure modes); the hand-made snapshot of conftest.py
supplies what the real network lacks (a detector that takes regions of
interest, instrument types with different default thresholds).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from lco_validate.catalogue.cerberus_schemas import apply_schema, dotted, expectation
from lco_validate.catalogue.snapshot import Catalogue, load_catalogue
from lco_validate.cli import cli
from lco_validate.model import modes, normalize
from lco_validate.model.duration import request_duration
from lco_validate.model.modes import ModeChoice, choose_mode
from lco_validate.model.normalize import normalized_configuration, normalized_request
from lco_validate.model.notions import pointer_into
from lco_validate.model.values import portal_extra_param

from .conftest import REPO, SEED_PAGE, mini_sites, seed_page

SINISTRO = "1M0-SCICAM-SINISTRO"
M42 = {"type": "ICRS", "name": "M42", "ra": 83.822, "dec": -5.391}


_LCO = load_catalogue()


@pytest.fixture(scope="module")
def lco() -> Catalogue:
    return _LCO


def configuration(instrument_type: str = SINISTRO, type_: str = "EXPOSE", **extra: Any) -> Any:
    return {
        "instrument_type": instrument_type,
        "type": type_,
        "instrument_configs": extra.pop(
            "instrument_configs",
            [{"exposure_time": 30, "exposure_count": 1, "optical_elements": {"filter": "V"}}],
        ),
        "constraints": {},
        "acquisition_config": {},
        "guiding_config": {},
        "target": dict(M42),
        **extra,
    }


def request(*configurations: Any) -> Any:
    return {
        "location": {"telescope_class": "1m0"},
        "windows": [{"start": "2031-01-05T00:00:00Z", "end": "2031-01-25T00:00:00Z"}],
        "configurations": list(configurations) or [configuration()],
    }


# -- the request is never changed ---------------------------------------------------------------


def test_the_input_is_left_as_written(lco: Catalogue) -> None:
    written = request(
        configuration(instrument_configs=[{"exposure_time": "30", "exposure_count": 1}])
    )
    before = copy.deepcopy(written)
    normalized_request(written, lco, submission=True)
    assert written == before


_ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
_MODES = st.sampled_from(
    ["", "full_frame", "CENTRAL_2K_2X2", "ON", "OFF", "WCS", "SKY", "nonsense"]
)
_INSTRUMENT_CONFIGS = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "mode": _MODES | _ANY_JSON,
            "rotator_mode": _MODES | _ANY_JSON,
            "exposure_time": st.sampled_from([0, 30, "30", -1]) | _ANY_JSON,
            "exposure_count": st.sampled_from([1, "2", 2.0]) | _ANY_JSON,
            "optical_elements": st.dictionaries(
                st.sampled_from(["filter", "slit", "x"]), st.text(max_size=4)
            )
            | _ANY_JSON,
            "extra_params": st.dictionaries(
                st.sampled_from(["bin_x", "defocus", "offset_ra", "exposure_mode"]), _ANY_JSON
            )
            | _ANY_JSON,
            "rois": st.lists(
                st.dictionaries(st.sampled_from(["x1", "x2", "y1", "y2"]), _ANY_JSON), max_size=2
            )
            | _ANY_JSON,
        },
    ),
    max_size=2,
)
_CONFIGURATIONS = st.fixed_dictionaries(
    {},
    optional={
        "instrument_type": st.sampled_from(
            [
                SINISTRO,
                "2M0-FLOYDS-SCICAM",
                "2M0-SCICAM-MUSCAT",
                "0M4-SCICAM-QHY600",
                "1M0-NRES-SCICAM",
                "X",
            ]
        )
        | _ANY_JSON,
        "type": st.sampled_from(["EXPOSE", "repeat_expose", "SPECTRUM", "ARC", "SCRIPT"])
        | _ANY_JSON,
        "instrument_configs": _INSTRUMENT_CONFIGS | _ANY_JSON,
        "acquisition_config": st.fixed_dictionaries({}, optional={"mode": _MODES | _ANY_JSON})
        | _ANY_JSON,
        "guiding_config": st.fixed_dictionaries({}, optional={"mode": _MODES | _ANY_JSON})
        | _ANY_JSON,
        "constraints": _ANY_JSON,
        "target": st.fixed_dictionaries(
            {"type": st.sampled_from(["ICRS", "SATELLITE"])}, optional={"epoch": _ANY_JSON}
        )
        | _ANY_JSON,
        "extra_params": _ANY_JSON,
        "repeat_duration": _ANY_JSON,
        "fill_window": _ANY_JSON,
    },
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_CONFIGURATIONS | _ANY_JSON, max_size=3), st.booleans())
def test_any_malformed_request_is_normalised_without_error(
    configurations: Any, submission: bool
) -> None:
    """Normalisation also runs before any schema check (duration, normalize): it must cope."""
    catalogue = _LCO
    written = {"configurations": configurations}
    before = copy.deepcopy(written)
    normalized = normalized_request(written, catalogue, submission=submission)
    assert written == before
    json.dumps(normalized, allow_nan=False)


# -- modes ---------------------------------------------------------------------------------------


def test_readout_mode_defaults_to_the_group_default_with_its_binning(lco: Catalogue) -> None:
    filled = normalized_configuration(configuration(), lco)
    instrument_config = filled["instrument_configs"][0]
    assert instrument_config["mode"] == "full_frame"
    assert instrument_config["extra_params"] == {"bin_x": 1, "bin_y": 1}


def test_a_given_readout_mode_brings_its_own_binning(lco: Catalogue) -> None:
    given_mode = [{"exposure_time": 30, "exposure_count": 1, "mode": "central_2k_2x2"}]
    filled = normalized_configuration(configuration(instrument_configs=given_mode), lco)
    assert filled["instrument_configs"][0]["extra_params"] == {"bin_x": 2, "bin_y": 2}


def test_schema_defaults_are_not_applied_when_the_schema_fails(lco: Catalogue) -> None:
    wrong_binning = [
        {
            "exposure_time": 30,
            "exposure_count": 1,
            "mode": "central_2k_2x2",
            "extra_params": {"bin_x": 1},
        }
    ]
    filled = normalized_configuration(configuration(instrument_configs=wrong_binning), lco)
    assert filled["instrument_configs"][0]["extra_params"] == {"bin_x": 1}


def test_mode_case_is_kept_as_written_but_the_mode_still_applies(lco: Catalogue) -> None:
    upper = [{"exposure_time": 30, "exposure_count": 1, "mode": "CENTRAL_2K_2X2"}]
    filled = normalized_configuration(configuration(instrument_configs=upper), lco)
    assert filled["instrument_configs"][0]["mode"] == "CENTRAL_2K_2X2"
    assert filled["instrument_configs"][0]["extra_params"] == {"bin_x": 2, "bin_y": 2}


def test_acquisition_and_guiding_defaults(lco: Catalogue) -> None:
    imager = normalized_configuration(configuration(), lco)
    assert imager["acquisition_config"]["mode"] == "OFF"
    assert imager["guiding_config"] == {
        "mode": "ON",
        "optional": True,
        "optical_elements": {},
        "extra_params": {},
    }
    spectrograph = normalized_configuration(configuration("2M0-FLOYDS-SCICAM", "SPECTRUM"), lco)
    assert spectrograph["acquisition_config"]["mode"] == "WCS"


def test_a_configuration_type_that_forces_acquisition_off_overrides_what_is_written(
    lco: Catalogue,
) -> None:
    arc = configuration("2M0-FLOYDS-SCICAM", "ARC", acquisition_config={"mode": "BRIGHTEST"})
    assert normalized_configuration(arc, lco)["acquisition_config"]["mode"] == "OFF"


def test_rotator_mode_only_for_instrument_types_with_rotator_modes(lco: Catalogue) -> None:
    floyds = normalized_configuration(configuration("2M0-FLOYDS-SCICAM", "SPECTRUM"), lco)
    assert floyds["instrument_configs"][0]["rotator_mode"] == "VFLOAT"
    sinistro = normalized_configuration(configuration(), lco)
    assert sinistro["instrument_configs"][0]["rotator_mode"] == ""


def test_exposure_mode_lives_in_extra_params(lco: Catalogue) -> None:
    muscat = configuration(
        "2M0-SCICAM-MUSCAT",
        instrument_configs=[
            {
                "exposure_time": 30,
                "exposure_count": 1,
                "extra_params": {f"exposure_time_{c}": 30 for c in "griz"},
            }
        ],
    )
    extra = normalized_configuration(muscat, lco)["instrument_configs"][0]["extra_params"]
    assert extra["exposure_mode"] == "SYNCHRONOUS"
    assert extra["bin_x"] == 1


def test_choose_mode_follows_the_portal() -> None:
    one = {"modes": [{"code": "A", "schedulable": True}], "default": ""}
    assert choose_mode(one, "").code == "A"
    several = {
        "modes": [{"code": "A", "schedulable": True}, {"code": "B", "schedulable": False}],
        "default": "",
    }
    assert choose_mode(several, None).problem == "must-choose"
    assert choose_mode({**several, "default": "A"}, "").code == "A"
    assert choose_mode(several, "a").problem == ""  # case-insensitive
    assert choose_mode(several, "b").problem == "unavailable"  # exists, not schedulable
    assert choose_mode(several, "C").problem == "unavailable"
    assert choose_mode({"modes": [], "default": ""}, "").code == ""


_MODE_CODES = st.lists(
    st.text(alphabet="abcXYZ_", min_size=1, max_size=6), min_size=1, max_size=4, unique_by=str.lower
)


@given(_MODE_CODES, st.data())
def test_any_spelling_of_a_schedulable_mode_is_accepted_as_written(
    codes: list[str], data: st.DataObject
) -> None:
    group = {"modes": [{"code": c, "schedulable": True} for c in codes], "default": ""}
    code = data.draw(st.sampled_from(codes))
    spelling = "".join(data.draw(st.sampled_from([ch.lower(), ch.upper()])) for ch in code)
    assert choose_mode(group, spelling) == ModeChoice(spelling, defaulted=False)


# -- schemas of instrument types and configuration types ---------------------------------------


def test_instrument_type_schema_defaults_are_filled(lco: Catalogue) -> None:
    qhy = configuration("0M4-SCICAM-QHY600")
    assert normalized_configuration(qhy, lco)["extra_params"] == {"sub_expose": False}


def test_configuration_type_schema_defaults_are_filled(lco: Catalogue) -> None:
    # The catalogue's SKY_FLAT schema fills a missing exposure time (2 s on Sinistro).
    flat = configuration(type_="SKY_FLAT", instrument_configs=[{"exposure_count": 3}])
    assert normalized_configuration(flat, lco)["instrument_configs"][0]["exposure_time"] == 2.0


# -- values --------------------------------------------------------------------------------------


def test_extra_params_are_read_as_the_portal_reads_them() -> None:
    assert portal_extra_param("2") == 2
    assert portal_extra_param(5.0) == 5 and isinstance(portal_extra_param(5.0), int)
    assert portal_extra_param("1.15") == 1.15
    assert portal_extra_param("True") is True and portal_extra_param("false") is False
    assert portal_extra_param(True) is True
    for unchanged in ("2mm", "", None, [1], {"a": 1}, "nan"):
        assert portal_extra_param(unchanged) == unchanged


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_whole_numbers_written_as_text_become_integers(number: int) -> None:
    assert portal_extra_param(str(number)) == number
    assert portal_extra_param(float(number)) == number


_JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(["true", "False", "2", "2.50", "1e3", "inf", "x1"]),
)


@given(_JSON_SCALARS)
def test_reading_an_extra_param_twice_changes_nothing_more(value: object) -> None:
    once = portal_extra_param(value)
    assert portal_extra_param(once) == once


def test_numbers_written_as_text_and_extra_params_are_converted(lco: Catalogue) -> None:
    written = configuration(
        instrument_configs=[
            {
                "exposure_time": "30",
                "exposure_count": "2",
                "optical_elements": {"filter": "v"},
                "extra_params": {"defocus": "1.5", "offset_ra": "0"},
            }
        ],
        constraints={"max_airmass": "2"},
        guiding_config={"optional": "false"},
    )
    filled = normalized_configuration(written, lco)
    instrument_config = filled["instrument_configs"][0]
    assert instrument_config["exposure_time"] == 30.0
    assert instrument_config["exposure_count"] == 2 and isinstance(
        instrument_config["exposure_count"], int
    )
    assert instrument_config["optical_elements"] == {"filter": "V"}  # the catalogue's spelling
    assert instrument_config["extra_params"]["defocus"] == 1.5
    assert filled["constraints"] == {
        "max_airmass": 2.0,
        "min_lunar_distance": 30.0,
        "max_lunar_phase": 1.0,
        "extra_params": {},
    }
    assert filled["guiding_config"]["optional"] is False


def test_sidereal_target_defaults_replace_empty_values(lco: Catalogue) -> None:
    target = {**M42, "epoch": 0, "parallax": None}
    filled = normalized_configuration(configuration(target=target), lco)["target"]
    assert filled["epoch"] == 2000.0
    assert filled["parallax"] == 0.0
    assert filled["proper_motion_ra"] == 0.0 and filled["proper_motion_dec"] == 0.0


def test_dither_offsets_without_a_pattern_get_the_custom_pattern(lco: Catalogue) -> None:
    dithered = configuration(
        instrument_configs=[
            {"exposure_time": 30, "exposure_count": 1, "extra_params": {"offset_ra": 0}},
            {"exposure_time": 30, "exposure_count": 1, "extra_params": {"offset_ra": 5}},
        ]
    )
    assert normalized_configuration(dithered, lco)["extra_params"] == {"dither_pattern": "custom"}
    still = configuration(
        instrument_configs=[
            {"exposure_time": 30, "exposure_count": 1, "extra_params": {"offset_ra": 0}}
        ]
    )
    assert "dither_pattern" not in normalized_configuration(still, lco)["extra_params"]


def test_region_of_interest_bounds_default_to_the_detector_edges() -> None:
    catalogue = Catalogue(mini_sites(), "test snapshot")  # 2000 x 1000 pixels, one region
    roi_config = configuration(
        "1M0-TEST-IMAGER",
        instrument_configs=[{"exposure_time": 1, "exposure_count": 1, "rois": [{"x1": 10}, {}]}],
    )
    rois = normalized_configuration(roi_config, catalogue)["instrument_configs"][0]["rois"]
    assert rois == [{"x1": 10, "x2": 2000, "y1": 0, "y2": 1000}, {}]


# -- the request ---------------------------------------------------------------------------------


def test_acceptability_threshold_is_the_largest_default_of_the_instrument_types() -> None:
    catalogue = Catalogue(mini_sites(), "test snapshot")  # imager 90, spectrograph 100
    mixed = request(configuration("1M0-TEST-IMAGER"), configuration("1M0-TEST-SPECTRO", "SPECTRUM"))
    assert normalized_request(mixed, catalogue, submission=True)["acceptability_threshold"] == 100.0
    given_threshold = {**mixed, "acceptability_threshold": 70}
    assert (
        normalized_request(given_threshold, catalogue, submission=True)["acceptability_threshold"]
        == 70.0
    )


def test_request_defaults_and_key_order(lco: Catalogue) -> None:
    filled = normalized_request(request(), lco, submission=True)
    assert list(filled)[:3] == ["location", "windows", "configurations"]
    assert filled["configuration_repeats"] == 1
    assert filled["optimization_type"] == "TIME"
    assert filled["observation_note"] == ""
    assert filled["extra_params"] == {}
    assert filled["acceptability_threshold"] == 90.0


def test_priorities_follow_submitted_order_for_submissions_only(lco: Catalogue) -> None:
    first, second = configuration(priority=7), configuration(priority=3)
    submitted = normalized_request(request(first, second), lco, submission=True)
    assert [c["priority"] for c in submitted["configurations"]] == [1, 2]
    stored = normalized_request(request(first, second), lco, submission=False)
    assert [c["priority"] for c in stored["configurations"]] == [7, 3]


def test_seed_records_keep_their_durations(lco: Catalogue) -> None:
    for record in seed_page()["results"]:
        normalized = normalized_request(record, lco, submission=False)
        assert request_duration(normalized, lco).duration == record["duration"]


def test_normalising_twice_changes_nothing_more(lco: Catalogue) -> None:
    """What the portal stores, submitted again, is stored unchanged."""
    documents = list(seed_page()["results"])
    for path in sorted((SEED_PAGE.parent / "invalid" / "configuration").glob("*.json")):
        document = json.loads(path.read_text())
        documents += document.get("requests", [document])
    for document in documents:
        once = normalized_request(document, lco, submission=True)
        assert normalized_request(once, lco, submission=True) == once


def test_pointer_into_stops_at_the_deepest_existing_member() -> None:
    document = {"configurations": [{"extra_params": {}}]}
    assert pointer_into(document, ("configurations", 0, "extra_params", "x")) == (
        "/configurations/0/extra_params"
    )
    assert pointer_into(document, ("configurations", 3)) == "/configurations"
    assert pointer_into(document, ()) == ""


# -- Cerberus ------------------------------------------------------------------------------------


def test_description_annotations_are_accepted() -> None:
    schema = {"defocus": {"type": "float", "max": 5.0, "description": "mm of secondary offset"}}
    assert apply_schema(schema, {"defocus": 1}).valid
    (problem,) = apply_schema(schema, {"defocus": 9}).problems
    assert (problem.path, problem.rule, problem.value) == (("defocus",), "max", 9)


def test_schema_problems_carry_the_full_path_and_a_missing_field_points_at_its_parent() -> None:
    schema = {
        "instrument_configs": {
            "type": "list",
            "schema": {
                "type": "dict",
                "schema": {
                    "extra_params": {
                        "type": "dict",
                        "schema": {
                            "exposure_time_g": {"type": "float", "required": True, "min": 0.001}
                        },
                    }
                },
            },
        }
    }
    document = {
        "instrument_configs": [{"extra_params": {"exposure_time_g": 1}}, {"extra_params": {}}]
    }
    (problem,) = apply_schema(schema, document).problems
    assert problem.path == ("instrument_configs", 1, "extra_params", "exposure_time_g")
    assert problem.location == ("instrument_configs", 1, "extra_params")
    assert "requires instrument_configs[1].extra_params.exposure_time_g" in problem.describe("X")
    assert problem.reported_by_portal


def test_unusable_schemas_are_reported_not_raised() -> None:
    assert "null" in apply_schema(None, {}).unusable
    assert "refuses" in apply_schema({"a": {"no_such_rule": 1}}, {"a": 1}).unusable
    # Cerberus 1.3.8 takes len() of the value for 'items' without checking its type.
    assert "fails" in apply_schema({"a": {"items": [{"type": "string"}]}}, {"a": 5}).unusable
    assert apply_schema({}, {"a": 1}).document == {"a": 1}


def test_expectations_and_paths_in_words() -> None:
    assert (
        expectation({"type": "float", "min": -5.0, "max": 5.0}) == "a number between -5.0 and 5.0"
    )
    assert expectation({"type": "integer", "allowed": [2, 1]}) == "one of: 1, 2"
    assert expectation({}) == ""
    assert dotted(("instrument_configs", 1, "extra_params", "defocus")) == (
        "instrument_configs[1].extra_params.defocus"
    )


# -- lco-validate normalize ----------------------------------------------------------------------


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_command_keeps_a_page_a_page_and_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(SEED_PAGE.read_text())
    before = path.read_bytes()
    result = run("normalize", str(path))
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["results"][0]["configurations"][0]["extra_params"] == {"sub_expose": False}
    assert path.read_bytes() == before


def test_command_keeps_a_group_a_group_and_a_request_a_request(tmp_path: Path) -> None:
    group = {
        "proposal": "P",
        "name": "n",
        "observation_type": "NORMAL",
        "operator": "SINGLE",
        "ipp_value": 1.0,
        "requests": [request()],
    }
    path = tmp_path / "group.json"
    path.write_text(json.dumps(group))
    printed = json.loads(run("normalize", str(path)).stdout)
    assert printed["proposal"] == "P"
    assert (
        printed["requests"][0]["configurations"][0]["instrument_configs"][0]["mode"] == "full_frame"
    )
    path.write_text(json.dumps(request()))
    printed = json.loads(run("normalize", str(path)).stdout)
    assert printed["configurations"][0]["priority"] == 1 and "requests" not in printed


def test_command_prints_one_line_per_json_lines_document(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_text(json.dumps(request()) + "\n" + json.dumps(request()) + "\n")
    result = run("normalize", str(path))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(json.loads(line)["configurations"] for line in lines)


def test_command_reports_unreadable_json_on_stderr_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"configurations": [],}')
    result = run("normalize", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "J001" in result.stderr


def test_checking_never_changes_the_normalisations_it_shares_with_the_cache() -> None:
    """The checker reads reviews without copying them (``read_only``); nothing may write."""
    from lco_validate.checking.pipeline import check_file
    from lco_validate.checking.policy import Settings
    from lco_validate.documents.loading import load_file
    from lco_validate.model import normalize

    lco = load_catalogue()
    files = [*sorted((REPO / "fixtures").rglob("*.json")), SEED_PAGE]
    files = [path for path in files if path.parent.name != "catalogue"]
    for path in files:  # visibility included: the valid fixture's windows are in the future
        check_file(str(path), Settings(catalogue=lco))

    def configurations(value: object) -> list[dict[str, Any]]:
        if isinstance(value, dict):
            found = [value] if "instrument_configs" in value else []
            return found + [c for member in value.values() for c in configurations(member)]
        if isinstance(value, list):
            return [c for member in value for c in configurations(member)]
        return []

    written = [
        c for path in files for d in load_file(str(path)).documents for c in configurations(d.value)
    ]
    assert len(written) > 40

    def reviewed() -> list[str]:
        return [
            json.dumps(normalize.review_configuration(c, lco).normalized, default=str)
            for c in written
        ]

    after_checking = reviewed()
    normalize._review.cache_clear()
    assert reviewed() == after_checking


_MODE_CODES = ("full_frame", "central_2k_2x2", "ON", "off")
_MODE_GROUPS = st.fixed_dictionaries(
    {
        "modes": st.lists(
            st.fixed_dictionaries(
                {"code": st.sampled_from(_MODE_CODES), "schedulable": st.booleans()}
            ),
            max_size=3,
        ),
        "default": st.sampled_from(("", *_MODE_CODES)),
    }
)
_WRITTEN_MODES = st.one_of(
    st.none(), st.sampled_from(("", "FULL_FRAME", "on", "Off", "nonsense")), st.booleans()
)


@given(st.lists(st.tuples(_MODE_GROUPS, _WRITTEN_MODES), min_size=1, max_size=8))
def test_remembered_mode_choices_are_those_of_each_group(
    questions: list[tuple[dict[str, Any], object]],
) -> None:
    """Groups equal in content or not, asked in any order, twice: the first answer each time."""
    for _ in range(2):
        for group, written in questions:
            assert choose_mode(group, written) == modes._choose_mode(group, written)


# -- remembered instrument-config steps -----------------------------------------------------------


def _strictly(value: Any) -> str:
    """JSON text keeps key order and tells 1, 1.0 and true apart, as equality does not."""
    return json.dumps(value, default=repr)


def _review_of(configuration: Any) -> tuple[str, list[tuple[Any, ...]]]:
    written = copy.deepcopy(configuration)
    checks: list[Any] = []
    normalize._normalize_configuration(written, _LCO, checks.append)
    return _strictly(written), [
        (
            check.source,
            check.owner,
            check.location,
            check.outcome.problems,
            check.outcome.unusable,
            _strictly(check.outcome.document),
        )
        for check in checks
    ]


def _seed_configurations() -> list[Any]:
    return [c for request in seed_page()["results"] for c in request["configurations"]]


@st.composite
def _rearranged(draw: st.DrawFn) -> Any:
    """A seed configuration with its instrument configs reordered, perhaps one dropped or
    changed where a step changes a nested object in place (a filter's spelling, a region)."""
    configuration = copy.deepcopy(draw(st.sampled_from(_seed_configurations())))
    instrument_configs = draw(st.permutations(configuration["instrument_configs"]))
    if len(instrument_configs) > 1 and draw(st.booleans()):
        instrument_configs = instrument_configs[1:]
    configuration["instrument_configs"] = instrument_configs
    configuration["type"] = draw(st.sampled_from([configuration["type"], "SKY_FLAT", "expose"]))
    for instrument_config in instrument_configs:
        change = draw(st.sampled_from(["none", "lower filter", "region", "exposure time"]))
        if change == "lower filter":
            elements = instrument_config["optical_elements"]
            elements["filter"] = str(elements.get("filter", "")).lower()
        elif change == "region":
            instrument_config["rois"] = [{"x1": draw(st.sampled_from([5, "5", None]))}]
        elif change == "exposure time":
            instrument_config["exposure_time"] = draw(st.sampled_from(["30", 30, 2.5]))
    return configuration


@settings(max_examples=80, deadline=None)
@given(st.lists(_rearranged(), min_size=1, max_size=4))
def test_remembered_instrument_config_steps_give_what_cold_caches_give(
    configurations: list[Any],
) -> None:
    normalize._review.cache_clear()
    for seed in _seed_configurations():  # the set-ups' instrument configs, remembered first
        _review_of(seed)
    warm = [_review_of(configuration) for configuration in configurations]
    cold = []
    for configuration in configurations:
        normalize._review.cache_clear()
        cold.append(_review_of(configuration))
    assert warm == cold
