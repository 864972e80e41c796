"""Every route of the offline portal over real HTTP, through the pytest plugin's ``lco_portal``.

The server runs as client developers run it: ``lco-validate serve`` in a
subprocess on a loopback port, started by the ``lco_portal`` fixture that
installing lco-validate gives pytest.  Each endpoint is asked as a client asks
it (httpx, a token or none) and must answer with the portal's status and
shape; the expected numbers are the real portal's for the same inputs.  The
session's server keeps what earlier tests submitted, so each test finds its
own groups by their ids.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lco_validate import pytest_plugin as plugin
from lco_validate.pytest_plugin import OfflinePortal, PortalDidNotStart, serving
from lco_validate.server.account import DEFAULT_PROPOSAL
from lco_validate.server.sandbox import SANDBOX_USERNAME

from .conftest import mini_sites
from .portal_documents import configuration

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn", reason="serve needs: pip install 'lco-validate[serve]'")

pytestmark = pytest.mark.loopback

CONFIGURATION = configuration()  # this module's own copy: tests change it
REQUEST: dict[str, Any] = {
    "location": {"telescope_class": "1m0"},
    "configurations": [CONFIGURATION],
    "windows": [{"start": "2030-11-10T00:00:00Z", "end": "2030-11-11T00:00:00Z"}],
}
#: The request's duration, as the portal computes it.
DURATION = 167
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}


def group(**changes: Any) -> dict[str, Any]:
    return {
        "name": "M31 tonight",
        "proposal": DEFAULT_PROPOSAL,
        "ipp_value": 1.05,
        "operator": "SINGLE",
        "observation_type": "NORMAL",
        "requests": [copy.deepcopy(REQUEST)],
        **changes,
    }


@pytest.fixture(scope="module")
def client(lco_portal: OfflinePortal) -> Iterator[Any]:
    """The sandbox user, as AEONlib's client is made: the API root and a token."""
    with httpx.Client(base_url=lco_portal.url, headers=lco_portal.headers, timeout=60) as made:
        yield made


@pytest.fixture(scope="module")
def anonymous(lco_portal: OfflinePortal) -> Iterator[Any]:
    with httpx.Client(base_url=lco_portal.url, timeout=60) as made:
        yield made


@pytest.fixture(scope="module")
def submitted(client: Any) -> dict[str, Any]:
    """A group submitted to the sandbox, as its 201 answer shows it."""
    answer = client.post("requestgroups/", json=group())
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


# ---------------------------------------------------------------------------- the fixture


def test_the_fixture_gives_the_api_root_the_site_root_and_a_token(
    lco_portal: OfflinePortal,
) -> None:
    assert lco_portal.url == f"http://127.0.0.1:{lco_portal.port}/api/"
    assert lco_portal.portal_url == f"http://127.0.0.1:{lco_portal.port}"
    assert lco_portal.headers == {"Authorization": f"Token {lco_portal.token}"}
    assert lco_portal.proposals == (DEFAULT_PROPOSAL,)  # none given: the server's default
    assert plugin.DEFAULT_PROPOSAL == DEFAULT_PROPOSAL


def test_the_plugin_imports_nothing_heavy_at_pytest_start_up() -> None:
    probe = (
        "import sys, lco_validate.pytest_plugin; "
        "print(','.join(sorted(name for name in ('jsonschema', 'cerberus', 'astropy', 'numpy', "
        "'matplotlib', 'starlette', 'uvicorn', 'httpx', 'lco_validate.server', "
        "'lco_validate.checking.pipeline') if name in sys.modules)))"
    )
    printed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert printed.stdout.strip() == ""


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-sites.json"
    with (
        pytest.raises(PortalDidNotStart, match=r"no-such-sites\.json"),
        serving(configdb=str(missing)),
    ):
        pass


