"""Start-up stays cheap: a command imports only what its path needs.

A pre-commit hook pays the import of everything reachable on every commit;
these tests guard the heavy libraries (timings live in benchmarks/check_speed.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import seed_page

HEAVY = ("jsonschema", "referencing", "cerberus", "astropy", "numpy", "matplotlib")
PROBE = """
import sys
from lco_validate.cli import main
sys.argv = ["lco-validate", *{arguments!r}]
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
heavy = sorted(name for name in {heavy!r} if name in sys.modules)
sys.stderr.write("IMPORTED " + ",".join(heavy) + "\\n")
"""


def imported_heavy(*arguments: str) -> list[str]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(arguments=list(arguments), heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    line = completed.stderr.splitlines()[-1]
    assert line.startswith("IMPORTED "), completed.stderr
    return [name for name in line.removeprefix("IMPORTED ").split(",") if name]


@pytest.fixture(scope="module")
def valid_record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("startup") / "record.json"
    path.write_text(json.dumps(seed_page()["results"][0], indent=2))
    return path


def test_checking_a_valid_record_imports_no_heavy_library(valid_record: Path) -> None:
    assert imported_heavy("check", "-q", str(valid_record)) == []


def test_checking_the_seed_page_imports_no_heavy_library() -> None:
    seed = Path(__file__).resolve().parents[1] / "fixtures" / "requests-api-page.txt"
    assert imported_heavy("check", "-q", str(seed)) == []


@pytest.mark.parametrize(
    "arguments",
    [["--help"], ["check", "--help"], ["rules"], ["explain", "R001"], ["catalogue"]],
)
def test_help_rules_explain_and_catalogue_import_no_heavy_library(arguments: list[str]) -> None:
    assert imported_heavy(*arguments) == []


def test_a_schema_problem_imports_jsonschema_to_explain_it(tmp_path: Path) -> None:
    record = seed_page()["results"][0]
    record["configurations"][0]["instrument_configs"][0]["exposure_count"] = "many"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(record))
    assert "jsonschema" in imported_heavy("check", "-q", str(path))


def test_a_submission_imports_astropy_for_its_visibility() -> None:
    group = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "request-group.json"
    assert "astropy" in imported_heavy("check", "-q", "--now", "2030-06-01T00:00:00Z", str(group))
