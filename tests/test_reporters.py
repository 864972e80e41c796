"""The CI output formats: golden outputs, SARIF schema validity, escaping, fingerprints,
the command-line wiring, and the CI examples of README.md run as written.

Golden files live in tests/golden/; after an intended change of a format,
regenerate them with ``LCO_VALIDATE_UPDATE_GOLDEN=1 python -m pytest tests/test_reporters.py``
and review the diff.  The golden findings are restricted to the loader's and
the schemas' codes (J, S) so that rules added later do not change them.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from lco_validate.catalogue.snapshot import load_catalogue
from lco_validate.checking.pipeline import FileResult, check_file
from lco_validate.checking.policy import Settings
from lco_validate.checking.summary import Summary
from lco_validate.cli import cli
from lco_validate.findings import Finding, Severity
from lco_validate.reporters import github_format, reporter, sarif_format

from .conftest import REPO, seed_page

GOLDEN = REPO / "tests" / "golden"
INPUTS = GOLDEN / "requests"
GOLDEN_FILES = {
    "github": "report.github.txt",
    "sarif": "report.sarif.json",
    "junit": "report.junit.xml",
    "gitlab": "report.gitlab.json",
}
# The formats that print paths as they were given: checked from the repository root.
PLAIN_GOLDEN_FILES = {"text": "report.text.txt", "json": "report.json.json"}
GOLDEN_INPUTS = ("bad-group.json", "clean.json", "not-json.json")
SARIF_SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
CI_DOC = REPO / "README.md"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


# ---------------------------------------------------------------- helpers


def checked(*paths: Path) -> list[FileResult]:
    """Results for ``paths`` at a fixed time, findings limited to J and S codes."""
    settings = Settings(catalogue=load_catalogue(), now=NOW, visibility=False)
    results = []
    for path in paths:
        result = check_file(str(path), settings)
        result.findings = [f for f in result.findings if f.code.startswith(("J", "S"))]
        results.append(result)
    return results


def render(format_name: str, results: list[FileResult], summary: Summary | None = None) -> str:
    stream = io.StringIO()
    reporter(format_name)(results, summary or Summary(), stream)
    return stream.getvalue()


def finding(
    code: str = "S003",
    severity: Severity = Severity.ERROR,
    message: str = "max_airmass is 0.5; it must be between 1.0 and 25.0",
    pointer: str = "/requests/0/configurations/0/constraints/max_airmass",
    path: str = "requests/a.json",
    line: int = 12,
    column: int = 42,
) -> Finding:
    return Finding(code, severity, message, pointer, path, line, column)


def one_file(*findings: Finding, path: str = "requests/a.json") -> list[FileResult]:
    return [FileResult(path=path, findings=list(findings))]


def sarif_validator() -> Any:
    schema = json.loads(SARIF_SCHEMA.read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def assert_valid_sarif(log: Any) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in sarif_validator().iter_errors(log)
    ]
    assert errors == []


@pytest.fixture(scope="module")
def golden_results() -> list[FileResult]:
    return checked(INPUTS / "bad-group.json", INPUTS / "clean.json", INPUTS / "not-json.json")


@pytest.fixture
def at_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(sarif_format, "tool_version", lambda: "0.0.0+golden")


# ---------------------------------------------------------------- golden outputs


def test_golden_inputs_give_errors_a_warning_and_a_clean_file(
    golden_results: list[FileResult],
) -> None:
    bad, clean, not_json = golden_results
    assert {f.code for f in bad.findings} == {"S002", "S003", "S101"}
    assert clean.findings == []
    assert [f.code for f in not_json.findings] == ["J001"]


@pytest.mark.parametrize("format_name", sorted(GOLDEN_FILES))
@pytest.mark.usefixtures("at_repository_root")
def test_output_matches_its_golden_file(format_name: str, golden_results: list[FileResult]) -> None:
    output = render(format_name, golden_results)
    golden = GOLDEN / GOLDEN_FILES[format_name]
    if os.environ.get("LCO_VALIDATE_UPDATE_GOLDEN") == "1":
        golden.write_text(output)
    assert output == golden.read_text()


@pytest.mark.parametrize("format_name", sorted(GOLDEN_FILES))
@pytest.mark.usefixtures("at_repository_root")
def test_output_is_the_same_on_every_run(
    format_name: str, golden_results: list[FileResult]
) -> None:
    again = checked(INPUTS / "bad-group.json", INPUTS / "clean.json", INPUTS / "not-json.json")
    assert render(format_name, again) == render(format_name, golden_results)


@pytest.mark.parametrize("format_name", sorted(PLAIN_GOLDEN_FILES))
@pytest.mark.usefixtures("at_repository_root")
def test_plain_output_matches_its_golden_file(format_name: str) -> None:
    results = checked(*(INPUTS.relative_to(REPO) / name for name in GOLDEN_INPUTS))
    summary = Summary()
    for result in results:
        summary.add(result)
    output = render(format_name, results, summary)
    golden = GOLDEN / PLAIN_GOLDEN_FILES[format_name]
    if os.environ.get("LCO_VALIDATE_UPDATE_GOLDEN") == "1":
        golden.write_text(output)
    assert output == golden.read_text()


def test_plain_golden_files_hold_every_finding_without_colour() -> None:
    text = (GOLDEN / PLAIN_GOLDEN_FILES["text"]).read_text()
    report = json.loads((GOLDEN / PLAIN_GOLDEN_FILES["json"]).read_text())
    assert "\x1b" not in text
    lines = text.splitlines()
    assert len(lines) == len(report["findings"]) == report["summary"]["errors"] + 1
    assert lines[0].startswith("tests/golden/requests/bad-group.json:")
    assert report["summary"]["files"] == len(GOLDEN_INPUTS)


# ---------------------------------------------------------------- SARIF


@pytest.mark.usefixtures("at_repository_root")
def test_sarif_of_the_golden_inputs_is_valid_against_the_sarif_2_1_0_schema(
    golden_results: list[FileResult],
) -> None:
    assert_valid_sarif(json.loads(render("sarif", golden_results)))


def test_sarif_with_every_severity_and_odd_paths_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    results = [
        *one_file(finding(), finding("S101", Severity.WARNING), finding("X900", Severity.INFO)),
        *one_file(finding(path="/elsewhere/b.json"), path="/elsewhere/b.json"),
        *one_file(finding(path="-", pointer=""), path="-"),
    ]
    assert_valid_sarif(json.loads(render("sarif", results)))


def test_sarif_has_one_rule_per_code_and_results_point_at_theirs(
    golden_results: list[FileResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    run = json.loads(render("sarif", golden_results))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["J001", "S002", "S003", "S101"]
    assert rules[2]["shortDescription"]["text"] == (
        "A number is outside the range the portal accepts."
    )
    assert "lco-validate explain S003" in rules[2]["help"]["text"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_levels_follow_severity_and_rules_keep_their_own_default(tmp_path: Path) -> None:
    results = one_file(
        finding(),
        finding("S101", Severity.WARNING),
        # D001 is an error by default; a per-code override made it a warning in this run
        finding("D001", Severity.WARNING, pointer="/requests/0/duration"),
        finding("X900", Severity.INFO),
    )
    run = json.loads(render("sarif", results))["runs"][0]
    assert [r["level"] for r in run["results"]] == ["error", "warning", "warning", "note"]
    defaults = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
    assert defaults == {"D001": "error", "S003": "error", "S101": "warning", "X900": "note"}


def test_sarif_uris_are_relative_to_the_working_directory_with_forward_slashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    inside = tmp_path / "my requests" / "a.json"
    outside = tmp_path.parent / "other.json"
    results = [
        *one_file(finding(path=str(inside)), path=str(inside)),
        *one_file(finding(path=str(outside)), path=str(outside)),
    ]
    run = json.loads(render("sarif", results))["runs"][0]
    first, second = (r["locations"][0]["physicalLocation"] for r in run["results"])
    assert first["artifactLocation"] == {"uri": "my%20requests/a.json", "uriBaseId": "%SRCROOT%"}
    # a file outside the repository keeps an absolute URI, never ../
    assert second["artifactLocation"] == {"uri": outside.resolve().as_uri()}
    assert first["region"] == {"startLine": 12, "startColumn": 42, "endLine": 12, "endColumn": 43}


def test_repository_path_resolves_symbolic_links(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.json").write_text("{}")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert sarif_format.repository_path(str(tmp_path / "link" / "a.json"), tmp_path) == (
        "real/a.json"
    )
    assert sarif_format.repository_path("-", tmp_path) == "-"


# ---------------------------------------------------------------- fingerprints


def fingerprints_of(path: Path) -> dict[tuple[str, int], str]:
    """Fingerprint of each finding, keyed by code and line."""
    report = json.loads(render("gitlab", checked(path)))
    return {(i["check_name"], i["location"]["lines"]["begin"]): i["fingerprint"] for i in report}


def test_fingerprints_survive_lines_added_above_the_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "requests.json"
    text = (INPUTS / "bad-group.json").read_text()
    path.write_text(text)
    before = fingerprints_of(path)
    path.write_text("\n\n\n" + text)
    after = fingerprints_of(path)
    assert {(code, line + 3) for code, line in before} == set(after)
    assert sorted(before.values()) == sorted(after.values())


def test_fingerprints_are_unique_even_for_one_code_at_one_pointer(
    golden_results: list[FileResult],
) -> None:
    issues = json.loads(render("gitlab", golden_results))
    group_level = [
        i for i in issues if i["check_name"] == "S002" and i["location"]["lines"]["begin"] == 1
    ]
    assert len(group_level) == 2  # 'proposal' and 'name' are both missing at the root
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_sarif_and_gitlab_share_the_fingerprint(golden_results: list[FileResult]) -> None:
    sarif = json.loads(render("sarif", golden_results))["runs"][0]["results"]
    gitlab = json.loads(render("gitlab", golden_results))
    assert [r["partialFingerprints"]["lcoValidateFinding/v1"] for r in sarif] == [
        i["fingerprint"] for i in gitlab
    ]


# ---------------------------------------------------------------- GitHub


def test_github_message_escapes_percent_and_line_breaks_only() -> None:
    assert github_format.escape_message("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"


def test_github_property_also_escapes_colon_and_comma() -> None:
    assert github_format.escape_property("C:\\a,b%\n") == "C%3A\\a%2Cb%25%0A"


def test_github_command_is_one_line_with_every_location_property() -> None:
    odd = finding(message="line one\nline two 100%", path="dir,x/a:b.json")
    (line,) = render("github", one_file(odd, path=odd.path)).splitlines()
    assert line == (
        "::error file=dir%2Cx/a%3Ab.json,line=12,col=42,endLine=12,endColumn=43,"
        "title=S003%3A A number is outside the range the portal accepts."
        "::dir,x/a:b.json:12:42: S003 line one%0Aline two 100%25"
    )


def test_github_prints_errors_first_then_warnings_then_notices() -> None:
    results = one_file(
        finding("S101", Severity.WARNING, line=1),
        finding("X900", Severity.INFO, line=2),
        finding("S003", Severity.ERROR, line=3),
    )
    commands = [line.split(" ", 1)[0] for line in render("github", results).splitlines()]
    assert commands == ["::error", "::warning", "::notice"]


def test_github_prints_nothing_for_clean_files(golden_results: list[FileResult]) -> None:
    assert render("github", [golden_results[1]]) == ""


# ---------------------------------------------------------------- JUnit


@pytest.mark.usefixtures("at_repository_root")
def test_junit_has_a_suite_per_file_and_a_passing_case_for_clean_files(
    golden_results: list[FileResult],
) -> None:
    root = ElementTree.fromstring(render("junit", golden_results))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("7", "5", "0")
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert list(suites) == [
        "tests/golden/requests/bad-group.json",
        "tests/golden/requests/clean.json",
        "tests/golden/requests/not-json.json",
    ]
    (clean_case,) = suites["tests/golden/requests/clean.json"]
    assert clean_case.get("name") == "all checks" and len(clean_case) == 0
    bad = suites["tests/golden/requests/bad-group.json"]
    assert (bad.get("tests"), bad.get("failures")) == ("5", "4")
    warning = next(case for case in bad if case.get("name", "").startswith("S101"))
    assert warning.find("failure") is None
    assert "warning: " in (warning.findtext("system-out") or "")
    airmass = next(case for case in bad if case.get("name", "").startswith("S003"))
    failure = airmass.find("failure")
    assert failure is not None and failure.get("type") == "S003"
    assert failure.get("message") == "max_airmass is 0.5; it must be between 1.0 and 25.0"
    assert airmass.get("line") == "12"


def test_junit_survives_control_characters_and_non_ascii_text() -> None:
    odd = finding(message="name 'M\x0131 \u00e9t\u00e9' is odd")
    output = render("junit", one_file(odd))
    assert output.isascii()
    failure = ElementTree.fromstring(output).find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "name 'M\\x0131 \u00e9t\u00e9' is odd"


# ---------------------------------------------------------------- GitLab


@pytest.mark.usefixtures("at_repository_root")
def test_gitlab_issues_name_code_severity_path_and_line(
    golden_results: list[FileResult],
) -> None:
    issues = json.loads(render("gitlab", golden_results))
    airmass = next(i for i in issues if i["check_name"] == "S003")
    assert airmass["location"] == {
        "path": "tests/golden/requests/bad-group.json",
        "lines": {"begin": 12},
    }
    assert airmass["severity"] == "major"
    assert airmass["description"].startswith("S003 max_airmass is 0.5")
    assert next(i for i in issues if i["check_name"] == "S101")["severity"] == "minor"


def test_gitlab_maps_info_to_info_and_clean_runs_to_an_empty_list() -> None:
    (issue,) = json.loads(render("gitlab", one_file(finding("X900", Severity.INFO))))
    assert issue["severity"] == "info"
    assert json.loads(render("gitlab", one_file())) == []


# ---------------------------------------------------------------- command line


def run_cli(*args: str, **env: str) -> Any:
    return CliRunner(env={"GITHUB_ACTIONS": None, **env}).invoke(cli, list(args))


def test_github_format_is_chosen_inside_github_actions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(INPUTS / "bad-group.json", tmp_path / "bad.json")
    result = run_cli("check", "bad.json", GITHUB_ACTIONS="true")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=bad.json,line=1,col=1,")
    explicit = run_cli("check", "bad.json", "--output-format", "text", GITHUB_ACTIONS="true")
    assert explicit.stdout.startswith("bad.json:1:1: S002 ")
    assert run_cli("check", "bad.json").stdout.startswith("bad.json:1:1: S002 ")


@pytest.mark.parametrize("format_name", sorted(GOLDEN_FILES))
def test_output_file_gets_the_findings_and_stdout_stays_empty(
    format_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(INPUTS / "bad-group.json", tmp_path / "bad.json")
    result = run_cli("check", "bad.json", "-o", format_name, "--output-file", "out")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Checked 1 file" in result.stderr
    written = (tmp_path / "out").read_text(encoding="utf-8")
    assert written == render(format_name, checked(Path("bad.json")))


# ---------------------------------------------------------------- README.md examples


def ci_examples() -> dict[str, Any]:
    """The YAML examples of README.md, by what they configure."""
    text = CI_DOC.read_text()
    blocks = [part.split("\n```", 1)[0] for part in text.split("```yaml\n")[1:]]
    examples: dict[str, Any] = {}
    for block in blocks:
        document = yaml.safe_load(block)
        if not isinstance(document, dict):
            continue
        if "repos" in document:
            examples["pre-commit"] = document
        elif "jobs" in document:
            examples["github"] = document
        elif any(isinstance(job, dict) and "script" in job for job in document.values()):
            examples["gitlab"] = document
    assert set(examples) == {"pre-commit", "github", "gitlab"}
    return examples


def workspace(tmp_path: Path, *, bad: bool) -> Path:
    """A checkout: requests/good.json (the seed page, kept clean), maybe requests/bad.json."""
    requests = tmp_path / "requests"
    requests.mkdir()
    (requests / "good.json").write_text(json.dumps(seed_page(), indent=2))
    if bad:
        shutil.copy(INPUTS / "bad-group.json", requests / "bad.json")
    return tmp_path


def shell(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a CI script line as the runners do (bash -e), with this environment's lco-validate."""
    environment = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "CI")}
    scripts = Path(sys.executable).parent
    assert (scripts / "lco-validate").exists(), "lco-validate is not installed next to python"
    environment["PATH"] = f"{scripts}{os.pathsep}{environment.get('PATH', '')}"
    environment.update(env)
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def is_install(script: str) -> bool:
    return "pip install" in script


