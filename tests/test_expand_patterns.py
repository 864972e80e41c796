"""The dither and mosaic expansions: the portal's test vectors, each pattern, each refusal.

The vectors are the real portal's answers (portal 4.18.10, now 2030-11-01),
compared exactly: ``repr`` of every number, so that ``-0.0`` is not ``0.0``
and the spiral's integer ``0`` is not ``0.0``.  The properties check the
geometry for any parameters.
"""

from __future__ import annotations

import copy
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lco_validate import load_catalogue
from lco_validate.checking.policy import Settings
from lco_validate.expand.dither import dither
from lco_validate.expand.mosaic import detector_of, mosaic
from lco_validate.expand.parameters import MOST_EXPANDED
from lco_validate.expand.patterns import (
    GRID,
    LINE,
    SPIRAL,
    PatternParameters,
    flips,
    grid_offsets,
    line_offsets,
    offset_count,
    overlap_spacings,
    pattern_offsets,
    spiral_offsets,
)
from lco_validate.findings import Finding, Severity
from lco_validate.server.dither import answer_text as dither_text
from lco_validate.server.mosaic import answer_text as mosaic_text

from .portal_documents import configuration, orbital_target

CONFIGURATION = configuration()  # this module's own copy: tests change it

JSON = dict[str, Any]
CATALOGUE = load_catalogue()
NOW = datetime(2030, 11, 1, tzinfo=UTC)
SETTINGS = Settings(catalogue=CATALOGUE, now=NOW)

REQUEST: JSON = {
    "location": {"telescope_class": "1m0"},
    "windows": [{"start": "2030-11-10T00:00:00Z", "end": "2030-11-12T00:00:00Z"}],
    "configurations": [CONFIGURATION],
}
#: The portal's validated Sinistro configuration (section 9.1), before any expansion.
VALIDATED_CONFIGURATION: JSON = {
    "constraints": {"max_airmass": 2.0, "min_lunar_distance": 30.0, "max_lunar_phase": 1.0},
    "instrument_configs": [
        {
            "optical_elements": {"filter": "V"},
            "mode": "full_frame",
            "exposure_time": 30.0,
            "exposure_count": 1,
            "extra_params": {"bin_x": 1, "bin_y": 1},
        }
    ],
    "acquisition_config": {"mode": "OFF"},
    "guiding_config": {"mode": "ON"},
    "target": {
        "name": "M31",
        "type": "ICRS",
        "ra": 10.68,
        "dec": 41.27,
        "proper_motion_ra": 0.0,
        "proper_motion_dec": 0.0,
        "parallax": 0.0,
        "epoch": 2000.0,
    },
    "instrument_type": "1M0-SCICAM-SINISTRO",
    "type": "EXPOSE",
}


def dithered(**parameters: object) -> tuple[int, JSON]:
    body = {"configuration": copy.deepcopy(CONFIGURATION), **parameters}
    return dither(body, SETTINGS)


def offsets_of(answer: JSON) -> list[tuple[object, object]]:
    return [
        (item["extra_params"]["offset_ra"], item["extra_params"]["offset_dec"])
        for item in answer["instrument_configs"]
    ]


def mosaicked(request: JSON | None = None, **parameters: object) -> tuple[int, JSON]:
    body = {"request": copy.deepcopy(request or REQUEST), **parameters}
    return mosaic(body, SETTINGS)


def positions_of(answer: JSON) -> list[tuple[float, float]]:
    return [(c["target"]["ra"], c["target"]["dec"]) for c in answer["configurations"]]


def rounded(positions: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(round(ra, 6), round(dec, 6)) for ra, dec in positions]


def floyds_request() -> JSON:
    request = copy.deepcopy(REQUEST)
    request["location"] = {"telescope_class": "2m0"}
    configuration = request["configurations"][0]
    configuration.update(instrument_type="2M0-FLOYDS-SCICAM", type="SPECTRUM")
    configuration["instrument_configs"] = [
        {
            "exposure_time": 60,
            "exposure_count": 1,
            "rotator_mode": "VFLOAT",
            "optical_elements": {"slit": "slit_1.6as"},
        }
    ]
    configuration["acquisition_config"] = {"mode": "WCS"}
    return request


