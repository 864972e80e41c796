"""Sessions of calls to the sandbox and account endpoints, made to ``serve`` and to the portal.

A session is what a client does in a working day, drawn from a seeded
``random.Random``: it submits request groups (valid ones drawn by
``strategies.request_groups``, some with values written as text the portal's
fields convert, or ``extra_params`` at every level; some broken on purpose),
then lists them with random filters, orderings and pages, reads groups and
requests, their observations and airmasses, cancels some, and reads the
profile, proposals and semesters; now and then without credentials, or
without the trailing slash.  The clock moves between calls by nothing, some
microseconds, or seconds, so ``created``/``modified`` and the date filters
are exact and ties happen.

Both sides start a session empty with the same user, token and proposals:
``OurSide`` is ``make_app`` in process (``clock`` set by the session),
``PortalSide`` the portal worker inside a transaction it rolls back at the end
(``Portal.begin_session``).  The next call is drawn from what our side holds,
so both sides get the same calls as long as their answers agree.

Ids: each side numbers its groups, requests and configurations from its own
counters (the portal's sequences outlive a session), so a call naming an id
names each side's own, and the portal's ids in its answers are read back into
ours (``IdMap``); pagination links are compared as paths and queries, with ids
read back too.

``compare_step`` then compares each answer: the same status, the same body
member by member, key order included, with these exceptions, each a
documented simplification (README, "Where the portal and this tool differ"):

* time allocations are invented: a proposal's ``timeallocation_set`` and the
  profile's ``time_allocations`` are compared by their members' names only;
* the ``proposal`` filter takes any code (the portal: 400 for a proposal not in
  its database);
* text sorts in Python's order: a list ordered by a text field may order
  differently (the same items);
* refusals: our messages are ours, so a 400 is compared by its places (a
  filter's name, in the portal's order; a submission's places as the group
  oracle compares them);
* the stored airmass curves as ``test_cadence_oracle`` compares them (times
  exact, values within 1e-3, interval edges within the visibility tolerance).
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from lco_validate.catalogue.snapshot import Catalogue
from lco_validate.checking.policy import Settings
from lco_validate.server.account import NOMINAL_HOURS, allocation_semester
from lco_validate.server.sandbox import SANDBOX_USERNAME
from lco_validate.server.validate import answer as validate_answer

from ..test_cadence_oracle import Agreement, compare_curves
from .compare import group_message_codes, matches, portal_places
from .portal import Portal

JSON = dict[str, Any]

TOKEN = "lco-validate-sandbox-oracle-token"
#: The session user's proposals, on both sides.
PROPOSALS = ("LCO2027A-007", "TEST_PROPOSAL")
#: Hours of every portal allocation: generous, so that no submission is refused for time.
PORTAL_HOURS = {name: 1.0e6 for name in NOMINAL_HOURS if not name.endswith("_used")}
UNKNOWN_ID = 987_654_321
#: How far the clock may move in a session: drawn groups are kept only when valid then too.
SESSION_SPAN = timedelta(minutes=15)
STATES = ("PENDING", "COMPLETED", "WINDOW_EXPIRED", "FAILURE_LIMIT_REACHED", "CANCELED")
OBSERVATION_TYPES = ("NORMAL", "RAPID_RESPONSE", "TIME_CRITICAL", "DIRECT", "REAL_TIME")
TELESCOPE_CLASSES = ("0m4", "1m0", "2m0", "4m0")
GROUP_ORDERING_FIELDS = (
    "id",
    "requests",
    "submitter",
    "name",
    "observation_type",
    "operator",
    "ipp_value",
    "created",
    "state",
    "modified",
    "proposal",
)
#: Text fields: ordered by them, PostgreSQL's collation and Python may differ (documented).
TEXT_ORDERINGS = frozenset({"name", "observation_type", "operator", "state", "proposal"})
ORDER_CHOICES = ("name", "modified", "created", "end")


# -- the two sides --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """An answer: status, JSON body (None when not JSON), text otherwise, redirect target."""

    status: int
    body: Any
    text: str | None = None
    location: str | None = None


class OurSide:
    """``serve``'s application in process, with the session's clock."""

    def __init__(self, catalogue: Catalogue) -> None:
        from starlette.testclient import TestClient

        from lco_validate.server.app import make_app

        self.now = datetime(2000, 1, 1, tzinfo=UTC)
        app = make_app(Settings(catalogue=catalogue), proposals=PROPOSALS, clock=lambda: self.now)
        self.client = TestClient(app, follow_redirects=False)

    def call(self, method: str, path: str, document: object, anonymous: bool) -> Reply:
        headers = {} if anonymous else {"Authorization": f"Token {TOKEN}"}
        response = self.client.request(
            method, path, headers=headers, **({} if document is None else {"json": document})
        )
        json_body = response.headers.get("content-type", "").startswith("application/json")
        return Reply(
            response.status_code,
            response.json() if json_body else None,
            None if json_body else response.text,
            response.headers.get("location"),
        )


class PortalSide:
    """The portal worker, inside a session (a transaction rolled back at its end)."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.now = datetime(2000, 1, 1, tzinfo=UTC)

    def call(self, method: str, path: str, document: object, anonymous: bool) -> Reply:
        answer = self.portal.call(method, path, self.now, document, anonymous=anonymous)
        if answer.crashed:
            return Reply(500, None, answer.exception)
        body = None if answer.text is not None else answer.body
        return Reply(answer.status, body, answer.text, answer.location)