def test_pre_commit_example_uses_this_repositorys_hook() -> None:
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = ci_examples()["pre-commit"]["repos"][0]["hooks"]
    assert hook["id"] in {entry["id"] for entry in manifest}
    assert manifest[0]["entry"] == "lco-validate check"


def run_github_workflow(checkout: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    (job,) = ci_examples()["github"]["jobs"].values()
    outcomes = {}
    for step in job["steps"]:
        if "run" in step and not is_install(step["run"]):
            outcomes[step["run"]] = shell(step["run"], checkout, GITHUB_ACTIONS="true", CI="true")
    return outcomes


def test_github_actions_example_annotates_errors_and_writes_valid_sarif(tmp_path: Path) -> None:
    (job,) = ci_examples()["github"]["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    checkout = workspace(tmp_path, bad=True)
    outcomes = run_github_workflow(checkout)
    annotate = next(o for script, o in outcomes.items() if "--output-format" not in script)
    assert annotate.returncode == 1
    assert "::error file=requests/bad.json,line=12,col=42," in annotate.stdout
    assert "Checked 2 files" in annotate.stderr
    sarif_steps = [o for script, o in outcomes.items() if "sarif" in script]
    assert [o.returncode for o in sarif_steps] == [0]
    upload = next(s for s in job["steps"] if "upload-sarif" in s.get("uses", ""))
    log = json.loads((checkout / upload["with"]["sarif_file"]).read_text())
    assert_valid_sarif(log)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {"requests/bad.json"}


def test_github_actions_example_passes_clean_requests(tmp_path: Path) -> None:
    outcomes = run_github_workflow(workspace(tmp_path, bad=False))
    assert [o.returncode for o in outcomes.values()] == [0] * len(outcomes)
    assert all(o.stdout == "" for o in outcomes.values())


def run_gitlab_job(checkout: Path) -> tuple[dict[str, Any], list[int]]:
    (job,) = ci_examples()["gitlab"].values()
    codes = [shell(line, checkout).returncode for line in job["script"] if not is_install(line)]
    return job, codes


def test_gitlab_example_fails_the_job_and_keeps_both_reports(tmp_path: Path) -> None:
    checkout = workspace(tmp_path, bad=True)
    job, codes = run_gitlab_job(checkout)
    assert codes[-1] == 1 and set(codes[:-1]) == {0}
    assert job["artifacts"]["when"] == "always"
    reports = job["artifacts"]["reports"]
    issues = json.loads((checkout / reports["codequality"]).read_text())
    assert {i["location"]["path"] for i in issues} == {"requests/bad.json"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    suites = ElementTree.parse(checkout / reports["junit"]).getroot().iter("testsuite")
    assert [s.get("name") for s in suites] == ["requests/bad.json", "requests/good.json"]


def test_gitlab_example_passes_clean_requests(tmp_path: Path) -> None:
    checkout = workspace(tmp_path, bad=False)
    job, codes = run_gitlab_job(checkout)
    assert set(codes) == {0}
    assert json.loads((checkout / job["artifacts"]["reports"]["codequality"]).read_text()) == []