# -- the portal's vectors: dither ------------------------------------------------------------------


def test_a_dithered_line_is_the_portals_whole_answer() -> None:
    status, answer = dithered(pattern="line", num_points=3, point_spacing=10)
    expected = copy.deepcopy(VALIDATED_CONFIGURATION)
    template = expected["instrument_configs"][0]
    expected["instrument_configs"] = [
        {**template, "extra_params": {"bin_x": 1, "bin_y": 1, "offset_ra": -0.0, "offset_dec": y}}
        for y in (0.0, 10.0, 20.0)
    ]
    expected["extra_params"] = {"dither_pattern": "line"}
    assert status == 200
    assert answer == expected
    assert repr(offsets_of(answer)) == "[(-0.0, 0.0), (-0.0, 10.0), (-0.0, 20.0)]"


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        (
            {
                "pattern": "line",
                "num_points": 3,
                "point_spacing": 10,
                "center": True,
                "orientation": 30,
            },
            "[(5.0, -8.66), (-0.0, 0.0), (-5.0, 8.66)]",
        ),
        (
            {"pattern": "grid", "num_rows": 2, "num_columns": 3, "point_spacing": 10},
            "[(0.0, 0.0), (0.0, 10.0), (10.0, 10.0), (10.0, 0.0), (20.0, 0.0), (20.0, 10.0)]",
        ),
        (
            {
                "pattern": "grid",
                "num_rows": 2,
                "num_columns": 3,
                "point_spacing": 10,
                "line_spacing": 5,
                "orientation": 90,
                "center": "True",
            },
            "[(5.0, -5.0), (-5.0, -5.0), (-5.0, 0.0), (5.0, 0.0), (5.0, 5.0), (-5.0, 5.0)]",
        ),
        (
            {"pattern": "spiral", "num_points": 5, "point_spacing": 10},
            "[(0, 0), (-1.064, -4.344), (6.319, 0.262), (0.835, 7.701), (-7.931, 4.134)]",
        ),
    ],
    ids=["centred line at 30", "grid", "centred grid at 90", "spiral"],
)
def test_dithered_offsets_are_the_portals(parameters: JSON, expected: str) -> None:
    status, answer = dithered(**parameters)
    assert status == 200
    assert repr(offsets_of(answer)) == expected
    assert answer["extra_params"] == {"dither_pattern": parameters["pattern"]}


def test_every_instrument_config_is_repeated_at_each_offset_in_turn() -> None:
    configuration = copy.deepcopy(CONFIGURATION)
    second = {**configuration["instrument_configs"][0], "optical_elements": {"filter": "B"}}
    second["extra_params"] = {"offset_ra": 99, "defocus": 0.5}  # overwritten in place
    configuration["instrument_configs"].append(second)
    status, answer = dither(
        {"configuration": configuration, "pattern": "line", "num_points": 2, "point_spacing": 5},
        SETTINGS,
    )
    assert status == 200
    items = answer["instrument_configs"]
    assert [item["optical_elements"]["filter"] for item in items] == ["V", "B", "V", "B"]
    assert [list(item["extra_params"]) for item in items[1::2]] == [
        ["offset_ra", "defocus", "bin_x", "bin_y", "offset_dec"]
    ] * 2
    assert offsets_of(answer) == [(-0.0, 0.0), (-0.0, 0.0), (-0.0, 5.0), (-0.0, 5.0)]


def test_no_points_give_a_configuration_without_instrument_configs_as_the_portals() -> None:
    for parameters in (
        {"pattern": "line", "num_points": 0},
        {"pattern": "line", "num_points": -2},
        {"pattern": "grid", "num_rows": 0, "num_columns": 3},
    ):
        status, answer = dithered(point_spacing=1, **parameters)
        assert (status, answer["instrument_configs"]) == (200, [])
    status, answer = dithered(pattern="spiral", num_points=0, point_spacing=1)
    assert repr(offsets_of(answer)) == "[(0, 0)]"


