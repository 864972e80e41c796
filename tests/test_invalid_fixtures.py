"""End to end: each document under fixtures/invalid/ produces exactly the findings listed for it.

Every folder of ``fixtures/invalid/`` holds small broken documents and one
``expected-findings.tsv`` with lines ``file<TAB>code<TAB>pointer``: every
finding (any severity) that file must produce.  A document is checked with the
built-in catalogue (or the folder's own ``catalogue/sites.json``, for rules the
real network cannot show) and a fixed "now", and the set of (code, pointer) of
all its findings must equal its expected lines, no more and no less.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from lco_validate import load_catalogue
from lco_validate.checking.pipeline import check_file
from lco_validate.checking.policy import Settings

from .conftest import REPO

INVALID = REPO / "fixtures" / "invalid"
EXPECTATIONS = "expected-findings.tsv"
#: The "now" every invalid fixture is written against (their windows lie after it).
NOW = datetime(2030, 6, 1, tzinfo=UTC)
DOCUMENT_SUFFIXES = {".json", ".jsonl", ".ndjson", ".txt"}

Expected = dict[str, set[tuple[str, str]]]


def read_expectations(folder: Path) -> Expected:
    """file name -> {(code, pointer)}; every document of the folder has an entry."""
    expected: Expected = {
        path.name: set()
        for path in folder.iterdir()
        if path.suffix in DOCUMENT_SUFFIXES and path.is_file()
    }
    for number, line in enumerate((folder / EXPECTATIONS).read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) == 3, f"{folder.name}/{EXPECTATIONS}:{number}: want file, code, pointer"
        name, code, pointer = fields
        assert name in expected, f"{folder.name}/{EXPECTATIONS}:{number}: no file {name}"
        expected[name].add((code, pointer))
    return expected


def cases() -> list[tuple[Path, set[tuple[str, str]]]]:
    found = []
    for table in sorted(INVALID.glob(f"*/{EXPECTATIONS}")):
        for name, expected in sorted(read_expectations(table.parent).items()):
            found.append((table.parent / name, expected))
    return found


SETTINGS = Settings(catalogue=load_catalogue(), now=NOW)
OWN_CATALOGUE = Path("catalogue") / "sites.json"


def settings_for(folder: Path) -> Settings:
    own = folder / OWN_CATALOGUE
    return Settings(catalogue=load_catalogue(own), now=NOW) if own.exists() else SETTINGS


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(path, expected, id=f"{path.parent.name}/{path.name}")
        for path, expected in cases()
    ],
)
def test_fixture_produces_exactly_its_expected_findings(
    path: Path, expected: set[tuple[str, str]]
) -> None:
    findings = check_file(str(path), settings_for(path.parent)).findings
    produced = {(finding.code, finding.pointer) for finding in findings}
    messages = "\n".join(f"{f.code} {f.pointer}: {f.message}" for f in findings)
    assert produced == expected, messages


def test_every_invalid_fixture_is_expected_to_fail() -> None:
    for path, expected in cases():
        assert expected, f"{path} is under fixtures/invalid but expects no finding"


#: Rules no fixture here shows: each fixture has the real portal's verdict recorded beside
#: it, and none has been recorded for the documents these findings stand alone in.  Their
#: docstring examples show them (tests/test_rule_examples.py).
WITHOUT_A_FIXTURE = {
    # Left out beside the R001 or R007 that explains it; alone for a duration beyond
    # floating point, where the portal's arithmetic overflows too (not yet recorded).
    "D002",
}


def test_every_rule_is_demonstrated_by_a_fixture() -> None:
    from lco_validate.rules import all_rules

    demonstrated = {code for _, expected in cases() for code, _pointer in expected}
    undemonstrated = sorted(rule.CODE for rule in all_rules() if rule.CODE not in demonstrated)
    assert undemonstrated == sorted(WITHOUT_A_FIXTURE), undemonstrated


def test_the_request_level_fixtures_are_there() -> None:
    assert len(read_expectations(INVALID / "request")) >= 10
