"""The sandbox: request groups submitted to ``serve``, kept in memory, and what the portal answers.

``Sandbox`` stands in for the portal's database of request groups.  It is given
parsed inputs (the document, the query's values, the ids from the path) and the
validation answer computed elsewhere, and returns ``(HTTP status, JSON body)``
as the portal 4.18.10 answers:

* ``create``: ``POST /api/requestgroups/``.  An invalid group gets 400 with
  the validate answer's ``errors`` as the whole body; a valid one is stored
  with what the portal adds (ids for groups, requests and configurations from
  their own counters, ``state`` PENDING, ``created``/``modified``, the
  submitter, each request's duration from the validate answer) and answered
  201 in the serializer form.
* ``group``, ``request``: ``GET /api/requestgroups/{id}/``, ``/api/requests/{id}/``
  (serializer form); ``request_observations``: ``/api/requests/{id}/observations/``,
  always ``[]`` since nothing is ever scheduled; ``stored_request``: the stored
  request for ``/api/requests/{id}/airmass/``.
* ``cancel``: ``POST /api/requestgroups/{id}/cancel/``.  The group becomes
  CANCELED, its PENDING requests too; the answer shows the group's new state
  but its requests as they were, because the portal reads the group back
  before it updates the requests.
* ``list_groups``, ``list_requests``: the lists, in the ``as_dict`` form, with
  the filters of the portal's filter sets, its two orderings (``order``, a
  filter, wins over ``ordering``) and limit/offset pagination whose
  ``next``/``previous`` URLs are built from the server's own address.

The three shapes differ in which members they show (docs: the portal's
``to_representation`` methods and ``as_dict`` functions): the serializer
form drops ``repeat_duration`` outside REPEAT types, empty ``rois`` and null
target fields; ``as_dict`` drops null constraints and acquisition members and
the request's ``created``.  ``extra_params`` and ``optical_elements`` come
back with their keys in PostgreSQL's ``jsonb`` order (shorter keys first), as
the portal's do.

Users.  The server has one user (``SANDBOX_USERNAME``, id ``SANDBOX_USER_ID``);
every method takes ``user``, the caller's username, or None for a caller
without credentials, who gets the portal's anonymous answers: 403
``Authentication credentials were not provided.`` where it needs a user
(create, cancel), and where it lets anyone read, what a user of no proposal
sees: empty lists and 404 for every id (``listing.anonymous_limit_refusal``
is the portal's check of an anonymous ``limit``/``offset``, made before any
view).

Not reproduced, because they need the portal's proposal database: refusing
an unknown proposal, a non-member or a group beyond its time allocation
(any proposal is accepted, as for validation), and the ipp debit of
``ipp_time_available``.  The ``proposal`` filter accepts any code.  States
change only by cancelling: nothing is scheduled, observed or expired.
Filters and pages are read as ``listing`` describes.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ..catalogue.snapshot import Catalogue, telescope_class
from ..documents.jsondata import json_copy
from ..documents.times import parse_portal_datetime
from ..model.fill_window import filled_request, fills_window
from ..model.normalize import normalized_request
from ..model.values import as_float, as_integer, as_text
from .listing import (
    NOT_AUTHENTICATED,
    NOT_FOUND,
    Answer,
    Item,
    Query,
    QueryForm,
    SortKey,
    contains,
    detail,
    drf_ordering,
    drf_time,
    exact_integer,
    ordered,
    paginated,
)

JSON = dict[str, Any]

SANDBOX_USERNAME = "lco-validate"
SANDBOX_USER_ID = 1

PENDING = "PENDING"
CANCELED = "CANCELED"
STATES = (PENDING, "COMPLETED", "WINDOW_EXPIRED", "FAILURE_LIMIT_REACHED", CANCELED)
OBSERVATION_TYPES = ("NORMAL", "RAPID_RESPONSE", "TIME_CRITICAL", "DIRECT", "REAL_TIME")
OPERATORS = ("SINGLE", "MANY")

GROUPS_PATH = "/api/requestgroups/"
REQUESTS_PATH = "/api/requests/"
GROUP_NOT_FOUND = "No RequestGroup matches the given query."
REQUEST_NOT_FOUND = "No Request matches the given query."


# -- rendering ------------------------------------------------------------------------------------


def jsonb(value: Any) -> Any:
    """``value`` as PostgreSQL's ``jsonb`` gives it back: keys shorter first, then bytewise."""
    if isinstance(value, dict):
        ordered = sorted(value, key=lambda key: (len(key.encode("utf-8", "surrogatepass")), key))
        return {key: jsonb(value[key]) for key in ordered}
    if isinstance(value, list):
        return [jsonb(item) for item in value]
    return value