def test_dither_reads_values_as_drf_converts_them() -> None:
    status, answer = dithered(
        pattern="line", num_points="3.00", point_spacing="2.5", orientation="0", center="yes"
    )
    assert status == 200
    # d * -sin(0) is 0.0 for the negative distance, -0.0 for the others, as the portal's
    assert repr(offsets_of(answer)) == "[(0.0, -2.5), (-0.0, 0.0), (-0.0, 2.5)]"


# -- the portal's vectors: mosaic ------------------------------------------------------------------


def test_a_mosaicked_line_is_the_portals_whole_answer() -> None:
    status, answer = mosaicked(pattern="line", num_points=3, point_spacing=600)
    configuration = {**VALIDATED_CONFIGURATION, "priority": 1, "extra_params": {}}
    expected = {
        "location": {"telescope_class": "1m0"},
        "configurations": [
            {**configuration, "target": {**configuration["target"], "dec": dec}}
            for dec in (41.27, 41.43666666666667, 41.60333333333334)
        ],
        "windows": [{"start": "2030-11-10T00:00:00Z", "end": "2030-11-12T00:00:00Z"}],
        "acceptability_threshold": 90.0,
        "extra_params": {"mosaic_pattern": "line"},
    }
    assert status == 200
    assert answer == expected


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        (
            {
                "pattern": "line",
                "num_points": 3,
                "point_spacing": 600,
                "center": True,
                "orientation": 90,
            },
            [(10.901746323103783, 41.27), (10.68, 41.27), (10.458253676896216, 41.27)],
        ),
        (
            {"pattern": "grid", "num_rows": 2, "num_columns": 2, "point_spacing": 600},
            [
                (10.68, 41.27),
                (10.68, 41.43666666666667),
                (10.90231479207231, 41.43666666666667),
                (10.901746323103783, 41.27),
            ],
        ),
        (
            {"pattern": "grid", "num_rows": 2, "num_columns": 2, "point_overlap_percent": 10},
            [
                (10.68, 41.27),
                (10.68, 41.668336000000004),
                (11.213243587044635, 41.668336000000004),
                (11.209977260159214, 41.27),
            ],
        ),
        (
            {
                "pattern": "grid",
                "num_rows": 2,
                "num_columns": 2,
                "point_overlap_percent": 10,
                "line_overlap_percent": 20,
            },
            [
                (10.68, 41.27),
                (10.68, 41.668336000000004),
                (11.153994299595231, 41.668336000000004),
                (11.1510908979193, 41.27),
            ],
        ),
        (
            {
                "pattern": "grid",
                "num_rows": 2,
                "num_columns": 2,
                "point_overlap_percent": 10,
                "line_overlap_percent": 20,
                "orientation": 90,
            },
            [
                (10.68, 41.27),
                (10.2089091020807, 41.27),
                (10.206005700404768, 41.668336000000004),
                (10.68, 41.668336000000004),
            ],
        ),
    ],
    ids=[
        "centred line at 90",
        "grid",
        "grid by overlap",
        "grid by two overlaps",
        "grid by overlaps at 90",
    ],
)
def test_mosaic_positions_are_the_portals(parameters: JSON, expected: list[Any]) -> None:
    status, answer = mosaicked(**parameters)
    assert status == 200
    assert repr(positions_of(answer)) == repr(expected)
    assert answer["extra_params"] == {"mosaic_pattern": parameters["pattern"]}
    assert all(c["priority"] == 1 and c["extra_params"] == {} for c in answer["configurations"])


@pytest.mark.parametrize(
    ("orientation", "second"),
    [
        (0, (10.68, 41.323634627608804)),
        (90, (10.630658668362024, 41.27)),
        (44.9, (10.629599884839433, 41.30799154341683)),
        (45, (10.64509638674261, 41.29622335115914)),
        (134.9, (10.645063573582677, 41.243822457139935)),
        (135, (10.629570363686218, 41.232074591111406)),
        (224.9, (10.730341492303664, 41.23200845658317)),
        (225, (10.714875585696634, 41.243776648840864)),
        (314.9, (10.714964453807292, 41.29617754286007)),
    ],
)
def test_a_floyds_mosaic_by_overlap_moves_as_the_portals(
    orientation: float, second: tuple[float, float]
) -> None:
    status, answer = mosaicked(
        floyds_request(),
        pattern="line",
        num_points=2,
        point_overlap_percent=20,
        orientation=orientation,
    )
    assert status == 200
    assert repr(positions_of(answer)) == repr([(10.68, 41.27), second])