INNER_TEST = """
import httpx


def test_the_options_reach_the_server(lco_portal):
    with httpx.Client(base_url=lco_portal.url, headers=lco_portal.headers) as client:
        profile = client.get("profile/").json()
        instruments = client.get("instruments/").json()
    print("PROPOSALS", [p["id"] for p in profile["proposals"]], lco_portal.proposals)
    print("CURRENT", [p["current"] for p in profile["proposals"]])
    print("INSTRUMENTS", sorted(instruments))

def test_a_test_without_the_fixture_is_untouched():
    assert True
"""


def run_inner_session(project: Path, *options: str) -> str:
    """pytest in a project of its own, from another folder: what the project's test printed."""
    elsewhere = project / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            str(project),
            *options,
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "2 passed" in completed.stdout
    return completed.stdout


def test_ini_options_and_command_line_options_reach_the_server(tmp_path: Path) -> None:
    (tmp_path / "sites.json").write_text(json.dumps(mini_sites()))
    (tmp_path / "pytest.ini").write_text(
        textwrap.dedent(
            """\
            [pytest]
            lco_portal_now = 2040-01-01T00:00:00Z
            lco_portal_configdb = sites.json
            lco_portal_proposal =
                INI-ONE
            """
        )
    )
    (tmp_path / "test_client.py").write_text(INNER_TEST)
    from_ini = run_inner_session(tmp_path)
    # The ini's configdb is read from beside the ini file, whatever the current folder.
    assert "INSTRUMENTS ['1M0-TEST-IMAGER', '1M0-TEST-SPECTRO']" in from_ini
    assert "PROPOSALS ['INI-ONE'] ('INI-ONE',)" in from_ini
    # 2040 is after every semester of the table: no proposal is current then.
    assert "CURRENT [False]" in from_ini
    given = run_inner_session(
        tmp_path,
        "--lco-portal-proposal=CLI-B",
        "--lco-portal-proposal=CLI-A",
        "--lco-portal-now=2030-11-01T00:00:00Z",
    )
    assert "PROPOSALS ['CLI-A', 'CLI-B'] ('CLI-B', 'CLI-A')" in given
    assert "CURRENT [True, True]" in given


# ---------------------------------------------------------------------------- validation


def test_validate_answers_durations_or_errors_at_their_places(client: Any) -> None:
    valid = client.post("requestgroups/validate/", json=group())
    assert valid.status_code == 200
    assert valid.json()["errors"] == {}
    assert valid.json()["request_durations"]["duration"] == DURATION
    broken = group()
    broken["requests"][0]["configurations"][0]["instrument_configs"][0]["exposure_time"] = -1
    answer = client.post("requestgroups/validate/", json=broken).json()
    assert answer["request_durations"] == {}
    [configuration] = answer["errors"]["requests"][0]["configurations"]
    assert list(configuration["instrument_configs"][0]) == ["exposure_time"]


def test_airmass_answers_anyone_per_site_and_refusals_with_200(anonymous: Any) -> None:
    answer = anonymous.post("airmass/", json=REQUEST)
    assert answer.status_code == 200
    body = answer.json()
    assert sorted(body["airmass_data"]) == ["elp", "tfn"]
    elp = body["airmass_data"]["elp"]
    assert elp["times"][:2] == ["2030-11-10T00:56", "2030-11-10T01:06"]
    assert elp["airmasses"][0] == pytest.approx(1.3577371611127695, abs=1e-3)
    assert body["airmass_limit"] == 2.0
    refused = anonymous.post("airmass/", json=[REQUEST])
    assert refused.status_code == 200
    assert list(refused.json()) == ["non_field_errors"]


# ---------------------------------------------------------------------------- expansions


