"""Fixes carried by findings: what they write, where, and that nothing else changes.

docs/fixes.md describes the design.  The properties at the end draw request
groups with the mistakes S008 and S101 fix, written in many JSON styles (indent,
separators, CRLF, key order, non-ASCII), and random edits on random documents,
and check that the fixed text is JSON, that only the fixed tokens changed, and
that fixing again finds nothing to fix.
"""

from __future__ import annotations

import codecs
import copy
import json
import os
import re
import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lco_validate import check_file, fix_text
from lco_validate.catalogue.snapshot import load_catalogue
from lco_validate.checking.codes import explain_code, fix_documentation
from lco_validate.checking.fixing import fix_source, reloaded
from lco_validate.checking.key_matches import key_match, same_words, slip_distance
from lco_validate.checking.pipeline import check_source
from lco_validate.checking.policy import Settings
from lco_validate.cli import cli
from lco_validate.documents.edits import apply_fixes, edit_span, value_end
from lco_validate.documents.loading import SourceFile
from lco_validate.documents.pointers import escape_token, pointer_parts
from lco_validate.documents.positions import scan
from lco_validate.findings import Edit, Finding, Fix, Severity, relative_pointer
from lco_validate.reporters import sarif_format

from .conftest import REPO

BASE = json.loads((REPO / "tests" / "rule_examples" / "base.json").read_text())
NOW = "2030-05-01T00:00:00Z"
SETTINGS = Settings(
    catalogue=load_catalogue(), now=datetime(2030, 5, 1, tzinfo=UTC), visibility=False
)
CONFIGURATION = "/requests/0/configurations/0"
INSTRUMENT_CONFIG = f"{CONFIGURATION}/instrument_configs/0"
SARIF_SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"


def node_at(document: Any, pointer: str) -> Any:
    """The value ``pointer`` names in ``document``."""
    for part in pointer_parts(pointer):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


