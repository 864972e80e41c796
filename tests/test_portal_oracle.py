"""The real portal as oracle: our verdicts, places and durations against its own answers.

Needs the oracle built (``bash oracle/setup.sh``: PostgreSQL and the portal in
``oracle/.venv``); without it these tests skip with the reason.  ``.ci/run``
builds it, so CI runs them.  ``pytest -m oracle`` runs only these; longer
runs with other seeds: ``oracle/differential.py``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from lco_validate import load_catalogue
from lco_validate.checking.pipeline import check_source
from lco_validate.checking.policy import Settings
from lco_validate.documents.loading import SourceFile, load_bytes

from .conftest import REPO
from .oracle.compare import compare
from .oracle.portal import Portal, unavailable_reason
from .oracle.runs import (
    FIXTURES_NOW,
    VERDICTS,
    Tally,
    as_submission,
    draw,
    fixture_folders,
    judge,
    oracle_marks,
    verdict_lines,
)
from .oracle.strategies import PROPOSAL, Exercised, mutated_request_groups, request_groups

pytestmark = oracle_marks(unavailable_reason())

CATALOGUE = load_catalogue()
#: The portal's clock and ours; windows are drawn around it.
NOW = datetime(2027, 3, 1, tzinfo=UTC)
SEED = 20261203
#: Documents per CI run (about 0.2 s each for the portal, as much again for us).
SAMPLE = int(os.environ.get("LCO_ORACLE_SAMPLE", "400"))


@pytest.fixture(scope="module")
def portal() -> Iterator[Portal]:
    with Portal() as running:
        yield running


def judge_sample(portal: Portal, documents: list[dict[str, Any]]) -> Tally:
    tally = Tally()
    answers = (portal.validate(document, NOW) for document in documents)
    for result in judge(documents, answers, CATALOGUE, NOW):
        tally.add(result)
    return tally


def test_mutated_documents_get_the_portals_verdict_at_the_portals_places(portal: Portal) -> None:
    drawn = draw(mutated_request_groups(CATALOGUE, NOW), SAMPLE, SEED)
    exercised = Exercised().add_all(drawn)
    tally = judge_sample(portal, [document for document, _ in drawn])
    print(exercised.report(), tally.report(), sep="\n\n")
    assert not tally.kinds, tally.report()
    assert tally.accepted >= SAMPLE // 10 and tally.refused >= SAMPLE // 2, tally.report()


def test_unmutated_documents_get_the_portals_durations(portal: Portal) -> None:
    documents = draw(request_groups(CATALOGUE, NOW), SAMPLE // 4, SEED + 1)
    tally = judge_sample(portal, documents)
    print(tally.report())
    assert not tally.kinds, tally.report()
    assert tally.accepted >= len(documents) // 2, tally.report()


@pytest.mark.parametrize(
    ("folder", "configdb"),
    [pytest.param(folder, configdb, id=folder.name) for folder, configdb in fixture_folders()],
)
def test_invalid_fixtures_get_their_recorded_portal_verdict_and_our_findings_cover_it(
    folder, configdb
) -> None:  # type: ignore[no-untyped-def]
    catalogue = load_catalogue(configdb)
    recorded = [
        line
        for line in (folder / VERDICTS).read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    answered = []
    with Portal(configdb) as fixture_portal:
        for path in sorted(folder.glob("*.json")):
            document = as_submission(json.loads(path.read_text(encoding="utf-8")))
            answer = fixture_portal.validate(document, FIXTURES_NOW)
            answered += verdict_lines(path.name, answer)
            result = compare(document, answer, catalogue, FIXTURES_NOW)
            assert not result.divergences, (path.name, result.divergences)
    assert answered == recorded


_GROUP = json.loads((REPO / "fixtures" / "valid" / "request-group.json").read_text())
_INSTRUMENT_CONFIG = ("requests", 0, "configurations", 0, "instrument_configs", 0)
#: JSON text no encoder writes, at a place in the valid group: (place, raw text).
HOSTILE_TEXT = {
    "integer of 5,000 digits": ((*_INSTRUMENT_CONFIG, "exposure_count"), "9" * 5000),
    "10**400 as exposure_time": ((*_INSTRUMENT_CONFIG, "exposure_time"), "1" + "0" * 400),
    "1e400 as exposure_time": ((*_INSTRUMENT_CONFIG, "exposure_time"), "1e400"),
    "1e400 as exposure_count": ((*_INSTRUMENT_CONFIG, "exposure_count"), "1e400"),
    "10**400 as ra": (("requests", 0, "configurations", 0, "target", "ra"), "1" + "0" * 400),
    "10**400 in extra_params": (
        (*_INSTRUMENT_CONFIG, "extra_params"),
        '{"offset_ra": 1' + "0" * 400 + "}",
    ),
    "lone surrogate in a name": (("name",), '"L95 \\ud800"'),
    "lone surrogate as a key": ((*_INSTRUMENT_CONFIG, "extra_params"), '{"\\udc00": 1}'),
    "full surrogate pair in a name": (("name",), '"L95 \\ud83d\\ude80"'),
    "deep list in extra_params": (
        (*_INSTRUMENT_CONFIG, "extra_params"),
        '{"a": ' + "[" * 400 + "]" * 400 + "}",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TEXT))
def test_text_no_encoder_writes_gets_the_portals_verdict(portal: Portal, case: str) -> None:
    place, raw = HOSTILE_TEXT[case]
    document = json.loads(json.dumps({**_GROUP, "proposal": PROPOSAL}))
    node = document
    for part in place[:-1]:
        node = node[part]
    node[place[-1]] = "@@raw@@"
    body = json.dumps(document).replace('"@@raw@@"', raw)
    answer = portal.validate_text(body, FIXTURES_NOW)
    source = SourceFile(path="hostile.json")
    load_bytes(source, body.encode())
    result = check_source(source, Settings(catalogue=CATALOGUE, now=FIXTURES_NOW))
    errors = [f"{f.code} {f.pointer}" for f in result.findings if f.severity.value == "error"]
    assert bool(errors) == (not answer.accepted), (answer.status, answer.body, errors)


def test_the_server_answers_as_the_portal(portal: Portal) -> None:
    """``lco-validate serve``'s errors and durations against the portal's, same rules."""
    pytest.importorskip("starlette", reason="serve needs: pip install 'lco-validate[serve]'")
    from starlette.testclient import TestClient

    from lco_validate.server.app import make_app

    from .oracle.compare import findings_from_answer, served_duration_divergences

    server = TestClient(make_app(Settings(catalogue=CATALOGUE, now=NOW)))
    drawn = draw(mutated_request_groups(CATALOGUE, NOW), SAMPLE // 4, SEED + 2)
    drawn += [(document, None) for document in draw(request_groups(CATALOGUE, NOW), 40, SEED + 3)]
    tally = Tally()
    for document, _ in drawn:
        answer = portal.validate(document, NOW)
        served = server.post("/api/requestgroups/validate/", json=document).json()
        found = findings_from_answer(served["errors"])
        result = compare(document, answer, CATALOGUE, NOW, findings=found)
        if answer.accepted and not served["errors"]:
            result.divergences += served_duration_divergences(
                document, served["request_durations"], answer
            )
        tally.add(result)
    print(tally.report())
    assert not tally.kinds, tally.report()
    assert tally.accepted >= 20, tally.report()