def test_cadence_expands_a_group_into_the_portals_requests(client: Any) -> None:
    request = {key: value for key, value in REQUEST.items() if key != "windows"}
    request["windows"] = []  # as TOM Toolkit sends it
    request["cadence"] = {
        "start": "2030-11-10T00:00:00Z",
        "end": "2030-11-12T00:00:00Z",
        "period": 6,
        "jitter": 2,
    }
    answer = client.post("requestgroups/cadence/", json=group(requests=[request]))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["operator"] == "MANY"
    assert [r["windows"][0]["start"] for r in body["requests"]] == [
        "2030-11-10T00:00:00Z",
        "2030-11-10T05:00:00Z",
        "2030-11-10T23:00:00Z",
        "2030-11-11T05:00:00Z",
    ]
    request["cadence"]["period"] = 0.01
    refused = client.post("requestgroups/cadence/", json=group(requests=[request]))
    assert refused.status_code == 400
    assert list(refused.json()["requests"][0]["cadence"]) == ["period"]


def test_dither_repeats_the_instrument_configs_at_each_offset(client: Any) -> None:
    body = {"configuration": CONFIGURATION, "pattern": "line", "num_points": 3, "point_spacing": 10}
    answer = client.post("configurations/dither/", json=body)
    assert answer.status_code == 200, answer.text
    configuration = answer.json()
    offsets = [
        (config["extra_params"]["offset_ra"], config["extra_params"]["offset_dec"])
        for config in configuration["instrument_configs"]
    ]
    assert offsets == [(-0.0, 0.0), (-0.0, 10.0), (-0.0, 20.0)]
    assert configuration["extra_params"]["dither_pattern"] == "line"
    refused = client.post("configurations/dither/", json={**body, "pattern": "custom"})
    assert refused.status_code == 400
    assert list(refused.json()) == ["pattern"]


def test_mosaic_repeats_the_configuration_at_each_position(client: Any) -> None:
    body = {"request": REQUEST, "pattern": "grid", "num_rows": 2, "num_columns": 2}
    answer = client.post("requests/mosaic/", json={**body, "point_spacing": 600})
    assert answer.status_code == 200, answer.text
    request = answer.json()
    positions = [(c["target"]["ra"], c["target"]["dec"]) for c in request["configurations"]]
    expected = [(10.68, 41.27), (10.68, 41.436667), (10.902315, 41.436667), (10.901746, 41.27)]
    assert [(round(ra, 6), round(dec, 6)) for ra, dec in positions] == expected
    assert request["extra_params"]["mosaic_pattern"] == "grid"
    refused = client.post("requests/mosaic/", json=body)  # neither spacing nor overlap
    assert refused.status_code == 400
    assert list(refused.json()) == ["non_field_errors"]


# ---------------------------------------------------------------------------- the sandbox


def test_a_submitted_group_gets_what_the_portal_adds(
    submitted: dict[str, Any], lco_portal: OfflinePortal
) -> None:
    assert isinstance(submitted["id"], int)
    assert submitted["state"] == "PENDING"
    assert submitted["submitter"] == SANDBOX_USERNAME
    assert submitted["created"] and submitted["modified"]
    [request] = submitted["requests"]
    assert isinstance(request["id"], int)
    assert (request["state"], request["duration"]) == ("PENDING", DURATION)
    assert request["configurations"][0]["priority"] == 1


def test_an_invalid_group_is_not_stored(client: Any) -> None:
    before = client.get("requestgroups/").json()["count"]
    answer = client.post("requestgroups/", json=group(name=""))
    assert answer.status_code == 400
    assert list(answer.json()) == ["name"]  # the errors alone, as the portal answers
    assert client.get("requestgroups/").json()["count"] == before


def ids(page: dict[str, Any]) -> list[Any]:
    """The ids of a page's items: numbers for groups and requests, codes for proposals."""
    return [item["id"] for item in page["results"]]


def test_the_list_filters_as_clients_ask(client: Any, submitted: dict[str, Any]) -> None:
    group_id = submitted["id"]
    request_id = submitted["requests"][0]["id"]

    def listed(**query: Any) -> list[int]:
        answer = client.get("requestgroups/", params=query)
        assert answer.status_code == 200, answer.text
        return ids(answer.json())

    assert listed(id=group_id) == [group_id]
    assert listed(request_id=request_id) == [group_id]
    assert group_id in listed(state="PENDING")
    assert group_id not in listed(state="CANCELED")
    assert group_id in listed(proposal=DEFAULT_PROPOSAL)
    assert group_id not in listed(proposal="SOMEONE-ELSES")
    assert client.get("requestgroups/", params={"state": "pending"}).status_code == 400
    requests = client.get("requests/").json()
    assert request_id in ids(requests)