@pytest.mark.parametrize("orientation", [315, -45, 675])
def test_at_exactly_315_degrees_the_spacings_do_not_swap(orientation: float) -> None:
    """The portal fails there (500); the README documents this answer instead."""
    detector = detector_of(CATALOGUE, "2M0-FLOYDS-SCICAM")
    assert detector is not None
    unswapped, _ = overlap_spacings(detector, 20, 20, 0)
    status, answer = mosaicked(
        floyds_request(),
        pattern="line",
        num_points=2,
        point_overlap_percent=20,
        orientation=orientation,
    )
    _, by_spacing = mosaicked(
        floyds_request(), pattern="line", num_points=2, point_spacing=unswapped, orientation=315
    )
    assert status == 200
    assert positions_of(answer) == positions_of(by_spacing)


def test_the_snapshots_detectors_are_the_portals() -> None:
    seen = {
        "1M0-SCICAM-SINISTRO": (0.0, 4096, 4096, 0.389),
        "0M4-SCICAM-QHY600": (0.0, 9576, 6388, 0.734),
        "2M0-SCICAM-MUSCAT": (3.75, 2048, 2048, 0.267),
        "2M0-FLOYDS-SCICAM": (69.3745, 2048, 512, 0.139),
        "1M0-NRES-SCICAM": (0.0, 4096, 4096, 0.5),
        "SOAR_GHTS_REDCAM": (0.0, 2071, 948, 0.15),
        "SOAR_TRIPLESPEC": (0.0, 2048, 2048, 0.42),
    }
    for instrument_type, (orientation, x, y, scale) in seen.items():
        detector = detector_of(CATALOGUE, instrument_type.lower())
        assert detector is not None, instrument_type
        assert (detector.pixels_x, detector.pixels_y, detector.pixel_scale) == (x, y, scale)
        assert detector.orientation == pytest.approx(orientation, abs=1e-9)


def test_a_mosaic_neither_wraps_ra_nor_clips_dec() -> None:
    request = copy.deepcopy(REQUEST)
    request["configurations"][0]["target"]["dec"] = 89.99
    request["configurations"][0]["constraints"]["max_airmass"] = 25.0
    request["location"] = {"telescope_class": "1m0"}
    status, answer = mosaicked(request, pattern="line", num_points=3, point_spacing=3600)
    assert status == 200, answer
    assert rounded(positions_of(answer)) == [(10.68, 89.99), (10.68, 90.99), (10.68, 91.99)]


def test_a_window_without_start_starts_now_and_read_only_members_are_dropped() -> None:
    request = copy.deepcopy(REQUEST)
    request["windows"] = [{"end": "2030-11-12T00:00:00+02:00"}]
    request.update(id=5, state="PENDING", observation_note="n", configuration_repeats="1")
    status, answer = mosaicked(request, pattern="line", num_points=1, point_spacing=1)
    assert status == 200, answer
    assert answer["windows"] == [{"start": "2030-11-01T00:00:00Z", "end": "2030-11-11T22:00:00Z"}]
    assert "id" not in answer and "state" not in answer
    assert (answer["observation_note"], answer["configuration_repeats"]) == ("n", 1)


# -- refusals --------------------------------------------------------------------------------------


def codes(messages: object) -> list[str]:
    """The finding codes of a list of messages."""
    assert isinstance(messages, list)
    return [message.split()[0] for message in messages]


