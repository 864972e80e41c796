"""``lco-validate expand cadence|dither|mosaic FILE``: the portal's expansions without a server.

The expected values are the real portal's answers for the same inputs (the
test vectors of its 4.18.10, judged at 2030-11-01): the command must print
them, and turn a refusal into located findings.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from lco_validate.cli import cli
from lco_validate.cli.expand import error_places

from .conftest import mini_sites
from .portal_documents import configuration

CONFIGURATION = configuration()  # this module's own copy: tests change it

NOW = "2030-11-01T00:00:00Z"
REQUEST: dict[str, Any] = {
    "location": {"telescope_class": "1m0"},
    "configurations": [CONFIGURATION],
    "windows": [{"start": "2030-11-10T00:00:00Z", "end": "2030-11-12T00:00:00Z"}],
}
CADENCE = {"start": "2030-11-10T00:00:00Z", "end": "2030-11-12T00:00:00Z", "period": 6, "jitter": 2}


def cadence_group(**cadence: Any) -> dict[str, Any]:
    request = {key: value for key, value in REQUEST.items() if key != "windows"}
    request["cadence"] = {**CADENCE, **cadence}
    return {
        "name": "cadence",
        "proposal": "TEST_PROPOSAL",
        "ipp_value": 1.05,
        "operator": "SINGLE",
        "observation_type": "NORMAL",
        "requests": [request],
    }


def written(tmp_path: Path, document: object, name: str = "body.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2))
    return path


def expand(*arguments: str, input_text: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["expand", *arguments, "--now", NOW], input=input_text)


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


# ---------------------------------------------------------------------------- what is printed


def test_dither_prints_the_configuration_at_the_portals_offsets(tmp_path: Path) -> None:
    body = {"configuration": CONFIGURATION, "pattern": "line", "num_points": 3, "point_spacing": 10}
    result = expand("dither", str(written(tmp_path, body)))
    assert result.exit_code == 0, result.output
    configuration = json.loads(result.stdout)
    offsets = [
        (config["extra_params"]["offset_ra"], config["extra_params"]["offset_dec"])
        for config in configuration["instrument_configs"]
    ]
    assert offsets == [(-0.0, 0.0), (-0.0, 10.0), (-0.0, 20.0)]
    assert configuration["extra_params"]["dither_pattern"] == "line"
    assert configuration["target"]["name"] == "M31"


def test_mosaic_prints_the_request_with_one_configuration_per_position(tmp_path: Path) -> None:
    body = {"request": REQUEST, "pattern": "line", "num_points": 3, "point_spacing": 600}
    result = expand("mosaic", str(written(tmp_path, body)))
    assert result.exit_code == 0, result.output
    request = json.loads(result.stdout)
    positions = [(c["target"]["ra"], c["target"]["dec"]) for c in request["configurations"]]
    assert positions == [(10.68, 41.27), (10.68, 41.43666666666667), (10.68, 41.60333333333334)]
    assert request["extra_params"]["mosaic_pattern"] == "line"
    assert result.stderr == ""


def test_cadence_prints_the_group_and_says_which_windows_it_left_out(tmp_path: Path) -> None:
    path = written(tmp_path, cadence_group())
    result = expand("cadence", str(path))
    assert result.exit_code == 0, result.output
    group = json.loads(result.stdout)
    assert group["operator"] == "MANY"
    assert [request["windows"] for request in group["requests"]] == [
        [{"start": "2030-11-10T00:00:00Z", "end": "2030-11-10T01:00:00Z"}],
        [{"start": "2030-11-10T05:00:00Z", "end": "2030-11-10T07:00:00Z"}],
        [{"start": "2030-11-10T23:00:00Z", "end": "2030-11-11T01:00:00Z"}],
        [{"start": "2030-11-11T05:00:00Z", "end": "2030-11-11T07:00:00Z"}],
    ]
    notes = result.stderr.splitlines()
    assert len(notes) == 4  # 8 candidate windows, 4 kept
    assert notes[0].startswith(
        f"{path}: note: cadence window 2030-11-10T11:00:00Z to 2030-11-10T13:00:00Z left out: "
    )
    assert all("167 s" in note for note in notes)  # the request's duration, which none holds


def test_standard_input_is_read_for_a_dash() -> None:
    body = {
        "configuration": CONFIGURATION,
        "pattern": "spiral",
        "num_points": 2,
        "point_spacing": 10,
    }
    result = expand("dither", "-", input_text=json.dumps(body))
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.stdout)["instrument_configs"]
    assert (first["extra_params"]["offset_ra"], first["extra_params"]["offset_dec"]) == (0, 0)
    assert (second["extra_params"]["offset_ra"], second["extra_params"]["offset_dec"]) == (
        -1.064,
        -4.344,
    )


def test_an_orientation_of_315_with_overlaps_is_expanded_with_a_note(tmp_path: Path) -> None:
    body = {
        "request": REQUEST,
        "pattern": "line",
        "num_points": 2,
        "point_overlap_percent": 20,
        "orientation": -45,
    }
    result = expand("mosaic", str(written(tmp_path, body)))
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["configurations"]) == 2
    assert "500" in result.stderr and "315 degrees" in result.stderr


# ---------------------------------------------------------------------------- refusals


def test_a_refusal_prints_each_error_at_its_line_and_exits_1(tmp_path: Path) -> None:
    body = {"configuration": CONFIGURATION, "pattern": "circle", "point_spacing": "far"}
    path = written(tmp_path, body)
    result = expand("dither", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    pattern = next(line for line in lines if "S004" in line)
    spacing = next(line for line in lines if "S001" in line)
    assert pattern.startswith(f"{path}:{line_of(path, 'circle')}:")
    assert '"circle" is not a dither pattern' in pattern
    assert spacing.startswith(f"{path}:{line_of(path, 'far')}:")


def test_nested_errors_take_the_place_of_the_value_they_judge(tmp_path: Path) -> None:
    request = copy.deepcopy(REQUEST)
    request["configurations"][0]["instrument_configs"][0]["exposure_time"] = -30
    body = {"request": request, "pattern": "line", "num_points": 2, "point_spacing": 60}
    path = written(tmp_path, body)
    result = expand("mosaic", str(path), "-o", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    exposure = "/request/configurations/0/instrument_configs/0/exposure_time"
    [finding] = [f for f in findings if f["pointer"] == exposure]
    assert finding["line"] == line_of(path, '"exposure_time": -30')
    assert finding["severity"] == "error"
    assert finding["code"] and not finding["message"].startswith(finding["code"])


def test_a_cadence_no_window_can_hold_is_one_finding_on_the_whole_document(
    tmp_path: Path,
) -> None:
    group = cadence_group()
    group["requests"][0]["configurations"][0]["target"]["dec"] = 89.0
    group["requests"][0]["configurations"][0]["constraints"]["max_airmass"] = 1.6
    result = expand("cadence", str(written(tmp_path, group)), "-o", "json")
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["code"], finding["pointer"]) == ("S305", "")
    assert result.stderr.count("left out") == 8


def test_a_cadence_judged_after_its_end_is_refused_at_its_end(tmp_path: Path) -> None:
    path = written(tmp_path, cadence_group())
    result = CliRunner().invoke(
        cli, ["expand", "cadence", str(path), "--now", "2030-12-01T00:00:00Z", "-o", "json"]
    )
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["code"], finding["pointer"]) == ("S302", "/requests/0/cadence/end")


def test_unreadable_input_prints_the_reading_findings_and_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"pattern": ')
    result = expand("dither", str(broken))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{broken}:1:") and " J001 " in result.stdout
    missing = expand("mosaic", str(tmp_path / "missing.json"))
    assert missing.exit_code == 1
    assert " J020 " in missing.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    path = written(tmp_path, {})
    assert expand("stretch", str(path)).exit_code == 2
    late = CliRunner().invoke(cli, ["expand", "dither", str(path), "--now", "soon"])
    assert late.exit_code == 2
    assert "soon" in late.output


def test_configdb_chooses_the_catalogue(tmp_path: Path) -> None:
    configuration = copy.deepcopy(CONFIGURATION)
    configuration["instrument_type"] = "1M0-TEST-IMAGER"
    configuration["instrument_configs"][0]["mode"] = "full"
    body = {"configuration": configuration, "pattern": "line", "num_points": 2, "point_spacing": 5}
    path = written(tmp_path, body)
    sites = written(tmp_path, mini_sites(), "sites.json")
    assert expand("dither", str(path)).exit_code == 1  # not an instrument of the LCO network
    result = expand("dither", str(path), "--configdb", str(sites))
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["instrument_configs"]) == 2


def test_help_shows_an_example() -> None:
    result = CliRunner().invoke(cli, ["expand", "--help"])
    assert result.exit_code == 0
    assert "lco-validate expand dither" in result.output
    assert "cadence" in result.output and "mosaic" in result.output


# ---------------------------------------------------------------------------- error places


def test_error_places_follow_the_portals_nesting() -> None:
    answer = {
        "non_field_errors": ["S002 top"],
        "request": {
            "configurations": [{}, {"non_field_errors": ["R001 second"], "a/b": ["S001 key"]}],
        },
        "errors": "S305 whole",
        "detail": "no code",
    }
    assert sorted(error_places(answer)) == sorted(
        [
            ("", "S002 top"),
            ("/request/configurations/1", "R001 second"),
            ("/request/configurations/1/a~1b", "S001 key"),
            ("", "S305 whole"),
            ("", "no code"),
        ]
    )
    # Below the top level, "errors" is a field like any other.
    assert list(error_places({"request": {"errors": ["S001 x"]}})) == [
        ("/request/errors", "S001 x")
    ]
