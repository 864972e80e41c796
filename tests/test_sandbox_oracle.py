"""The real portal as oracle for the sandbox and account endpoints of ``serve``.

Seeded sessions (``oracle/sandbox_sessions.py``: submissions of drawn groups,
sidereal and orbital, SINGLE and MANY, every schedulable instrument type the
draw reaches, some with values as text or ``extra_params`` at every level, some
refused; then lists with random filters, orderings and pages, details,
cancels, the request endpoints, the profile, proposals and semesters) go to
``serve``'s application and to the portal, both starting empty with the same
user, token and proposals.  Every answer must be the portal's, member by
member and in key order (ids read back, since each side counts its own), or
differ only as the README documents; the agreement per endpoint is printed.

``LCO_SANDBOX_ORACLE_SAMPLE`` sets the number of sessions (default 12, about
250 calls); needs the oracle (``bash oracle/setup.sh``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from lco_validate import load_catalogue

from .oracle.portal import Portal, unavailable_reason
from .oracle.runs import draw, oracle_marks
from .oracle.sandbox_sessions import OurSide, Tally, run_session, sessions, valid_pool
from .oracle.strategies import request_groups

pytestmark = oracle_marks(unavailable_reason())

CATALOGUE = load_catalogue()
NOW = datetime(2027, 3, 1, tzinfo=UTC)
SEED = 20270301
SESSIONS = int(os.environ.get("LCO_SANDBOX_ORACLE_SAMPLE", "12"))
STEPS = 20
ENDPOINTS = (
    "POST /api/requestgroups/",
    "GET /api/requestgroups/",
    "GET /api/requestgroups/{id}/",
    "POST /api/requestgroups/{id}/cancel/",
    "GET /api/requests/",
    "GET /api/requests/{id}/",
    "GET /api/requests/{id}/observations/",
    "GET /api/requests/{id}/airmass/",
    "GET /api/profile/",
    "GET /api/proposals/",
    "GET /api/semesters/",
)


@pytest.fixture(scope="module")
def portal() -> Iterator[Portal]:
    with Portal() as running:
        yield running


def test_sandbox_sessions_answer_as_the_portal_answers(portal: Portal) -> None:
    pool = valid_pool(
        draw(request_groups(CATALOGUE, NOW), max(40, 3 * SESSIONS), SEED), CATALOGUE, NOW
    )
    tally = Tally()
    for seed in sessions(SESSIONS, SEED):
        run_session(portal, CATALOGUE, pool, seed, NOW, STEPS, tally)
    print(tally.report())
    assert not tally.divergences, tally.report()
    missing = [endpoint for endpoint in ENDPOINTS if not tally.calls[endpoint]]
    assert not missing, f"no call to {missing}"


def test_validation_is_open_to_anonymous_callers_here_where_the_portal_answers_403(
    portal: Portal,
) -> None:
    """The difference README's list documents, on both sides, for the same group."""
    [group] = draw(request_groups(CATALOGUE, NOW), 1, SEED)
    path = "/api/requestgroups/validate/"
    theirs = portal.call("POST", path, NOW, group, anonymous=True)
    assert (theirs.status, theirs.body) == (
        403,
        {"detail": "Authentication credentials were not provided."},
    )
    assert portal.call("POST", path, NOW, group).status == 200  # with credentials
    ours = OurSide(CATALOGUE)
    ours.now = NOW
    mine = ours.call("POST", path, group, anonymous=True)
    assert mine.status == 200
    assert set(mine.body) == {"request_durations", "errors"}