@pytest.mark.parametrize(
    ("parameters", "field", "code"),
    [
        ({"num_points": 3, "point_spacing": 1}, "pattern", "S002"),
        ({"pattern": "custom", "num_points": 3, "point_spacing": 1}, "pattern", "S004"),
        ({"pattern": "Line", "num_points": 3, "point_spacing": 1}, "pattern", "S004"),
        ({"pattern": "line", "num_points": 3}, "point_spacing", "S002"),
        ({"pattern": "line", "num_points": 3, "point_spacing": None}, "point_spacing", "S001"),
        ({"pattern": "line", "num_points": 3, "point_spacing": [1]}, "point_spacing", "S001"),
        ({"pattern": "line", "num_points": 3.5, "point_spacing": 1}, "num_points", "S001"),
        ({"pattern": "line", "num_points": True, "point_spacing": 1}, "num_points", "S001"),
        ({"pattern": "line", "num_points": 1e20, "point_spacing": 1}, "num_points", "S001"),
        ({"pattern": "line", "num_points": 3, "point_spacing": 1, "center": ""}, "center", "S001"),
        (
            {"pattern": "line", "num_points": 3, "point_spacing": 1, "center": None},
            "center",
            "S001",
        ),
        (
            {"pattern": "line", "num_points": 3, "point_spacing": 1, "orientation": None},
            "orientation",
            "S001",
        ),
        (
            {"pattern": "line", "num_points": 3, "point_spacing": "1" * 1001},
            "point_spacing",
            "S001",
        ),
    ],
)
def test_dither_refuses_a_parameter_at_its_field(parameters: JSON, field: str, code: str) -> None:
    status, answer = dithered(**parameters)
    assert status == 400
    assert list(answer) == [field]
    assert codes(answer[field]) == [code]


@pytest.mark.parametrize(
    "parameters",
    [
        {"pattern": "line", "point_spacing": 10},
        {"pattern": "spiral", "point_spacing": 10},
        {"pattern": "grid", "point_spacing": 10, "num_rows": 2},
        {"pattern": "grid", "point_spacing": 10, "num_columns": 2},
    ],
)
def test_missing_counts_are_the_objects_own_refusal(parameters: JSON) -> None:
    status, answer = dithered(**parameters)
    assert (status, list(answer)) == (400, ["non_field_errors"])
    assert codes(answer["non_field_errors"]) == ["S002"]


def test_counts_are_asked_for_only_once_every_field_is_valid() -> None:
    status, answer = dithered(pattern="line", point_spacing="ten")
    assert (status, list(answer)) == (400, ["point_spacing"])


@pytest.mark.parametrize(
    ("configuration", "expected"),
    [
        ("missing", ["S002"]),
        (None, ["S001"]),
        ("text", {"non_field_errors": ["S001"]}),
        ([CONFIGURATION], {"non_field_errors": ["S001"]}),
    ],
)
def test_dither_refuses_a_configuration_that_is_not_one(
    configuration: object, expected: object
) -> None:
    body: JSON = {"pattern": "line", "num_points": 2, "point_spacing": 1}
    if configuration != "missing":
        body["configuration"] = configuration
    status, answer = dither(body, SETTINGS)
    assert status == 400
    found = answer["configuration"]
    assert (
        codes(found) if isinstance(found, list) else {k: codes(v) for k, v in found.items()}
    ) == expected


def test_dither_refuses_the_configuration_at_the_configurations_own_places() -> None:
    configuration = copy.deepcopy(CONFIGURATION)
    configuration["instrument_configs"][0]["optical_elements"] = {"filter": "nonesuch"}
    configuration["extra_params"] = {"dither_pattern": "line"}  # set, but no offsets
    status, answer = dither(
        {"configuration": configuration, "pattern": "line", "num_points": 2, "point_spacing": 1},
        SETTINGS,
    )
    assert status == 400
    assert list(answer) == ["configuration"]
    refused = answer["configuration"]
    assert codes(refused["instrument_configs"][0]["optical_elements"]["filter"]) == ["R016"]
    assert codes(refused["extra_params"]["dither_pattern"]) == ["R028"]


