"""The real LCO Observation Portal, answering validation requests over a pipe.

Runs inside ``oracle/.venv`` (made by ``setup.sh``), never inside lco-validate.
One JSON object a line on standard input::

    {"document": {...request group...}, "now": "2027-03-01T12:00:00Z"}
    {"body": "{... the request group as JSON text ...}", "now": "..."}

(``body`` is posted as it is, for text no JSON encoder writes; ``{"get": PATH}``
asks another endpoint; ``"path": PATH`` beside ``document`` or ``body`` posts to
PATH instead of the validate endpoint) and one a line on standard output::

    {"status": 200, "body": {"request_durations": {...}, "errors": {...}}}
    {"status": 500, "exception": "KeyError: 'guiding'"}

Sessions, for comparing what the portal stores (the sandbox of ``serve``)::

    {"session": {"username": U, "token": KEY, "proposals": [CODE, ...],
                 "semesters": [...], "instrument_types": [...], "hours": {...}}}
    {"call": {"method": "GET", "path": "/api/requestgroups/?state=PENDING",
              "document": {...}, "anonymous": false}, "now": "..."}
    {"end_session": true}

A session opens a database transaction, adds a user ``U`` whose API token is
``KEY``, the proposals (titled with their codes, that user their PI, a time
allocation of ``hours`` per semester given and instrument type) and answers
``{"status": 200, "body": {"user_id": ...}}``; ``end_session`` rolls it all
back, so nothing a session submits outlives it (ids drawn from sequences do
not come back).  A ``call`` is made with that token in an ``Authorization``
header, as a client sends it (without a session: as the fixed user), or with
no credentials at all when ``anonymous``; its answer has ``body`` when it is
JSON, else ``text``, and ``location`` when the portal redirects.  Each order
runs in a savepoint, so one the portal fails leaves the session usable.

``POST /api/requestgroups/validate/`` goes through Django REST framework's
test client as an authenticated, non-staff proposal member, with the portal's
clock set to ``now``.  configdb answers from a ``/sites/`` snapshot file and
downtimedb with no downtimes, both in memory.

``--prepare`` migrates the database and exits.  Every start makes sure the
fixed records exist: the user, the proposal ``ORACLE-PROP`` with that user as
PI, the semesters of ``lco_validate/catalogue/data/semesters.json`` and a generous time
allocation per semester and instrument type of the snapshot.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
import warnings
from datetime import datetime
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "lco_validate" / "catalogue" / "data"
PROPOSAL = "ORACLE-PROP"
USERNAME = "oracle-user"
GENEROUS_HOURS = 1.0e6
VALIDATE = "/api/requestgroups/validate/"


def read_sites(path: Path) -> list[dict]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return document["results"] if isinstance(document, dict) else document


def setup_django() -> None:
    # configdb's schemas carry UI keys (label, show, description) Cerberus warns about.
    warnings.filterwarnings("ignore", module="cerberus")
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal_settings")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def instrument_type_codes(sites: list[dict]) -> set[str]:
    return {
        instrument["instrument_type"]["code"].upper()
        for site in sites
        for enclosure in site.get("enclosure_set", [])
        for telescope in enclosure.get("telescope_set", [])
        for instrument in telescope.get("instrument_set", [])
    }


def ensure_records(sites: list[dict]):
    """The user, proposal, semesters and allocations every request needs; returns the user."""
    from django.contrib.auth.models import User
    from observation_portal.accounts.models import Profile
    from observation_portal.proposals.models import (
        Membership,
        Proposal,
        ScienceCollaborationAllocation,
        Semester,
        TimeAllocation,
    )

    user, _ = User.objects.get_or_create(
        username=USERNAME, defaults={"email": "oracle@example.invalid"}
    )
    Profile.objects.get_or_create(
        user=user, defaults={"institution": "lco-validate", "title": "oracle"}
    )
    collaboration, _ = ScienceCollaborationAllocation.objects.get_or_create(id="ORACLE")
    proposal, _ = Proposal.objects.get_or_create(
        id=PROPOSAL, defaults={"active": True, "title": "oracle", "sca": collaboration}
    )
    Membership.objects.get_or_create(proposal=proposal, user=user, defaults={"role": Membership.PI})

    table = json.loads((DATA / "semesters.json").read_text(encoding="utf-8"))["semesters"]
    semesters = []
    for row in table:
        semester, _ = Semester.objects.update_or_create(
            id=row["code"],
            defaults={"start": parse_time(row["start"]), "end": parse_time(row["end"])},
        )
        semesters.append(semester)
    have = {
        (allocation.semester_id, code)
        for allocation in TimeAllocation.objects.filter(proposal=proposal)
        for code in allocation.instrument_types
    }
    TimeAllocation.objects.bulk_create(
        TimeAllocation(
            proposal=proposal,
            semester=semester,
            instrument_types=[code],
            std_allocation=GENEROUS_HOURS,
            rr_allocation=GENEROUS_HOURS,
            tc_allocation=GENEROUS_HOURS,
            realtime_allocation=GENEROUS_HOURS,
            ipp_limit=GENEROUS_HOURS,
            ipp_time_available=GENEROUS_HOURS,
        )
        for semester in semesters
        for code in sorted(instrument_type_codes(sites))
        if (semester.id, code) not in have
    )
    return user


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def open_session(spec: dict, sites: list[dict]):
    """A transaction holding the session's user, token and proposals: (block, user, token)."""
    from django.contrib.auth.models import User
    from django.db import transaction
    from observation_portal.accounts.models import Profile
    from observation_portal.proposals.models import (
        Membership,
        Proposal,
        ScienceCollaborationAllocation,
        Semester,
        TimeAllocation,
    )
    from rest_framework.authtoken.models import Token

    block = transaction.atomic()
    block.__enter__()
    try:
        user = User.objects.create(username=spec["username"], email="")
        Profile.objects.get_or_create(user=user)
        Token.objects.filter(user=user).delete()  # the portal's signal made one: ours instead
        Token.objects.create(user=user, key=spec["token"])
        collaboration, _ = ScienceCollaborationAllocation.objects.get_or_create(id="")
        hours = spec.get("hours") or {}
        types = spec.get("instrument_types") or sorted(instrument_type_codes(sites))
        for code in spec["proposals"]:
            proposal = Proposal.objects.create(id=code, title=code, active=True, sca=collaboration)
            Membership.objects.create(proposal=proposal, user=user, role=Membership.PI)
            TimeAllocation.objects.bulk_create(
                TimeAllocation(
                    proposal=proposal, semester=semester, instrument_types=[kind], **hours
                )
                for semester in Semester.objects.filter(id__in=spec["semesters"])
                for kind in types
            )
    except BaseException:
        close_session(block)
        raise
    return block, user, spec["token"]