# -- ids ------------------------------------------------------------------------------------------


@dataclass
class Submitted:
    """A group both sides stored: its ids on each side, and what calls may name of it."""

    ours: int
    theirs: int
    requests: list[tuple[int, int]]
    document: JSON
    created: datetime


@dataclass
class IdMap:
    """The portal's ids read as ours, per kind (group, request, configuration)."""

    kinds: dict[str, dict[int, int]] = field(
        default_factory=lambda: {"group": {}, "request": {}, "configuration": {}}
    )

    def pair(self, ours: JSON, theirs: JSON) -> None:
        """Records the ids of a group both sides created (their 201 bodies)."""
        self.kinds["group"][theirs["id"]] = ours["id"]
        for mine, its in zip(ours["requests"], theirs["requests"], strict=True):
            self.kinds["request"][its["id"]] = mine["id"]
            for my_configuration, its_configuration in zip(
                mine["configurations"], its["configurations"], strict=True
            ):
                self.kinds["configuration"][its_configuration["id"]] = my_configuration["id"]

    def read(self, kind: str, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            return self.kinds[kind].get(value, f"unmapped {kind} {value}")
        return value

    def group(self, body: Any) -> Any:
        if isinstance(body, dict) and "requests" in body:
            body = {**body, "id": self.read("group", body.get("id"))}
            body["requests"] = [self.request(request) for request in body["requests"]]
        return body

    def request(self, body: Any) -> Any:
        if isinstance(body, dict) and "configurations" in body:
            body = {**body, "id": self.read("request", body.get("id"))}
            body["configurations"] = [
                {**c, "id": self.read("configuration", c.get("id"))} if isinstance(c, dict) else c
                for c in body["configurations"]
            ]
        return body


# -- a session's calls ----------------------------------------------------------------------------


@dataclass
class Step:
    """One call, as each side gets it (ids are each side's own)."""

    endpoint: str
    method: str
    ours: str
    theirs: str
    document: object = None
    anonymous: bool = False
    #: The ids a path or query names, per side: value -> a label both sides share.
    labels: tuple[dict[str, str], dict[str, str]] = ({}, {})
    #: What the call exercised, for the coverage report.
    features: tuple[str, ...] = ()


@dataclass
class Session:
    """The state a session draws its next call from."""

    rng: random.Random
    user_ids: tuple[int, int]
    groups: list[Submitted] = field(default_factory=list)
    ids: IdMap = field(default_factory=IdMap)
    moments: list[datetime] = field(default_factory=list)


class Reference:
    """An id a call names: a stored group or request (each side's), or one that no side has."""

    def __init__(self, ours: int | str, theirs: int | str, label: str) -> None:
        self.ours, self.theirs, self.label = ours, theirs, label


def group_reference(session: Session) -> Reference:
    rng = session.rng
    if session.groups and rng.random() < 0.85:
        index = rng.randrange(len(session.groups))
        chosen = session.groups[index]
        return Reference(chosen.ours, chosen.theirs, f"group{index}")
    return Reference(UNKNOWN_ID, UNKNOWN_ID, "unknown")


def request_reference(session: Session) -> Reference:
    rng = session.rng
    if session.groups and rng.random() < 0.85:
        index = rng.randrange(len(session.groups))
        position = rng.randrange(len(session.groups[index].requests))
        ours, theirs = session.groups[index].requests[position]
        return Reference(ours, theirs, f"request{index}.{position}")
    return Reference(UNKNOWN_ID, UNKNOWN_ID, "unknown")


def _slashless(path: str) -> str:
    """The path as clients write it, without its slash (the portal: 301)."""
    head, _, query = path.partition("?")
    return head.rstrip("/") + (f"?{query}" if query else "")


def detail_step(session: Session, endpoint: str) -> Step:
    """A GET of one group or request (detail, observations, airmass)."""
    rng = session.rng
    if endpoint.startswith("GET /api/requestgroups/"):
        reference = group_reference(session)
    else:
        reference = request_reference(session)
    if rng.random() < 0.03:
        reference = Reference("abc", "abc", "abc")
    template = endpoint.split(" ", 1)[1]
    ours, theirs = (template.replace("{id}", str(r)) for r in (reference.ours, reference.theirs))
    anonymous = rng.random() < 0.08
    slash = rng.random() < 0.06
    if slash:
        ours, theirs = _slashless(ours), _slashless(theirs)
    features = (
        ("anonymous",) * anonymous
        + ("no slash",) * slash
        + (reference.label.rstrip("0123456789."),)
    )
    labels = ({str(reference.ours): reference.label}, {str(reference.theirs): reference.label})
    return Step(
        endpoint, "GET", ours, theirs, anonymous=anonymous, labels=labels, features=features
    )


def cancel_step(session: Session) -> Step:
    reference = group_reference(session)
    path = "/api/requestgroups/{}/cancel/"
    anonymous = session.rng.random() < 0.05
    return Step(
        "POST /api/requestgroups/{id}/cancel/",
        "POST",
        path.format(reference.ours),
        path.format(reference.theirs),
        anonymous=anonymous,
        features=("anonymous",) * anonymous,
    )


# -- list queries ---------------------------------------------------------------------------------


class Query:
    """A query built for both sides at once (ids differ; everything else is the same text)."""

    def __init__(self) -> None:
        self.ours: list[tuple[str, str]] = []
        self.theirs: list[tuple[str, str]] = []
        self.labels: tuple[dict[str, str], dict[str, str]] = ({}, {})
        self.features: list[str] = []

    def add(self, name: str, value: str, feature: str | None = None) -> None:
        self.ours.append((name, value))
        self.theirs.append((name, value))
        self.features.append(feature or name)

    def add_id(self, name: str, reference: Reference, suffix: str = "") -> None:
        self.ours.append((name, f"{reference.ours}{suffix}"))
        self.theirs.append((name, f"{reference.theirs}{suffix}"))
        # Keyed by the parameter too: a group and a request may have the same id on one side.
        self.labels[0][f"{name}={reference.ours}"] = reference.label
        self.labels[1][f"{name}={reference.theirs}"] = reference.label
        self.features.append(name)

    def paths(self, path: str) -> tuple[str, str]:
        return tuple(  # type: ignore[return-value]
            path + (f"?{urlencode(pairs)}" if pairs else "") for pairs in (self.ours, self.theirs)
        )


def _case_variant(rng: random.Random, text: str) -> str:
    return rng.choice([text, text.upper(), text.lower(), text.swapcase()])


def _substring(rng: random.Random, text: str) -> str:
    if not text:
        return "x"
    start = rng.randrange(len(text))
    return text[start : rng.randint(start + 1, len(text))]


def _moment_text(rng: random.Random, moment: datetime) -> str:
    """A date-time as a client may write it in a filter (each form Django's field reads)."""
    shifted = moment + rng.choice(
        [
            timedelta(0),
            timedelta(microseconds=-1),
            timedelta(microseconds=1),
            timedelta(seconds=-30),
        ]
    )
    return rng.choice(
        [
            shifted.isoformat().replace("+00:00", "Z"),
            shifted.isoformat(),
            shifted.strftime("%Y-%m-%d %H:%M:%S"),
            shifted.strftime("%Y-%m-%d %H:%M"),
            shifted.strftime("%Y-%m-%d"),
            shifted.astimezone(UTC).replace(tzinfo=None).isoformat(),
            (shifted + timedelta(hours=2)).isoformat().replace("+00:00", "+02:00"),
        ]
    )


def _page(rng: random.Random, query: Query) -> None:
    if rng.random() < 0.35:
        query.add("limit", rng.choice(["1", "2", "3", "5", "0", "-1", "abc", "150"]))
    if rng.random() < 0.3:
        query.add("offset", rng.choice(["1", "2", "4", "0", "-3", "x", "20000"]))


def group_list_step(session: Session) -> Step:
    """``GET /api/requestgroups/`` with zero to three filters, maybe ordered and paged."""
    rng = session.rng
    query = Query()
    stored = session.groups
    some = rng.choice(stored) if stored else None
    filters: list[Callable[[], None]] = [
        lambda: query.add_id("id", group_reference(session)),
        lambda: query.add_id(
            "request_id", request_reference(session), rng.choice(["", "", ".0", ".5"])
        ),
        lambda: query.add("id", rng.choice(["abc", "1e3", ""]), "id, not a number"),
        lambda: [
            query.add("state", rng.choice([*STATES, "pending"]))
            for _ in range(rng.choice([1, 1, 2]))
        ],
        lambda: query.add("exclude_state", rng.choice(STATES)),
        lambda: query.add("proposal", rng.choice(PROPOSALS)),
        lambda: query.add("proposal", "NO-SUCH-PROPOSAL", "proposal, unknown"),
        lambda: query.add(
            "name",
            _case_variant(rng, _substring(rng, some.document["name"]) if some else "oracle"),
        ),
        lambda: query.add("user", _case_variant(rng, rng.choice(["lco", "VALIDATE", "oracle"]))),
        lambda: query.add("observation_type", rng.choice([*OBSERVATION_TYPES, "normal"])),
        lambda: query.add("operator", rng.choice(["SINGLE", "MANY", "many"])),
        lambda: query.add("ipp_value", rng.choice(["1.0", "1", "1.05", "x"])),
        lambda: _moment_filter(session, query, "created_after"),
        lambda: _moment_filter(session, query, "created_before"),
        lambda: _moment_filter(session, query, "modified_after"),
        lambda: _moment_filter(session, query, "modified_before"),
        lambda: query.add("telescope_class", rng.choice([*TELESCOPE_CLASSES, "1M0"])),
        lambda: query.add("target", _case_variant(rng, _target_name(rng, some))),
        lambda: query.add("order", _order_terms(rng)),
        lambda: _submitter_filter(session, query),
    ]
    for chosen in rng.sample(filters, rng.choice([0, 1, 1, 1, 2, 2, 3])):
        chosen()
    if rng.random() < 0.35:
        terms = rng.sample([*GROUP_ORDERING_FIELDS, "end", "nonsense"], rng.choice([1, 1, 2]))
        query.add("ordering", ",".join(rng.choice(["", "-"]) + term for term in terms))
    _page(rng, query)
    return _list_step(session, "GET /api/requestgroups/", "/api/requestgroups/", query)


def _moment_filter(session: Session, query: Query, name: str) -> None:
    rng = session.rng
    if rng.random() < 0.08:
        query.add(name, rng.choice(["yesterday", "2027-13-01", "2027-03-01T25:00"]), "bad date")
        return
    moment = rng.choice(session.moments) if session.moments else datetime(2027, 3, 1, tzinfo=UTC)
    query.add(name, _moment_text(rng, moment))


def _submitter_filter(session: Session, query: Query) -> None:
    if session.rng.random() < 0.8:
        ours, theirs = session.user_ids
        query.add_id("submitter", Reference(ours, theirs, "the user"))
    else:
        query.add("submitter", "x", "submitter, not an id")


def _target_name(rng: random.Random, submitted: Submitted | None) -> str:
    if submitted is None:
        return "HD"
    names = [
        str(c["target"].get("name", ""))
        for r in submitted.document["requests"]
        for c in r["configurations"]
    ]
    return _substring(rng, rng.choice(names))


def _order_terms(rng: random.Random) -> str:
    terms = rng.sample([*ORDER_CHOICES, "id"], rng.choice([1, 1, 2]))
    return ",".join(rng.choice(["", "-"]) + term for term in terms)


def request_list_step(session: Session) -> Step:
    rng = session.rng
    query = Query()
    if rng.random() < 0.4:
        query.add("state", rng.choice([*STATES, "pending"]))
    if rng.random() < 0.3:
        for _ in range(rng.choice([1, 2])):
            query.add("telescope_class", rng.choice([*TELESCOPE_CLASSES, "9m9"]))
    if rng.random() < 0.3:
        query.add("ordering", rng.choice(["id", "-id", "state", "-state", "state,-id", "name"]))
    _page(rng, query)
    return _list_step(session, "GET /api/requests/", "/api/requests/", query)


def account_step(session: Session) -> Step:
    rng = session.rng
    query = Query()
    kind = rng.choice(["profile", "proposals", "proposal", "semesters", "semester"])
    if kind == "profile":
        if rng.random() < 0.5:
            query.add("include_current_time_allocations", rng.choice(["", "1", "true"]))
        return _list_step(session, "GET /api/profile/", "/api/profile/", query)
    if kind == "proposal":
        code = rng.choice([*PROPOSALS, "NO-SUCH-PROPOSAL"])
        path = f"/api/proposals/{code}/"
        anonymous = rng.random() < 0.1
        return Step("GET /api/proposals/{id}/", "GET", path, path, anonymous=anonymous)
    if kind == "semester":
        code = rng.choice(["2027A", "2026B", "2030B", "2099Z"])
        path = f"/api/semesters/{code}/"
        return Step("GET /api/semesters/{id}/", "GET", path, path)
    if kind == "proposals":
        for name, values in (
            ("active", ["True", "False", "maybe"]),
            ("semester", ["2027A", "2026B", "2099Z"]),
            ("id", [*PROPOSALS, "NOPE"]),
            ("title", [PROPOSALS[0], "x"]),
            ("tac_rank", ["0", "1"]),
            ("public", ["false", "True"]),
            ("ordering", ["id", "-id", "title", "-tac_rank,id"]),
        ):
            if rng.random() < 0.15:
                query.add(name, rng.choice(values))
        _page(rng, query)
        return _list_step(session, "GET /api/proposals/", "/api/proposals/", query)
    for name, values in (
        ("semester_contains", ["2027-03-01", "2027-03-01T00:00:00Z", "10 Nov 2030", "nonsense"]),
        ("start", ["2027-01-01", "2020-08-01T00:00:00Z", "bad"]),
        ("start_lte", ["2027-01-01", "2021-02-01 00:00"]),
        ("end", ["2027-08-01", "2025-01-01T00:00:00Z"]),
        ("end_gt", ["2027-08-01", "2028-01-31"]),
        ("id", ["2027", "b", "2030A"]),
        ("ordering", ["start", "-end", "id", "-id"]),
    ):
        if rng.random() < 0.15:
            query.add(name, rng.choice(values))
    _page(rng, query)
    return _list_step(session, "GET /api/semesters/", "/api/semesters/", query)


def _list_step(session: Session, endpoint: str, path: str, query: Query) -> Step:
    rng = session.rng
    ours, theirs = query.paths(path)
    slash = rng.random() < 0.06
    if slash:
        ours, theirs = _slashless(ours), _slashless(theirs)
    anonymous = rng.random() < 0.08
    features = tuple(query.features) + ("anonymous",) * anonymous + ("no slash",) * slash
    return Step(
        endpoint, "GET", ours, theirs, anonymous=anonymous, labels=query.labels, features=features
    )


# -- submissions ----------------------------------------------------------------------------------

#: ``extra_params`` values, written as clients write them: the portal converts some, where
#: its ExtraParamsFormatter runs (configuration, instrument config, acquisition, guiding,
#: target), stores the rest (and everything at request level and in constraints) as sent, and
#: drops the group's (a request group has no extra_params).  Not "nan" or "inf": the portal
#: converts them to floats PostgreSQL cannot store, and answers 500 (README).
EXTRA_VALUES: tuple[object, ...] = (
    "True",
    "true",
    "TRUE",
    "False",
    "false",
    "0.5",
    "3",
    "3.0",
    "1e3",
    " 7 ",
    "1_000",
    "-0",
    "abc",
    "",
    5.0,
    2.5,
    7,
    True,
    None,
    [1, "2"],
    {"inner": "True"},
)
#: Where a drawn group may get ``extra_params``, and under which keys (none of them the
#: portal's own: ``dither_pattern``, ``script_name``, ``bin_x``... mean something).
EXTRA_KEYS = ("note", "flag", "level", "x_custom")


def text_variant(rng: random.Random, group: JSON) -> tuple[JSON, list[str]]:
    """The group with some values as text (or another type) the portal's fields convert."""
    group = copy.deepcopy(group)
    done: list[str] = []

    def textual(owner: JSON, key: str, feature: str) -> None:
        value = owner.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or rng.random() > 0.4:
            return
        owner[key] = rng.choice([str(value), f"{value}".rstrip("0") or "0"])
        done.append(feature)

    textual(group, "ipp_value", "ipp_value as text")
    for request in group["requests"]:
        if rng.random() < 0.2:
            request["acceptability_threshold"] = rng.choice(["90", "95.5", 80, "100"])
            done.append("acceptability_threshold")
        if rng.random() < 0.15:
            request["configuration_repeats"] = rng.choice(["1", "2", 2.0])
            done.append("configuration_repeats")
        if rng.random() < 0.15:
            request["observation_note"] = rng.choice(["a note", 12, ""])
            done.append("observation_note")
        for window in request.get("windows", []):
            if rng.random() < 0.2 and isinstance(window.get("start"), str):
                window["start"] = window["start"].replace("T", " ").replace("Z", "")
                done.append("window start without T or zone")
        for configuration in request["configurations"]:
            for instrument_config in configuration.get("instrument_configs", []):
                textual(instrument_config, "exposure_time", "exposure_time as text")
                textual(instrument_config, "exposure_count", "exposure_count as text")
            textual(configuration.get("constraints", {}), "max_airmass", "max_airmass as text")
            target = configuration.get("target", {})
            for key in ("ra", "dec", "epochofel", "eccentricity"):
                textual(target, key, "target number as text")
            guiding = configuration.get("guiding_config")
            if isinstance(guiding, dict) and rng.random() < 0.15:
                guiding["optional"] = rng.choice(["True", "false", "yes", 1, "off"])
                done.append("guiding optional as text")
    return group, done


def with_extra_params(rng: random.Random, group: JSON) -> tuple[JSON, list[str]]:
    """The group with ``extra_params`` values of every kind added at some levels."""
    group = copy.deepcopy(group)
    done: list[str] = []

    def add(owner: object, level: str) -> None:
        if not isinstance(owner, dict) or rng.random() > 0.5:
            return
        extra = owner.setdefault("extra_params", {})
        if not isinstance(extra, dict):
            return
        for key in rng.sample(EXTRA_KEYS, rng.randint(1, 3)):
            extra[key] = copy.deepcopy(rng.choice(EXTRA_VALUES))
        done.append(f"extra_params at {level}")

    add(group, "request group")
    for request in group["requests"]:
        add(request, "request")
        for configuration in request["configurations"]:
            add(configuration, "configuration")
            for instrument_config in configuration.get("instrument_configs", []):
                add(instrument_config, "instrument config")
            add(configuration.get("constraints"), "constraints")
            add(configuration.get("target"), "target")
            add(configuration.get("acquisition_config"), "acquisition_config")
            add(configuration.get("guiding_config"), "guiding_config")
    return group, done


#: Ways to break a valid group: each the portal refuses at a known place.
FAULTS: dict[str, Callable[[JSON], None]] = {
    "no name": lambda g: g.pop("name"),
    "unknown operator": lambda g: g.update(operator="ONEOF"),
    "no requests": lambda g: g.update(requests=[]),
    "unknown filter": lambda g: g["requests"][0]["configurations"][0]["instrument_configs"][
        0
    ].update(optical_elements={"filter": "zz-not-a-filter"}),
    "window ended": lambda g: g["requests"][0].update(
        windows=[{"start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"}]
    ),
    "negative exposure": lambda g: g["requests"][0]["configurations"][0]["instrument_configs"][
        0
    ].update(exposure_time=-1),
}


def submission_step(session: Session, pool: list[JSON]) -> Step:
    rng = session.rng
    group = copy.deepcopy(rng.choice(pool))
    group["proposal"] = rng.choice(PROPOSALS)
    if rng.random() < 0.3:
        group["name"] = rng.choice(["Transit b", "transit A", "ZETA", "alpha 2", "Éclipse"])
    features = [
        group["operator"],
        *{c["instrument_type"] for r in group["requests"] for c in r["configurations"]},
        *{c["target"]["type"] for r in group["requests"] for c in r["configurations"]},
    ]
    kind = rng.random()
    if kind < 0.25:
        group, done = text_variant(rng, group)
        features += done
    elif kind < 0.45:
        group, done = with_extra_params(rng, group)
        features += done
    elif kind < 0.55:
        fault = rng.choice(sorted(FAULTS))
        FAULTS[fault](group)
        features.append(f"refused: {fault}")
    anonymous = rng.random() < 0.03
    features += ["anonymous"] * anonymous
    path = "/api/requestgroups/"
    return Step(
        "POST /api/requestgroups/",
        "POST",
        path,
        path,
        document=group,
        anonymous=anonymous,
        features=tuple(features),
    )


def valid_pool(groups: list[JSON], catalogue: Catalogue, now: datetime) -> list[JSON]:
    """The drawn groups we accept all through a session's span and not near a visibility edge.

    A verdict that flips within the edge tolerance is the validate oracle's
    business; here it would only make the two stores differ.  fill_window
    requests are left out too: their stored repeat_duration follows visibility
    edges (the validate and expansion oracles compare it).
    """
    kept = []
    for group in groups:
        if any(
            c.get("fill_window") for r in group.get("requests", []) for c in r["configurations"]
        ):
            continue
        answers = [
            validate_answer(group, Settings(catalogue=catalogue, now=moment))
            for moment in (now, now + SESSION_SPAN)
        ]
        if any(answer["errors"] for answer in answers):
            continue
        timings = answers[1]["request_durations"]["requests"]
        if all(t["largest_interval"] - t["duration"] > 3600 for t in timings):
            kept.append(group)
    return kept


# -- running and comparing ------------------------------------------------------------------------


@dataclass
class Tally:
    """Per endpoint: calls, agreements, documented differences, divergences with an example."""

    calls: Counter[str] = field(default_factory=Counter)
    agreed: Counter[str] = field(default_factory=Counter)
    documented: Counter[tuple[str, str]] = field(default_factory=Counter)
    divergences: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: dict[tuple[str, str], str] = field(default_factory=dict)
    features: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    sessions: int = 0
    stopped: int = 0

    def diverge(self, endpoint: str, kind: str, detail: str) -> None:
        self.divergences[(endpoint, kind)] += 1
        self.examples.setdefault((endpoint, kind), detail[:1500])

    def report(self) -> str:
        lines = [
            f"{self.sessions} sessions, {sum(self.calls.values())} calls "
            f"({self.stopped} sessions stopped at a divergence)"
        ]
        for endpoint in sorted(self.calls):
            statuses = ", ".join(
                f"{status}: {count}"
                for (where, status), count in sorted(self.statuses.items())
                if where == endpoint
            )
            lines.append(
                f"{endpoint}: {self.agreed[endpoint]} of {self.calls[endpoint]} equal ({statuses})"
            )
            for (where, kind), count in sorted(self.documented.items()):
                if where == endpoint:
                    lines.append(f"    documented {count:5d}  {kind}")
            for (where, kind), count in sorted(self.divergences.items()):
                if where == endpoint:
                    lines.append(f"    DIFFER     {count:5d}  {kind}")
                    lines.append(f"        e.g. {self.examples[(where, kind)]}")
        return "\n".join(lines)


def run_session(
    portal: Portal,
    catalogue: Catalogue,
    pool: list[JSON],
    seed: int,
    start: datetime,
    steps: int,
    tally: Tally,
) -> None:
    """One session of ``steps`` calls from an empty store, its answers compared and tallied."""
    rng = random.Random(seed)
    ours, theirs = OurSide(catalogue), PortalSide(portal)
    portal_user = portal.begin_session(
        SANDBOX_USERNAME,
        TOKEN,
        PROPOSALS,
        [semester.code for semester in [allocation_semester(start)] if semester],
        sorted(catalogue.schedulable_instrument_types()),
        PORTAL_HOURS,
    )
    from lco_validate.server.sandbox import SANDBOX_USER_ID

    session = Session(rng, (SANDBOX_USER_ID, portal_user))
    tally.sessions += 1
    now = start
    try:
        for index in range(steps):
            now += rng.choice(
                [
                    timedelta(0),
                    timedelta(microseconds=rng.randint(1, 999_999)),
                    timedelta(seconds=rng.randint(1, 30)),
                ]
            )
            ours.now = theirs.now = now
            step = next_step(session, pool, first=index < 2)
            mine = ours.call(step.method, step.ours, step.document, step.anonymous)
            its = theirs.call(step.method, step.theirs, step.document, step.anonymous)
            tally.calls[step.endpoint] += 1
            tally.statuses[(step.endpoint, its.status)] += 1
            tally.features.update(f"{step.endpoint}: {feature}" for feature in step.features)
            in_step = compare_step(step, mine, its, session, now, tally)
            if not in_step:
                tally.stopped += 1  # the stores may differ from here on
                return
    finally:
        portal.end_session()


def next_step(session: Session, pool: list[JSON], *, first: bool) -> Step:
    rng = session.rng
    if first:
        return submission_step(session, pool)
    choice = rng.choices(
        ["submit", "groups", "group", "cancel", "requests", "request", "account"],
        [18, 22, 8, 7, 8, 15, 12],
    )[0]
    if choice == "submit":
        return submission_step(session, pool)
    if choice == "groups":
        return group_list_step(session)
    if choice == "group":
        return detail_step(session, "GET /api/requestgroups/{id}/")
    if choice == "cancel":
        return cancel_step(session)
    if choice == "requests":
        return request_list_step(session)
    if choice == "request":
        endpoint = rng.choice(
            [
                "GET /api/requests/{id}/",
                "GET /api/requests/{id}/observations/",
                "GET /api/requests/{id}/airmass/",
            ]
        )
        return detail_step(session, endpoint)
    return account_step(session)


def compare_step(
    step: Step, mine: Reply, its: Reply, session: Session, now: datetime, tally: Tally
) -> bool:
    """Tallies the comparison of one call's answers; False when the stores may now differ."""
    endpoint = step.endpoint
    detail = f"{step.method} {step.theirs} | portal {_shown(its)} | ours {_shown(mine)}"
    if step.endpoint == "POST /api/requestgroups/" and mine.status == its.status == 201:
        session.ids.pair(mine.body, its.body)
        session.groups.append(
            Submitted(
                mine.body["id"],
                its.body["id"],
                [
                    (a["id"], b["id"])
                    for a, b in zip(mine.body["requests"], its.body["requests"], strict=True)
                ],
                step.document,  # type: ignore[arg-type]
                now,
            )
        )
        session.moments.append(now)
    if endpoint == "POST /api/requestgroups/{id}/cancel/" and mine.status == its.status == 200:
        session.moments.append(now)
    if its.status == 500:
        tally.diverge(endpoint, "the portal fails (500)", detail)
        return endpoint != "POST /api/requestgroups/"
    if mine.status != its.status:
        if (
            endpoint == "GET /api/requestgroups/"
            and _unknown_proposal(step, its)
            and list(its.body) == ["proposal"]  # the proposal was the portal's only refusal
        ):
            tally.documented[(endpoint, "the proposal filter takes any code")] += 1
            return True
        tally.diverge(endpoint, f"status {mine.status} against the portal's {its.status}", detail)
        return endpoint not in ("POST /api/requestgroups/", "POST /api/requestgroups/{id}/cancel/")
    if its.location is not None or mine.location is not None:
        same = _labelled_path(mine.location, step.labels[0]) == _labelled_path(
            its.location, step.labels[1]
        )
        return _same(endpoint, same, "another Location", detail, tally)
    if its.body is None or mine.body is None:
        same = mine.text == its.text and (mine.body is None) == (its.body is None)
        return _same(endpoint, same, "another plain-text answer", detail, tally)
    if its.status == 400:
        return _compare_refusal(step, mine.body, its.body, tally, detail)
    if endpoint == "GET /api/requests/{id}/airmass/" and mine.body != its.body:
        return _compare_airmass(step, session, mine.body, its.body, tally, detail)
    theirs_read = read_back(step, its.body, session.ids, 1)
    mine_read = read_back(step, mine.body, session.ids, 0)
    documented = mask_documented(endpoint, mine_read, theirs_read)
    if _dumps(mine_read) == _dumps(theirs_read):
        if documented:
            tally.documented[(endpoint, documented)] += 1
        else:
            tally.agreed[endpoint] += 1
        return True
    if _same_items_other_text_order(step, mine_read, theirs_read):
        tally.documented[(endpoint, "text sorts in Python's order")] += 1
        return True
    tally.diverge(
        endpoint, "another body", f"{_first_difference(mine_read, theirs_read)} | {detail}"
    )
    return False


def _same(endpoint: str, same: bool, kind: str, detail: str, tally: Tally) -> bool:
    if same:
        tally.agreed[endpoint] += 1
    else:
        tally.diverge(endpoint, kind, detail)
    return True


def _unknown_proposal(step: Step, its: Reply) -> bool:
    return (
        "NO-SUCH-PROPOSAL" in step.theirs and isinstance(its.body, dict) and "proposal" in its.body
    )


def _compare_refusal(step: Step, mine: Any, its: Any, tally: Tally, detail: str) -> bool:
    endpoint = step.endpoint
    if endpoint == "POST /api/requestgroups/":
        missing = places_not_matched(its, mine)
        if missing:
            tally.diverge(endpoint, "a refusal at another place", f"{missing} | {detail}")
        else:
            tally.agreed[endpoint] += 1
        return True
    if isinstance(mine, dict) and isinstance(its, dict) and list(mine) == list(its):
        if "detail" in its and mine != its:
            tally.diverge(endpoint, "another detail", detail)
        elif endpoint == "GET /api/requestgroups/" and _unknown_proposal(step, Reply(400, its)):
            tally.documented[(endpoint, "the proposal filter takes any code")] += 1
        else:
            tally.agreed[endpoint] += 1
        return True
    if (
        _unknown_proposal(step, Reply(400, its))
        and isinstance(mine, dict)
        and list(mine) == [key for key in its if key != "proposal"]
    ):
        tally.documented[(endpoint, "the proposal filter takes any code")] += 1
        return True
    tally.diverge(endpoint, "refused at other places", detail)
    return True


def places_not_matched(portal_errors: object, ours: object) -> list[str]:
    """The portal's places that no error of ours covers (as the group oracle matches them)."""
    our_places = portal_places(ours)
    missing = []
    for pointer, message in portal_places(portal_errors):
        codes = group_message_codes(message) if pointer == "" else set()
        covered = any(matches(pointer, mine) for mine, _ in our_places) or any(
            text[:4] in codes for _, text in our_places
        )
        if not covered:
            missing.append(f"{pointer or '/'}: {message[:160]}")
    return missing


def _compare_airmass(
    step: Step, session: Session, mine: JSON, its: JSON, tally: Tally, detail: str
) -> bool:
    request = _stored_document(step, session)
    if request is None or "airmass_data" not in mine or "airmass_data" not in its:
        tally.diverge(step.endpoint, "another airmass answer", detail)
        return True
    agreement = Agreement(step.endpoint)
    compare_curves(its, mine, agreement, detail[:600], request)
    for kind, count in agreement.divergences.items():
        tally.divergences[(step.endpoint, kind)] += count
        tally.examples.setdefault((step.endpoint, kind), agreement.examples[kind])
    for kind, count in agreement.documented.items():
        tally.documented[(step.endpoint, kind)] += count
    if agreement.agreed:
        tally.agreed[step.endpoint] += 1
    return True


def _stored_document(step: Step, session: Session) -> JSON | None:
    """The request, as submitted, whose airmass ``step`` asks for."""
    for submitted in session.groups:
        for position, (ours, _) in enumerate(submitted.requests):
            if step.ours == f"/api/requests/{ours}/airmass/":
                request: JSON = submitted.document["requests"][position]
                return request
    return None


def read_back(step: Step, body: Any, ids: IdMap, side: int) -> Any:
    """An answer with the portal's ids read as ours (``side`` 1) and its links as path+query."""
    if side == 1:
        if step.endpoint.startswith(("POST /api/requestgroups/", "GET /api/requestgroups/{id}")):
            body = ids.group(body)
        elif step.endpoint == "GET /api/requestgroups/" and isinstance(body, dict):
            body = {**body, "results": [ids.group(g) for g in body.get("results", [])]}
        elif step.endpoint == "GET /api/requests/" and isinstance(body, dict):
            body = {**body, "results": [ids.request(r) for r in body.get("results", [])]}
        elif step.endpoint == "GET /api/requests/{id}/":
            body = ids.request(body)
    if isinstance(body, dict) and "next" in body and "previous" in body:
        labels = step.labels[side]
        body = {
            **body,
            "next": _link(body["next"], labels),
            "previous": _link(body["previous"], labels),
        }
    return body


def _link(url: object, labels: dict[str, str]) -> object:
    """A page link as its path and query, with ids as the labels both sides share."""
    if not isinstance(url, str):
        return url
    parts = urlsplit(url)
    query = [
        (name, _label(f"{name}=", value, labels) if name in ID_PARAMETERS else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return f"{parts.path}?{urlencode(query)}"


def _labelled_path(location: str | None, labels: dict[str, str]) -> str | None:
    """A redirect's target with the ids of its path and query as the shared labels."""
    if location is None:
        return None
    parts = urlsplit(location)
    path = "/".join(labels.get(segment, segment) for segment in parts.path.split("/"))
    return str(_link(f"{path}?{parts.query}", labels))


#: The query parameters that name ids; their labels are keyed ``name=id``.
ID_PARAMETERS = ("id", "request_id", "submitter")


def _label(prefix: str, value: str, labels: dict[str, str]) -> str:
    """``value``'s leading id as its label (looked up as ``prefix`` + id), the rest kept."""
    match = re.fullmatch(r"(\d+)(.*)", value)
    if match and prefix + match.group(1) in labels:
        return labels[prefix + match.group(1)] + match.group(2)
    return value


def mask_documented(endpoint: str, mine: Any, theirs: Any) -> str | None:
    """Replaces, in place, what the README says is invented; names it if anything was."""
    masked = None
    if endpoint in ("GET /api/proposals/", "GET /api/proposals/{id}/"):
        items = (
            [mine, theirs]
            if endpoint.endswith("{id}/")
            else [
                *mine.get("results", []),
                *theirs.get("results", []),
            ]
        )
        for item in items:
            if isinstance(item, dict) and "timeallocation_set" in item:
                item["timeallocation_set"] = _allocation_shape(item["timeallocation_set"])
                masked = "time allocations are invented (compared by their members' names)"
    if endpoint == "GET /api/profile/":
        for body in (mine, theirs):
            if isinstance(body.get("available_instrument_types"), list):
                body["available_instrument_types"] = sorted(body["available_instrument_types"])
            for proposal in body.get("proposals", []):
                if "time_allocations" in proposal:
                    proposal["time_allocations"] = _allocation_shape(proposal["time_allocations"])
                    masked = "time allocations are invented (compared by their members' names)"
    return masked


def _allocation_shape(allocations: object) -> object:
    """Allocations without their invented numbers: members, semester, proposal, types.

    In any order: the portal orders them by semester only, so those of one
    semester come as its database happens to return them.
    """
    if not isinstance(allocations, list):
        return allocations
    shapes = [
        {
            "members": list(item),
            **{
                key: item[key]
                for key in ("semester", "proposal", "instrument_types")
                if key in item
            },
        }
        for item in allocations
        if isinstance(item, dict)
    ]
    return sorted(shapes, key=_dumps)


def _same_items_other_text_order(step: Step, mine: Any, theirs: Any) -> bool:
    """A list ordered by a text field whose items are the same, in another order."""
    query = dict(parse_qsl(urlsplit(step.ours).query))
    terms = {
        term.strip().lstrip("-")
        for name in ("ordering", "order")
        for term in query.get(name, "").split(",")
    }
    if not terms & TEXT_ORDERINGS or not isinstance(mine, dict) or not isinstance(theirs, dict):
        return False
    key = lambda item: _dumps(item)  # noqa: E731
    return {**mine, "results": sorted(mine["results"], key=key)} == {
        **theirs,
        "results": sorted(theirs["results"], key=key),
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _shown(reply: Reply) -> str:
    shown = reply.text if reply.body is None else _dumps(reply.body)
    where = f" -> {reply.location}" if reply.location else ""
    return f"{reply.status}{where} {(shown or '')[:300]}"


def _first_difference(mine: Any, theirs: Any, pointer: str = "") -> str:
    """Where two JSON values first differ, key order included."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        if list(mine) != list(theirs):
            return f"{pointer or '/'}: keys {list(mine)} against the portal's {list(theirs)}"
        for key in mine:
            if _dumps(mine[key]) != _dumps(theirs[key]):
                return _first_difference(mine[key], theirs[key], f"{pointer}/{key}")
    if isinstance(mine, list) and isinstance(theirs, list):
        if len(mine) != len(theirs):
            return f"{pointer or '/'}: {len(mine)} items against the portal's {len(theirs)}"
        for index, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            if _dumps(a) != _dumps(b):
                return _first_difference(a, b, f"{pointer}/{index}")
    return f"{pointer or '/'}: {_dumps(mine)[:200]} against the portal's {_dumps(theirs)[:200]}"


def sessions(count: int, seed: int) -> Iterator[int]:
    """The seeds of ``count`` sessions of a run seeded ``seed``."""
    rng = random.Random(seed)
    for _ in range(count):
        yield rng.randrange(2**32)