def test_dither_judges_the_configuration_without_a_request() -> None:
    """No windows, location or visibility: a configuration has none to judge."""
    configuration = copy.deepcopy(CONFIGURATION)
    configuration["target"]["dec"] = -89.0  # never up at a northern site: irrelevant here
    status, _ = dither(
        {"configuration": configuration, "pattern": "line", "num_points": 2, "point_spacing": 1},
        SETTINGS,
    )
    assert status == 200


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        (
            {"pattern": "line", "num_points": 3, "point_spacing": 1, "orientation": "nan"},
            "orientation",
        ),
        (
            {"pattern": "line", "num_points": 3, "point_spacing": 1, "orientation": "inf"},
            "orientation",
        ),
        ({"pattern": "line", "num_points": 3, "point_spacing": "inf"}, "point_spacing"),
        (
            {
                "pattern": "grid",
                "num_rows": 2,
                "num_columns": 2,
                "point_spacing": 1,
                "line_spacing": "-inf",
            },
            "line_spacing",
        ),
        ({"pattern": "spiral", "num_points": 3, "point_spacing": "nan"}, "point_spacing"),
        ({"pattern": "spiral", "num_points": 3, "point_spacing": "inf"}, "point_spacing"),
        ({"pattern": "spiral", "num_points": 3, "point_spacing": -5}, "point_spacing"),
        ({"pattern": "line", "num_points": 3, "point_spacing": 1e308}, "point_spacing"),
    ],
)
def test_where_the_portal_fails_dither_refuses_at_the_field(parameters: JSON, field: str) -> None:
    """Documented difference: the portal answers 500 to each of these."""
    status, answer = dithered(**parameters)
    assert (status, list(answer)) == (400, [field])
    assert codes(answer[field]) == ["S003"]


def test_non_finite_values_the_geometry_does_not_use_are_the_portals_200() -> None:
    assert dithered(pattern="spiral", num_points=3, point_spacing=1, orientation="nan")[0] == 200
    assert dithered(pattern="line", num_points=3, point_spacing=1, line_spacing="inf")[0] == 200
    assert dithered(pattern="line", num_points=0, point_spacing="nan")[0] == 200
    assert dithered(pattern="spiral", num_points=1, point_spacing=-5)[0] == 200


def test_an_expansion_beyond_the_bound_is_refused_at_once() -> None:
    status, answer = dithered(pattern="grid", num_rows=10**6, num_columns=10**6, point_spacing=1)
    assert (status, list(answer)) == (400, ["detail"])
    assert f"{MOST_EXPANDED:,}" in answer["detail"]


@pytest.mark.parametrize(
    ("parameters", "field", "code"),
    [
        ({"pattern": "spiral", "num_points": 3, "point_spacing": 1}, "pattern", "S004"),
        (
            {"pattern": "line", "num_points": 3, "point_overlap_percent": 101},
            "point_overlap_percent",
            "S003",
        ),
        (
            {"pattern": "line", "num_points": 3, "point_overlap_percent": -1},
            "point_overlap_percent",
            "S003",
        ),
        (
            {
                "pattern": "line",
                "num_points": 3,
                "point_overlap_percent": 10,
                "line_overlap_percent": "-inf",
            },
            "line_overlap_percent",
            "S003",
        ),
        (
            {"pattern": "line", "num_points": 3, "point_spacing": 1, "orientation": "nan"},
            "orientation",
            "S003",
        ),
        (
            {"pattern": "line", "num_points": 3, "point_overlap_percent": 10, "orientation": "nan"},
            "orientation",
            "S003",
        ),
        (
            {"pattern": "line", "num_points": 3, "point_overlap_percent": "nan"},
            "point_overlap_percent",
            "S003",
        ),
    ],
)
def test_mosaic_refuses_a_parameter_at_its_field(parameters: JSON, field: str, code: str) -> None:
    status, answer = mosaicked(**parameters)
    assert (status, list(answer)) == (400, [field])
    assert codes(answer[field]) == [code]


def test_mosaic_needs_a_spacing_or_an_overlap() -> None:
    for parameters in ({}, {"line_overlap_percent": 10}, {"line_spacing": 10}):
        status, answer = mosaicked(pattern="line", num_points=2, **parameters)
        assert (status, list(answer)) == (400, ["non_field_errors"])
        assert codes(answer["non_field_errors"]) == ["S002"]


def test_an_overlap_overrides_a_written_spacing() -> None:
    by_overlap = mosaicked(pattern="line", num_points=2, point_overlap_percent=10)
    both = mosaicked(pattern="line", num_points=2, point_overlap_percent=10, point_spacing=99999)
    assert by_overlap == both


