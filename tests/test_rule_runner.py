"""The rule runner: the portal judges visibility only for a request no other rule refused."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from lco_validate import load_catalogue
from lco_validate.checking.pipeline import check_document
from lco_validate.checking.policy import Settings

from .conftest import seed_page

NOW = datetime(2025, 1, 29, tzinfo=UTC)


def short_window_request() -> dict[str, object]:
    """Seed request 7 (L95 on a Sinistro at cpt) with a window too short for its 1126 s."""
    request = copy.deepcopy(seed_page()["results"][7])
    for key in ("id", "state", "modified", "duration"):
        request.pop(key)
    request["windows"] = [{"start": "2025-01-29T19:30:00Z", "end": "2025-01-29T19:40:00Z"}]
    return request


def codes(request: dict[str, object], **options: object) -> list[str]:
    settings = Settings(catalogue=load_catalogue(), now=NOW, **options)  # type: ignore[arg-type]
    return [finding.code for finding in check_document(request, settings)]


def test_a_short_window_is_refused_by_visibility() -> None:
    assert codes(short_window_request()) == ["V002"]


def test_visibility_is_not_judged_after_a_rule_refused_the_request() -> None:
    request = short_window_request()
    request["location"] = {"telescope_class": "1m0", "site": "xyz"}
    assert codes(request) == ["R050"]


def test_visibility_can_be_turned_off() -> None:
    assert codes(short_window_request(), visibility=False) == []
