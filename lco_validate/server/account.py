"""The offline account: the portal's ``/api/profile/``, ``/api/proposals/``, ``/api/semesters/``.

Clients read these to fill their forms: TOM Toolkit offers the profile's
``proposals`` whose ``current`` is true, AEONlib lists ``/api/proposals/``.
Offline there is no proposal database, so the account is made up, in the
portal's shapes, from what ``serve`` is given:

* the proposals: the codes of ``--proposal CODE`` (or the settings), else
  one, ``DEFAULT_PROPOSAL`` ("TEST_PROPOSAL", the proposal AEONlib's online
  tests submit to, so that they run unchanged).  Each is active, titled with
  its code, and ``current`` while the semester table has a semester ending
  at or after the server's now (the portal's test: a time allocation in a
  current or future semester);
* their time allocations: one per instrument type with a SCHEDULABLE
  instrument in the catalogue, in the first semester of the table that has
  not ended, of ``NOMINAL_HOURS`` each, nothing used (time is charged when
  observations complete, and the sandbox observes nothing);
* the user: the sandbox's one user (``sandbox.SANDBOX_USERNAME``), with empty
  names and flags off; its API token is the one the client sent, else a
  placeholder; its ``available_instrument_types`` are the allocations'
  types, sorted (the portal's set has no order).
* the semesters: the catalogue's table (``catalogue/semesters.py``), the one
  validation uses.

``Account`` answers the profile and the proposals; ``semesters`` and
``semester`` need no user (the portal lets anyone read them).  Every answer
is ``(HTTP status, JSON)``; ``user`` None is a caller without credentials.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ..catalogue.semesters import Semester, semesters
from ..catalogue.snapshot import Catalogue
from .listing import (
    NOT_AUTHENTICATED,
    Answer,
    Query,
    QueryForm,
    SortKey,
    contains,
    detail,
    drf_ordering,
    drf_time,
    filter_moment,
    last_value,
    not_a_choice,
    ordered,
    paginated,
)
from .sandbox import SANDBOX_USERNAME, Sandbox

JSON = dict[str, Any]

DEFAULT_PROPOSAL = "TEST_PROPOSAL"
#: What the profile shows as the API token when the client sent none.
TOKEN_PLACEHOLDER = "lco-validate-offline-token"
#: The made-up allocation of each proposal and instrument type, in hours.
NOMINAL_HOURS = {
    "ipp_limit": 10.0,
    "ipp_time_available": 10.0,
    "std_allocation": 100.0,
    "std_time_used": 0.0,
    "rr_allocation": 10.0,
    "rr_time_used": 0.0,
    "tc_allocation": 10.0,
    "tc_time_used": 0.0,
    "realtime_allocation": 10.0,
    "realtime_time_used": 0.0,
}

PROPOSALS_PATH = "/api/proposals/"
SEMESTERS_PATH = "/api/semesters/"
PROPOSAL_NOT_FOUND = "No Proposal matches the given query."
SEMESTER_NOT_FOUND = "No Semester matches the given query."
#: The portal's ProposalFilter ``active`` choices, as text.
ACTIVE_CHOICES = ("False", "True")
#: What Django's NullBooleanSelect reads as true and as false; anything else is no filter.
_NULL_BOOLEAN = {"True": True, "true": True, "2": True, "False": False, "false": False, "3": False}


def proposal_codes(given: Sequence[str]) -> tuple[str, ...]:
    """The account's proposals: ``given`` without repeats, or the default one."""
    codes = tuple(dict.fromkeys(code for code in given if code))
    return codes or (DEFAULT_PROPOSAL,)


def allocation_semester(now: datetime) -> Semester | None:
    """The semester of the made-up allocations: the first in the table that has not ended."""
    return next((semester for semester in semesters() if semester.end >= now), None)


def current_semester(now: datetime) -> Semester | None:
    """The semester holding ``now`` (the portal's ``current_semester``), if any."""
    return next((s for s in semesters() if s.start <= now <= s.end), None)