def test_mosaic_refuses_on_the_request_field_what_it_cannot_expand() -> None:
    request = copy.deepcopy(REQUEST)
    request["configurations"] = [CONFIGURATION, CONFIGURATION]
    status, answer = mosaicked(request, pattern="line", num_points=2, point_spacing=1)
    assert (status, codes(answer["request"])) == (400, ["S900"])
    orbital = copy.deepcopy(REQUEST)
    orbital["configurations"][0]["target"] = orbital_target("2030 AB")
    status, answer = mosaicked(orbital, pattern="line", num_points=2, point_spacing=1)
    assert status == 400
    assert codes(answer["request"]) == ["S004"]


def test_mosaic_refuses_the_request_at_its_own_places() -> None:
    request = copy.deepcopy(REQUEST)
    request["configurations"] = []
    request["extra_params"] = {"mosaic_pattern": "foo"}
    status, answer = mosaicked(request, pattern="line", num_points=2, point_spacing=1, center="")
    assert status == 400
    assert set(answer) == {"request", "center"}
    assert "configurations" in answer["request"]


def test_request_extra_params_that_cannot_hold_the_pattern_are_refused() -> None:
    request = {**copy.deepcopy(REQUEST), "extra_params": "text"}
    status, answer = mosaicked(request, pattern="line", num_points=2, point_spacing=1)
    assert status == 400
    assert codes(answer["request"]["extra_params"]) == ["S001"]


@pytest.mark.parametrize("endpoint", [dither, mosaic])
def test_a_body_that_is_not_an_object_is_refused_as_a_whole(endpoint: Any) -> None:
    status, answer = endpoint([1], SETTINGS)
    assert (status, codes(answer["non_field_errors"])) == (400, ["J013"])


@pytest.mark.parametrize("endpoint", [dither, mosaic])
def test_the_loaders_errors_are_refused_at_their_places(endpoint: Any) -> None:
    found = [Finding("J003", Severity.ERROR, "NaN is not a JSON number", pointer="/orientation")]
    status, answer = endpoint({"orientation": math.nan}, SETTINGS, found)
    assert (status, codes(answer["orientation"])) == (400, ["J003"])


@pytest.mark.parametrize("answer_text", [dither_text, mosaic_text])
def test_the_server_reads_the_body_as_the_validate_endpoint(answer_text: Any) -> None:
    status, answer = answer_text(b"{x", SETTINGS)
    assert status == 400 and answer["detail"].startswith("JSON parse error - ")
    status, answer = answer_text(b'{"pattern": NaN}', SETTINGS)
    assert (status, codes(answer["pattern"])) == (400, ["J003"])


def test_the_server_answers_a_dither() -> None:
    body = b'{"configuration": %s, "pattern": "line", "num_points": 2, "point_spacing": 1}'
    import json

    status, answer = dither_text(body % json.dumps(CONFIGURATION).encode(), SETTINGS)
    assert status == 200
    assert len(answer["instrument_configs"]) == 2


# -- properties of the geometry --------------------------------------------------------------------

counts = st.integers(-2, 12)
spacings = st.floats(-1000, 1000, allow_nan=False)
positive_spacings = st.floats(0, 1000, allow_nan=False)
angles = st.floats(-720, 720, allow_nan=False)


@st.composite
def parameters(draw: st.DrawFn) -> PatternParameters:
    pattern = draw(st.sampled_from([LINE, GRID, SPIRAL]))
    return PatternParameters(
        pattern=pattern,
        point_spacing=draw(positive_spacings if pattern == SPIRAL else spacings),
        line_spacing=draw(spacings),
        num_points=draw(counts),
        num_rows=draw(counts),
        num_columns=draw(counts),
        orientation=draw(angles),
        center=draw(st.booleans()),
    )


def close(a: tuple[float, float], b: tuple[float, float], scale: float) -> bool:
    tolerance = 1e-9 * max(1.0, scale)
    return abs(a[0] - b[0]) <= tolerance and abs(a[1] - b[1]) <= tolerance


def rotated(offset: tuple[float, float], degrees: float) -> tuple[float, float]:
    """``offset`` turned by ``degrees`` from north through east (the patterns' sense)."""
    x, y = offset
    s, c = math.sin(math.radians(degrees)), math.cos(math.radians(degrees))
    return (x * c - y * s, x * s + y * c)


