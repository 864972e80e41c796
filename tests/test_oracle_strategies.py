"""The oracle's document strategies (tests/oracle/strategies.py) draw what they promise.

No portal is needed: the unmutated groups are judged by lco-validate itself (most must
be clean, or the strategies would mostly draw garbage), mutation records must point at
the places they changed, and a few hundred draws must reach every instrument type,
configuration type, target kind and mutation kind.  Draws are seeded, so a failure
repeats (as long as the same modules are loaded: Hypothesis also draws numbers it finds
in the loaded modules' source).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from lco_validate import check_document, load_catalogue
from lco_validate.findings import Severity

from .oracle.strategies import (
    MUTATION_KINDS,
    ORBITAL_SCHEMES,
    Exercised,
    mutated_request_groups,
    request_groups,
)

T = TypeVar("T")

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
CATALOGUE = load_catalogue()
CLEAN_SHARE_WANTED = 0.6


def drawn(strategy: st.SearchStrategy[T], count: int, runs: int = 1) -> list[T]:
    """``count`` values of the strategy from ``runs`` seeded runs, the same ones every run.

    Hypothesis builds later examples of a run from earlier ones, so one long run repeats
    itself; several short runs with their own seeds see more of the strategy.
    """
    values: list[T] = []
    for run in range(runs):

        @seed(run)
        @settings(
            max_examples=count // runs,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def collect(value: T) -> None:
            values.append(value)

        collect()
    assert len(values) >= count // runs * runs
    return values


def test_most_unmutated_groups_are_clean() -> None:
    groups = drawn(request_groups(CATALOGUE, NOW), 200, runs=4)
    clean = [
        group
        for group in groups
        if not any(
            finding.severity is Severity.ERROR
            for finding in check_document(group, CATALOGUE, now=NOW, visibility=False)
        )
    ]
    assert len(clean) / len(groups) >= CLEAN_SHARE_WANTED


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _resolve(document: object, pointer: str) -> tuple[bool, object]:
    """RFC 6901, written out again here rather than borrowed from the strategies."""
    assert pointer.startswith("/"), pointer
    node = document
    for token in (_unescape(t) for t in pointer[1:].split("/")):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node


def test_mutation_records_point_at_what_changed() -> None:
    checked = 0
    for document, records in drawn(mutated_request_groups(CATALOGUE, NOW), 300, runs=6):
        for record in records:
            assert set(record) == {"kind", "pointer", "detail"}, record
            assert record["kind"] in MUTATION_KINDS
            assert isinstance(record["detail"], str) and record["detail"]
            pointer = record["pointer"]
            if record["kind"] == "removed_key":
                parent, _, last = pointer.rpartition("/")
                found, holder = _resolve(document, parent) if parent else (True, document)
                assert found and isinstance(holder, dict), record
                assert _unescape(last) not in holder, record
            else:
                found, _ = _resolve(document, pointer)
                assert found, record
            checked += 1
    assert checked >= 200


def _offered_configuration_types() -> set[str]:
    offered = set()
    for code in CATALOGUE.schedulable_instrument_types():
        for entry in (CATALOGUE.instrument_type(code) or {}).get("configuration_types", []):
            if entry.get("schedulable", True):
                offered.add(entry["code"])
    return offered


def test_a_few_hundred_draws_reach_everything() -> None:
    exercised = Exercised().add_all(drawn(mutated_request_groups(CATALOGUE, NOW), 500, runs=10))
    report = exercised.report()
    assert CATALOGUE.schedulable_instrument_types() <= set(exercised.instrument_types), report
    assert _offered_configuration_types() <= set(exercised.configuration_types), report
    targets = {"ICRS", "SATELLITE", *(f"ORBITAL_ELEMENTS/{s}" for s in ORBITAL_SCHEMES)}
    assert targets <= set(exercised.target_types), report
    assert set(MUTATION_KINDS) <= set(exercised.mutation_kinds), report
    assert {"NORMAL", "TIME_CRITICAL", "RAPID_RESPONSE"} <= set(exercised.observation_types)


def test_exercised_counts_and_reports_deterministically() -> None:
    document: dict[str, Any] = {
        "observation_type": "NORMAL",
        "operator": "SINGLE",
        "requests": [
            {
                "configurations": [
                    {"instrument_type": "1m0-scicam-sinistro", "type": "EXPOSE"},
                    {
                        "instrument_type": "1M0-SCICAM-SINISTRO",
                        "type": "EXPOSE",
                        "target": {"type": "ORBITAL_ELEMENTS", "scheme": "MPC_COMET"},
                    },
                ]
            }
        ],
    }
    records = [{"kind": "null", "pointer": "/operator", "detail": "operator: None"}]
    first = Exercised().add_all([(document, records), document])
    second = Exercised().add_all([(document, records), document])
    assert first.instrument_types == {"1M0-SCICAM-SINISTRO": 4}
    assert first.configuration_types == {"EXPOSE": 4}
    assert first.target_types == {"ORBITAL_ELEMENTS/MPC_COMET": 2}
    assert first.mutation_kinds == {"null": 1}
    assert first.documents == 2
    assert first.report() == second.report()
    assert "     4  1M0-SCICAM-SINISTRO" in first.report()


def _containers(node: object) -> list[object]:
    """Every object and list in a document, each time it is reached."""
    if isinstance(node, dict):
        children: list[object] = list(node.values())
    elif isinstance(node, list):
        children = list(node)
    else:
        return []
    found: list[object] = [node]
    for child in children:
        found.extend(_containers(child))
    return found


def test_no_object_is_shared_within_a_document() -> None:
    for group in drawn(request_groups(CATALOGUE, NOW), 100, runs=2):
        containers = _containers(group)
        assert len({id(container) for container in containers}) == len(containers)