class Account:
    """The sandbox user's profile and proposals, over a catalogue and the sandbox's groups."""

    def __init__(self, catalogue: Catalogue, proposals: Sequence[str], sandbox: Sandbox) -> None:
        self.proposals = proposal_codes(proposals)
        self.sandbox = sandbox
        self.instrument_types = tuple(sorted(catalogue.schedulable_instrument_types()))

    # -- GET /api/profile/

    def profile(
        self, user: str | None, *, now: datetime, token: str = "", query: Query | None = None
    ) -> Answer:
        """``GET /api/profile/``; ``token``: the key of the client's ``Token`` header, if any.

        ``?include_current_time_allocations`` (any value) adds each proposal's
        ``time_limit`` (-1, none), ``time_used`` (seconds of the user's pending
        requests submitted in the current semester) and ``time_allocations``.
        """
        if user is None:
            return 403, detail(NOT_AUTHENTICATED)
        with_allocations = query is not None and "include_current_time_allocations" in query
        current = current_semester(now)
        proposals = []
        for code in sorted(self.proposals):  # the portal orders them by title: the code here
            entry: JSON = {"id": code, "title": code, "current": self._current(now)}
            if with_allocations:
                entry["time_limit"] = -1
                entry["time_used"] = (
                    self.sandbox.time_used(code, user, current.start) if current else 0
                )
                entry["time_allocations"] = [
                    {key: value for key, value in allocation.items() if key in _ALLOCATION_SHOWN}
                    for allocation in self._allocations(code, current)
                ]
            proposals.append(entry)
        return 200, {
            "username": user,
            "first_name": "",
            "last_name": "",
            "email": "",
            "profile": {
                "education_user": False,
                "notifications_enabled": False,
                "notifications_on_authored_only": False,
                "simple_interface": False,
                "view_authored_requests_only": False,
                "title": "",
                "staff_view": False,
                "institution": "",
                "api_quota": {"used": 0, "allowed": "unlimited"},
                "terms_accepted": None,
                "sciencecollaborationallocation": None,
                "password_expiration": None,
            },
            "is_staff": False,
            "is_superuser": False,
            "proposals": proposals,
            "available_instrument_types": list(self.instrument_types),
            "tokens": {"archive": "", "api_token": token or TOKEN_PLACEHOLDER},
            "proposal_notifications": [],
        }

    def _current(self, now: datetime) -> bool:
        return allocation_semester(now) is not None

    def _allocations(self, code: str, semester: Semester | None) -> list[JSON]:
        """The made-up time allocations of a proposal, in ``semester``: ``allocation_semester``.

        When a semester holds the server's now, it is that one; so the current
        semester's allocations (the profile's) are these too.
        """
        if semester is None:
            return []
        first_id = self.proposals.index(code) * len(self.instrument_types) + 1
        allocations = [
            {
                "id": first_id + index,
                **NOMINAL_HOURS,
                "semester": semester.code,
                "proposal": code,
                "instrument_types": [instrument_type],
            }
            for index, instrument_type in enumerate(self.instrument_types)
        ]
        return allocations[::-1]  # as the portal lists them: the latest made first

    # -- GET /api/proposals/

    def proposal_list(
        self, query: Query, *, user: str | None, now: datetime, base_url: str
    ) -> Answer:
        """``GET /api/proposals/``, with the portal's ProposalFilter."""
        if user is None:
            return 403, detail(NOT_AUTHENTICATED)
        form = QueryForm(query)  # in the order of ProposalFilter's form
        active = form.choice("active", ACTIVE_CHOICES)
        semester = last_value(query, "semester")
        codes = [s.code for s in semesters()]
        if semester and semester not in codes:
            form.refuse("semester", not_a_choice(semester, codes))
        wanted = form.choices("id", self.proposals)
        tac_rank = form.number("tac_rank")
        tac_priority = form.number("tac_priority")
        public = _NULL_BOOLEAN.get(last_value(query, "public") or "")
        title = form.text("title")
        tags = [tag for tag in (last_value(query, "tags") or "").split(",") if tag]
        if form.errors:
            return 400, form.errors
        allocated = allocation_semester(now)
        chosen = [
            code
            for code in self.proposals
            if (active is None or active == "True")
            and (not semester or (allocated is not None and semester == allocated.code))
            and (wanted is None or code in wanted)
            and (tac_rank is None or tac_rank == 0)
            and (tac_priority is None or tac_priority == 0)
            and public is not True
            and (title is None or title == code)
            and not tags  # no proposal here has tags
        ]
        terms = drf_ordering(query, PROPOSAL_ORDERING_FIELDS) or ["-id"]
        chosen = ordered(sorted(chosen), terms, PROPOSAL_KEYS)
        url = base_url.rstrip("/") + PROPOSALS_PATH
        return 200, paginated(chosen, query, url, lambda code: self._proposal(code, now))

    def proposal(self, code: str, *, user: str | None, now: datetime) -> Answer:
        """``GET /api/proposals/{id}/``."""
        if user is None:
            return 403, detail(NOT_AUTHENTICATED)
        if code not in self.proposals:
            return 404, detail(PROPOSAL_NOT_FOUND)
        return 200, self._proposal(code, now)

    def _proposal(self, code: str, now: datetime) -> JSON:
        return {
            "id": code,
            "active": True,
            "title": code,
            "abstract": "",
            "tac_priority": 0,
            "tac_rank": 0,
            "sca": "",
            "public": False,
            "non_science": False,
            "direct_submission": False,
            "tags": [],
            "pis": [
                {
                    "first_name": "",
                    "last_name": "",
                    "username": SANDBOX_USERNAME,
                    "email": "",
                    "institution": "",
                }
            ],
            "requestgroup_count": self.sandbox.group_count(code),
            "coi_count": 0,
            "timeallocation_set": self._allocations(code, allocation_semester(now)),
        }