#: Each target type's fields, in the order the portal's target helpers list them.
SIDEREAL_TARGET_FIELDS = (
    "type",
    "name",
    "ra",
    "dec",
    "proper_motion_ra",
    "proper_motion_dec",
    "parallax",
    "epoch",
    "hour_angle",
)
ORBITAL_TARGET_FIELDS = (
    "type",
    "name",
    "epochofel",
    "orbinc",
    "longascnode",
    "eccentricity",
    "scheme",
)
#: The elements each orbital scheme adds.
SCHEME_FIELDS = {
    "ASA_MAJOR_PLANET": ("longofperih", "meandist", "meanlong", "dailymot"),
    "ASA_MINOR_PLANET": ("argofperih", "meandist", "meananom"),
    "ASA_COMET": ("argofperih", "perihdist", "epochofperih"),
    "JPL_MAJOR_PLANET": ("argofperih", "meandist", "meananom", "dailymot"),
    "JPL_MINOR_PLANET": ("argofperih", "perihdist", "epochofperih"),
    "MPC_MINOR_PLANET": ("argofperih", "meandist", "meananom"),
    "MPC_COMET": ("argofperih", "perihdist", "epochofperih"),
}
SATELLITE_TARGET_FIELDS = (
    "name",
    "type",
    "altitude",
    "azimuth",
    "diff_altitude_rate",
    "diff_azimuth_rate",
    "diff_epoch",
    "diff_altitude_acceleration",
    "diff_azimuth_acceleration",
)
#: Each stored object's fields, in the portal's model order.
CONSTRAINT_NUMBERS = (
    "max_airmass",
    "min_lunar_distance",
    "max_lunar_phase",
    "max_seeing",
    "min_transparency",
)
INSTRUMENT_CONFIG_FIELDS = (
    "optical_elements",
    "mode",
    "exposure_time",
    "exposure_count",
    "rotator_mode",
    "extra_params",
)
ACQUISITION_FIELDS = ("mode", "exposure_time", "extra_params")
GUIDING_FIELDS = ("optional", "mode", "optical_elements", "exposure_time", "extra_params")
ROI_FIELDS = ("x1", "x2", "y1", "y2")
#: The location's members in the serializer's order (the ``as_dict`` form has the model's).
LOCATION_FIELDS = ("site", "enclosure", "telescope", "telescope_class")
LOCATION_MODEL_FIELDS = ("telescope_class", "site", "enclosure", "telescope")


def target_fields(target: JSON) -> tuple[str, ...]:
    """The fields the portal shows of a target: its type's helper fields."""
    kind = str(target.get("type", "")).upper()
    if kind in ("ICRS", "HOUR_ANGLE"):
        return SIDEREAL_TARGET_FIELDS
    if kind == "ORBITAL_ELEMENTS":
        return ORBITAL_TARGET_FIELDS + SCHEME_FIELDS.get(str(target.get("scheme")), ())
    if kind == "SATELLITE":
        return SATELLITE_TARGET_FIELDS
    return ()


@dataclass
class StoredRequest:
    """A request as stored; ``configurations`` hold every stored field (nulls included)."""

    location: JSON
    windows: list[tuple[datetime | None, datetime | None]]
    configurations: list[JSON]
    duration: int
    #: observation_note, optimization_type, suspend_until, acceptability_threshold,
    #: configuration_repeats, extra_params: in the model's order.
    fields: JSON
    created: datetime
    modified: datetime
    state: str = PENDING
    id: int = 0
    group_id: int = 0


@dataclass
class StoredGroup:
    submitter: str
    proposal: str
    name: str
    observation_type: str
    operator: str
    ipp_value: float | None
    created: datetime
    modified: datetime
    requests: list[StoredRequest] = field(default_factory=list)
    state: str = PENDING
    id: int = 0


