"""calibrate: fitting overheads to recorded durations; the synthetic archives it is tested on."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lco_validate import load_catalogue
from lco_validate import request_duration as full_request_duration
from lco_validate.audit.archive import ArchiveRequest, iter_archive_requests
from lco_validate.calibrate import (
    MIDPOINT,
    SEVERAL_TYPES,
    WHOLE_SECONDS,
    Calibration,
    CalibrationData,
    TypeFit,
    calibrate,
    catalogue_changes,
    fit_all,
    iter_outliers,
    record_terms,
)
from lco_validate.catalogue.snapshot import Catalogue
from lco_validate.cli import cli
from lco_validate.synthetic import WRONG_SUFFIX, generate_requests, write_archive

from .conftest import SEED_PAGE, seed_page

QHY = "0M4-SCICAM-QHY600"
SINISTRO = "1M0-SCICAM-SINISTRO"
FLOYDS = "2M0-FLOYDS-SCICAM"
ARCHIVE_SIZE = 2000


def _modified_catalogue() -> Catalogue:
    """The built-in network with QHY600 full_frame 11 s, its filter change 3 s and FLOYDS
    observation padding 150 s (FLOYDS sums are in half seconds: the midpoint reading)."""
    sites = copy.deepcopy(load_catalogue().sites)
    catalogue = Catalogue(sites, "modified for the test")
    for placement in catalogue.placements:
        if placement.type_code == QHY:
            for group in placement.instrument_type["mode_types"]:
                for mode in group["modes"]:
                    if group["type"] == "readout" and mode["code"] == "full_frame":
                        mode["overhead"] = 11.0
            for camera in placement.instrument["science_cameras"]:
                for group in camera["optical_element_groups"]:
                    group["element_change_overhead"] = 3.0
        if placement.type_code == FLOYDS:
            placement.instrument_type["observation_front_padding"] = 150.0
    return catalogue


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 records timed with the modified catalogue, 1 % deliberately wrong, as JSON Lines."""
    path = tmp_path_factory.mktemp("archive") / "requests.jsonl"
    records = generate_requests(_modified_catalogue(), ARCHIVE_SIZE, seed=7, wrong_fraction=0.01)
    write_archive(records, str(path), total=ARCHIVE_SIZE, output_format="jsonl")
    return path


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 records of the same kind, for the command line."""
    path = tmp_path_factory.mktemp("small") / "requests.txt"
    records = generate_requests(_modified_catalogue(), 400, seed=8, wrong_fraction=0.01)
    write_archive(records, str(path), total=400, output_format="capture", page_size=100)
    return path


@pytest.fixture(scope="module")
def pooled(archive: Path) -> CalibrationData:
    data = CalibrationData(load_catalogue())
    data.add_all(iter_archive_requests([str(archive)]))
    return data


@pytest.fixture(scope="module")
def fitted(pooled: CalibrationData) -> Calibration:
    return fit_all(pooled)


def _fit(calibration: Calibration, code: str) -> TypeFit:
    return next(fit for fit in calibration.fits if fit.instrument_type == code)


def _value(fit: TypeFit, key: str) -> float:
    return next(f.value for f in fit.parameters if f.parameter.key == key)


def _status(fit: TypeFit, key: str) -> str:
    return next(f.status for f in fit.parameters if f.parameter.key == key)


def _combination(fit: TypeFit, terms: dict[str, float]) -> Any:
    for combination in fit.combinations:
        if {p.key: c for p, c in combination.coefficients} == terms:
            return combination
    listed = [c.expression for c in fit.combinations]
    raise AssertionError(f"no combination {terms}; have {listed}")


def _seed_records() -> list[ArchiveRequest]:
    return [
        ArchiveRequest(str(SEED_PAGE), f"/results/{index}", 0, request)
        for index, request in enumerate(seed_page()["results"])
    ]


# -- the generator ------------------------------------------------------------------------------


def test_generated_durations_are_the_full_models() -> None:
    """The generator times complete records with the raw model; normalising first agrees."""
    catalogue = _modified_catalogue()
    for record in generate_requests(catalogue, 40, seed=3, wrong_fraction=0.0):
        assert full_request_duration(record.request, catalogue).duration == record.true_duration


def test_a_cadence_repeats_each_drawn_request_under_new_ids_and_later_windows() -> None:
    records = [r.request for r in generate_requests(load_catalogue(), 10, seed=4, cadence=4)]
    assert len(records) == 10
    ids = [r["id"] for r in records] + [c["id"] for r in records for c in r["configurations"]]
    assert len(set(ids)) == len(ids)

    def without_ids(request: dict[str, Any]) -> list[dict[str, Any]]:
        return [{k: v for k, v in c.items() if k != "id"} for c in request["configurations"]]

    for first, copies in ((0, range(1, 4)), (4, range(5, 8)), (8, range(9, 10))):
        for index in copies:
            assert without_ids(records[index]) == without_ids(records[first])
            assert records[index]["windows"][0]["start"] > records[index - 1]["windows"][0]["start"]
    assert without_ids(records[4]) != without_ids(records[0])


def test_generation_is_seeded_and_mixes_instrument_types() -> None:
    catalogue = load_catalogue()
    first = [r.request for r in generate_requests(catalogue, 300, seed=11)]
    again = [r.request for r in generate_requests(catalogue, 300, seed=11)]
    other = [r.request for r in generate_requests(catalogue, 300, seed=12)]
    assert first == again
    assert first != other
    types = [r["configurations"][0]["instrument_type"] for r in first]
    assert max(set(types), key=types.count) == QHY
    assert {QHY, SINISTRO, FLOYDS, "2M0-SCICAM-MUSCAT"} <= set(types)
    assert any(len(r["configurations"]) > 1 for r in first)
    assert any(r["configuration_repeats"] > 1 for r in first)
    assert any(c.get("repeat_duration") for r in first for c in r["configurations"])
    targets = {c["target"]["type"] for r in first for c in r["configurations"]}
    assert targets == {"ICRS", "ORBITAL_ELEMENTS"}


@pytest.mark.parametrize(("output_format", "compress"), [("capture", True), ("pages", False)])
def test_written_archive_reads_back_with_the_wrong_records_listed(
    tmp_path: Path, output_format: str, compress: bool
) -> None:
    path = tmp_path / "archive.txt"
    records = list(generate_requests(load_catalogue(), 120, seed=5, wrong_fraction=0.2))
    written = write_archive(
        records, str(path), total=120, output_format=output_format, page_size=50, compress=compress
    )
    assert written.documents == 3
    if compress:
        assert path.read_bytes()[:2] == b"\x1f\x8b"
        with gzip.open(path, "rt") as stream:
            assert stream.read().startswith("HTTP 200 OK\n")
    read = {(r.document, r.pointer): r.request for r in iter_archive_requests([str(path)])}
    assert len(read) == 120
    wrong = [json.loads(line) for line in Path(str(path) + WRONG_SUFFIX).read_text().splitlines()]
    assert len(wrong) == sum(r.wrong for r in records) > 0
    for entry in wrong:
        request = read[(entry["document"], entry["pointer"])]
        assert request["id"] == entry["id"]
        assert request["duration"] == entry["recorded"] != entry["true_duration"]


# -- features -----------------------------------------------------------------------------------


def test_features_reproduce_the_model_for_every_generated_record() -> None:
    catalogue = load_catalogue()
    data = CalibrationData(catalogue)
    for record in generate_requests(catalogue, 400, seed=9, wrong_fraction=0.0):
        terms = record_terms(record.request, catalogue, data.models)
        assert not isinstance(terms, str)
        model = data.models.get(terms.instrument_type)
        assert model is not None
        overheads = sum(
            f * p.catalogue for f, p in zip(terms.features, model.parameters, strict=True)
        )
        assert math.ceil(terms.fixed + overheads - 1e-6) == record.true_duration


def test_records_needing_normalisation_give_the_same_terms() -> None:
    catalogue = load_catalogue()
    stored = seed_page()["results"][3]
    written = copy.deepcopy(stored)
    configuration = written["configurations"][0]
    configuration["type"] = configuration["type"].lower()
    del configuration["acquisition_config"], configuration["guiding_config"]
    assert record_terms(written, catalogue) == record_terms(stored, catalogue)


def test_requests_with_several_instrument_types_are_left_out_and_counted() -> None:
    catalogue = load_catalogue()
    mixed = copy.deepcopy(seed_page()["results"][3])
    second = copy.deepcopy(seed_page()["results"][6]["configurations"][0])
    mixed["configurations"].append(second)
    data = CalibrationData(catalogue)
    data.add(ArchiveRequest("mixed.json", "", 0, mixed))
    assert data.skipped == {SEVERAL_TYPES: 1}
    assert data.several_types == {QHY: 1, SINISTRO: 1}
    assert data.by_type == {}


# -- the seed page (docs/catalogue.md, Values pinned by the seed records) ------------------------


def test_seed_page_fitted_sums_match_the_recorded_durations() -> None:
    calibration = calibrate(_seed_records(), load_catalogue())
    qhy, sinistro = _fit(calibration, QHY), _fit(calibration, SINISTRO)
    assert qhy.method == sinistro.method == WHOLE_SECONDS
    assert qhy.records == 7 and sinistro.records == 3 and qhy.outliers == sinistro.outliers == 0
    fixed = _value(qhy, "fixed_overhead_per_exposure")
    assert _value(qhy, "readout:central30x30") + fixed == pytest.approx(5.0)
    assert _value(qhy, "readout:full_frame") + fixed == pytest.approx(10.0)
    assert _value(qhy, "element:filters") == pytest.approx(2.0)
    padding = ("observation_front_padding", "config_front_padding", "config_change:STANDARD")
    telescope = ("instrument_change_overhead", "maximum_slew_overhead")
    assert sum(_value(qhy, key) for key in padding + telescope) == pytest.approx(95.0)
    fixed = _value(sinistro, "fixed_overhead_per_exposure")
    assert 2 * (_value(sinistro, "readout:full_frame") + fixed) + _value(
        sinistro, "element:filters"
    ) == pytest.approx(60.0)
    assert sum(_value(sinistro, key) for key in padding + telescope) == pytest.approx(106.0)
    assert catalogue_changes(calibration) == ([], [])


def test_seed_page_reports_what_it_cannot_separate() -> None:
    """The determined combinations are the records' own, whatever the starting catalogue."""
    sites = copy.deepcopy(load_catalogue().sites)
    misleading = Catalogue(sites, "misleading start")
    for placement in misleading.placements:
        if placement.type_code in (QHY, SINISTRO):
            placement.instrument_type["observation_front_padding"] = 60.0
            placement.instrument_type["fixed_overhead_per_exposure"] = 3.0
    calibration = calibrate(_seed_records(), misleading)
    qhy, sinistro = _fit(calibration, QHY), _fit(calibration, SINISTRO)
    for fit in (qhy, sinistro):
        assert _status(fit, "fixed_overhead_per_exposure") == "combination"
        assert _status(fit, "observation_front_padding") == "combination"
    padding = {
        "observation_front_padding": 1.0,
        "config_front_padding": 1.0,
        "config_change:STANDARD": 1.0,
        "instrument_change_overhead": 1.0,
        "maximum_slew_overhead": 1.0,
    }
    exposures = {"element:filters": 1.0, "fixed_overhead_per_exposure": 2.0}
    assert _combination(qhy, padding).value == pytest.approx(95.0)
    assert _combination(qhy, {"readout:central30x30": 2.0, **exposures}).value == pytest.approx(12)
    both_readouts = {"readout:central30x30": 1.0, "readout:full_frame": 1.0}
    both_readouts.update({"element:filters": 2.0, "fixed_overhead_per_exposure": 2.0})
    assert _combination(qhy, both_readouts).value == pytest.approx(19.0)
    sinistro_padding = _combination(sinistro, padding)
    assert sinistro_padding.value == pytest.approx(106.0)
    assert sinistro_padding.together
    assert "always occur together: only their sum is determined" in sinistro_padding.description
    assert _combination(sinistro, {"readout:full_frame": 2.0, **exposures}).value == 60.0
    unused = {f.parameter.key for f in sinistro.parameters if f.status == "unused"}
    assert "readout:central_2k_2x2" in unused