#: The members of an allocation the profile shows (it leaves out id, semester and proposal).
_ALLOCATION_SHOWN = frozenset({*NOMINAL_HOURS, "instrument_types"})
PROPOSAL_ORDERING_FIELDS = ("id", "title", "active", "tac_priority", "tac_rank", "public")
PROPOSAL_KEYS: dict[str, SortKey[str]] = {
    "id": lambda code, _: code,
    "title": lambda code, _: code,
    **{name: (lambda _code, _: 0) for name in ("active", "tac_priority", "tac_rank", "public")},
}


# -- GET /api/semesters/ --------------------------------------------------------------------------

SEMESTER_ORDERING_FIELDS = ("id", "start", "end")
SEMESTER_KEYS: dict[str, SortKey[Semester]] = {
    "id": lambda semester, _: semester.code,
    "start": lambda semester, _: semester.start,
    "end": lambda semester, _: semester.end,
}


def semester_item(semester: Semester) -> JSON:
    return {"id": semester.code, "start": drf_time(semester.start), "end": drf_time(semester.end)}


def semester_list(query: Query, *, base_url: str) -> Answer:
    """``GET /api/semesters/``, with the portal's SemesterFilter; anyone may read it.

    ``semester_contains`` is read as the other date filters read dates (the
    portal uses dateutil, which also reads free text such as "10th of Nov
    2030"); a zone is dropped, as the portal drops it, and an unreadable
    value is no filter.
    """
    form = QueryForm(query)  # in the order of SemesterFilter's form
    inside = last_value(query, "semester_contains")
    start = form.moment("start")
    end = form.moment("end")
    code = form.text("id")
    start_lte = form.moment("start_lte")
    end_gt = form.moment("end_gt")
    if form.errors:
        return 400, form.errors
    moment = filter_moment(inside) if inside else None
    if moment is not None:
        moment = moment.replace(tzinfo=UTC)
    chosen = [
        semester
        for semester in semesters()
        if (moment is None or semester.start <= moment <= semester.end)
        and (start is None or semester.start >= start)
        and (end is None or semester.end < end)
        and (code is None or contains(code, semester.code))
        and (start_lte is None or semester.start <= start_lte)
        and (end_gt is None or semester.end > end_gt)
    ]
    terms = drf_ordering(query, SEMESTER_ORDERING_FIELDS) or ["-start"]
    chosen = ordered(chosen, terms, SEMESTER_KEYS)
    url = base_url.rstrip("/") + SEMESTERS_PATH
    return 200, paginated(chosen, query, url, semester_item)


def semester(code: str) -> Answer:
    """``GET /api/semesters/{id}/``."""
    found = next((s for s in semesters() if s.code == code), None)
    return (200, semester_item(found)) if found else (404, detail(SEMESTER_NOT_FOUND))