def group(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """The examples' valid group with ``changes`` (pointer -> value; None removes) made."""
    document: dict[str, Any] = copy.deepcopy(BASE)
    for pointer, value in (changes or {}).items():
        parent, last = node_at(document, pointer[: pointer.rfind("/")]), pointer_parts(pointer)[-1]
        if value is None:
            parent.pop(last, None)
        else:
            parent[last] = value
    return document


def at(pointer: str, **values: Any) -> dict[str, Any]:
    """``group`` changes of members of the object at ``pointer``: ``at(p, exposure_time="30")``."""
    return {f"{pointer}/{escape_token(key)}": value for key, value in values.items()}


def findings_of(text: str, *, name: str = "-") -> list[Finding]:
    return check_source(reloaded(SourceFile(path=name), text.encode()), SETTINGS).findings


def fixed(text: str, *, unsafe: bool = False, name: str = "-") -> str:
    return fix_source(reloaded(SourceFile(path=name), text.encode()), SETTINGS, unsafe=unsafe).text


def run(*args: str, input_text: str | None = None) -> Any:
    return CliRunner().invoke(
        cli, ["check", "--now", NOW, "--no-visibility", *args], input=input_text
    )


# ---------------------------------------------------------------- fixes as data


def test_a_relative_pointer_names_a_place_from_the_findings_own() -> None:
    assert relative_pointer("/windows/0/end", "0") == "/windows/0/end"
    assert relative_pointer("/windows/0/end", "1/start") == "/windows/0/start"
    assert relative_pointer("/a/b", "2") == ""
    for bad in ("", "x", "01", "1start", "3"):
        with pytest.raises(ValueError):
            relative_pointer("/a/b", bad)


def test_a_fix_follows_its_finding_when_the_pointer_moves() -> None:
    finding = Finding("S008", Severity.WARNING, "m", "/configurations/0/x").with_fix(
        Fix("swap", safe=False, edits=(Edit.replace_value(1), Edit.replace_value(2, "1/y")))
    )
    moved = finding.under("/requests/3")
    assert [edit.at for edit in moved.placed_edits()] == [
        "/requests/3/configurations/0/x",
        "/requests/3/configurations/0/y",
    ]
    assert moved.fixable(unsafe=True) and not moved.fixable()


def test_json_output_shows_a_fix_only_where_there_is_one() -> None:
    plain = Finding("S003", Severity.ERROR, "m", "/a")
    assert "fix" not in plain.as_dict()
    shown = plain.with_fix(Fix.replace_value(30, "write 30")).under("/r").as_dict()
    assert shown["fix"] == {
        "description": "write 30",
        "applicability": "safe",
        "edits": [{"kind": "replace-value", "pointer": "/r/a", "value": 30}],
    }


# ---------------------------------------------------------------- edits on text

TEXT = '{\r\n  "a": "30",\r\n  "b": {"x": [1, "]"]},\r\n  "c": 3\r\n}\r\n'


def edited(text: str, edit: Edit) -> str | None:
    span = edit_span(text, scan(text), edit, ascii_only=text.isascii())
    return None if span is None else text[: span.start] + span.text + text[span.end :]


@pytest.mark.parametrize(
    ("edit", "old", "new"),
    [
        (Edit.replace_value(30, "/a"), '"a": "30"', '"a": 30'),
        (Edit.replace_value({"k": [1]}, "/b"), '{"x": [1, "]"]}', '{"k": [1]}'),
        (Edit.rename_key("z", "/b"), '"b":', '"z":'),
        (Edit.remove_key("/a"), '"a": "30",\r\n  ', ""),
        (Edit.remove_key("/b"), '"b": {"x": [1, "]"]},\r\n  ', ""),
        (Edit.remove_key("/c"), ',\r\n  "c": 3', ""),
        (Edit.remove_key("/b/x"), '{"x": [1, "]"]}', "{}"),
        (Edit.replace_value("é", "/c"), '"c": 3', '"c": "\\u00e9"'),
    ],
    ids=[
        "number",
        "object",
        "rename",
        "remove-first",
        "remove-middle",
        "remove-last",
        "remove-only",
        "ascii",
    ],
)
def test_an_edit_changes_its_tokens_and_keeps_every_other_byte(
    edit: Edit, old: str, new: str
) -> None:
    assert TEXT.count(old) == 1
    assert edited(TEXT, edit) == TEXT.replace(old, new)


def test_new_text_is_written_as_the_file_writes_it() -> None:
    assert edited('{"name": "Møn", "a": 1}', Edit.replace_value("é", "/a")) == (
        '{"name": "Møn", "a": "é"}'
    )
    assert edited('{"a": 1}', Edit.replace_value(1e20, "/a")) == '{"a": 1e+20}'


@pytest.mark.parametrize(
    "edit",
    [
        Edit.rename_key("c", "/b"),  # the object has that key already
        Edit.replace_value(float("nan"), "/a"),  # JSON cannot write it
        Edit.replace_value(1, "/missing"),
        Edit.rename_key("k", "/b/x/0"),  # a list item has no key
        Edit.remove_key(""),
    ],
    ids=["onto-a-key", "nan", "missing", "item", "root"],
)
def test_an_edit_that_cannot_be_placed_is_not_applied(edit: Edit) -> None:
    assert edited(TEXT, edit) is None


def test_a_key_written_twice_is_not_edited() -> None:
    text = '{"a": "1", "a": "2"}'
    assert edited(text, Edit.replace_value(2, "/a")) is None


def test_value_end_skips_brackets_and_quotes_inside_strings() -> None:
    text = '[{"a": "]}\\"["}, 2] tail'
    assert text[: value_end(text, 0)] == '[{"a": "]}\\"["}, 2]'
    assert value_end(text, 1) == text.index("}, 2") + 1


def fix_finding(pointer: str, fix: Fix) -> tuple[Finding, int]:
    return Finding("S008", Severity.WARNING, "m", pointer).with_fix(fix), 0


def test_overlapping_fixes_wait_for_the_next_pass() -> None:
    text = '{"a": {"b": "1"}, "c": 2}'
    chosen = [
        fix_finding("/a/b", Fix.replace_value(1, "write 1")),
        fix_finding("/a", Fix.remove_key("remove a", safe=False)),
        fix_finding("/c", Fix.replace_value(3, "write 3")),
    ]
    applied = apply_fixes(text, [(0, len(text))], chosen)
    assert applied.text == '{"a": {"b": 1}, "c": 3}'
    assert [finding.pointer for finding in applied.fixed] == ["/a/b", "/c"]


def test_a_fix_is_applied_whole_or_not_at_all() -> None:
    text = '{"start": 2, "end": 1}'
    swap = Fix("swap", safe=False, edits=(Edit.replace_value(1, "1/start"), Edit.replace_value(2)))
    applied = apply_fixes(text, [(0, len(text))], [fix_finding("/end", swap)])
    assert applied.text == '{"start": 1, "end": 2}'
    broken = Fix("swap", safe=False, edits=(Edit.replace_value(1, "1/gone"), Edit.replace_value(2)))
    assert apply_fixes(text, [(0, len(text))], [fix_finding("/end", broken)]).text == text


# ---------------------------------------------------------------- S008 and S101


def only(findings: list[Finding], code: str) -> Finding:
    (finding,) = [finding for finding in findings if finding.code == code]
    return finding


@pytest.mark.parametrize(
    ("change", "written", "safe"),
    [
        (at(INSTRUMENT_CONFIG, exposure_time="30"), 30, True),
        (at(INSTRUMENT_CONFIG, exposure_time=" 1.50 "), 1.5, True),
        (at(INSTRUMENT_CONFIG, exposure_count="3.0"), 3, True),
        (at(f"{CONFIGURATION}/guiding_config", optional="yes"), True, True),
        (at(f"{CONFIGURATION}/target", name=4), "4", True),
        (at(f"{CONFIGURATION}/constraints", max_airmass=True), 1, False),
    ],
    ids=["number", "as-written", "integer", "boolean", "text", "true-as-number"],
)
def test_s008_writes_the_value_as_its_field_means_it(
    change: dict[str, Any], written: object, safe: bool
) -> None:
    text = json.dumps(group(change), indent=2)
    finding = only(findings_of(text), "S008")
    assert finding.fix is not None and finding.fix.safe is safe
    node = node_at(json.loads(fixed(text, unsafe=True)), finding.pointer)
    assert node == written and type(node) is type(written)
    assert not [f for f in findings_of(fixed(text, unsafe=True)) if f.code == "S008"]


@pytest.mark.parametrize(
    ("place", "wrong", "right", "safe"),
    [
        (INSTRUMENT_CONFIG, "Exposure-Count", "exposure_count", True),
        (INSTRUMENT_CONFIG, "exposure_cuont", "exposure_count", False),
        (f"{CONFIGURATION}/constraints", "max_lunar_distance", "min_lunar_distance", False),
    ],
)
def test_s101_renames_a_key_near_exactly_one_known_key(
    place: str, wrong: str, right: str, safe: bool
) -> None:
    value = 2 if right.endswith("count") else 30
    text = json.dumps(group({**at(place, **{wrong: value}), f"{place}/{right}": None}), indent=2)
    finding = only(findings_of(text), "S101")
    assert finding.fix is not None and finding.fix.safe is safe
    assert f"did you mean '{right}'?" in finding.message
    assert (f'"{right}"' in fixed(text)) is safe
    assert f'"{right}"' in fixed(text, unsafe=True)
    assert f'"{wrong}"' not in fixed(text, unsafe=True)


def test_s101_offers_no_fix_when_the_choice_is_not_unique_and_lists_the_candidates() -> None:
    text = json.dumps(group(at(INSTRUMENT_CONFIG, exposure=1)), indent=2)
    finding = only(findings_of(text), "S101")
    assert finding.fix is None
    assert "did you mean 'exposure_time' or 'exposure_count'?" in finding.message  # alike
    near = key_match("window_strat", ["window_start", "window_strut", "end"])
    assert near.rename_to is None
    assert near.hint() == "; did you mean 'window_start' or 'window_strut'?"


def test_s101_offers_no_rename_onto_a_key_the_object_has() -> None:
    text = json.dumps(group(at(INSTRUMENT_CONFIG, exposure_tme=1)), indent=2)
    finding = only(findings_of(text), "S101")
    assert finding.fix is None and "did you mean 'exposure_time'?" in finding.message


def test_key_matches() -> None:
    assert same_words("Exposure-Time", "exposure_time") and not same_words("expose", "exposure")
    assert slip_distance("exposure_tme", "exposure_time", 2) == 1
    assert slip_distance("mdoe", "mode", 2) == 1  # a swap of neighbours is one slip
    assert slip_distance("abcdef", "uvwxyz", 2) == 3  # counted only up to the limit, plus one
    alike = key_match("exp_time", ["exposure_time", "mode"])
    assert alike.candidates == ("exposure_time",) and alike.rename_to is None  # alike, not near


# ---------------------------------------------------------------- the command line

FIXABLE_CHANGE = at(INSTRUMENT_CONFIG, exposure_time="30")
FIXABLE = group(FIXABLE_CHANGE)
FIXABLE_TEXT = json.dumps(FIXABLE, indent=2) + "\n"


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path


def test_fix_rewrites_only_the_files_with_something_to_fix(tmp_path: Path) -> None:
    fixable = write(tmp_path / "fixable.json", FIXABLE_TEXT.replace("\n", "\r\n"))
    clean = write(tmp_path / "clean.json", json.dumps(BASE, indent=2))
    os.chmod(fixable, 0o640)
    clean_before = os.stat(clean)
    result = run("--fix", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert fixable.read_bytes() == FIXABLE_TEXT.replace('"30"', "30").replace("\n", "\r\n").encode()
    assert stat.S_IMODE(os.stat(fixable).st_mode) == 0o640
    clean_after = os.stat(clean)
    assert (clean_after.st_ino, clean_after.st_mtime_ns) == (
        clean_before.st_ino,
        clean_before.st_mtime_ns,
    )
    assert "Fixed 1 finding; 0 remaining." in result.stderr
    assert not list(tmp_path.glob(".lco-validate-*"))  # no temporary file left


def test_a_file_is_never_modified_without_fix(tmp_path: Path) -> None:
    path = write(tmp_path / "fixable.json", FIXABLE_TEXT)
    for args in ([], ["--diff"], ["--unsafe-fixes"], ["--diff", "--unsafe-fixes"], ["-o", "sarif"]):
        run(*args, str(path))
        assert path.read_text() == FIXABLE_TEXT, args


def test_diff_shows_the_change_and_exits_1_only_when_there_is_one(tmp_path: Path) -> None:
    path = write(tmp_path / "fixable.json", FIXABLE_TEXT)
    result = run("--diff", str(path))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"--- {path}\n+++ {path}\n@@ ")
    (line,) = [line for line in FIXABLE_TEXT.splitlines(True) if '"exposure_time": "30"' in line]
    assert "-" + line + "+" + line.replace('"30"', "30") in result.stdout
    assert "Would fix 1 finding; 0 would remain." in result.stderr
    clean = run("--diff", str(write(tmp_path / "clean.json", json.dumps(BASE))))
    assert (clean.exit_code, clean.stdout) == (0, "")


def test_the_text_marks_what_fix_would_fix_and_the_summary_counts_it(tmp_path: Path) -> None:
    document = group(
        {**FIXABLE_CHANGE, **at(f"{CONFIGURATION}/constraints", max_lunar_distance=30)}
    )
    path = write(tmp_path / "two.json", json.dumps(document, indent=2))
    result = run(str(path))
    lines = result.stdout.splitlines()
    assert any(" S008 [*] " in line for line in lines)
    assert any(" S101 unknown key" in line for line in lines)  # unsafe: no marker
    assert "1 finding fixable with --fix (1 more with --unsafe-fixes)." in result.stderr
    unsafe = run("--unsafe-fixes", str(path))
    assert any(" S101 [*] " in line for line in unsafe.stdout.splitlines())
    fix = run("--fix", str(path))
    assert "Fixed 1 finding; 1 remaining (1 fixable with --unsafe-fixes)." in fix.stderr
    assert run("--fix", "--unsafe-fixes", str(path)).exit_code == 0
    assert '"min_lunar_distance": 30' in path.read_text()


def test_standard_input_gets_the_fixed_text_on_stdout_and_findings_on_stderr() -> None:
    document = group(at(INSTRUMENT_CONFIG, exposure_time="30", exposure_count=0))
    result = run("--fix", "-", input_text=json.dumps(document))
    assert (
        json.loads(result.stdout)["requests"][0]["configurations"][0]["instrument_configs"][0][
            "exposure_time"
        ]
        == 30
    )
    assert " S003 " in result.stderr and result.exit_code == 1  # exposure_count 0 remains


def test_json_lines_and_saved_pages_keep_their_other_lines(tmp_path: Path) -> None:
    lines = [json.dumps(BASE), json.dumps(FIXABLE), json.dumps(FIXABLE)]
    path = write(tmp_path / "many.jsonl", "\n".join(lines) + "\n")
    run("--fix", str(path))
    fixed_line = json.dumps(FIXABLE).replace('"30"', "30")
    assert path.read_text() == "\n".join([lines[0], fixed_line, fixed_line]) + "\n"
    header = "HTTP 200 OK\nAllow: GET\nContent-Type: application/json\n\n"
    page = write(tmp_path / "page.txt", header + FIXABLE_TEXT)
    run("--fix", str(page))
    assert page.read_text() == header + FIXABLE_TEXT.replace('"30"', "30")


def test_a_byte_order_mark_is_kept_and_utf16_is_not_rewritten(tmp_path: Path) -> None:
    marked = tmp_path / "bom.json"
    marked.write_bytes(codecs.BOM_UTF8 + FIXABLE_TEXT.encode())
    run("--fix", str(marked))
    assert marked.read_bytes() == codecs.BOM_UTF8 + FIXABLE_TEXT.replace('"30"', "30").encode()
    wide = tmp_path / "wide.json"
    wide.write_bytes(FIXABLE_TEXT.encode("utf-16"))
    before = wide.read_bytes()
    run("--fix", str(wide))
    assert wide.read_bytes() == before


def test_a_symbolic_link_is_followed_and_kept(tmp_path: Path) -> None:
    target = write(tmp_path / "target.json", FIXABLE_TEXT)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    run("--fix", str(link))
    assert link.is_symlink() and '"exposure_time": 30' in target.read_text()


def test_a_file_that_cannot_be_written_is_reported_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    path = write(folder / "fixable.json", FIXABLE_TEXT)
    folder.chmod(0o500)
    if os.access(folder, os.W_OK):
        # Root writes anywhere (as CI runs): the refusal a locked folder gives others.
        def refused(*_args: object, **_kwargs: object) -> None:
            raise PermissionError(13, "Permission denied", str(folder))

        monkeypatch.setattr("tempfile.mkstemp", refused)
    try:
        result = run("--fix", str(path))
    finally:
        folder.chmod(0o700)
    assert result.exit_code == 2
    assert "the fixes could not be written" in result.stderr
    assert path.read_text() == FIXABLE_TEXT


def test_fix_from_the_settings_file_and_no_fix_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.lco-validate]\nfix = true\n")
    path = write(tmp_path / "fixable.json", FIXABLE_TEXT)
    run("--no-fix", str(path))
    assert path.read_text() == FIXABLE_TEXT
    run(str(path))
    assert '"exposure_time": 30' in path.read_text()