# -- a synthetic archive --------------------------------------------------------------------------


def test_calibrate_recovers_the_overheads_the_archive_was_made_with(fitted: Calibration) -> None:
    qhy, floyds = _fit(fitted, QHY), _fit(fitted, FLOYDS)
    assert qhy.method == WHOLE_SECONDS
    assert _value(qhy, "element:filters") == pytest.approx(3.0, abs=0.05)
    assert _combination(
        qhy, {"readout:full_frame": 1.0, "fixed_overhead_per_exposure": 1.0}
    ).value == pytest.approx(12.0, abs=0.05)
    assert _combination(
        qhy, {"readout:central30x30": 1.0, "fixed_overhead_per_exposure": 1.0}
    ).value == pytest.approx(5.0, abs=0.05)
    assert floyds.method == MIDPOINT  # 25.5 s per exposure
    assert _value(floyds, "observation_front_padding") == pytest.approx(150.0, abs=0.1)
    changes, withheld = catalogue_changes(fitted)
    found = {(c.instrument_type, c.parameter.key): c.new for c in changes}
    assert found == {
        (QHY, "readout:full_frame"): 11.0,  # the fixed overhead keeps its catalogue 1 s
        (QHY, "element:filters"): 3.0,
        (FLOYDS, "observation_front_padding"): 150.0,
    }
    assert withheld == []
    for fit in fitted.fits:
        assert fit.reproduced == fit.records - fit.outliers
        assert 0.0 <= fit.residual_range[0] <= fit.residual_range[1] < 1.0


