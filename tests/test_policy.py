"""One run policy: the Python API, ``audit`` and ``serve`` read settings as ``check`` does.

The broken request of ``test_settings`` has an S101 warning (a typo'd key) and a
D001 error (recorded 1030 s, computed 1026 s).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lco_validate import SettingError, check_document, check_file
from lco_validate.audit.runner import AuditOptions, run_audit
from lco_validate.catalogue.snapshot import load_catalogue
from lco_validate.checking.policy import (
    AUDIT,
    SERVE,
    SETTINGS,
    Policy,
    RunMemory,
    Settings,
    default,
    resolve,
)
from lco_validate.findings import Finding, Severity

from .conftest import REPO
from .test_settings import broken_request, run, write_pyproject

GROUP = json.loads((REPO / "fixtures" / "valid" / "request-group.json").read_text())
NOW = "2030-06-01T00:00:00Z"


def codes(findings: list[Finding]) -> list[str]:
    return sorted(finding.code for finding in findings)


def severity_of(findings: list[Finding], code: str) -> Severity:
    return next(finding.severity for finding in findings if finding.code == code)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder, the current folder, holding the broken request."""
    broken_request(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


BROKEN = Path("requests") / "broken.json"


# -- the Python API ---------------------------------------------------------------------------


def test_without_a_settings_file_the_api_reports_everything(project: Path) -> None:
    assert codes(check_file(BROKEN)) == ["D001", "S101"]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('ignore = ["D"]\n', ["S101"]),
        ('select = ["D"]\n', ["D001"]),
        ("duration-tolerance = 10\n", ["S101"]),
    ],
)
def test_check_file_honours_the_nearest_settings_file(
    project: Path, table: str, expected: list[str]
) -> None:
    write_pyproject(project, table)
    assert codes(check_file(BROKEN)) == expected
    assert codes(check_file(project / BROKEN)) == expected  # the file is found from the cwd


def test_check_file_honours_severity_overrides(project: Path) -> None:
    write_pyproject(project, '[tool.lco-validate.severity]\nS101 = "error"\n')
    assert severity_of(check_file(BROKEN), "S101") is Severity.ERROR


def test_the_file_is_found_walking_up_from_the_current_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_pyproject(project, 'ignore = ["S"]\n')
    monkeypatch.chdir(project / "requests")
    assert codes(check_file("broken.json")) == ["D001"]


def test_keywords_override_the_file(project: Path) -> None:
    write_pyproject(project, 'select = ["S"]\nduration-tolerance = 10\n')
    assert codes(check_file(BROKEN)) == ["S101"]
    assert codes(check_file(BROKEN, select=["D"], duration_tolerance=1)) == ["D001"]
    assert codes(check_file(BROKEN, select=[])) == ["S101"]  # an empty selection: all codes


def test_config_false_reads_no_file_and_a_path_reads_that_one(project: Path) -> None:
    write_pyproject(project, 'ignore = ["D", "S"]\n')
    assert codes(check_file(BROKEN)) == []
    assert codes(check_file(BROKEN, config=False)) == ["D001", "S101"]
    other = project / "lint.toml"
    other.write_text('ignore = ["S"]\n')  # a bare table, as --config reads it
    assert codes(check_file(BROKEN, config=other)) == ["D001"]


def test_check_document_honours_the_file_and_keywords(project: Path) -> None:
    request = json.loads((project / BROKEN).read_text())
    assert codes(check_document(request)) == ["D001", "S101"]
    write_pyproject(project, 'ignore = ["D"]\n\n[tool.lco-validate.severity]\nS101 = "info"\n')
    found = check_document(request)
    assert codes(found) == ["S101"] and severity_of(found, "S101") is Severity.INFO
    assert codes(check_document(request, ignore=["S"])) == ["D001"]


def test_an_unknown_keyword_is_a_type_error_naming_the_settings(project: Path) -> None:
    with pytest.raises(TypeError, match="duration_tolerance"):
        check_file(BROKEN, tolerance=3)
    with pytest.raises(TypeError, match="'include'"):
        check_file(BROKEN, include=["*.json"])  # concerns runs over folders, not one file


@pytest.mark.parametrize(
    "keywords",
    [{"select": "D"}, {"now": "yesterday"}, {"severity": {"S101": "fatal"}}],
)
def test_an_unusable_keyword_value_is_a_setting_error(
    project: Path, keywords: dict[str, Any]
) -> None:
    with pytest.raises(SettingError, match="check_file\\(\\) argument"):
        check_file(BROKEN, **keywords)