def test_exit_non_zero_on_fix_fails_a_run_that_changed_a_file(tmp_path: Path) -> None:
    path = write(tmp_path / "fixable.json", FIXABLE_TEXT)
    assert run("--fix", "--exit-non-zero-on-fix", str(path)).exit_code == 1
    assert run("--fix", "--exit-non-zero-on-fix", str(path)).exit_code == 0  # nothing left


def test_the_python_api_returns_the_fixed_text() -> None:
    assert fix_text(FIXABLE_TEXT, config=False, now=NOW, visibility=False) == (
        FIXABLE_TEXT.replace('"30"', "30")
    )
    lines = json.dumps(FIXABLE) + "\n" + json.dumps(FIXABLE) + "\n"
    again = fix_text(lines, config=False, now=NOW, visibility=False, json_lines=True)
    assert again.count('"exposure_time": 30') == 2


def test_sarif_carries_fixes_with_regions_and_is_valid(tmp_path: Path) -> None:
    path = write(tmp_path / "fixable.json", FIXABLE_TEXT)
    result = run("-o", "sarif", str(path))
    log = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text())
    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(log)) == []
    (fixed_result,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "S008"]
    (change,) = fixed_result["fixes"][0]["artifactChanges"]
    (replacement,) = change["replacements"]
    region = replacement["deletedRegion"]
    line = FIXABLE_TEXT.splitlines()[region["startLine"] - 1]
    assert line[region["startColumn"] - 1 : region["endColumn"] - 1] == '"30"'
    assert replacement["insertedContent"] == {"text": "30"}
    assert "safe fix" in fixed_result["fixes"][0]["description"]["text"]
    assert sarif_format.FINGERPRINT_KEY in fixed_result["partialFingerprints"]


