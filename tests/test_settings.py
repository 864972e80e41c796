"""Settings from pyproject.toml or --config, overridden by flags, and the habits around them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lco_validate.cli import check as check_command
from lco_validate.cli import cli

from .conftest import SEED_PAGE


def broken_request(folder: Path) -> Path:
    """A seed request with a typo'd key (S101 warning) and a wrong duration (D001 error)."""
    text = SEED_PAGE.read_text()
    request = json.loads(text[text.index("{") :])["results"][6]
    request["duration"] = 1030
    request["configurations"][0]["instrument_configs"][0]["exposure_tme"] = 1
    path = folder / "requests" / "broken.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(request, indent=2))
    return path


def run(folder: Path, *args: str, **env: str) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        for name in ("GITHUB_ACTIONS", "NO_COLOR", "PRE_COMMIT", "CI"):
            patch.delenv(name, raising=False)
        return CliRunner().invoke(cli, list(args), env=env or None)


def codes(result: Any) -> list[str]:
    return [line.split(": ")[1].split()[0] for line in result.stdout.splitlines()]


def write_pyproject(folder: Path, table: str) -> None:
    (folder / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.lco-validate]\n{table}")


def test_defaults_report_everything(tmp_path: Path) -> None:
    broken_request(tmp_path)
    result = run(tmp_path, "check", "requests")
    assert sorted(codes(result)) == ["D001", "S101"]
    assert result.exit_code == 1


def test_pyproject_select_ignore_and_severity_are_honoured(tmp_path: Path) -> None:
    broken_request(tmp_path)
    write_pyproject(tmp_path, 'ignore = ["D"]\n\n[tool.lco-validate.severity]\nS101 = "error"\n')
    result = run(tmp_path / "requests", "check", ".")  # found by walking up
    assert codes(result) == ["S101"]
    assert result.exit_code == 1  # the warning became an error


def test_flags_override_the_file(tmp_path: Path) -> None:
    broken_request(tmp_path)
    write_pyproject(tmp_path, 'select = ["S"]\nduration-tolerance = 10\n')
    assert codes(run(tmp_path, "check", "requests")) == ["S101"]
    result = run(tmp_path, "check", "requests", "--select", "D", "--duration-tolerance", "1")
    assert codes(result) == ["D001"]


def test_show_settings_names_each_origin(tmp_path: Path) -> None:
    write_pyproject(tmp_path, 'ignore = ["S101"]\nexclude = ["old"]\n')
    result = run(tmp_path, "check", "--show-settings", "--select", "R")
    lines = dict(line.split(" = ", 1) for line in result.stdout.splitlines())
    assert lines["select"] == '["R"]  (command line)'
    assert lines["ignore"] == f'["S101"]  ({tmp_path / "pyproject.toml"})'
    assert json.loads(lines["exclude"].rsplit("  (", 1)[0]) == [str(tmp_path / "old")]
    assert lines["strict"] == "false  (default)"
    assert result.exit_code == 0


def test_exclude_applies_to_directory_search_not_to_named_files(tmp_path: Path) -> None:
    path = broken_request(tmp_path)
    write_pyproject(tmp_path, 'exclude = ["requests"]\n')
    assert run(tmp_path, "check", ".").stdout == ""
    assert codes(run(tmp_path, "check", str(path))) != []


def test_include_patterns(tmp_path: Path) -> None:
    broken_request(tmp_path)
    write_pyproject(tmp_path, 'include = ["*.jsonl"]\n')
    result = run(tmp_path, "check", "requests")
    assert result.stdout == "" and "Checked 0 files" in result.stderr


def test_explicit_config_file(tmp_path: Path) -> None:
    broken_request(tmp_path)
    config = tmp_path / "lint.toml"
    config.write_text('ignore = ["S"]\n')
    assert codes(run(tmp_path, "check", "requests", "--config", str(config))) == ["D001"]


@pytest.mark.parametrize(
    "table",
    [
        'colour = "red"\n',
        'select = "S"\n',
        "strict = 1\n",
        '[tool.lco-validate.severity]\nS101 = "fatal"\n',
    ],
)
def test_bad_configuration_is_a_usage_error(tmp_path: Path, table: str) -> None:
    write_pyproject(tmp_path, table)
    result = run(tmp_path, "check", ".")
    assert result.exit_code == 2
    assert "pyproject.toml" in result.stderr


def test_strict_and_exit_zero(tmp_path: Path) -> None:
    broken_request(tmp_path)
    assert run(tmp_path, "check", "requests", "--ignore", "D").exit_code == 0
    assert run(tmp_path, "check", "requests", "--ignore", "D", "--strict").exit_code == 1
    assert run(tmp_path, "check", "requests", "--exit-zero").exit_code == 0


def test_statistics(tmp_path: Path) -> None:
    broken_request(tmp_path)
    (tmp_path / "requests" / "copy.json").write_text(
        (tmp_path / "requests" / "broken.json").read_text()
    )
    lines = run(tmp_path, "check", "requests", "--statistics").stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [["2", "D001"], ["2", "S101"]]


def test_quiet_and_verbose(tmp_path: Path) -> None:
    broken_request(tmp_path)
    assert run(tmp_path, "check", "requests", "-q").stderr == ""
    assert "Checked requests/broken.json" in run(tmp_path, "check", "requests", "-v").stderr


def test_colour(tmp_path: Path) -> None:
    broken_request(tmp_path)
    assert "\x1b[" in run(tmp_path, "check", "requests", "--color", "always").stdout
    assert "\x1b[" not in run(tmp_path, "check", "requests", "--color", "never").stdout
    assert "\x1b[" not in run(tmp_path, "check", "requests").stdout  # not a terminal


def test_output_file(tmp_path: Path) -> None:
    broken_request(tmp_path)
    out = tmp_path / "report.json"
    result = run(tmp_path, "check", "requests", "-o", "json", "--output-file", str(out))
    assert result.stdout == ""
    assert {f["code"] for f in json.loads(out.read_text())["findings"]} == {"D001", "S101"}


@pytest.mark.parametrize(
    ("environment", "tty", "shown"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"PRE_COMMIT": "1"}, True, False),
        ({"CI": "true"}, True, False),
    ],
)
def test_progress_bar_only_at_a_terminal_outside_hooks_and_ci(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], tty: bool, shown: bool
) -> None:
    for name in ("PRE_COMMIT", "CI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stderr.isatty", lambda: tty)
    files = [f"f{i}.json" for i in range(check_command.PROGRESS_MIN_FILES)]
    bar = check_command._progress(files, quiet=False)
    assert (type(bar).__name__ == "ProgressBar") is shown
    assert check_command._progress(files[:3], quiet=False).__class__.__name__ != "ProgressBar"


def test_many_files_are_checked_in_parallel_with_the_same_results(tmp_path: Path) -> None:
    path = broken_request(tmp_path)
    for index in range(check_command.PARALLEL_MIN_FILES):
        (path.parent / f"copy-{index:03}.json").write_text(path.read_text())
    serial = run(tmp_path, "check", "requests", "-j", "1", "-o", "json")
    parallel = run(tmp_path, "check", "requests", "-j", "2", "-o", "json")
    assert parallel.exit_code == serial.exit_code == 1
    assert json.loads(parallel.stdout) == json.loads(serial.stdout)
    assert len(json.loads(serial.stdout)["findings"]) == 2 * (check_command.PARALLEL_MIN_FILES + 1)