def close_session(block) -> None:
    from django.db import transaction

    transaction.set_rollback(True)
    block.__exit__(None, None, None)


def call_endpoint(client, call: dict):
    """``call``'s method on its path, as ``client``; with a document, as a JSON body."""
    method = getattr(client, call.get("method", "GET").lower())
    if "document" in call:
        return method(call["path"], call["document"], format="json")
    return method(call["path"])


def answer_of(response) -> dict:
    answer: dict = {"status": response.status_code}
    if response.get("Content-Type", "").startswith("application/json"):
        answer["body"] = response.json()
    else:
        answer["text"] = response.content.decode("utf-8", "replace")
    if response.has_header("Location"):
        answer["location"] = response["Location"]
    return answer


def serve(sites: list[dict], lines, out) -> None:
    from django.db import transaction
    from django.utils import timezone
    from observation_portal.common.configdb import ConfigDB
    from observation_portal.common.downtimedb import DowntimeDB
    from rest_framework.test import APIClient

    user = ensure_records(sites)
    client = APIClient()
    client.force_authenticate(user=user)
    session = None

    def caller(call: dict):
        """The client of a ``call``: anonymous, the session's token, or the fixed user."""
        if call.get("anonymous"):
            return APIClient()
        if session is None:
            return client
        with_token = APIClient()
        with_token.credentials(HTTP_AUTHORIZATION=f"Token {session[2]}")
        return with_token

    def answer(order: dict, now: datetime) -> dict:
        nonlocal session
        if "session" in order:
            if session is not None:
                close_session(session[0])
            session = open_session(order["session"], sites)
            return {"status": 200, "body": {"user_id": session[1].id}}
        if "end_session" in order:
            if session is not None:
                close_session(session[0])
                session = None
            return {"status": 200, "body": {}}
        with mock.patch("django.utils.timezone.now", return_value=now), transaction.atomic():
            if "call" in order:
                return answer_of(call_endpoint(caller(order["call"]), order["call"]))
            if "get" in order:  # another endpoint, e.g. /api/instruments/
                return answer_of(client.get(order["get"]))
            if "body" in order:  # raw JSON text, as a client would send it
                response = client.post(
                    order.get("path", VALIDATE), order["body"], content_type="application/json"
                )
            else:
                response = client.post(
                    order.get("path", VALIDATE), order["document"], format="json"
                )
            return {"status": response.status_code, "body": response.json()}

    with (
        mock.patch.object(ConfigDB, "_get_configdb_data", staticmethod(lambda resource: sites)),
        mock.patch.object(DowntimeDB, "_get_downtime_data", staticmethod(list)),
    ):
        for line in lines:
            if not line.strip():
                continue
            order = json.loads(line)
            now = parse_time(order["now"]) if order.get("now") else timezone.now()
            try:
                answered = answer(order, now)
            except Exception as error:  # the portal's HTTP 500
                answered = {
                    "status": 500,
                    "exception": f"{type(error).__name__}: {error}",
                    "where": traceback.format_exc(limit=-3),
                }
            out.write(json.dumps(answered) + "\n")
            out.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true", help="migrate the database and exit")
    parser.add_argument(
        "--configdb", type=Path, default=DATA / "lco-sites.json", help="a /sites/ snapshot"
    )
    options = parser.parse_args()
    setup_django()
    sites = read_sites(options.configdb)
    if options.prepare:
        migrate()
        ensure_records(sites)
        return
    out = sys.stdout
    sys.stdout = sys.stderr  # anything the portal prints must not mix with the answers
    serve(sites, sys.stdin, out)


if __name__ == "__main__":
    main()