def test_a_group_and_its_request_can_be_read_back(client: Any, submitted: dict[str, Any]) -> None:
    group_id = submitted["id"]
    request_id = submitted["requests"][0]["id"]
    assert client.get(f"requestgroups/{group_id}/").json() == submitted
    request = client.get(f"requests/{request_id}/")
    assert request.status_code == 200
    assert request.json() == submitted["requests"][0]
    observations = client.get(f"requests/{request_id}/observations/")
    assert (observations.status_code, observations.json()) == (200, [])
    airmass = client.get(f"requests/{request_id}/airmass/").json()
    assert sorted(airmass["airmass_data"]) == ["elp", "tfn"]
    assert client.get("requestgroups/999999/").status_code == 404
    assert client.get("requests/999999/").json() == {
        "detail": "No Request matches the given query."
    }


def test_a_cancelled_group_is_listed_as_cancelled(client: Any) -> None:
    created = client.post("requestgroups/", json=group(name="to cancel")).json()
    group_id, request_id = created["id"], created["requests"][0]["id"]
    cancelled = client.post(f"requestgroups/{group_id}/cancel/")
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "CANCELED"
    # The portal answers with the requests as they were before it cancelled them.
    assert cancelled.json()["requests"][0]["state"] == "PENDING"
    assert client.get(f"requests/{request_id}/").json()["state"] == "CANCELED"
    assert group_id in ids(client.get("requestgroups/", params={"state": "CANCELED"}).json())
    assert group_id not in ids(client.get("requestgroups/", params={"state": "PENDING"}).json())


# ---------------------------------------------------------------------------- the account


def test_the_profile_lists_the_sandbox_users_proposals(
    client: Any, lco_portal: OfflinePortal
) -> None:
    profile = client.get("profile/").json()
    assert profile["username"] == SANDBOX_USERNAME
    assert [(p["id"], p["current"]) for p in profile["proposals"]] == [
        (code, True) for code in sorted(lco_portal.proposals)
    ]
    assert profile["tokens"]["api_token"] == lco_portal.token
    assert "1M0-SCICAM-SINISTRO" in profile["available_instrument_types"]


def test_proposals_semesters_and_instruments_are_listed(client: Any, anonymous: Any) -> None:
    proposals = client.get("proposals/").json()
    assert ids(proposals) == [DEFAULT_PROPOSAL]
    assert proposals["results"][0]["active"] is True
    assert client.get(f"proposals/{DEFAULT_PROPOSAL}/").json()["id"] == DEFAULT_PROPOSAL
    assert client.get("proposals/NOT-MINE/").status_code == 404
    semesters = anonymous.get("semesters/", params={"limit": 2}).json()
    assert semesters["count"] > 2 and len(semesters["results"]) == 2
    assert semesters["next"].startswith(f"{anonymous.base_url}semesters/?")
    newest, older = semesters["results"]
    assert newest["start"] > older["start"]
    assert anonymous.get("semesters/2030B/").json() == {
        "id": "2030B",
        "start": "2030-08-01T00:00:00Z",
        "end": "2031-01-31T23:59:59Z",
    }
    assert "1M0-SCICAM-SINISTRO" in anonymous.get("instruments/").json()


# ---------------------------------------------------------------------------- anonymous callers


@pytest.mark.parametrize(
    "path",
    [
        "requestgroups/",
        "requestgroups/cadence/",
        "requestgroups/1/cancel/",
        "configurations/dither/",
        "requests/mosaic/",
    ],
)
def test_anonymous_work_is_refused_with_403(anonymous: Any, path: str) -> None:
    answer = anonymous.post(path, json=group())
    assert (answer.status_code, answer.json()) == (403, NOT_AUTHENTICATED)