def test_rules_and_explain_say_which_codes_fix_and_how() -> None:
    listed = CliRunner().invoke(cli, ["rules"]).output.splitlines()
    s008 = next(line for line in listed if line.startswith("S008"))
    s003 = next(line for line in listed if line.startswith("S003"))
    assert "fix/unsafe" in s008 and "fix" not in s003.split("A number")[0]
    assert fix_documentation("S003") is None
    assert "Fix (safe or unsafe): renames the key" in (explain_code("S101") or "")


def test_every_fix_the_mistakes_bring_is_documented_with_its_safety(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("lco_validate.checking.fixing.MOST_PASSES", 1)  # to see each pass's
    wrong, _, _ = requested(list(range(len(MISTAKES))), reorder=False, name="M4")
    text, seen = json.dumps(wrong, indent=2), set()
    for _ in range(5):  # a fix may reveal the next (a rule judges once the schema passes)
        findings = [finding for finding in findings_of(text) if finding.fix is not None]
        for finding in findings:
            documented = fix_documentation(finding.code)
            assert documented is not None, finding.code
            safety = "safe" if finding.fix.safe else "unsafe"
            assert documented.applicability in ("safe or unsafe", safety), finding.code
            seen.add(finding.code)
        text = fixed(text, unsafe=True)
    assert {"S001", "S004", "S008", "S101", "R016", "R085"} <= seen


def test_portal_output_refuses_fixing() -> None:
    result = run("--fix", "-o", "portal", str(REPO / "fixtures" / "valid"))
    assert result.exit_code == 2


def test_fixing_the_fixtures_leaves_no_fixable_finding(tmp_path: Path) -> None:
    copy_of = tmp_path / "fixtures"
    shutil.copytree(REPO / "fixtures", copy_of)
    before = {path: path.read_bytes() for path in copy_of.rglob("*.json")}

    def fixable(path: Path) -> list[Finding]:
        findings = check_file(path, config=False, now=NOW, visibility=False)
        return [finding for finding in findings if finding.fix is not None]

    had_fixes = {path for path in before if fixable(path)}
    run("--fix", "--unsafe-fixes", str(copy_of))
    assert {path: fixable(path) for path in before} == {path: [] for path in before}
    changed = {path for path, data in before.items() if path.read_bytes() != data}
    assert changed == had_fixes
    for path in changed:
        json.loads(path.read_text())


# ---------------------------------------------------------------- properties

#: Mistakes the fixes repair: (pointer under the request's first configuration, the
#: value as written wrong, the value meant, the key meant when the key is wrong).
MISTAKES: list[tuple[str, object, object, str | None]] = [
    ("/instrument_configs/0/exposure_time", "30", 30, None),
    ("/instrument_configs/0/exposure_time", "2.5e1", 25.0, None),
    ("/instrument_configs/0/exposure_count", "2", 2, None),
    ("/constraints/max_airmass", " 1.6", 1.6, None),
    ("/guiding_config/optional", "True", True, None),
    ("/target/name", 4, "4", None),
    ("/constraints/max_airmass", True, 1, None),
    ("/constraints/Max_Seeing", 2.0, 2.0, "max_seeing"),
    ("/instrument_configs/0/Exposure-Count", 2, 2, "exposure_count"),
    ("/constraints/max_lunar_distance", 30, 30, "min_lunar_distance"),
    ("/instrument_configs/0/exposure_tiem", 30, 30, "exposure_time"),
    ("/target/ra", "16:23:35.28", 245.897, None),
    ("/target/dec", "-26:31:33.6", -26.526, None),
    ("/instrument_configs/0/optical_elements/filter", "r'", "rp", None),
    ("/type", "expose", "EXPOSE", None),
    ("/instrument_type", "1m0-scicam-sinistro", "1M0-SCICAM-SINISTRO", None),
]
UNSAFE = {6, 9, 10}
#: Mistakes judged by rules, which judge only a configuration the schema accepts ...
RULE_LEVEL = {13, 15}
#: ... which the unsafe key fix leaves missing a required key when it is not applied.
BREAKS_THE_SCHEMA = {10}


def requested(
    chosen: list[int], reorder: bool, name: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The group written with the mistakes, and as meant by safe and by all fixes."""
    wrong, safe_meant, all_meant = (copy.deepcopy(BASE) for _ in range(3))
    # One mistake per field meant: two on one field would leave no single meaning.
    by_field = {_meant_field(index): index for index in chosen}
    chosen = list(by_field.values())
    left_by_safe = UNSAFE | (RULE_LEVEL if BREAKS_THE_SCHEMA & set(chosen) else set())
    for document in (wrong, safe_meant, all_meant):
        document["requests"][0]["configurations"][0]["target"]["name"] = name
    for index in sorted(set(chosen), key=lambda i: MISTAKES[i][0]):
        pointer, written, meant, key = MISTAKES[index]
        *parents, last = pointer_parts(pointer)
        for document, value, named in (
            (wrong, written, last),
            (
                safe_meant,
                written if index in left_by_safe else meant,
                last if index in left_by_safe else key or last,
            ),
            (all_meant, meant, key or last),
        ):
            node: Any = document["requests"][0]["configurations"][0]
            for part in parents:
                node = node[int(part)] if isinstance(node, list) else node[part]
            if key is not None:
                node.pop(key, None)
                node.pop(last, None)
            node[named] = value
    if reorder:
        for document in (wrong, safe_meant, all_meant):
            reverse_keys(document)
    return wrong, safe_meant, all_meant


def _meant_field(index: int) -> str:
    pointer, _, _, key = MISTAKES[index]
    return pointer if key is None else pointer[: pointer.rfind("/") + 1] + key


def reverse_keys(value: Any) -> None:
    if isinstance(value, dict):
        items = list(value.items())[::-1]
        value.clear()
        value.update(items)
        for item in value.values():
            reverse_keys(item)
    elif isinstance(value, list):
        for item in value:
            reverse_keys(item)


STYLES = st.fixed_dictionaries(
    {
        "indent": st.sampled_from([None, 0, 1, 2, 4, "\t"]),
        "separators": st.sampled_from([(",", ":"), (", ", ": "), (" , ", " : ")]),
        "ensure_ascii": st.booleans(),
        "crlf": st.booleans(),
    }
)


def written(document: object, style: dict[str, Any]) -> str:
    text = json.dumps(
        document,
        indent=style["indent"],
        separators=style["separators"],
        ensure_ascii=style["ensure_ascii"],
    )
    return text.replace("\n", "\r\n") if style["crlf"] else text


#: JSON tokens: whitespace runs, strings, numbers, literals and punctuation.
TOKEN = re.compile(r'\s+|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|.')


def changed_tokens(before: str, after: str) -> list[tuple[str, str]]:
    """The tokens that differ, place by place; the sequences must be as long."""
    first, second = TOKEN.findall(before), TOKEN.findall(after)
    assert len(first) == len(second), "a fix added or removed a token"
    return [(a, b) for a, b in zip(first, second, strict=True) if a != b]


FIX_PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@FIX_PROPERTY
@given(
    chosen=st.lists(st.integers(0, len(MISTAKES) - 1), max_size=5),
    reorder=st.booleans(),
    name=st.sampled_from(["M4", "Møn ☾", "NGC 6121"]),
    style=STYLES,
    unsafe=st.booleans(),
)
def test_fixing_gives_json_changes_only_fixed_tokens_and_is_done_in_one_run(
    chosen: list[int], reorder: bool, name: str, style: dict[str, Any], unsafe: bool
) -> None:
    wrong, safe_meant, all_meant = requested(chosen, reorder, name)
    text = written(wrong, style)
    result = fixed(text, unsafe=unsafe)
    assert json.loads(result) == (all_meant if unsafe else safe_meant)
    for old, new in changed_tokens(text, result):
        assert not old.isspace() and old not in "{}[]:,", (old, new)
        assert not new.isspace() and new not in "{}[]:,", (old, new)
    if style["crlf"]:
        assert "\n" not in result.replace("\r\n", "")
    assert fixed(result, unsafe=unsafe) == result
    assert [f for f in findings_of(result) if f.fixable(unsafe=unsafe)] == []


@FIX_PROPERTY
@given(
    documents=st.lists(
        st.tuples(st.lists(st.integers(0, len(MISTAKES) - 1), max_size=3), st.booleans()),
        min_size=1,
        max_size=3,
    ),
    crlf=st.booleans(),
)
def test_json_lines_are_fixed_line_by_line(
    documents: list[tuple[list[int], bool]], crlf: bool
) -> None:
    ending = "\r\n" if crlf else "\n"
    versions = [requested(chosen, reorder, "M4") for chosen, reorder in documents]
    text = "".join(json.dumps(wrong) + ending for wrong, _, _ in versions)
    result = fixed(text, name="many.jsonl")
    assert result.endswith(ending) and result.count("\n") == len(versions)
    lines = result.split(ending)[:-1]
    assert [json.loads(line) for line in lines] == [safe for _, safe, _ in versions]


# Random documents and random edits on them: the edit layer on its own.

KEYS = st.text(alphabet='abcé"\\/~ _', min_size=1, max_size=4)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(alphabet='ab]}"\\\n é', max_size=5),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(KEYS, children, max_size=4)
    ),
    max_leaves=12,
)


def members(value: Any, pointer: str = "") -> list[str]:
    """Every pointer of the document that names an object's member."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            below = f"{pointer}/{escape_token(key)}"
            found += [below, *members(item, below)]
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += members(item, f"{pointer}/{index}")
    return found


def expected_after(document: Any, pointer: str, edit: Edit) -> Any:
    """``document`` as the edit means it: the member replaced, renamed in place, or gone."""
    result = copy.deepcopy(document)
    *parents, last = pointer_parts(pointer)
    node = result
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if edit.kind.value == "replace-value":
        node[last] = edit.value
    elif edit.kind.value == "remove-key":
        del node[last]
    else:
        renamed = {(edit.key if key == last else key): item for key, item in node.items()}
        node.clear()
        node.update(renamed)
    return result


@settings(max_examples=300, deadline=None)
@given(
    document=st.dictionaries(KEYS, VALUES, min_size=1, max_size=4),
    style=STYLES,
    data=st.data(),
)
def test_one_edit_changes_only_its_member_and_gives_json(
    document: dict[str, Any], style: dict[str, Any], data: st.DataObject
) -> None:
    text = written(document, style)
    pointer = data.draw(st.sampled_from(members(document)))
    edit = data.draw(
        st.one_of(
            st.builds(Edit.replace_value, SCALARS),
            st.builds(Edit.rename_key, KEYS),
            st.just(Edit.remove_key()),
        )
    )
    finding = Finding("S101", Severity.WARNING, "m", pointer).with_fix(Fix("f", True, (edit,)))
    applied = apply_fixes(text, [(0, len(text))], [(finding, 0)])
    if not applied.fixed:  # a rename onto a sibling's key: refused, nothing changed
        parent = pointer[: pointer.rfind("/")]
        assert edit.kind.value == "rename-key"
        assert f"{parent}/{escape_token(edit.key)}" in members(document)
        assert applied.text == text
        return
    assert json.loads(applied.text) == expected_after(document, pointer, edit)
    (span,) = applied.spans
    assert applied.text == text[: span.start] + span.text + text[span.end :]
    index = scan(text)
    key_start, value_start = index.key_offset(pointer), index.value_offset(pointer)
    assert key_start is not None and value_start is not None
    replaced = text[span.start : span.end]
    if edit.kind.value == "remove-key":
        # The member, and besides it only whitespace and at most one comma.
        member_end = value_end(text, value_start)
        assert span.start <= key_start and member_end <= span.end
        beside = text[span.start : key_start] + text[member_end : span.end]
        assert set(beside) <= set(" \t\r\n,") and beside.count(",") <= 1
        if style["crlf"]:
            assert "\n" not in applied.text.replace("\r\n", "")
    elif edit.kind.value == "rename-key":
        assert span.start == key_start and json.loads(replaced) == pointer_parts(pointer)[-1]
    else:
        assert span.start == value_start and json.loads(replaced) == node_at(document, pointer)