def _windows(request: StoredRequest) -> list[JSON]:
    return [{"start": drf_time(start), "end": drf_time(end)} for start, end in request.windows]


def configuration_form(configuration: JSON) -> JSON:
    """A stored configuration in the serializer form."""
    constraints = configuration["constraints"]
    target = configuration["target"]
    form: JSON = {
        "id": configuration["id"],
        "constraints": constraints,
        "instrument_configs": [
            {
                **({"rois": instrument_config["rois"]} if instrument_config["rois"] else {}),
                **{key: instrument_config[key] for key in INSTRUMENT_CONFIG_FIELDS},
            }
            for instrument_config in configuration["instrument_configs"]
        ],
        "acquisition_config": {
            key: configuration["acquisition_config"][key] for key in ACQUISITION_FIELDS
        },
        "guiding_config": {key: configuration["guiding_config"][key] for key in GUIDING_FIELDS},
        "target": {
            **{key: target[key] for key in target_fields(target) if target.get(key) is not None},
            "extra_params": target.get("extra_params", {}),
        },
        "instrument_type": configuration["instrument_type"],
        "type": configuration["type"],
    }
    if "REPEAT" in str(configuration["type"]):
        form["repeat_duration"] = configuration["repeat_duration"]
    form["extra_params"] = configuration["extra_params"]
    form["priority"] = configuration["priority"]
    copied: JSON = json_copy(form)  # the store's objects never leave it
    return copied


def configuration_as_dict(configuration: JSON) -> JSON:
    """A stored configuration in the ``as_dict`` form."""
    target = configuration["target"]
    copied: JSON = json_copy(
        {
            **{
                key: configuration[key]
                for key in ("id", "instrument_type", "type", "repeat_duration", "extra_params")
            },
            "priority": configuration["priority"],
            "instrument_configs": [
                {
                    **{key: instrument_config[key] for key in INSTRUMENT_CONFIG_FIELDS},
                    "rois": instrument_config["rois"],
                }
                for instrument_config in configuration["instrument_configs"]
            ],
            "constraints": _present(configuration["constraints"]),
            "acquisition_config": _present(configuration["acquisition_config"]),
            "guiding_config": configuration["guiding_config"],
            "target": {
                **{key: target.get(key) for key in target_fields(target)},
                "extra_params": target.get("extra_params", {}),
            },
        }
    )
    return copied


def _present(members: JSON) -> JSON:
    return {key: value for key, value in members.items() if value is not None}


def request_form(request: StoredRequest) -> JSON:
    """A stored request in the serializer form (group detail, request detail, create, cancel)."""
    fields = request.fields
    return {
        "id": request.id,
        "location": {
            key: request.location[key] for key in LOCATION_FIELDS if request.location.get(key)
        },
        "configurations": [configuration_form(c) for c in request.configurations],
        "windows": _windows(request),
        "duration": request.duration,
        "observation_note": fields["observation_note"],
        "optimization_type": fields["optimization_type"],
        "state": request.state,
        "suspend_until": drf_time(fields["suspend_until"]),
        "modified": drf_time(request.modified),
        "created": drf_time(request.created),
        "acceptability_threshold": fields["acceptability_threshold"],
        "configuration_repeats": fields["configuration_repeats"],
        "extra_params": json_copy(fields["extra_params"]),
    }


def request_as_dict(request: StoredRequest) -> JSON:
    """A stored request in the ``as_dict`` form (lists; the airmass of a stored request)."""
    fields = request.fields
    return {
        "id": request.id,
        "observation_note": fields["observation_note"],
        "optimization_type": fields["optimization_type"],
        "state": request.state,
        "suspend_until": drf_time(fields["suspend_until"]),
        "acceptability_threshold": fields["acceptability_threshold"],
        "configuration_repeats": fields["configuration_repeats"],
        "extra_params": json_copy(fields["extra_params"]),
        "modified": drf_time(request.modified),
        "duration": request.duration,
        "configurations": [configuration_as_dict(c) for c in request.configurations],
        "location": {
            key: request.location[key] for key in LOCATION_MODEL_FIELDS if request.location.get(key)
        },
        "windows": _windows(request),
    }