def test_wrong_records_are_the_outliers(archive: Path, fitted: Calibration) -> None:
    wrong = [
        json.loads(line) for line in Path(str(archive) + WRONG_SUFFIX).read_text().splitlines()
    ]
    flagged = {(o.reference.document, o.reference.pointer) for _, o in iter_outliers(fitted)}
    assert flagged == {(entry["document"], entry["pointer"]) for entry in wrong}
    assert sum(fit.outliers for fit in fitted.fits) == len(wrong) > 10


def test_min_records_leaves_small_types_unfitted(pooled: CalibrationData) -> None:
    calibration = fit_all(pooled, min_records=500)
    assert {fit.instrument_type for fit in calibration.fits} == {QHY, SINISTRO}
    assert calibration.too_few[FLOYDS] == pooled.by_type[FLOYDS].records


# -- the command ----------------------------------------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_write_catalogue_output_loads_validates_and_inputs_stay(
    small_archive: Path, tmp_path: Path
) -> None:
    archive = small_archive
    before = _digest(archive)
    target = tmp_path / "calibrated-sites.json"
    result = CliRunner().invoke(
        cli, ["calibrate", str(archive), "--write-catalogue", str(target), "-o", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["written_catalogue"] == str(target)
    assert {c["parameter"] for c in report["catalogue_changes"]} == {
        "readout:full_frame",
        "element:filters",
        "observation_front_padding",
    }
    calibrated = load_catalogue(target)  # validates against schemas/configdb-sites.json
    assert calibrated.exposure_overhead(QHY, "full_frame") == 12.0
    assert calibrated.exposure_overhead(QHY, "central30x30") == 5.0
    assert calibrated.request_overheads(QHY).optical_element_change_overheads == {"filters": 3.0}
    assert calibrated.request_overheads(FLOYDS).observation_front_padding == 150.0
    assert _digest(archive) == before


def test_write_catalogue_refuses_to_overwrite_an_input(small_archive: Path) -> None:
    archive = small_archive
    before = _digest(archive)
    result = CliRunner().invoke(cli, ["calibrate", str(archive), "--write-catalogue", str(archive)])
    assert result.exit_code == 2
    assert "would overwrite an input" in result.output
    assert _digest(archive) == before


def test_text_report_on_the_seed_page() -> None:
    result = CliRunner().invoke(cli, ["calibrate", str(SEED_PAGE)])
    assert result.exit_code == 0, result.output
    assert "0M4-SCICAM-QHY600: 7 records, 0 outlier(s)" in result.stdout
    assert "2 x readout full_frame + filter change + 2 x fixed overhead per exposure = 60.00" in (
        result.stdout
    )
    assert "(these always occur together)" in result.stdout
    assert "The records give no reason to change the catalogue." in result.stdout


def test_unreadable_inputs_are_counted_and_nothing_to_fit_fails(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"count": 1, "results": [')
    result = CliRunner().invoke(cli, ["calibrate", str(broken), str(tmp_path / "missing.json")])
    assert result.exit_code == 1
    assert "2 document(s) or item(s) were not readable requests" in result.stderr
    assert "Nothing to fit" in result.stderr


def test_calibrate_collects_garbage_rarely_while_fitting_and_restores_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    import lco_validate.calibrate as calibration_module

    fit = calibration_module.calibrate
    seen: list[tuple[int, int, int]] = []

    def watched_fit(*args: Any, **kwargs: Any) -> Calibration:
        seen.append(gc.get_threshold())
        return fit(*args, **kwargs)

    monkeypatch.setattr(calibration_module, "calibrate", watched_fit)
    before = gc.get_threshold()
    result = CliRunner().invoke(cli, ["calibrate", str(SEED_PAGE), "-o", "json"])
    assert result.exit_code == 0, result.output
    assert seen and seen[0][0] > before[0]  # the run's pages allocate far more than 700 objects
    assert gc.get_threshold() == before
