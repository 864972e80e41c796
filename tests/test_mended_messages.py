"""Findings that say what to write (issue 24): D002 beside its cause, V001 in daylight,
the case of a choice (S004, R085), a swapped window (R070) and the one-file ``--plot``."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lco_validate import load_catalogue
from lco_validate.checking.pipeline import check_document
from lco_validate.checking.policy import Settings
from lco_validate.findings import EditKind, Finding, Severity
from lco_validate.model.normalize import normalized_request
from lco_validate.rules import without_explained_consequences
from lco_validate.rules._windows import swapped_bounds

from .test_schemas import C, T, only_finding
from .test_visibility import group, run, submission, v_findings

CATALOGUE = load_catalogue()
NOW = datetime(2030, 6, 1, tzinfo=UTC)
VALID_GROUP = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "request-group.json"


def findings_of(document: dict[str, Any]) -> list[Finding]:
    return check_document(document, Settings(catalogue=CATALOGUE, now=NOW))


def valid_group() -> dict[str, Any]:
    return json.loads(VALID_GROUP.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


# -- D002 beside the error that explains it -------------------------------------------------------


def test_no_d002_beside_the_r001_of_an_unknown_instrument_type() -> None:
    document = valid_group()
    document["requests"][1]["configurations"][0]["instrument_type"] = "1M0-SCICAM-SINSTRO"
    codes = [finding.code for finding in findings_of(document)]
    assert codes == ["R001"]


def test_d002_stands_alone_when_nothing_else_says_why() -> None:
    document = valid_group()
    document["requests"][0]["configurations"][0]["instrument_configs"][0]["exposure_time"] = 1e308
    [finding] = findings_of(document)
    assert (finding.code, finding.pointer) == ("D002", "/requests/0")
    assert "too large to compute with" in finding.message


def test_only_a_consequence_at_the_same_place_as_an_error_is_left_out() -> None:
    here, there = "/requests/0/configurations/0/instrument_type", "/requests/0"
    cause = Finding("R001", Severity.ERROR, "unknown", here)
    consequence = Finding("D002", Severity.WARNING, "no duration", here)
    elsewhere = Finding("D002", Severity.WARNING, "no duration", there)
    warning = Finding("R085", Severity.WARNING, "a warning explains nothing", there)
    assert without_explained_consequences([consequence, cause]) == [cause]
    assert without_explained_consequences([elsewhere, cause]) == [elsewhere, cause]
    assert without_explained_consequences([elsewhere, warning]) == [elsewhere, warning]


# -- V001: up only in daylight --------------------------------------------------------------------


def test_v001_says_when_the_target_is_up_only_in_daylight() -> None:
    request = submission(6)  # Sinistro at Teide, max_airmass 3, late January 2025
    request["configurations"][0]["target"].update(ra=312.0, dec=-18.0)  # beside the Sun
    [finding] = v_findings(group(request))
    assert finding.code == "V001"
    assert "up only in daylight" in finding.message
    assert "only while the Sun is up" in finding.message
    assert "raise max_airmass" not in finding.message


def test_v001_for_a_target_never_high_enough_points_at_the_limit() -> None:
    request = submission(6)
    request["configurations"][0]["target"]["dec"] = -80.0  # never above 19.5 deg from Teide
    [finding] = v_findings(group(request))
    assert "never gets high enough" in finding.message and "by night or by day" in finding.message
    assert "raise max_airmass" in finding.message


# -- a choice in other letter case ----------------------------------------------------------------


def test_s004_for_a_choice_in_other_letter_case_says_what_to_write_and_fixes_it() -> None:
    finding = only_finding(C + "/type", "expose")
    assert finding.message == (
        "configuration type 'expose' is not valid; the portal is exact about letter case: "
        "write 'EXPOSE'"
    )
    assert finding.fix is not None and finding.fix.safe
    assert [(edit.kind, edit.at, edit.value) for edit in finding.fix.edits] == [
        (EditKind.REPLACE_VALUE, "0", "EXPOSE")
    ]
    assert only_finding(T + "/type", "icrs").fix is not None


def test_s004_for_an_unknown_choice_has_no_fix() -> None:
    finding = only_finding(C + "/type", "EXPOSURE")
    assert finding.fix is None and "choose one of" in finding.message


def test_r085_carries_the_catalogues_spelling_as_a_safe_fix() -> None:
    document = valid_group()
    document["requests"][1]["configurations"][0]["instrument_type"] = "1m0-scicam-sinistro"
    [finding] = findings_of(document)
    assert finding.code == "R085" and finding.fix is not None and finding.fix.safe
    assert finding.fix.edits[0].value == "1M0-SCICAM-SINISTRO"


def test_sexagesimal_ra_carries_its_decimal_degrees_as_a_safe_fix() -> None:
    finding = only_finding(T + "/ra", "03:52:52.54")
    assert finding.fix is not None and finding.fix.safe
    assert finding.fix.edits[0].value == 58.218917
    assert only_finding(T + "/ra", "25:00:00").fix is None  # refused text: nothing to write


# -- R070: a swapped window -----------------------------------------------------------------------


def test_a_swapped_window_is_swapped_back_by_an_unsafe_fix() -> None:
    window = {"start": "2030-06-20T00:00:00Z", "end": "2030-06-10T00:00:00Z"}
    fix = swapped_bounds(window)
    assert fix is not None and not fix.safe
    placed = {edit.at: edit.value for edit in fix.edits}
    assert placed == {"1/start": "2030-06-10T00:00:00Z", "0": "2030-06-20T00:00:00Z"}


@pytest.mark.parametrize(
    "window",
    [
        {"start": "2030-06-10T00:00:00Z", "end": "2030-06-10T00:00:00Z"},  # no time, not swapped
        {"start": "2030-06-10T00:00:00Z", "end": "2030-06-20T00:00:00Z"},  # in order
        {"end": "2030-06-10T00:00:00Z"},
        {"start": "someday", "end": "2030-06-10T00:00:00Z"},
        "not a window",
    ],
)
def test_no_swap_is_offered_where_the_bounds_are_not_swapped(window: object) -> None:
    assert swapped_bounds(window) is None


def test_r070_carries_the_swap() -> None:
    document = valid_group()
    windows = document["requests"][0]["windows"]
    windows[0] = {"start": windows[0]["end"], "end": windows[0]["start"]}
    [finding] = findings_of(document)
    assert finding.code == "R070" and finding.pointer == "/requests/0/windows/0/end"
    assert finding.fix is not None and not finding.fix.safe
    assert {e.at: e.value for e in finding.placed_edits()} == {
        "/requests/0/windows/0/start": "2030-11-10T00:00:00Z",
        "/requests/0/windows/0/end": "2030-11-20T00:00:00Z",
    }


# -- visibility --plot: one file ------------------------------------------------------------------


def test_plot_writes_one_file_for_several_requests(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    source = tmp_path / "group.json"
    source.write_text(json.dumps(valid_group()))
    picture = tmp_path / "vis.png"
    result = run("visibility", str(source), "--now", "2030-11-01T00:00:00Z", "--plot", str(picture))
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in tmp_path.glob("*.png")) == ["vis.png"]
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_draws_at_most_a_dozen_requests_and_says_so(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from lco_validate.visibility.observability import request_visibility
    from lco_validate.visibility.plotting import MOST_PANELS, Panel, plot_requests

    request = submission(6)
    request["windows"] = [{"start": "2025-01-29T18:00:00Z", "end": "2025-01-30T08:00:00Z"}]
    visibility = request_visibility(
        normalized_request(copy.deepcopy(request), CATALOGUE, submission=True), CATALOGUE, None
    )
    panels = [Panel(f"request {index}", visibility) for index in range(MOST_PANELS + 2)]
    assert plot_requests(panels, tmp_path / "many.png") == MOST_PANELS
    assert plot_requests(panels[:1], tmp_path / "one.png") == 1
    assert (tmp_path / "many.png").stat().st_size > (tmp_path / "one.png").stat().st_size


def test_plot_help_says_one_file_with_airmass() -> None:
    result = run("visibility", "--help")
    help_text = " ".join(result.output.split())
    assert "one figure with a panel per request" in help_text and "airmass" in help_text
    assert "FILE-1.png" not in help_text