def group_form(group: StoredGroup) -> JSON:
    """A stored group in the serializer form (create, detail, cancel)."""
    return {
        "id": group.id,
        "requests": [request_form(request) for request in group.requests],
        "submitter": group.submitter,
        "name": group.name,
        "observation_type": group.observation_type,
        "operator": group.operator,
        "ipp_value": group.ipp_value,
        "created": drf_time(group.created),
        "state": group.state,
        "modified": drf_time(group.modified),
        "proposal": group.proposal,
    }


def group_as_dict(group: StoredGroup) -> JSON:
    """A stored group in the ``as_dict`` form (``GET /api/requestgroups/``)."""
    return {
        "id": group.id,
        "submitter": group.submitter,
        "proposal": group.proposal,
        "name": group.name,
        "observation_type": group.observation_type,
        "operator": group.operator,
        "ipp_value": group.ipp_value,
        "state": group.state,
        "created": drf_time(group.created),
        "modified": drf_time(group.modified),
        "requests": [request_as_dict(request) for request in group.requests],
    }


# -- storing what the portal stores ---------------------------------------------------------------


def read_moment(value: object) -> datetime | None:
    """A date-time the portal's DateTimeField accepted, in UTC (naive values are UTC)."""
    if not isinstance(value, str):
        return None
    moment = parse_portal_datetime(value)
    if moment is None:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _dict(value: object) -> JSON:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _number(value: object) -> float | None:
    number = as_float(value)
    return number if isinstance(number, float) else None


def _text(value: object, default: str = "") -> str:
    text = as_text(value)
    return text if isinstance(text, str) else default


def _stored_configuration(configuration: JSON) -> JSON:
    constraints = _dict(configuration.get("constraints"))
    acquisition = _dict(configuration.get("acquisition_config"))
    guiding = _dict(configuration.get("guiding_config"))
    return {
        "id": 0,
        "instrument_type": configuration.get("instrument_type"),
        "type": configuration.get("type"),
        "repeat_duration": _number(configuration.get("repeat_duration")),
        "extra_params": jsonb(configuration.get("extra_params", {})),
        "priority": configuration.get("priority"),
        "instrument_configs": [
            _stored_instrument_config(_dict(instrument_config))
            for instrument_config in _list(configuration.get("instrument_configs"))
        ],
        "constraints": {
            **{key: _number(constraints.get(key)) for key in CONSTRAINT_NUMBERS},
            "extra_params": jsonb(constraints.get("extra_params", {})),
        },
        "acquisition_config": {
            "mode": acquisition.get("mode"),
            "exposure_time": _number(acquisition.get("exposure_time")),
            "extra_params": jsonb(acquisition.get("extra_params", {})),
        },
        "guiding_config": {
            "optional": guiding.get("optional", True),
            "mode": guiding.get("mode"),
            "optical_elements": jsonb(guiding.get("optical_elements", {})),
            "exposure_time": _number(guiding.get("exposure_time")),
            "extra_params": jsonb(guiding.get("extra_params", {})),
        },
        "target": {
            **json_copy(_dict(configuration.get("target"))),
            "extra_params": jsonb(_dict(configuration.get("target")).get("extra_params", {})),
        },
    }


def _stored_instrument_config(instrument_config: JSON) -> JSON:
    return {
        "optical_elements": jsonb(instrument_config.get("optical_elements", {})),
        "mode": instrument_config.get("mode", ""),
        "exposure_time": _number(instrument_config.get("exposure_time")),
        "exposure_count": as_integer(instrument_config.get("exposure_count")),
        "rotator_mode": instrument_config.get("rotator_mode", ""),
        "extra_params": jsonb(instrument_config.get("extra_params", {})),
        "rois": [
            {bound: as_integer(_dict(roi).get(bound)) for bound in ROI_FIELDS}
            for roi in _list(instrument_config.get("rois"))
        ],
    }