@given(parameters())
def test_the_number_of_offsets_is_the_patterns(p: PatternParameters) -> None:
    expected = {
        LINE: max(p.num_points, 0),
        GRID: max(p.num_rows, 0) * max(p.num_columns, 0),
        SPIRAL: max(p.num_points, 1),
    }[p.pattern]
    assert len(pattern_offsets(p)) == expected == offset_count(p)


@given(counts, counts, spacings, spacings, angles)
def test_a_centred_grid_is_symmetric_about_its_centre(
    rows: int, columns: int, point: float, line: float, orientation: float
) -> None:
    offsets = grid_offsets(rows, columns, point, line, orientation, True)
    scale = abs(point) * rows + abs(line) * columns
    for x, y in offsets:
        assert any(close((-x, -y), other, scale) for other in offsets)


@given(counts, spacings, angles)
def test_a_centred_line_is_symmetric_about_its_centre(n: int, spacing: float, angle: float) -> None:
    offsets = line_offsets(n, spacing, angle, True)
    for index, offset in enumerate(offsets):
        mirror = offsets[len(offsets) - 1 - index]
        assert close(offset, (-mirror[0], -mirror[1]), abs(spacing) * n)


@given(counts, counts, spacings, spacings, angles, st.booleans())
def test_orientation_rotates_a_grid_by_that_angle(
    rows: int, columns: int, point: float, line: float, angle: float, center: bool
) -> None:
    upright = grid_offsets(rows, columns, point, line, 0.0, center)
    turned = grid_offsets(rows, columns, point, line, angle, center)
    scale = abs(point) * rows + abs(line) * columns
    assert all(close(rotated(u, angle), t, scale) for u, t in zip(upright, turned, strict=True))


@given(counts, spacings, angles, st.booleans())
def test_orientation_rotates_a_line_by_that_angle(
    n: int, spacing: float, angle: float, center: bool
) -> None:
    upright = line_offsets(n, spacing, 0.0, center)
    turned = line_offsets(n, spacing, angle, center)
    assert all(
        close(rotated(u, angle), t, abs(spacing) * n) for u, t in zip(upright, turned, strict=True)
    )


@given(counts, positive_spacings)
def test_a_spiral_steps_out_by_the_square_root_of_its_spacing(n: int, spacing: float) -> None:
    offsets = spiral_offsets(n, spacing)
    assert offsets[0] == (0, 0) and type(offsets[0][0]) is int
    for turn, (x, y) in enumerate(offsets[1:], start=1):
        assert math.hypot(x, y) == pytest.approx(
            math.sqrt(2 * spacing * turn), rel=1e-12, abs=1e-12
        )


@given(st.integers(-7200, 7200).map(lambda tenths: tenths / 10), st.integers(-3, 3))
def test_whether_spacings_swap_repeats_every_turn(angle: float, turns: int) -> None:
    assert flips(angle) == flips(angle + 360 * turns)


def test_each_boundary_belongs_to_the_band_above_it() -> None:
    assert [flips(a) for a in (0, 44.999, 45, 134.999, 135, 224.999, 225, 314.999, 315, 359)] == [
        False, False, True, True, False, False, True, True, False, False,
    ]  # fmt: skip


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([LINE, GRID, SPIRAL]), st.integers(0, 4), st.integers(1, 3))
def test_a_dither_has_one_instrument_config_per_offset_and_original(
    pattern: str, n: int, originals: int
) -> None:
    configuration = copy.deepcopy(CONFIGURATION)
    configuration["instrument_configs"] = configuration["instrument_configs"] * originals
    body = {
        "configuration": configuration,
        "pattern": pattern,
        "num_points": n,
        "num_rows": n,
        "num_columns": 2,
        "point_spacing": 3,
    }
    status, answer = dither(body, SETTINGS)
    offsets = offset_count(
        PatternParameters(pattern, 3.0, 3.0, num_points=n, num_rows=n, num_columns=2)
    )
    assert status == 200
    assert len(answer["instrument_configs"]) == offsets * originals