def test_anonymous_callers_see_no_account_and_no_groups(
    anonymous: Any, submitted: dict[str, Any]
) -> None:
    for path in ("profile/", "proposals/"):
        answer = anonymous.get(path)
        assert (answer.status_code, answer.json()) == (403, NOT_AUTHENTICATED)
    for path in ("requestgroups/", "requests/"):
        assert anonymous.get(path).json()["results"] == []
    request_id = submitted["requests"][0]["id"]
    for path in (
        f"requestgroups/{submitted['id']}/",
        f"requests/{request_id}/",
        f"requests/{request_id}/observations/",
        f"requests/{request_id}/airmass/",
    ):
        assert anonymous.get(path).status_code == 404
    validated = anonymous.post("requestgroups/validate/", json=group())
    assert validated.status_code == 200  # validation takes anyone, as it always has here


# ---------------------------------------------------------------------------- paths and values


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/requestgroups/validate"),
        ("POST", "/api/requestgroups/cadence"),
        ("POST", "/api/requestgroups"),
        ("GET", "/api/requestgroups/1"),
        ("POST", "/api/requestgroups/1/cancel"),
        ("POST", "/api/requests/mosaic"),
        ("GET", "/api/requests"),
        ("GET", "/api/requests/1"),
        ("GET", "/api/requests/1/observations"),
        ("GET", "/api/requests/1/airmass"),
        ("POST", "/api/configurations/dither"),
        ("POST", "/api/airmass"),
        ("GET", "/api/profile"),
        ("GET", "/api/proposals"),
        ("GET", f"/api/proposals/{DEFAULT_PROPOSAL}"),
        ("GET", "/api/semesters"),
        ("GET", "/api/semesters/2030B"),
        ("GET", "/api/instruments"),
    ],
)
def test_a_path_without_its_slash_is_redirected_to_it(
    lco_portal: OfflinePortal, method: str, path: str
) -> None:
    answer = httpx.request(
        method, lco_portal.portal_url + path, json={} if method == "POST" else None
    )
    assert answer.status_code == 301
    assert answer.headers["location"] == path + "/"


def test_the_redirect_keeps_the_query(lco_portal: OfflinePortal, submitted: dict[str, Any]) -> None:
    request_id = submitted["requests"][0]["id"]
    # As TOM Toolkit looks up a request's group before cancelling it.
    url = f"{lco_portal.portal_url}/api/requestgroups?request_id={request_id}"
    answer = httpx.get(url, headers=lco_portal.headers)
    assert answer.status_code == 301
    assert answer.headers["location"] == f"/api/requestgroups/?request_id={request_id}"
    followed = httpx.get(url, headers=lco_portal.headers, follow_redirects=True)
    assert ids(followed.json()) == [submitted["id"]]


def test_booleans_and_numbers_written_as_text_are_read_as_the_portal_reads_them(
    client: Any,
) -> None:
    body = {"configuration": CONFIGURATION, "pattern": "line", "num_points": 3, "point_spacing": 10}

    def dithered(center: object) -> Any:
        return client.post("configurations/dither/", json={**body, "center": center})

    assert dithered("True").json() == dithered(True).json()
    assert dithered("false").json() == dithered(False).json()
    assert dithered("True").json() != dithered(False).json()
    assert list(dithered("").json()) == ["center"]  # what TOM sends for an unset choice
    textual = group(name="text values")
    configuration = textual["requests"][0]["configurations"][0]
    configuration["guiding_config"] = {"mode": "ON", "optional": "false"}
    configuration["instrument_configs"][0]["extra_params"] = {"defocus": "0.5"}
    stored = client.post("requestgroups/", json=textual)
    assert stored.status_code == 201, stored.text
    kept = stored.json()["requests"][0]["configurations"][0]
    assert kept["guiding_config"]["optional"] is False
    assert kept["instrument_configs"][0]["extra_params"]["defocus"] == 0.5