def _stored_request(
    request: JSON, catalogue: Catalogue, timing: JSON, now: datetime
) -> StoredRequest:
    normalized = normalized_request(request, catalogue, submission=True)
    # The portal's largest interval is a difference of date-times: whole microseconds.
    largest = round(float(timing.get("largest_interval") or 0), 6)
    if fills_window(normalized) and largest > 0:
        # The portal stores the stretched repeat_duration, not the flag.
        normalized = filled_request(normalized, catalogue, largest)
    location = _dict(normalized.get("location"))
    windows = []
    for window in _list(normalized.get("windows")):
        window = _dict(window)
        start = now if window.get("start") in (None, "") else read_moment(window.get("start"))
        windows.append((start, read_moment(window.get("end"))))
    threshold = normalized.get("acceptability_threshold", 90.0)
    return StoredRequest(
        location={key: _text(location[key]) for key in LOCATION_FIELDS if key in location},
        windows=windows,
        configurations=[
            _stored_configuration(_dict(c)) for c in _list(normalized.get("configurations"))
        ],
        duration=math.ceil(timing.get("duration", 0)),
        fields={
            "observation_note": _text(normalized.get("observation_note")),
            "optimization_type": normalized.get("optimization_type"),
            "suspend_until": read_moment(normalized.get("suspend_until")),
            "acceptability_threshold": threshold,
            "configuration_repeats": normalized.get("configuration_repeats"),
            "extra_params": jsonb(normalized.get("extra_params", {})),
        },
        created=now,
        modified=now,
    )


# -- the store ------------------------------------------------------------------------------------

#: django-filter's ``order`` choices of the group list.
ORDER_CHOICES = tuple(
    term for name in ("name", "modified", "created", "end") for term in (name, f"-{name}")
)
#: Fields DRF's ``ordering`` may name: the serializer's readable ones.
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
REQUEST_ORDERING_FIELDS = ("id", "state")


#: Orderings through a group's requests: ``requests`` (their ids), ``end`` (their windows').
THROUGH_REQUESTS = frozenset({"requests", "end"})


@dataclass(frozen=True)
class Row:
    """A row of the portal's group list: a group, with what an ordering through requests adds.

    The list's query is DISTINCT, and ordering by a request's id or a window's
    end adds that column to it: a group then comes once per distinct value (a
    group with two windows ending at other times is listed twice), while the
    count still counts groups.
    """

    group: StoredGroup
    request_id: int | None = None
    end: datetime | None = None


def group_rows(
    groups: list[StoredGroup], terms: list[str], joined: Callable[[StoredRequest], bool]
) -> list[Row]:
    """The rows of ``groups`` (in id order) for an ordering by ``terms``."""
    names = {term.lstrip("-") for term in terms}
    if not names & THROUGH_REQUESTS:
        return [Row(group) for group in groups]
    rows = []
    for group in groups:
        seen: dict[tuple[int | None, datetime | None], None] = {}
        for request in filter(joined, group.requests):
            ends = [end for _start, end in request.windows] if "end" in names else [None]
            for end in ends or [None]:
                seen[(request.id if "requests" in names else None, end)] = None
        rows += [Row(group, request_id, end) for request_id, end in seen or [(None, None)]]
    return rows


def _nulls_last(value: Any, empty: Any) -> tuple[bool, Any]:
    """PostgreSQL's order for a column with NULLs: last going up, first going down."""
    return (value is None, empty if value is None else value)


def _group_key(read: Callable[[StoredGroup], Any]) -> SortKey[Row]:
    return lambda row, _descending: read(row.group)


GROUP_KEYS: dict[str, SortKey[Row]] = {
    "id": _group_key(lambda group: group.id),
    "requests": lambda row, _: _nulls_last(row.request_id, 0),
    "submitter": _group_key(lambda _group: SANDBOX_USER_ID),
    "name": _group_key(lambda group: group.name),
    "observation_type": _group_key(lambda group: group.observation_type),
    "operator": _group_key(lambda group: group.operator),
    "ipp_value": _group_key(lambda group: _nulls_last(group.ipp_value, 0.0)),
    "created": _group_key(lambda group: group.created),
    "state": _group_key(lambda group: group.state),
    "modified": _group_key(lambda group: group.modified),
    "proposal": _group_key(lambda group: group.proposal),
    "end": lambda row, _: _nulls_last(row.end, datetime.min.replace(tzinfo=UTC)),
}
REQUEST_KEYS: dict[str, SortKey[StoredRequest]] = {
    "id": lambda request, _: request.id,
    "state": lambda request, _: request.state,
}


