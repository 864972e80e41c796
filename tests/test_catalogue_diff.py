"""`lco-validate catalogue diff`: each kind of change reported at its place, durations moved by it.

The mutations are made on a copy of the built-in snapshot, one at a time, so a
reported change can only come from the mutation; where the effect on a duration
is plain arithmetic (a readout overhead times the exposures), it is checked to
the second.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from lco_validate.calibrate.duration_changes import (
    compare_request,
    ordered,
    sample_plan,
    sample_requests,
)
from lco_validate.catalogue.comparison import (
    ADDED,
    CHANGED,
    INSTRUMENT_TYPES,
    INSTRUMENTS,
    MOVED,
    REMOVED,
    SITES,
    TELESCOPES,
    Change,
    compare_catalogues,
    schema_differences,
    section_counts,
)
from lco_validate.catalogue.snapshot import Catalogue
from lco_validate.cli import cli

from .conftest import REPO, SEED_PAGE, seed_page

BUILT_IN = REPO / "lco_validate" / "catalogue" / "data" / "lco-sites.json"
SNAPSHOT_2020 = REPO / "tests" / "data" / "configdb-sites-2020-11-30.json"
SINISTRO = "1M0-SCICAM-SINISTRO"
QHY600 = "0M4-SCICAM-QHY600"

JSON = dict[str, Any]


def built_in_sites() -> list[JSON]:
    return json.loads(BUILT_IN.read_text())["results"]  # type: ignore[no-any-return]


BUILT_IN_SITES = built_in_sites()


def catalogue(sites: list[JSON], source: str = "test") -> Catalogue:
    return Catalogue(copy.deepcopy(sites), source)


def mutated(change: Callable[[list[JSON]], None]) -> list[JSON]:
    sites = copy.deepcopy(BUILT_IN_SITES)
    change(sites)
    return sites


def instruments(sites: list[JSON]) -> Iterator[tuple[JSON, JSON, JSON, JSON]]:
    for site in sites:
        for enclosure in site["enclosure_set"]:
            for telescope in enclosure["telescope_set"]:
                for instrument in telescope["instrument_set"]:
                    yield site, enclosure, telescope, instrument


def types_of(sites: list[JSON], code: str) -> Iterator[JSON]:
    for *_, instrument in instruments(sites):
        if instrument["instrument_type"]["code"] == code:
            yield instrument["instrument_type"]


def mode(instrument_type: JSON, group_type: str, code: str) -> JSON:
    group = next(g for g in instrument_type["mode_types"] if g["type"] == group_type)
    return next(m for m in group["modes"] if m["code"] == code)  # type: ignore[no-any-return]


def changes_between(new_sites: list[JSON]) -> list[Change]:
    return compare_catalogues(catalogue(BUILT_IN_SITES), catalogue(new_sites))


def sinistro_request(exposures: int, mode_code: str = "full_frame", repeats: int = 1) -> JSON:
    """A submitted request: one Sinistro configuration, one instrument config."""
    return {
        "configuration_repeats": repeats,
        "location": {"telescope_class": "1m0"},
        "windows": [{"start": "2030-01-01T00:00:00Z", "end": "2030-01-10T00:00:00Z"}],
        "configurations": [
            {
                "type": "EXPOSE",
                "instrument_type": SINISTRO,
                "instrument_configs": [
                    {
                        "exposure_time": 30,
                        "exposure_count": exposures,
                        "mode": mode_code,
                        "optical_elements": {"filter": "rp"},
                    }
                ],
                "acquisition_config": {"mode": "OFF"},
                "guiding_config": {"mode": "ON", "optional": True},
                "constraints": {"max_airmass": 2.0},
                "target": {"type": "ICRS", "name": "m31", "ra": 10.68, "dec": 41.27},
            }
        ],
    }


def run(*arguments: str) -> Result:
    return CliRunner().invoke(cli, ["catalogue", "diff", *arguments])


def write(tmp_path: Path, name: str, sites: list[JSON]) -> str:
    path = tmp_path / name
    path.write_text(
        json.dumps({"count": len(sites), "next": None, "previous": None, "results": sites})
    )
    return str(path)


# -- the same snapshot ------------------------------------------------------------------------


def test_a_snapshot_compared_with_itself_has_no_changes() -> None:
    assert changes_between(copy.deepcopy(BUILT_IN_SITES)) == []
    old = catalogue(BUILT_IN_SITES)
    timed = [
        compare_request(label, request, old, old, submission=False)
        for label, request in sample_requests(old, old, 40, seed=3)
    ]
    assert len(timed) == 40
    assert all(t.difference == 0 and t.old is not None for t in timed)


def test_the_built_in_snapshot_against_itself_exits_0_and_says_so() -> None:
    result = run("built-in", "built-in", "--sample", "30")
    assert result.exit_code == 0, result.output
    assert "No change in what lco-validate reads from a snapshot." in result.stdout
    assert "0 longer, 0 shorter, 30 unchanged" in result.stdout


def test_keys_the_tool_does_not_read_are_not_compared() -> None:
    def rename_and_number(sites: list[JSON]) -> None:
        for number, (site, _, telescope, instrument) in enumerate(instruments(sites)):
            site["name"] = "renamed"
            telescope["id"] = number
            instrument["__str__"] = f"instrument {number}"

    assert changes_between(mutated(rename_and_number)) == []


# -- one mutation at a time -------------------------------------------------------------------


def slower_sinistro_readout(sites: list[JSON]) -> None:
    for instrument_type in types_of(sites, SINISTRO):
        mode(instrument_type, "readout", "full_frame")["overhead"] += 2.0


def test_a_readout_overhead_is_reported_on_its_type_and_mode() -> None:
    changes = changes_between(mutated(slower_sinistro_readout))
    assert changes == [
        Change(INSTRUMENT_TYPES, SINISTRO, "overhead", "readout/full_frame", CHANGED, 28.0, 30.0)
    ]


@pytest.mark.parametrize(("exposures", "repeats"), [(1, 1), (3, 1), (5, 2)])
def test_a_readout_overhead_moves_a_duration_by_itself_times_the_exposures(
    exposures: int, repeats: int
) -> None:
    old, new = catalogue(BUILT_IN_SITES), catalogue(mutated(slower_sinistro_readout))
    timed = compare_request(
        "hand-made", sinistro_request(exposures, repeats=repeats), old, new, submission=True
    )
    assert timed.difference == 2 * exposures * repeats
    assert timed.terms == {"readout_and_fixed": 2.0 * exposures * repeats}
    # another readout mode of the same type does not move
    other = sinistro_request(exposures, mode_code="central_2k_2x2", repeats=repeats)
    assert compare_request("other", other, old, new, submission=True).difference == 0


def test_every_sampled_request_moves_by_the_readout_change_times_its_exposures() -> None:
    old, new = catalogue(BUILT_IN_SITES), catalogue(mutated(slower_sinistro_readout))
    drawn = list(sample_requests(old, new, 120, seed=7))
    sinistro_requests = 0
    for label, request in drawn:
        expected = (
            2
            * request["configuration_repeats"]
            * sum(
                instrument_config["exposure_count"]
                for configuration in request["configurations"]
                if configuration["instrument_type"].upper() == SINISTRO
                and configuration["repeat_duration"] is None
                for instrument_config in configuration["instrument_configs"]
                if instrument_config["mode"] == "full_frame"
            )
        )
        sinistro_requests += expected > 0
        assert compare_request(label, request, old, new, submission=False).difference == expected
    assert sinistro_requests >= 10  # the sample does hold requests the change touches


def test_an_observation_padding_moves_every_request_of_the_type_once() -> None:
    def more_padding(sites: list[JSON]) -> None:
        for instrument_type in types_of(sites, SINISTRO):
            instrument_type["observation_front_padding"] += 10.0

    new_sites = mutated(more_padding)
    assert changes_between(new_sites) == [
        Change(
            INSTRUMENT_TYPES,
            SINISTRO,
            "overhead",
            "observation_front_padding",
            CHANGED,
            90.0,
            100.0,
        )
    ]
    old, new = catalogue(BUILT_IN_SITES), catalogue(new_sites)
    for exposures, repeats in ((1, 1), (4, 3)):
        request = sinistro_request(exposures, repeats=repeats)
        assert compare_request("r", request, old, new, submission=True).difference == 10


def test_a_removed_instrument_is_reported_at_its_telescope_and_on_its_type() -> None:
    def remove_lsc_domb_sinistro(sites: list[JSON]) -> None:
        for site, enclosure, telescope, instrument in list(instruments(sites)):
            if (site["code"], enclosure["code"], instrument["code"]) == ("lsc", "domb", "fa04"):
                telescope["instrument_set"].remove(instrument)

    changes = changes_between(mutated(remove_lsc_domb_sinistro))
    assert changes == [
        Change(
            INSTRUMENTS,
            "lsc.domb.1m0a",
            "instrument",
            "fa04",
            REMOVED,
            old={"instrument": "fa04", "instrument_type": SINISTRO, "state": "SCHEDULABLE"},
        ),
        Change(INSTRUMENT_TYPES, SINISTRO, "schedulable_at", "lsc.domb.1m0a", REMOVED),
    ]


def test_a_type_removed_everywhere_cannot_time_its_requests_under_new() -> None:
    def remove_sinistros(sites: list[JSON]) -> None:
        for *_, telescope, instrument in list(instruments(sites)):
            if instrument["instrument_type"]["code"] == SINISTRO:
                telescope["instrument_set"].remove(instrument)

    new_sites = mutated(remove_sinistros)
    changes = changes_between(new_sites)
    removed_type = [c for c in changes if c.aspect == "instrument_type"]
    assert [(c.subject, c.change) for c in removed_type] == [(SINISTRO, REMOVED)]
    sinistros = [
        i for *_, i in instruments(BUILT_IN_SITES) if i["instrument_type"]["code"] == SINISTRO
    ]
    removed = [c for c in changes if c.section == INSTRUMENTS]
    assert sorted(c.item for c in removed) == sorted(i["code"] for i in sinistros)
    assert {c.change for c in removed} == {REMOVED}
    old, new = catalogue(BUILT_IN_SITES), catalogue(new_sites)
    timed = compare_request("r", sinistro_request(2), old, new, submission=True)
    assert timed.old is not None and timed.new is None and timed.difference is None
    assert timed.timed_under_one_only
    assert timed.new_error is not None and "not in the catalogue" in timed.new_error
    # the type is in one catalogue only: the sample leaves it out
    assert SINISTRO not in sample_plan(old, new).instrument_types


def test_a_state_change_is_reported_and_moves_no_duration() -> None:
    def to_manual(sites: list[JSON]) -> None:
        for site, _, telescope, instrument in instruments(sites):
            if (site["code"], telescope["code"], instrument["code"]) == ("ogg", "2m0a", "mc03"):
                instrument["state"] = "MANUAL"

    new_sites = mutated(to_manual)
    assert changes_between(new_sites) == [
        Change(INSTRUMENTS, "ogg.clma.2m0a", "state", "mc03", CHANGED, "SCHEDULABLE", "MANUAL"),
        Change(INSTRUMENT_TYPES, "2M0-SCICAM-MUSCAT", "schedulable_at", "ogg.clma.2m0a", REMOVED),
    ]
    old, new = catalogue(BUILT_IN_SITES), catalogue(new_sites)
    timed = [
        compare_request(label, request, old, new, submission=False)
        for label, request in sample_requests(old, new, 60, seed=2)
    ]
    assert all(t.difference == 0 for t in timed)


def test_a_moved_instrument_is_one_move_not_a_removal_and_an_addition() -> None:
    def move_fa04(sites: list[JSON]) -> None:
        for site, enclosure, telescope, instrument in list(instruments(sites)):
            if (site["code"], enclosure["code"], instrument["code"]) == ("lsc", "domb", "fa04"):
                telescope["instrument_set"].remove(instrument)
                moved_to = instrument
        tfn = next(site for site in sites if site["code"] == "tfn")
        next(e for e in tfn["enclosure_set"] if e["code"] == "aqwa")["telescope_set"][0][
            "instrument_set"
        ].append(moved_to)

    moves = [c for c in changes_between(mutated(move_fa04)) if c.section == INSTRUMENTS]
    assert [(c.change, c.item, c.old) for c in moves] == [(MOVED, "fa04", "lsc.domb.1m0a")]


def test_an_added_mode_is_reported_and_priced_at_the_default_where_it_is_missing() -> None:
    def add_fast_readout(sites: list[JSON]) -> None:
        for instrument_type in types_of(sites, SINISTRO):
            group = next(g for g in instrument_type["mode_types"] if g["type"] == "readout")
            group["modes"].append(
                {"name": "fast", "code": "fast", "overhead": 10.0, "schedulable": True}
            )

    new_sites = mutated(add_fast_readout)
    assert changes_between(new_sites) == [
        Change(INSTRUMENT_TYPES, SINISTRO, "mode", "readout/fast", ADDED)
    ]
    old, new = catalogue(BUILT_IN_SITES), catalogue(new_sites)
    timed = compare_request("r", sinistro_request(3, mode_code="fast"), old, new, submission=True)
    # OLD prices its default (full_frame, 28 s), NEW the mode itself (10 s)
    assert timed.difference == 3 * (10 - 28)
    assert timed.notes == (
        f"OLD has no readout mode fast for {SINISTRO}: its default mode is priced",
    )


def test_a_removed_optical_element_is_reported_and_moves_no_duration() -> None:
    def without_v(sites: list[JSON]) -> None:
        for *_, instrument in instruments(sites):
            if instrument["instrument_type"]["code"] != SINISTRO:
                continue
            for camera in instrument["science_cameras"]:
                for group in camera["optical_element_groups"]:
                    group["optical_elements"] = [
                        e for e in group["optical_elements"] if e["code"] != "V"
                    ]

    new_sites = mutated(without_v)
    assert changes_between(new_sites) == [
        Change(INSTRUMENT_TYPES, SINISTRO, "optical_element", "filters/V", REMOVED)
    ]
    old, new = catalogue(BUILT_IN_SITES), catalogue(new_sites)
    assert compare_request("r", sinistro_request(2), old, new, submission=True).difference == 0


def test_site_and_telescope_limits_are_reported_where_they_changed() -> None:
    def higher_horizon(sites: list[JSON]) -> None:
        coj = next(site for site in sites if site["code"] == "coj")
        coj["elevation"] += 5
        enclosure = next(e for e in coj["enclosure_set"] if e["code"] == "clma")
        telescope = next(t for t in enclosure["telescope_set"] if t["code"] == "0m4a")
        telescope["horizon"] += 5.0
        telescope["ha_limit_pos"] = 4.0

    changes = changes_between(mutated(higher_horizon))
    old_telescope = next(
        t
        for site in BUILT_IN_SITES
        if site["code"] == "coj"
        for e in site["enclosure_set"]
        if e["code"] == "clma"
        for t in e["telescope_set"]
        if t["code"] == "0m4a"
    )
    coj = next(site for site in BUILT_IN_SITES if site["code"] == "coj")
    assert changes == [
        Change(SITES, "coj", "field", "elevation", CHANGED, coj["elevation"], coj["elevation"] + 5),
        Change(
            TELESCOPES,
            "coj.clma.0m4a",
            "limit",
            "horizon",
            CHANGED,
            old_telescope["horizon"],
            old_telescope["horizon"] + 5.0,
        ),
        Change(
            TELESCOPES,
            "coj.clma.0m4a",
            "limit",
            "ha_limit_pos",
            CHANGED,
            old_telescope["ha_limit_pos"],
            4.0,
        ),
    ]


def test_a_changed_validation_schema_names_the_place_that_changed() -> None:
    def stricter(sites: list[JSON]) -> None:
        for instrument_type in types_of(sites, QHY600):
            instrument_type["validation_schema"]["extra_params"]["schema"]["sub_exposure_time"][
                "min"
            ] = 30.0

    changes = changes_between(mutated(stricter))
    assert [(c.subject, c.aspect, c.item) for c in changes] == [
        (QHY600, "validation_schema", "instrument type")
    ]
    assert schema_differences(changes[0].old, changes[0].new) == [
        "~extra_params.schema.sub_exposure_time.min"
    ]


def test_a_removed_site_is_one_entry_naming_its_telescopes() -> None:
    changes = changes_between(mutated(lambda sites: sites.remove(sites[-1])))
    gone = BUILT_IN_SITES[-1]
    site_entries = [c for c in changes if c.section == SITES]
    assert len(site_entries) == 1 and site_entries[0].change == REMOVED
    assert site_entries[0].subject == gone["code"]
    assert len(site_entries[0].old["telescopes"]) == sum(
        len(e["telescope_set"]) for e in gone["enclosure_set"]
    )
    assert [c for c in changes if c.section in (TELESCOPES, INSTRUMENTS)] == []
    counts = section_counts(changes)
    assert counts[SITES] == {"added": 0, "removed": 1, "moved": 0, "changed": 0}


# -- the command ------------------------------------------------------------------------------


def test_requests_from_files_are_timed_under_both(tmp_path: Path) -> None:
    new = write(tmp_path, "slower.json", mutated(slower_sinistro_readout))
    result = run("built-in", new, "--requests", str(SEED_PAGE), "-o", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["durations"]["requests_from"] == "files"
    by_id = {
        r["request"].rsplit("(id ", 1)[1].rstrip(")"): r for r in report["durations"]["requests"]
    }
    assert len(by_id) == 10
    for request in seed_page()["results"]:
        expected = 0
        if request["configurations"][0]["instrument_type"] == SINISTRO:
            expected = 2 * sum(
                ic["exposure_count"]
                for c in request["configurations"]
                for ic in c["instrument_configs"]
                if ic["mode"] == "full_frame"
            )
            assert expected > 0
        entry = by_id[str(request["id"])]
        assert entry["difference"] == expected
        assert entry["old"] == request["duration"]  # the built-in catalogue reproduces them
        assert entry["path"] == str(SEED_PAGE)


def test_the_text_lists_the_largest_changes_first_up_to_the_limit(tmp_path: Path) -> None:
    new = write(tmp_path, "slower.json", mutated(slower_sinistro_readout))
    result = run("built-in", new, "--requests", str(SEED_PAGE), "--limit", "2")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert "  ~ 1M0-SCICAM-SINISTRO" in lines
    assert "      overheads (s): readout/full_frame 28 -> 30" in lines
    start = next(n for n, line in enumerate(lines) if line.startswith("  largest changes"))
    assert lines[start] == "  largest changes (2 of 3):"
    listed = lines[start + 1 : start + 3]
    assert len(listed) == 2 and all("readout and fixed" in line for line in listed)
    differences = [int(line.split()[0]) for line in listed]
    assert differences == sorted(differences, reverse=True)
    assert differences[0] == 2 * 12  # the record with six filters, two exposures each


def test_json_keys_are_stable(tmp_path: Path) -> None:
    new = write(tmp_path, "slower.json", mutated(slower_sinistro_readout))
    report = json.loads(run("built-in", new, "--sample", "12", "-o", "json").stdout)
    assert list(report) == ["old", "new", "different", "counts", "changes", "durations"]
    assert list(report["old"]) == [
        "source",
        "sites",
        "telescopes",
        "instruments",
        "instrument_types",
        "schedulable_instrument_types",
    ]
    assert report["different"] is True
    assert list(report["counts"]) == [
        "sites",
        "enclosures",
        "telescopes",
        "instruments",
        "instrument_types",
    ]
    assert report["changes"] == [
        {
            "section": "instrument_types",
            "subject": SINISTRO,
            "aspect": "overhead",
            "item": "readout/full_frame",
            "change": "changed",
            "old": 28.0,
            "new": 30.0,
        }
    ]
    durations = report["durations"]
    assert list(durations) == ["requests_from", "sample", "summary", "requests"]
    assert durations["sample"]["size"] == 12 and durations["sample"]["seed"] == 1
    assert len(durations["requests"]) == 12
    assert list(durations["requests"][0]) == [
        "request",
        "path",
        "pointer",
        "instrument_types",
        "old",
        "new",
        "difference",
        "old_error",
        "new_error",
        "terms",
        "notes",
    ]
    summary = durations["summary"]
    assert summary["requests"] == 12
    assert summary["longer"] + summary["shorter"] + summary["unchanged"] == 12
    assert summary["shorter"] == 0 and summary["longer"] >= 1


def test_the_sample_is_the_same_for_the_same_seed() -> None:
    first = run("built-in", "built-in", "--sample", "20", "--seed", "5", "-o", "json").stdout
    again = run("built-in", "built-in", "--sample", "20", "--seed", "5", "-o", "json").stdout
    other = run("built-in", "built-in", "--sample", "20", "--seed", "6", "-o", "json").stdout
    assert first == again
    assert json.loads(first)["durations"]["requests"] != json.loads(other)["durations"]["requests"]


def test_requests_one_side_cannot_time_come_first() -> None:
    def slower_and_no_qhy600(sites: list[JSON]) -> None:
        slower_sinistro_readout(sites)
        for *_, telescope, instrument in list(instruments(sites)):
            if instrument["instrument_type"]["code"] == QHY600:
                telescope["instrument_set"].remove(instrument)

    old = catalogue(BUILT_IN_SITES)
    new = catalogue(mutated(slower_and_no_qhy600))
    gone = sinistro_request(1, mode_code="central30x30")
    gone["configurations"][0]["instrument_type"] = QHY600
    timed = [
        compare_request("small", sinistro_request(1), old, new, submission=True),
        compare_request("large", sinistro_request(9), old, new, submission=True),
        compare_request("gone", gone, old, new, submission=True),
    ]
    assert [t.label for t in ordered(timed)] == ["gone", "large", "small"]
    assert [t.difference for t in ordered(timed)] == [None, 18, 2]


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["/no/such/sites.json", "built-in"], "cannot read configdb snapshot /no/such/sites.json"),
        (["built-in", str(REPO / "README.md")], "is not valid JSON"),
        (["built-in", str(REPO / "tests" / "data" / "sarif-schema-2.1.0.json")], "is malformed"),
        (["built-in", "built-in", "--requests", "/no/such/folder"], "cannot read request path"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(arguments: list[str], words: str) -> None:
    result = run(*arguments)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr


def test_a_request_file_that_holds_no_requests_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "not-requests.json"
    path.write_text('{"hello": 1}')
    result = run("built-in", "built-in", "--requests", str(path))
    assert result.exit_code == 2, result.output
    assert str(path) in result.stderr


# -- the real case ----------------------------------------------------------------------------


def test_2020_to_the_built_in_snapshot_lists_changes_and_durations_quickly() -> None:
    started = time.perf_counter()
    result = run(str(SNAPSHOT_2020), "built-in")
    elapsed = time.perf_counter() - started
    assert result.exit_code == 1, result.output
    assert elapsed < 5.0
    text = result.stdout
    assert "  - 0M4-SCICAM-SBIG (0.4 meter SBIG; schedulable at 10 telescope(s))" in text
    assert "  + 0M4-SCICAM-QHY600 (0m4 SCICAM QHY600; schedulable at 12 telescope(s))" in text
    assert (
        "      overheads (s): config_front_padding 0 -> 16; config_change/ARC 0 -> 100; "
        "config_change/LAMP_FLAT 0 -> 60" in text
    )
    assert "acquisition/MANUAL 720 -> 600" in text
    assert "  tlv.doma.1m0a: ~ nres04 state SCHEDULABLE -> MANUAL" in text
    assert "Durations of 300 requests drawn from the snapshots (seed 1)" in text
    assert "  largest changes (10 of " in text


def test_2020_to_the_built_in_snapshot_times_every_sampled_request_under_both() -> None:
    report = json.loads(run(str(SNAPSHOT_2020), "built-in", "-o", "json").stdout)
    requests = report["durations"]["requests"]
    assert len(requests) == 300
    assert all(r["old"] is not None and r["new"] is not None for r in requests)
    by_type = report["durations"]["summary"]["by_instrument_type"]
    assert set(by_type) == {
        "1M0-NRES-SCICAM",
        SINISTRO,
        "2M0-FLOYDS-SCICAM",
        "2M0-SCICAM-MUSCAT",
        "SOAR_GHTS_REDCAM",
        "SOAR_GHTS_REDCAM_IMAGER",
    }
    # the configuration padding (0 in 2020, 16 s now) lengthens; SOAR's cheaper MANUAL
    # acquisition (720 -> 600 s) shortens every Goodman spectrum
    assert by_type[SINISTRO]["smallest_difference"] >= 0
    assert by_type["SOAR_GHTS_REDCAM"]["largest_difference"] < 0
    differences = [abs(r["difference"]) for r in requests]
    assert differences == sorted(differences, reverse=True)


def test_help_gives_the_exit_status_and_an_example() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "Exit status as diff(1)" in result.output
