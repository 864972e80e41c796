"""The command line as users and CI drive it: outputs, positions, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lco_validate.cli import cli

from .conftest import REPO, SEED_PAGE, seed_page


def run(*args: str, input_text: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input_text)


def broken_seed(tmp_path: Path) -> Path:
    """The seed page with max_airmass 0.5 in request 3, no dec in request 4, duration 1030 in 6."""
    text = SEED_PAGE.read_text()
    text = text.replace('"max_airmass": 3.0', '"max_airmass": 0.5', 1)
    text = text.replace('"dec": -0.01496,\n', "", 1)
    text = text.replace('"duration": 1026', '"duration": 1030', 1)
    path = tmp_path / "broken.txt"
    path.write_text(text)
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_bundled_fixtures_are_clean() -> None:
    result = run("check", str(REPO / "fixtures"))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_broken_seed_is_reported_at_the_right_lines_and_columns(tmp_path: Path) -> None:
    path = broken_seed(tmp_path)
    result = run("check", str(path))
    assert result.exit_code == 1
    airmass = line_of(path, '"max_airmass": 0.5')
    lines = result.stdout.splitlines()
    assert f"{path}:{airmass}:16: S003 max_airmass is 0.5; it must be between 1.0 and 25.0" in lines
    missing = [line for line in lines if " S002 " in line]
    assert len(missing) == 1 and "'dec'" in missing[0]
    target_line, target_column = map(int, missing[0].split(":")[1:3])
    assert target_column == 11
    # a missing field is reported at its parent object: the line that opens the target
    assert path.read_text().splitlines()[target_line - 1].endswith('"target": {')
    duration = line_of(path, '"duration": 1030')
    assert any(line.startswith(f"{path}:{duration}:13: D001 ") for line in lines)


def test_json_output_shape(tmp_path: Path) -> None:
    result = run("check", str(broken_seed(tmp_path)), "--output-format", "json")
    report = json.loads(result.stdout)
    assert set(report) == {"findings", "summary"}
    assert {f["code"] for f in report["findings"]} == {"S003", "S002", "D001"}
    first = report["findings"][0]
    assert set(first) == {"path", "pointer", "line", "column", "code", "severity", "message"}
    assert first["pointer"] == "/results/3/configurations/0/constraints/max_airmass"
    summary = report["summary"]
    assert (summary["files"], summary["documents"], summary["requests"]) == (1, 1, 10)
    assert (summary["errors"], summary["warnings"]) == (3, 0)


def test_summary_goes_to_stderr_and_mentions_what_was_not_checked(tmp_path: Path) -> None:
    result = run("check", str(SEED_PAGE))
    assert "Checked 1 file, 1 document, 10 requests: 0 errors, 0 warnings." in result.stderr
    assert "proposal membership" in result.stderr
    assert "archive record" in result.stderr


def test_select_and_ignore(tmp_path: Path) -> None:
    path = str(broken_seed(tmp_path))
    only_d = run("check", path, "--select", "D", "-o", "json")
    assert {f["code"] for f in json.loads(only_d.stdout)["findings"]} == {"D001"}
    no_s = run("check", path, "--ignore", "S002,S003", "-o", "json")
    assert {f["code"] for f in json.loads(no_s.stdout)["findings"]} == {"D001"}


def test_duration_tolerance(tmp_path: Path) -> None:
    path = str(broken_seed(tmp_path))
    assert run("check", path, "--select", "D", "--duration-tolerance", "4").exit_code == 0
    assert run("check", path, "--select", "D", "--duration-tolerance", "3").exit_code == 1


def test_standard_input() -> None:
    document = seed_page()["results"][0]
    result = run("check", "-", input_text=json.dumps(document))
    assert result.exit_code == 0, result.output


def test_missing_path_is_one_line_and_does_not_stop_the_others(tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "absent.json"), str(SEED_PAGE))
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{tmp_path / 'absent.json'}:1:1: J020 cannot read this path")


def test_usage_error_exits_2() -> None:
    assert run("check").exit_code == 2
    assert run("check", str(SEED_PAGE), "--now", "tomorrow").exit_code == 2


def test_malformed_configdb_is_a_usage_error_naming_the_place(tmp_path: Path) -> None:
    snapshot = json.loads((REPO / "lco_validate/catalogue/data/lco-sites.json").read_text())
    del snapshot["results"][0]["enclosure_set"][0]["telescope_set"][0]["code"]
    path = tmp_path / "sites.json"
    path.write_text(json.dumps(snapshot))
    result = run("check", str(SEED_PAGE), "--configdb", str(path))
    assert result.exit_code == 2
    assert "/results/0/enclosure_set/0/telescope_set/0" in result.stderr
    assert "code" in result.stderr


def test_another_configdb_changes_the_durations(tmp_path: Path) -> None:
    snapshot = json.loads((REPO / "lco_validate/catalogue/data/lco-sites.json").read_text())
    for site in snapshot["results"]:
        for enclosure in site["enclosure_set"]:
            for telescope in enclosure["telescope_set"]:
                for instrument in telescope["instrument_set"]:
                    instrument_type = instrument["instrument_type"]
                    if instrument_type["code"] == "1M0-SCICAM-SINISTRO":
                        instrument_type["fixed_overhead_per_exposure"] = 3.0
    path = tmp_path / "sites.json"
    path.write_text(json.dumps(snapshot))
    default = json.loads(run("duration", str(SEED_PAGE), "-o", "json").stdout)["requests"]
    changed = json.loads(
        run("duration", str(SEED_PAGE), "-o", "json", "--configdb", str(path)).stdout
    )["requests"]
    for before, after in zip(default, changed, strict=True):
        exposures = sum(
            ic["exposure_count"]
            for ic in seed_page()["results"][int(before["pointer"].split("/")[-1])][
                "configurations"
            ][0]["instrument_configs"]
        )
        sinistro = before["breakdown"]["configurations"][0]["instrument_type"].endswith("SINISTRO")
        assert after["duration"] - before["duration"] == (2 * exposures if sinistro else 0)


def test_duration_reproduces_every_recorded_seed_duration() -> None:
    result = run("duration", str(SEED_PAGE), "-o", "json")
    assert result.exit_code == 0
    items = json.loads(result.stdout)["requests"]
    assert len(items) == 10
    assert [item["duration"] for item in items] == [item["recorded"] for item in items]
    assert [item["id"] for item in items] == [r["id"] for r in seed_page()["results"]]
    first = items[0]
    assert first["pointer"] == "/results/0"
    assert first["configurations"] == [
        {
            "instrument_configs": [
                {"duration": 185.0},
                {"duration": 185.0},
                {"duration": 185.0},
                {"duration": 285.0},
            ],
            "duration": 845.0,
        }
    ]


def test_duration_totals_request_groups_per_allocation() -> None:
    path = REPO / "fixtures" / "valid" / "request-group.json"
    report = json.loads(run("duration", str(path), "-o", "json").stdout)
    durations = [item["duration"] for item in report["requests"]]
    [group] = report["groups"]
    assert group["operator"] == "MANY"
    assert [(c["semester"], c["seconds"]) for c in group["charged"]] == [
        ("2030B", durations[0]),
        ("2030B", durations[1]),
    ]
    assert "request group (MANY) charges" in run("duration", str(path)).stdout


def test_duration_text_shows_terms_and_the_recorded_value() -> None:
    output = run("duration", str(SEED_PAGE)).stdout
    assert "/results/6 (id 3763992): 1026 s (recorded 1026 s, matches)" in output
    assert "readout and fixed overheads  232 s" in output
    assert "observation front padding  90 s" in output


def test_catalogue_summary_text_and_json() -> None:
    text = run("catalogue").stdout
    assert "1M0-SCICAM-SINISTRO" in text and "full_frame 28" in text
    data = json.loads(run("catalogue", "-o", "json").stdout)
    sinistro = data["instrument_types"]["1M0-SCICAM-SINISTRO"]
    assert sinistro["readout_modes"] == {"full_frame": 28.0, "central_2k_2x2": 9.0}
    assert sinistro["config_front_padding"] == 16.0
    assert any(t["site"] == "tfn" and t["enclosure"] == "domb" for t in data["telescopes"])


@pytest.mark.parametrize(
    "command",
    ["check", "duration", "visibility", "normalize", "catalogue", "audit", "calibrate", "rules",
     "explain"],
)  # fmt: skip
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_internal_errors_exit_3_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from lco_validate import cli as cli_module
    from lco_validate.cli import check as check_command

    def explode(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(check_command, "check_file", explode)
    monkeypatch.setattr(sys, "argv", ["lco-validate", "check", str(SEED_PAGE)])
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main()
    assert exit_info.value.code == 3


def test_python_dash_m_runs_the_cli() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "lco_validate", "check", str(SEED_PAGE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


# ---------------------------------------------------------------- the environment at fault


def lco_validate(*args: str, stdout: Any = subprocess.PIPE, shell_suffix: str = "") -> Any:
    """``python -m lco_validate ARGS``, through sh when a redirection is needed."""
    command = [sys.executable, "-m", "lco_validate", *args]
    if shell_suffix:
        command = ["sh", "-c", '"$0" "$@" ' + shell_suffix, *command]
    return subprocess.run(
        command, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        ("check", "-o", "json", str(SEED_PAGE)),
        ("duration", str(SEED_PAGE)),
        ("normalize", str(REPO / "fixtures" / "valid" / "request-group.json")),
        ("audit", "-j", "1", str(SEED_PAGE)),
        ("rules",),
    ],
    ids=lambda args: args[0],
)
@pytest.mark.parametrize("redirection", [">/dev/full", ">&-"])
def test_output_that_cannot_be_written_exits_2_with_one_line(
    args: tuple[str, ...], redirection: str
) -> None:
    completed = lco_validate(*args, stdout=None, shell_suffix=redirection)
    assert completed.returncode == 2, completed.stderr
    [line] = [row for row in completed.stderr.splitlines() if not row.startswith("Note: ")]
    reason = "No space left on device" if redirection == ">/dev/full" else "output is closed"
    assert line.startswith("lco-validate: cannot write the output: ") and reason in line


def test_a_command_with_nothing_to_print_does_not_need_an_output() -> None:
    completed = lco_validate("check", str(SEED_PAGE), stdout=None, shell_suffix=">&-")
    assert completed.returncode == 0, completed.stderr


def test_serve_on_a_port_in_use_exits_2_naming_the_port() -> None:
    pytest.importorskip("uvicorn")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = lco_validate("serve", "--port", str(port))
    assert completed.returncode == 2
    [line] = completed.stderr.splitlines()
    assert f"127.0.0.1 port {port}" in line and "already in use" in line


@pytest.mark.parametrize("command", ["duration", "visibility"])
def test_duration_and_visibility_fail_when_a_file_cannot_be_read_as_requests(
    tmp_path: Path, command: str
) -> None:
    group = REPO / "fixtures" / "valid" / "request-group.json"
    binary = tmp_path / "binary.json"
    binary.write_bytes(b'{"a": \x00}')
    not_requests = tmp_path / "numbers.json"
    not_requests.write_text("[1, 2]")
    for unreadable, code in [
        (tmp_path / "absent.json", "J020"),
        (binary, "J009"),
        (not_requests, "J013"),
    ]:
        result = run(command, str(group), str(unreadable))
        assert result.exit_code == 1, (unreadable, result.output)
        assert f"{unreadable}: {code} " in result.stderr
    assert run(command, str(group)).exit_code == 0


def test_normalize_never_prints_infinity(tmp_path: Path) -> None:
    text = (REPO / "fixtures" / "valid" / "request-group.json").read_text()
    path = tmp_path / "huge.json"
    path.write_text(text.replace('"exposure_time": 60', '"exposure_time": 1' + "0" * 300 + "e99"))
    result = run("normalize", str(path))
    assert result.exit_code == 1
    assert "Infinity" not in result.stdout and "J015" in result.stderr


def as_another_user() -> list[str]:
    """A command prefix that drops root's right to read anything (unreadable means unreadable)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root without setpriv: permissions cannot be tested")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.parametrize(
    "args",
    [("check",), ("audit", "-j1", "--findings"), ("duration",), ("visibility",), ("normalize",)],
    ids=lambda args: args[0],
)
def test_an_unreadable_directory_or_file_fails_every_command(args: tuple[str, ...]) -> None:
    group = (REPO / "fixtures" / "valid" / "request-group.json").read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        root.chmod(0o755)  # reachable by the other user
        (root / "readable").mkdir()
        (root / "readable" / "request.json").write_bytes(group)
        (root / "readable" / "locked").mkdir()
        (root / "readable" / "locked" / "hidden.json").write_bytes(group)
        (root / "locked.json").write_bytes(group)
        (root / "readable" / "locked").chmod(0)
        (root / "locked.json").chmod(0)
        for target in [root / "readable", root / "locked.json"]:
            if args == ("normalize",) and target.is_dir():
                target = target / "locked"
            completed = subprocess.run(
                [*as_another_user(), sys.executable, "-m", "lco_validate", *args, str(target)],
                capture_output=True, text=True, timeout=120, check=False,
                env={**os.environ, "HOME": folder},  # astropy writes its settings there
            )  # fmt: skip
            assert completed.returncode == 1, (target, completed.stdout, completed.stderr)
            assert "J020" in completed.stdout + completed.stderr
            assert "Permission denied" in completed.stdout + completed.stderr
