"""ocs-rise-set as the portal calls it, answering one visibility question a line.

Runs inside ``oracle/.venv`` (made by ``setup.sh``), never inside lco-validate.
One JSON object a line on standard input::

    {"site": {"latitude": -30.17, "longitude": -70.80, "horizon": 15.0,
              "ha_limit_neg": -4.6, "ha_limit_pos": 4.6, "zenith_blind_spot": 0.0},
     "windows": [["2025-01-29T03:25:30Z", "2025-01-30T03:25:30Z"]],
     "pairs": [[{"type": "ICRS", "ra": 58.2, "dec": -0.01, ...},
                {"max_airmass": 3.0, "min_lunar_distance": 20, "max_lunar_phase": 1.0}]]}

and one a line on standard output::

    {"intervals": [["2025-01-29T18:39:42.912000Z", "2025-01-29T22:19:54.276000Z"]],
     "largest": 13211.36}
    {"exception": "ValueError: ..."}

The answer goes through the portal's own ``get_rise_set_intervals_by_site``
(windows concatenated, distinct (target, constraints) pairs intersected, each
pair's ``Visibility.get_observable_intervals``) with configdb answering the
one site given, then through its per-telescope union and
``get_largest_interval`` (past intervals counted whole), so what comes back is
what the portal's validation compares with the request's duration.  Targets
must carry every field the portal's serializer would have defaulted.
"""

from __future__ import annotations

import json
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
SITE_CODE = "xyz"
TELESCOPE = f"1m0a.doma.{SITE_CODE}"
INSTRUMENT_TYPE = "ORACLE-INSTRUMENT"


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def answer(order: dict) -> dict:
    from observation_portal.common import rise_set_utils as portal

    site = dict(order["site"])
    request = {
        "configurations": [
            {"instrument_type": INSTRUMENT_TYPE, "target": target, "constraints": constraints}
            for target, constraints in order["pairs"]
        ],
        "windows": [
            {"start": parse_time(start), "end": parse_time(end)} for start, end in order["windows"]
        ],
        "location": {"site": SITE_CODE},
    }
    with mock.patch.object(
        portal.configdb,
        "get_sites_with_instrument_type_and_location",
        lambda *args, **kwargs: {SITE_CODE: site},
    ):
        by_site = portal.get_rise_set_intervals_by_site(request)
    by_telescope = portal.intervals_by_site_to_intervalsets_by_telescope(by_site, [TELESCOPE])
    merged = portal.intervalsets_by_telescope_to_intervals_by_site(by_telescope)
    largest = portal.get_largest_interval(merged, exclude_past=False)
    return {
        "intervals": [[stamp(start), stamp(end)] for start, end in merged.get(SITE_CODE, [])],
        "largest": largest.total_seconds(),
    }


def serve(lines, out) -> None:
    for line in lines:
        if not line.strip():
            continue
        try:
            reply = answer(json.loads(line))
        except Exception as error:
            reply = {
                "exception": f"{type(error).__name__}: {error}",
                "where": traceback.format_exc(limit=-3),
            }
        out.write(json.dumps(reply) + "\n")
        out.flush()


def main() -> None:
    sys.path.insert(0, str(HERE))
    from portal_worker import setup_django

    setup_django()
    out = sys.stdout
    sys.stdout = sys.stderr  # rise_set logs and prints; only answers go to the pipe
    serve(sys.stdin, out)


if __name__ == "__main__":
    main()