class Sandbox:
    """The request groups submitted to one server, in memory; safe to share between threads."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.telescope_classes = tuple(
            sorted(
                {
                    telescope_class(telescope)
                    for site in catalogue.sites
                    for enclosure in site.get("enclosure_set", [])
                    for telescope in enclosure.get("telescope_set", [])
                }
            )
        )
        self._lock = threading.Lock()
        self._groups: dict[int, StoredGroup] = {}
        self._requests: dict[int, StoredRequest] = {}
        self._last_ids = {"group": 0, "request": 0, "configuration": 0}

    # -- submitting and cancelling

    def create(
        self,
        document: object,
        validation: tuple[int, JSON],
        *,
        now: datetime,
        submitter: str | None,
    ) -> Answer:
        """``POST /api/requestgroups/``; ``validation``: the validate answer for ``document``."""
        if submitter is None:
            return 403, detail(NOT_AUTHENTICATED)
        status, answer = validation
        if status != 200:
            return status, answer  # the body could not be read: the same answer as validate's
        if answer.get("errors") or not isinstance(document, dict):
            return 400, answer.get("errors") or {}
        timings = _list(_dict(answer.get("request_durations")).get("requests"))
        group = StoredGroup(
            submitter=submitter,
            proposal=_text(document.get("proposal")),
            name=_text(document.get("name")),
            observation_type=_text(document.get("observation_type")),
            operator=_text(document.get("operator")),
            ipp_value=_number(document.get("ipp_value")),
            created=now,
            modified=now,
            requests=[
                _stored_request(_dict(request), self.catalogue, _dict(timing), now)
                for request, timing in zip(_list(document.get("requests")), timings, strict=False)
            ],
        )
        with self._lock:
            group.id = self._next_id("group")
            for request in group.requests:
                request.id = self._next_id("request")
                request.group_id = group.id
                for configuration in request.configurations:
                    configuration["id"] = self._next_id("configuration")
                self._requests[request.id] = request
            self._groups[group.id] = group
            return 201, group_form(group)

    def _next_id(self, kind: str) -> int:
        self._last_ids[kind] += 1
        return self._last_ids[kind]

    def cancel(self, group_id: str | int, *, now: datetime, user: str | None) -> Answer:
        """``POST /api/requestgroups/{id}/cancel/``."""
        if user is None:
            return 403, detail(NOT_AUTHENTICATED)
        with self._lock:
            group, missing = self._find(self._groups, group_id, GROUP_NOT_FOUND)
            if group is None:
                return 404, missing
            # Only PENDING can become CANCELED, and CANCELED again is no change; nothing
            # here reaches the other states, so every cancel succeeds.
            group.state = CANCELED
            group.modified = now
            answer = group_form(group)  # read back before the requests change, as the portal does
            for request in group.requests:
                if request.state == PENDING:
                    request.state = CANCELED
                    request.modified = now
            return 200, answer

    # -- reading one

    @staticmethod
    def _visible(table: Mapping[int, Item], user: str | None) -> Mapping[int, Item]:
        """What ``user`` may read: all of it (one user), or nothing for an anonymous caller.

        The portal shows anonymous callers the groups of public proposals only;
        no proposal here is public.
        """
        return table if user is not None else {}

    @staticmethod
    def _find(table: Mapping[int, Item], key: str | int, message: str) -> tuple[Item | None, JSON]:
        try:
            number = int(key)
        except (TypeError, ValueError):
            return None, detail(NOT_FOUND)
        found = table.get(number)
        return found, ({} if found is not None else detail(message))

    def group(self, group_id: str | int, *, user: str | None) -> Answer:
        """``GET /api/requestgroups/{id}/``."""
        with self._lock:
            group, missing = self._find(
                self._visible(self._groups, user), group_id, GROUP_NOT_FOUND
            )
            return (404, missing) if group is None else (200, group_form(group))

    def request(self, request_id: str | int, *, user: str | None) -> Answer:
        """``GET /api/requests/{id}/``."""
        with self._lock:
            request, missing = self._find(
                self._visible(self._requests, user), request_id, REQUEST_NOT_FOUND
            )
            return (404, missing) if request is None else (200, request_form(request))

    def request_observations(self, request_id: str | int, *, user: str | None) -> Answer:
        """``GET /api/requests/{id}/observations/``: the sandbox schedules nothing."""
        with self._lock:
            request, missing = self._find(
                self._visible(self._requests, user), request_id, REQUEST_NOT_FOUND
            )
            return (404, missing) if request is None else (200, [])

    def stored_request(self, request_id: str | int, *, user: str | None) -> Answer:
        """The stored request (``as_dict`` form), for ``GET /api/requests/{id}/airmass/``.

        Answers 404 as the request detail does; the airmass is computed from the
        200 body's ``windows``, ``location`` and ``configurations``.
        """
        with self._lock:
            request, missing = self._find(
                self._visible(self._requests, user), request_id, REQUEST_NOT_FOUND
            )
            return (404, missing) if request is None else (200, request_as_dict(request))

    # -- lists

    def list_groups(self, query: Query, *, base_url: str, user: str | None) -> Answer:
        """``GET /api/requestgroups/``; ``base_url``: the server's own ``http://host:port``."""
        form = QueryForm(query)
        select = self._group_filters(form)
        if form.errors:
            return 400, form.errors
        terms = drf_ordering(query, GROUP_ORDERING_FIELDS) or ["-id"]
        terms = select.order or terms
        with self._lock:
            groups = [g for _, g in sorted(self._visible(self._groups, user).items())]
            chosen = [group for group in groups if select.admits(group)]
            rows = ordered(group_rows(chosen, terms, select.joined_requests()), terms, GROUP_KEYS)
            url = _url(base_url, GROUPS_PATH)
            return 200, paginated(
                rows, query, url, lambda row: group_as_dict(row.group), count=len(chosen)
            )

    def _group_filters(self, form: QueryForm) -> GroupFilters:
        # In the order of the portal's RequestGroupFilter form: its errors come in that order.
        group_id = form.number("id")
        submitter = form.text("submitter", strip=False)
        if submitter is not None and _int_or_text(submitter) != SANDBOX_USER_ID:
            form.errors["submitter"] = [
                f'S004 "{submitter}" is not the id of a user: the only user here, '
                f"{SANDBOX_USERNAME}, has id {SANDBOX_USER_ID}."
            ]
        return GroupFilters(
            id=group_id,
            proposal=form.text("proposal", strip=False),
            name=form.text("name"),
            observation_type=form.choice("observation_type", OBSERVATION_TYPES),
            operator=form.choice("operator", OPERATORS),
            ipp_value=form.number("ipp_value"),
            exclude_state=form.choices("exclude_state", STATES),
            state=form.choices("state", STATES),
            created_after=form.moment("created_after"),
            created_before=form.moment("created_before"),
            user=form.text("user"),
            modified_after=form.moment("modified_after"),
            modified_before=form.moment("modified_before"),
            request_id=form.number("request_id"),
            telescope_class=form.choices("telescope_class", self.telescope_classes),
            target=form.text("target"),
            order=form.terms("order", ORDER_CHOICES),
        )

    def list_requests(self, query: Query, *, base_url: str, user: str | None) -> Answer:
        """``GET /api/requests/``: filters ``state`` (one) and ``telescope_class``."""
        form = QueryForm(query)
        state = form.choice("state", STATES)
        classes = form.choices("telescope_class", self.telescope_classes)
        if form.errors:
            return 400, form.errors
        terms = drf_ordering(query, REQUEST_ORDERING_FIELDS) or ["-id"]
        with self._lock:
            requests = [r for _, r in sorted(self._visible(self._requests, user).items())]
            chosen = [
                request
                for request in requests
                if (state is None or request.state == state)
                and (classes is None or request.location.get("telescope_class") in classes)
            ]
            chosen = ordered(chosen, terms, REQUEST_KEYS)
            return 200, paginated(chosen, query, _url(base_url, REQUESTS_PATH), request_as_dict)

    # -- for the account endpoints

    def group_count(self, proposal: str) -> int:
        """How many groups were submitted to ``proposal`` (a proposal's ``requestgroup_count``)."""
        with self._lock:
            return sum(1 for group in self._groups.values() if group.proposal == proposal)

    def time_used(self, proposal: str, user: str, since: datetime) -> int:
        """Seconds of the user's PENDING/COMPLETED requests in groups created since ``since``."""
        live = (PENDING, "COMPLETED")
        with self._lock:
            return sum(
                request.duration
                for group in self._groups.values()
                if group.proposal == proposal
                and group.submitter == user
                and group.created >= since
                and group.state in live
                for request in group.requests
                if request.state in live
            )