def test_a_fixed_now_from_the_file_turns_time_rules_on_for_records(project: Path) -> None:
    record = json.loads((project / BROKEN).read_text())
    record["windows"] = [{"start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"}]
    (project / BROKEN).write_text(json.dumps(record))
    assert "R071" not in codes(check_file(BROKEN, visibility=False))  # the past, as recorded
    write_pyproject(project, f'now = "{NOW}"\nvisibility = false\n')
    assert "R071" in codes(check_file(BROKEN))


# -- audit ------------------------------------------------------------------------------------


def audit_report(folder: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run(folder, "audit", "requests", "-o", "json", *args)
    return result.exit_code, json.loads(result.stdout)["summary"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_audit_honours_the_settings_file(project: Path, jobs: str) -> None:
    status, summary = audit_report(project, "-j", jobs)
    assert summary["findings_by_code"] == {"D001": 1, "S101": 1} and status == 1
    write_pyproject(project, 'ignore = ["D"]\n\n[tool.lco-validate.severity]\nS101 = "error"\n')
    status, summary = audit_report(project, "-j", jobs)
    assert summary["findings_by_code"] == {"S101": 1}  # counts what the policy kept
    assert summary["findings_by_severity"] == {"error": 1} and status == 1


def test_audit_flags_override_the_file_and_strict_fails_on_warnings(project: Path) -> None:
    write_pyproject(project, 'ignore = ["D"]\n')
    status, summary = audit_report(project)
    assert summary["findings_by_code"] == {"S101": 1} and status == 0  # a warning
    assert audit_report(project, "--strict")[0] == 1
    assert audit_report(project, "--select", "D", "--ignore", "S")[1]["findings_by_code"] == {
        "D001": 1
    }
    write_pyproject(project, 'ignore = ["D"]\nstrict = true\n')
    assert audit_report(project)[0] == 1


def test_audit_honours_tolerance_and_exclude_from_the_file(project: Path) -> None:
    write_pyproject(project, "duration-tolerance = 10\n")
    assert audit_report(project)[1]["findings_by_code"] == {"S101": 1}
    write_pyproject(project, 'exclude = ["requests/broken.json"]\n')
    assert audit_report(project)[1]["files"] == 0


def test_run_audit_takes_a_resolution(project: Path) -> None:
    write_pyproject(project, 'select = ["S"]\n')
    found: list[Finding] = []
    summary = run_audit(["requests"], AuditOptions(resolve(entry=AUDIT)), 1, found.extend)
    assert codes(found) == ["S101"] and dict(summary.by_code) == {"S101": 1}
    found.clear()
    run_audit(["requests"], AuditOptions(), 1, found.extend)  # the defaults, no file
    assert codes(found) == ["D001", "S101"]


# -- serve and the portal's answers -----------------------------------------------------------


def test_serve_takes_configdb_and_now_from_the_file_but_no_policy(project: Path) -> None:
    write_pyproject(
        project,
        f'configdb = "sites.json"\nnow = "{NOW}"\nvisibility = false\nduration-tolerance = 9\n'
        'ignore = ["R"]\n\n[tool.lco-validate.severity]\nS101 = "error"\n',
    )
    served = resolve(entry=SERVE)
    assert served["configdb"] == str(project / "sites.json")
    assert served.now == datetime(2030, 6, 1, tzinfo=UTC)
    assert served.policy == Policy()
    assert served["visibility"] is default("visibility")
    assert served["duration-tolerance"] == default("duration-tolerance")
    assert served.origins["ignore"] == "default"


def broken_group(folder: Path) -> Path:
    group = copy.deepcopy(GROUP)
    group["requests"][0]["configurations"][0]["instrument_configs"][0]["exposure_time"] = -5
    path = folder / "group.json"
    path.write_text(json.dumps(group))
    return path


def test_the_portal_answer_keeps_errors_the_policy_hides(project: Path) -> None:
    path = broken_group(project)
    write_pyproject(project, 'ignore = ["S", "R", "D", "V", "J"]\n')
    assert run(project, "check", "--now", NOW, str(path)).stdout == ""
    answer = run(project, "check", "--now", NOW, "-o", "portal", str(path))
    assert json.loads(answer.stdout)["errors"] and answer.exit_code == 1


def test_the_server_answers_as_the_portal_whatever_the_settings_policy() -> None:
    pytest.importorskip("starlette", reason="serve needs: pip install 'lco-validate[serve]'")
    from starlette.testclient import TestClient

    from lco_validate.server.app import make_app

    hiding = Settings(
        catalogue=load_catalogue(),
        now=datetime(2030, 6, 1, tzinfo=UTC),
        visibility=False,
        policy=Policy.of(ignore=["S", "R", "D", "V"]),
    )
    group = copy.deepcopy(GROUP)
    for request in group["requests"]:  # one minute of daylight: never observable (V001)
        request["windows"] = [{"start": "2030-11-10T00:00:00Z", "end": "2030-11-10T00:01:00Z"}]
    client = TestClient(make_app(hiding))
    answer = client.post("/api/requestgroups/validate/", json=group).json()
    assert "V001" in json.dumps(answer["errors"]) and answer["request_durations"] == {}
    good = client.post("/api/requestgroups/validate/", json=GROUP).json()
    assert good["errors"] == {}
    assert all(r["largest_interval"] > 0 for r in good["request_durations"]["requests"])


# -- the table of settings --------------------------------------------------------------------


def test_show_settings_without_a_file_prints_exactly_the_tables_defaults(tmp_path: Path) -> None:
    result = run(tmp_path, "check", "--show-settings")
    printed = dict(line.split(" = ", 1) for line in result.stdout.splitlines())
    assert list(printed) == [setting.name for setting in SETTINGS]
    for setting in SETTINGS:
        value, origin = printed[setting.name].split("  (", 1)
        assert json.loads(value) == setting.default, setting.name
        assert origin.startswith("default"), setting.name


def test_settings_and_resolution_take_their_defaults_from_the_table(tmp_path: Path) -> None:
    settings = Settings(catalogue=load_catalogue())
    resolved = resolve(config=False).settings(catalogue=settings.catalogue)
    assert (
        settings.duration_tolerance == resolved.duration_tolerance == default("duration-tolerance")
    )
    assert settings.visibility is resolved.visibility is default("visibility")
    assert settings.policy == resolved.policy == Policy()
    assert settings.now is resolved.now is None and default("now") == "current"


def test_a_bad_now_in_the_file_is_a_usage_error_naming_the_file(tmp_path: Path) -> None:
    broken_request(tmp_path)
    write_pyproject(tmp_path, 'now = "soon"\n')
    for command in ("check", "audit"):
        result = run(tmp_path, command, "requests")
        assert result.exit_code == 2 and "pyproject.toml" in result.stderr, command


# -- the policy itself ------------------------------------------------------------------------


def finding(code: str, severity: Severity = Severity.WARNING) -> Finding:
    return Finding(code, severity, "message")


def test_policy_filters_by_prefix_then_overrides_severity() -> None:
    found = [finding("S101"), finding("S002", Severity.ERROR), finding("R071"), finding("D001")]
    policy = Policy.of(select=["s", "R0"], ignore=["S00"], severity={"s101": "error"})
    kept = policy.applied(found)
    assert [(f.code, f.severity) for f in kept] == [
        ("S101", Severity.ERROR),
        ("R071", Severity.WARNING),
    ]
    assert Policy().applied(found) == found


@pytest.mark.parametrize(
    ("strict", "errors", "warnings", "failed"),
    [(False, 0, 3, False), (True, 0, 3, True), (False, 1, 0, True), (True, 0, 0, False)],
)
def test_policy_says_when_a_run_fails(
    strict: bool, errors: int, warnings: int, failed: bool
) -> None:
    assert Policy(strict=strict).failed(errors=errors, warnings=warnings) is failed


def test_explicit_values_are_checked_against_the_table() -> None:
    with pytest.raises(SettingError, match="wrong type"):
        resolve({"strict": 1}, config=False)
    with pytest.raises(SettingError, match="serve takes no setting 'ignore'"):
        resolve({"ignore": ["S"]}, config=False, entry=SERVE)


def test_run_memory_computes_once_per_key_and_keeps_at_most_its_capacity() -> None:
    memory = RunMemory(capacity=3)
    computed: list[int] = []

    def value_of(key: int) -> int:
        def compute() -> int:
            computed.append(key)
            return key * 10

        return memory.remembered(key, compute)

    assert [value_of(key) for key in (1, 2, 1, 3, 1)] == [10, 20, 10, 30, 10]
    assert computed == [1, 2, 3]  # a key asked for again is not computed again
    value_of(4)  # past the capacity, the oldest entry goes
    assert len(memory._entries) == 3
    assert memory.get(1) is None and memory.get(4) == 40
    assert value_of(1) == 10 and computed == [1, 2, 3, 4, 1]
    assert len(memory._entries) == 3
