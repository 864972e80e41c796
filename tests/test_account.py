"""The offline account (``server/account.py``): profile, proposals and semesters.

Shapes and the semester vectors were recorded from the real portal 4.18.10 (in
process, its semester table seeded from ours, now = 2030-11-01T00:00:00Z).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import pytest

from lco_validate.catalogue.semesters import semesters
from lco_validate.catalogue.snapshot import load_catalogue
from lco_validate.server.account import (
    DEFAULT_PROPOSAL,
    NOMINAL_HOURS,
    TOKEN_PLACEHOLDER,
    Account,
    proposal_codes,
    semester,
    semester_list,
)
from lco_validate.server.sandbox import SANDBOX_USERNAME, Sandbox

from .test_sandbox import group, timed

JSON = dict[str, Any]
CATALOGUE = load_catalogue()
NOW = datetime(2030, 11, 1, tzinfo=UTC)
AFTER_THE_TABLE = datetime(2040, 1, 1, tzinfo=UTC)
BASE = "http://127.0.0.1:8000"
USER = SANDBOX_USERNAME
FORBIDDEN = (403, {"detail": "Authentication credentials were not provided."})


def account(*codes: str) -> Account:
    return Account(CATALOGUE, list(codes), Sandbox(CATALOGUE))


def query(text: str) -> dict[str, list[str]]:
    return parse_qs(text, keep_blank_values=True)


# -- GET /api/profile/ ----------------------------------------------------------------------------

PORTAL_PROFILE_KEYS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "profile",
    "is_staff",
    "is_superuser",
    "proposals",
    "available_instrument_types",
    "tokens",
    "proposal_notifications",
]
PORTAL_PROFILE_FLAGS = [
    "education_user",
    "notifications_enabled",
    "notifications_on_authored_only",
    "simple_interface",
    "view_authored_requests_only",
    "title",
    "staff_view",
    "institution",
    "api_quota",
    "terms_accepted",
    "sciencecollaborationallocation",
    "password_expiration",
]


def test_the_profile_has_the_portals_shape_and_the_proposals_given() -> None:
    status, profile = account("LCO2030B-002", "KEY2030A-001").profile(USER, now=NOW, token="abc")
    assert status == 200
    assert list(profile) == PORTAL_PROFILE_KEYS
    assert list(profile["profile"]) == PORTAL_PROFILE_FLAGS
    assert profile["profile"]["api_quota"] == {"used": 0, "allowed": "unlimited"}
    assert profile["username"] == USER
    assert (profile["is_staff"], profile["is_superuser"]) == (False, False)
    # What TOM Toolkit reads: id, title, current; ordered by title.
    assert profile["proposals"] == [
        {"id": "KEY2030A-001", "title": "KEY2030A-001", "current": True},
        {"id": "LCO2030B-002", "title": "LCO2030B-002", "current": True},
    ]
    assert profile["tokens"] == {"archive": "", "api_token": "abc"}
    assert profile["proposal_notifications"] == []


def test_without_proposals_given_the_account_has_the_default_one() -> None:
    assert DEFAULT_PROPOSAL == "TEST_PROPOSAL"  # the proposal AEONlib's online tests use
    assert proposal_codes([]) == (DEFAULT_PROPOSAL,)
    assert proposal_codes(["A", "", "B", "A"]) == ("A", "B")
    profile = account().profile(USER, now=NOW)[1]
    assert [p["id"] for p in profile["proposals"]] == [DEFAULT_PROPOSAL]
    assert profile["tokens"]["api_token"] == TOKEN_PLACEHOLDER


def test_proposals_are_current_only_while_the_semester_table_lasts() -> None:
    profile = account("P").profile(USER, now=AFTER_THE_TABLE)[1]
    assert profile["proposals"] == [{"id": "P", "title": "P", "current": False}]
    last = semesters()[-1]
    assert account("P").profile(USER, now=last.end)[1]["proposals"][0]["current"] is True


def test_the_instrument_types_available_are_the_schedulable_ones_sorted() -> None:
    types = account().profile(USER, now=NOW)[1]["available_instrument_types"]
    assert types == sorted(types)
    assert "1M0-SCICAM-SINISTRO" in types
    assert "2M0-SCICAM-MUSCAT" in types
    assert "1M0-NRES-SCICAM" not in types  # MANUAL in the catalogue


def test_an_anonymous_caller_gets_403_for_the_profile_and_proposals() -> None:
    made = account()
    assert made.profile(None, now=NOW) == FORBIDDEN
    assert made.proposal_list({}, user=None, now=NOW, base_url=BASE) == FORBIDDEN
    assert made.proposal(DEFAULT_PROPOSAL, user=None, now=NOW) == FORBIDDEN


def test_time_allocations_and_time_used_come_with_the_flag() -> None:
    sandbox = Sandbox(CATALOGUE)
    made = Account(CATALOGUE, ["P", "Q"], sandbox)
    submissions = [("P", NOW), ("P", NOW), ("Q", NOW), ("P", datetime(2030, 7, 31, tzinfo=UTC))]
    for proposal, at in submissions:
        document = group(proposal=proposal)
        assert sandbox.create(document, timed(document), now=at, submitter=USER)[0] == 201
    sandbox.cancel(2, now=NOW, user=USER)
    plain = made.profile(USER, now=NOW)[1]["proposals"][0]
    assert "time_used" not in plain
    flagged = made.profile(USER, now=NOW, query=query("include_current_time_allocations"))[1]
    p, q = flagged["proposals"]
    # Pending groups of this semester: the cancelled one and the one of 2030A count nothing.
    assert (p["time_limit"], p["time_used"], q["time_used"]) == (-1, 167, 167)
    types = flagged["available_instrument_types"]
    assert sorted(a["instrument_types"][0] for a in p["time_allocations"]) == types
    assert set(p["time_allocations"][0]) == {*NOMINAL_HOURS, "instrument_types"}


def test_outside_every_semester_there_is_no_allocation() -> None:
    profile = account("P").profile(
        USER, now=AFTER_THE_TABLE, query=query("x=1&include_current_time_allocations=")
    )[1]
    assert profile["proposals"][0]["time_allocations"] == []
    assert profile["proposals"][0]["time_used"] == 0


# -- GET /api/proposals/ --------------------------------------------------------------------------

PORTAL_PROPOSAL_KEYS = [
    "id",
    "active",
    "title",
    "abstract",
    "tac_priority",
    "tac_rank",
    "sca",
    "public",
    "non_science",
    "direct_submission",
    "tags",
    "pis",
    "requestgroup_count",
    "coi_count",
    "timeallocation_set",
]
PORTAL_ALLOCATION_KEYS = [
    "id",
    "ipp_limit",
    "ipp_time_available",
    "std_allocation",
    "std_time_used",
    "rr_allocation",
    "rr_time_used",
    "tc_allocation",
    "tc_time_used",
    "realtime_allocation",
    "realtime_time_used",
    "semester",
    "proposal",
    "instrument_types",
]


def listed(made: Account, text: str, now: datetime = NOW) -> tuple[int, JSON]:
    return made.proposal_list(query(text), user=USER, now=now, base_url=BASE)


def test_proposals_are_listed_in_the_portals_shape_newest_code_first() -> None:
    sandbox = Sandbox(CATALOGUE)
    made = Account(CATALOGUE, ["A-1", "C-3", "B-2"], sandbox)
    sandbox.create(group(proposal="B-2"), timed(group()), now=NOW, submitter=USER)
    status, body = listed(made, "")
    assert status == 200
    assert (body["count"], body["next"], body["previous"]) == (3, None, None)
    assert [p["id"] for p in body["results"]] == ["C-3", "B-2", "A-1"]
    b2 = body["results"][1]
    assert list(b2) == PORTAL_PROPOSAL_KEYS
    assert b2["requestgroup_count"] == 1  # what AEONlib shows, with id, active and title
    assert (b2["active"], b2["title"]) == (True, "B-2")
    assert b2["pis"] == [
        {"first_name": "", "last_name": "", "username": USER, "email": "", "institution": ""}
    ]
    allocations = b2["timeallocation_set"]
    assert [list(a) for a in allocations] == [PORTAL_ALLOCATION_KEYS] * len(allocations)
    assert {a["semester"] for a in allocations} == {"2030B"}
    assert {a["proposal"] for a in allocations} == {"B-2"}
    assert len(
        {a["id"] for a in listed(made, "")[1]["results"][0]["timeallocation_set"]}
        | {a["id"] for a in allocations}
    ) == 2 * len(allocations)  # ids differ between proposals
    assert made.proposal("B-2", user=USER, now=NOW) == (200, b2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("active=True", ["B", "A"]),
        ("active=False", []),
        ("active=", ["B", "A"]),
        ("id=A", ["A"]),
        ("id=A&id=B", ["B", "A"]),
        ("semester=2030B", ["B", "A"]),
        ("semester=2030A", []),  # the made-up allocations are in the current semester only
        ("tac_rank=0", ["B", "A"]),
        ("tac_priority=1", []),
        ("public=False", ["B", "A"]),
        ("public=true", []),
        ("public=x", ["B", "A"]),  # not a boolean: no filter
        ("title=A", ["A"]),
        ("title=a", []),
        ("tags=a,b", []),
        ("tags=", ["B", "A"]),
        ("ordering=id", ["A", "B"]),
        ("ordering=-title", ["B", "A"]),
        ("limit=1&offset=1", ["A"]),
    ],
)
def test_proposals_are_filtered_as_the_portals(text: str, expected: list[str]) -> None:
    status, body = listed(account("A", "B"), text)
    assert status == 200, body
    assert [p["id"] for p in body["results"]] == expected


@pytest.mark.parametrize(
    ("text", "field", "code"),
    [
        ("active=false", "active", "S004"),
        ("active=maybe", "active", "S004"),
        ("id=A&id=NOPE", "id", "S004"),
        ("semester=1999Z", "semester", "S004"),
        ("semester=2030b", "semester", "S004"),
        ("tac_rank=x", "tac_rank", "S001"),
    ],
)
def test_refused_proposal_filters_are_answered_400(text: str, field: str, code: str) -> None:
    status, errors = listed(account("A", "B"), text)
    assert status == 400
    assert list(errors) == [field]
    assert errors[field][0].startswith(f"{code} ")


def test_a_proposal_not_of_the_account_is_not_found() -> None:
    assert account("A").proposal("B", user=USER, now=NOW) == (
        404,
        {"detail": "No Proposal matches the given query."},
    )


def test_the_proposal_list_pages_link_from_the_base_url() -> None:
    body = listed(account(*[f"P{n:02}" for n in range(12)]), "")[1]
    assert body["count"] == 12
    assert body["next"] == f"{BASE}/api/proposals/?limit=10&offset=10"
    assert len(body["results"]) == 10


# -- GET /api/semesters/ --------------------------------------------------------------------------


def semester_ids(text: str) -> list[str]:
    status, body = semester_list(query(text), base_url=BASE)
    assert status == 200, body
    return [item["id"] for item in body["results"]]


def test_semesters_are_listed_newest_first_from_our_table() -> None:
    status, body = semester_list(query("limit=100"), base_url=BASE)
    assert status == 200
    assert body["count"] == len(semesters()) == 33
    assert body["results"][0] == {
        "id": "2030B",
        "start": "2030-08-01T00:00:00Z",
        "end": "2031-01-31T23:59:59Z",
    }
    assert [item["id"] for item in body["results"]] == [s.code for s in semesters()][::-1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("semester_contains=2030-11-10", ["2030B"]),
        ("semester_contains=2030-08-01T00:00:00", ["2030B"]),
        ("semester_contains=Nov%2010%202030", ["2030B"]),
        ("semester_contains=2030-08-01T01:00:00%2B02:00", ["2030B"]),  # the zone is dropped
        ("end=2021-01-31T23:59:59Z&end_gt=2020-01-01", ["2020A"]),  # end: strictly before
        ("start_lte=2015-01-01&ordering=start", ["2014A", "2014B"]),
        ("id=2030", ["2030B", "2030A"]),
        ("id=30b", ["2030B"]),
        ("start=2030-01-01&end=2031-06-01", ["2030B", "2030A"]),
    ],
)
def test_semesters_are_filtered_as_the_portals(text: str, expected: list[str]) -> None:
    assert semester_ids(text) == expected


def test_an_unreadable_semester_date_is_no_filter_but_a_bound_is_refused() -> None:
    status, body = semester_list(query("semester_contains=garbage&limit=2"), base_url=BASE)
    assert status == 200
    assert body["count"] == 33
    assert body["next"] == f"{BASE}/api/semesters/?limit=2&offset=2&semester_contains=garbage"
    status, errors = semester_list(
        query("end_gt=x&start=garbage&id=&start_lte=2030"), base_url=BASE
    )
    assert status == 400
    assert list(errors) == ["start", "start_lte", "end_gt"]
    assert all(messages[0].startswith("S007 ") for messages in errors.values())


def test_one_semester_by_its_exact_id() -> None:
    assert semester("2030B") == (
        200,
        {"id": "2030B", "start": "2030-08-01T00:00:00Z", "end": "2031-01-31T23:59:59Z"},
    )
    assert semester("2030b") == (404, {"detail": "No Semester matches the given query."})
