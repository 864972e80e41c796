"""``lco-validate serve``: the portal's answers, in process.

Real clients (AEONlib, TOM Toolkit) drive a real server in ``tests/test_clients.py``;
every route over HTTP is in ``tests/test_portal_endpoints.py``.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from lco_validate import request_duration
from lco_validate.catalogue.snapshot import load_catalogue
from lco_validate.checking.policy import Settings
from lco_validate.reporters.portal_errors import nested_errors
from lco_validate.server.instruments import instruments_document

from .conftest import REPO

starlette = pytest.importorskip(
    "starlette", reason="serve needs: pip install 'lco-validate[serve]'"
)
from starlette.testclient import TestClient  # noqa: E402

from lco_validate.server.app import MAX_BODY_BYTES, make_app  # noqa: E402

NOW = datetime(2030, 6, 1, tzinfo=UTC)
CATALOGUE = load_catalogue()
GROUP = json.loads((REPO / "fixtures" / "valid" / "request-group.json").read_text())
VALIDATE = "/api/requestgroups/validate/"
TOKEN = {"Authorization": "Token anything-at-all"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(make_app(Settings(catalogue=CATALOGUE, now=NOW)))


def broken_group() -> dict[str, Any]:
    group = copy.deepcopy(GROUP)
    group["requests"][0]["configurations"][0]["instrument_configs"][1]["exposure_time"] = -5
    group["requests"][1]["windows"] = []
    return group


def durations_offline(group: dict[str, Any]) -> list[int]:
    return [request_duration(request, CATALOGUE).duration for request in group["requests"]]


def test_a_valid_group_gets_its_durations_and_no_errors(client: TestClient) -> None:
    response = client.post(VALIDATE, json=GROUP, headers=TOKEN)
    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == {}
    requests = body["request_durations"]["requests"]
    assert [r["duration"] for r in requests] == durations_offline(GROUP)
    assert body["request_durations"]["duration"] == sum(durations_offline(GROUP))
    assert all(r["largest_interval"] > 0 for r in requests)
    assert [len(r["configurations"][0]["instrument_configs"]) for r in requests] == [2, 2]


def test_errors_take_the_portals_nesting(client: TestClient) -> None:
    body = client.post(VALIDATE, json=broken_group()).json()
    assert body["request_durations"] == {}
    first, second = body["errors"]["requests"]
    [configuration] = first["configurations"]
    assert configuration["instrument_configs"][0] == {}
    [message] = configuration["instrument_configs"][1]["exposure_time"]
    assert message.startswith("S003 ")
    assert [m.split()[0] for m in second["windows"]] == ["S006"]


def test_object_problems_are_non_field_errors_and_list_problems_stay_at_the_list() -> None:
    from lco_validate.findings import Finding, Severity

    found = [
        Finding("R080", Severity.ERROR, "whole group", pointer=""),
        Finding("R050", Severity.ERROR, "the location", pointer="/requests/1/location"),
        Finding("S006", Severity.ERROR, "no windows", pointer="/requests/0/windows"),
        Finding("S003", Severity.ERROR, "late", pointer="/requests/1/windows/0/end"),
    ]
    errors = nested_errors(GROUP, found)
    assert errors["non_field_errors"] == ["R080 whole group"]
    assert errors["requests"][0] == {"windows": ["S006 no windows"]}
    assert errors["requests"][1] == {
        "location": {"non_field_errors": ["R050 the location"]},
        "windows": [{"end": ["S003 late"]}],
    }


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b'{"name": ', {"Content-Type": "application/json"}, 400),
        (b"name=x", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
        (b"", {"Content-Type": "application/json"}, 400),
        (b" " * (MAX_BODY_BYTES + 1), {"Content-Type": "application/json"}, 400),
    ],
)
def test_bodies_the_portal_cannot_read_get_its_detail_shape(
    client: TestClient, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = client.post(VALIDATE, content=body, headers=headers)
    assert response.status_code == status
    assert list(response.json()) == ["detail"]


def test_other_paths_and_methods_get_the_portals_answers(client: TestClient) -> None:
    assert client.get("/api/observations/").json() == {"detail": "Not found."}
    assert client.get("/api/observations/").status_code == 404
    assert client.get(VALIDATE).status_code == 405
    assert client.get("/api/proposals/").status_code == 403  # the portal's, for no credentials


@pytest.mark.parametrize(
    "path",
    [
        "/api/proposals/",  # 403 for no credentials, but the middleware answers first
        "/api/profile/",
        "/api/requestgroups/1/",
        "/api/semesters/2030B",  # before the redirect to the slashed path
        "/api/observations/",  # a path not served here
        VALIDATE,  # a path that takes only POST
    ],
)
def test_an_anonymous_large_page_is_refused_on_every_path_before_any_view(
    client: TestClient, path: str
) -> None:
    answer = client.get(path, params={"limit": "150"}, follow_redirects=False)
    refusal = "Large limit not allowed for anonymous users."
    assert (answer.status_code, answer.text) == (400, refusal)
    signed_in = client.get(path, params={"limit": "150"}, headers={"Authorization": "Token t"})
    assert signed_in.status_code != 400


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/requests/abc/observations", 301),  # the portal's router takes any id here
        ("/api/requests/-1", 301),
        ("/api/requestgroups/x/cancel", 301),
        ("/api/requests/1.5/observations", 404),  # but not one with a dot
        ("/api/requests/a/b/observations", 404),
    ],
)
def test_a_path_is_redirected_to_its_slash_when_the_portals_routes_take_it(
    client: TestClient, path: str, status: int
) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == status
    if status == 301:
        assert answer.headers["location"] == f"{path}/"


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/api/requests/-1/", "No Request matches the given query."),
        ("/api/requests/007/observations/", "No Request matches the given query."),
        ("/api/requestgroups/+5/", "No RequestGroup matches the given query."),
        ("/api/requests/abc/", "Not found."),
        ("/api/requests/1.5/observations/", "Not found."),
        ("/api/requestgroups/abc/", "Not found."),
    ],
)
def test_an_id_is_read_as_the_portals_lookup_reads_it(
    client: TestClient, path: str, detail: str
) -> None:
    answer = client.get(path, headers={"Authorization": "Token t"})
    assert (answer.status_code, answer.json()) == (404, {"detail": detail})


def test_a_list_body_is_an_error_not_a_failure(client: TestClient) -> None:
    response = client.post(VALIDATE, json=[GROUP])
    assert response.status_code == 200
    assert response.json()["errors"]["non_field_errors"][0].startswith("J013 ")


def test_the_instruments_document_is_the_catalogues(client: TestClient) -> None:
    document = client.get("/api/instruments/").json()
    assert document == json.loads(json.dumps(instruments_document(CATALOGUE)))
    assert "1M0-SCICAM-SINISTRO" in document
    sinistro = document["1M0-SCICAM-SINISTRO"]
    assert sinistro["class"] == "1m0"
    assert {"readout", "guiding", "acquisition"} <= set(sinistro["modes"])


def test_check_prints_the_same_answer_as_the_server(client: TestClient, tmp_path: Any) -> None:
    path = tmp_path / "group.json"
    path.write_text(json.dumps(broken_group()))
    printed = subprocess.run(
        [
            sys.executable,
            "-m",
            "lco_validate",
            "check",
            "-o",
            "portal",
            "--now",
            NOW.isoformat(),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert printed.returncode == 1
    assert json.loads(printed.stdout) == client.post(VALIDATE, json=broken_group()).json()


# ---------------------------------------------------------------- a real server, a real client