def _url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def _int_or_text(value: str) -> int | str:
    try:
        return int(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class GroupFilters:
    """The group list's filters, read; None is "not given"."""

    id: Decimal | None
    proposal: str | None
    name: str | None
    observation_type: str | None
    operator: str | None
    ipp_value: Decimal | None
    exclude_state: list[str] | None
    state: list[str] | None
    created_after: datetime | None
    created_before: datetime | None
    user: str | None
    modified_after: datetime | None
    modified_before: datetime | None
    request_id: Decimal | None
    telescope_class: list[str] | None
    target: str | None
    order: list[str] | None

    def admits(self, group: StoredGroup) -> bool:
        return all(check(group) for check in self.checks())

    def checks(self) -> list[Callable[[StoredGroup], bool]]:
        """One test per filter given; a group passes the list when it passes them all."""
        checks: list[Callable[[StoredGroup], bool]] = []
        if self.id is not None:
            group_id = exact_integer(self.id)
            checks.append(lambda group: group.id == group_id)
        if (proposal := self.proposal) is not None:
            checks.append(lambda group: group.proposal == proposal)
        if (name := self.name) is not None:
            checks.append(lambda group: contains(name, group.name))
        if (observation_type := self.observation_type) is not None:
            checks.append(lambda group: group.observation_type == observation_type)
        if (operator := self.operator) is not None:
            checks.append(lambda group: group.operator == operator)
        if self.ipp_value is not None:
            ipp_value = float(self.ipp_value)
            checks.append(lambda group: group.ipp_value == ipp_value)
        if (excluded := self.exclude_state) is not None:
            checks.append(lambda group: group.state not in excluded)
        if (states := self.state) is not None:
            checks.append(lambda group: group.state in states)
        if (after := self.created_after) is not None:
            checks.append(lambda group: group.created >= after)
        if (before := self.created_before) is not None:
            checks.append(lambda group: group.created <= before)
        if (user := self.user) is not None:
            checks.append(lambda group: contains(user, group.submitter))
        # The others look through the requests: a group passes when one of them does.
        checks += [_through_requests(admits) for admits in self.request_checks()]
        return checks

    def request_checks(self) -> list[Callable[[StoredRequest], bool]]:
        """The filters through requests, as tests of one request, in the order they apply."""
        checks: list[Callable[[StoredRequest], bool]] = []
        if (changed_after := self.modified_after) is not None:
            checks.append(lambda request: request.modified >= changed_after)
        if (changed_before := self.modified_before) is not None:
            checks.append(lambda request: request.modified <= changed_before)
        if self.request_id is not None:
            request_id = exact_integer(self.request_id)
            checks.append(lambda request: request.id == request_id)
        if (classes := self.telescope_class) is not None:
            checks.append(lambda request: request.location.get("telescope_class") in classes)
        if (target := self.target) is not None:
            checks.append(
                lambda request: any(
                    contains(target, _dict(c.get("target")).get("name"))
                    for c in request.configurations
                )
            )
        return checks

    def joined_requests(self) -> Callable[[StoredRequest], bool]:
        """Which requests of a group an ordering through requests sees.

        Each filter through requests joins the requests anew; an ordering through
        them (``end``, ``requests``) reuses the last of those joins, so it sees
        only the requests that passed the last such filter (all when none is given).
        """
        checks = self.request_checks()
        return checks[-1] if checks else (lambda _request: True)


def _through_requests(admits: Callable[[StoredRequest], bool]) -> Callable[[StoredGroup], bool]:
    return lambda group: any(map(admits, group.requests))
