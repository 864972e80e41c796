"""Real clients against ``lco-validate serve``: TOM Toolkit's LCO facility and AEONlib.

Each client runs in its own Python 3.12 environment (``bash
oracle/clients_setup.sh`` builds them under ``oracle/clients/``; ``.ci/run``
does so), as a subprocess running a driver script of ``tests/clients/``, and
talks over loopback to a server whose clock is fixed.  A driver prints what each
of its steps found; here each step is one test, and the durations the clients
showed or received are compared with ``lco-validate``'s own.  Without a client's
environment its tests skip with the reason; with ``LCO_REQUIRE_ORACLE`` set (as
in CI) they fail instead.

The server is the session's ``lco_portal`` fixture (``lco_validate.pytest_plugin``),
as a client's own tests would use it; this project's ``pyproject.toml`` fixes its
clock (``lco_portal_now``, 2030-06-01: AEONlib's 60-day windows must fit in one
semester, and 2030A ends on 2030-07-31).  The tests skip, saying why, when a
session unfixes that clock or gives the fixture another catalogue.

AEONlib's SOAR groups use TripleSpec and the Goodman blue camera imager, which
the built-in catalogue keeps MANUAL (no schedulable unit at its latest
evidence), so the portal refuses them to a non-staff user, as
``test_the_built_in_catalogue_refuses_aeonlibs_soar_instruments`` checks.
AEONlib's own online tests assume a portal where its test proposal has time on
every instrument: for them a second server (``serving()``, at the fixture's
clock) runs on a copy of the built-in catalogue with those two instruments
SCHEDULABLE, since one server has one catalogue and the fixture's must stay the
built-in one that the other tests and the refusal above rely on.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lco_validate import request_duration
from lco_validate.catalogue import snapshot
from lco_validate.catalogue.snapshot import Catalogue, load_catalogue
from lco_validate.pytest_plugin import OfflinePortal, serving

from .conftest import REPO

pytest.importorskip("uvicorn", reason="serve needs: pip install 'lco-validate[serve]'")

pytestmark = pytest.mark.loopback

DRIVERS = REPO / "tests" / "clients"
ENVIRONMENTS = REPO / "oracle" / "clients"
TOM_PYTHON = ENVIRONMENTS / "tom" / ".venv" / "bin" / "python"
AEONLIB_PYTHON = ENVIRONMENTS / "aeonlib" / ".venv" / "bin" / "python"
#: A driver's whole run; each takes some seconds.
DRIVER_SECONDS = 300
#: The instrument types AEONlib's SOAR groups use, MANUAL in the built-in catalogue.
SOAR_MANUAL_TYPES = ("SOAR_TRIPLESPEC", "SOAR_GHTS_BLUECAM_IMAGER")

TOM_STEPS = [
    "validate IMAGING",
    "validate MUSCAT_IMAGING",
    "validate SPECTRA",
    "validate PHOTOMETRIC_SEQUENCE",
    "validate SPECTROSCOPIC_SEQUENCE",
    "refuse a bad filter: imaging form",
    "refuse a bad filter: on its field",
    "cadence",
    "dither line",
    "dither grid",
    "dither spiral",
    "mosaic line",
    "mosaic grid",
    "submit_observation",
    "get_observation_status",
    "cancel_observation",
    "get_observation_status after cancel",
]
#: The payloads whose validation showed a duration in TOM's form.
TOM_SHOWN = [
    "IMAGING",
    "MUSCAT_IMAGING",
    "SPECTRA",
    "PHOTOMETRIC_SEQUENCE",
    "SPECTROSCOPIC_SEQUENCE",
    "cadence",
    "dither line",
    "dither grid",
    "dither spiral",
    "mosaic line",
    "mosaic grid",
]
AEONLIB_LCO_GROUPS = ["sinistro", "floyds", "muscat"]
AEONLIB_SOAR_GROUPS = ["triplespec", "bluecam_imager"]
AEONLIB_STEPS = [
    *(f"{verb} {name}" for name in AEONLIB_LCO_GROUPS for verb in ("validate", "submit")),
    *(f"{verb} {name}" for name in AEONLIB_SOAR_GROUPS for verb in ("validate", "submit")),
    "refuse a past window",
    "list proposals",
]


def environment_of(python: Path, client: str) -> Path:
    """The client's interpreter; a skip, or in CI a failure, when it is not built."""
    if python.exists():
        return python
    reason = f"{client}'s Python 3.12 environment is not built (run: bash oracle/clients_setup.sh)"
    if os.environ.get("LCO_REQUIRE_ORACLE"):
        pytest.fail(f"LCO_REQUIRE_ORACLE is set, but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def portal(lco_portal: OfflinePortal, pytestconfig: pytest.Config) -> OfflinePortal:
    """The session's ``lco_portal``, which must have its clock fixed and the built-in catalogue."""
    if not lco_portal.now:
        pytest.skip(
            "the clients need lco_portal's clock fixed (--lco-portal-now or lco_portal_now)"
        )
    if pytestconfig.getoption("lco_portal_configdb") or pytestconfig.getini("lco_portal_configdb"):
        pytest.skip("the clients' durations are checked against the built-in catalogue")
    return lco_portal


@pytest.fixture(scope="module")
def portal_now(portal: OfflinePortal) -> str:
    assert portal.now  # the portal fixture skips otherwise
    return portal.now


@pytest.fixture(scope="module")
def builtin_catalogue() -> Catalogue:
    return load_catalogue()


def soar_schedulable_snapshot(folder: Path) -> Path:
    """The built-in snapshot with AEONlib's SOAR instruments SCHEDULABLE, written in ``folder``."""
    source = Path(snapshot.__file__).parent / "data" / snapshot.DEFAULT_SNAPSHOT
    document = json.loads(source.read_text(encoding="utf-8"))
    changed = 0
    for site in document["results"]:
        for enclosure in site["enclosure_set"]:
            for telescope in enclosure["telescope_set"]:
                for instrument in telescope["instrument_set"]:
                    if instrument["instrument_type"]["code"] in SOAR_MANUAL_TYPES:
                        instrument["state"] = "SCHEDULABLE"
                        changed += 1
    assert changed == len(SOAR_MANUAL_TYPES), "the built-in catalogue's SOAR units changed"
    path = folder / "soar-schedulable.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def soar_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return soar_schedulable_snapshot(tmp_path_factory.mktemp("catalogue"))


@pytest.fixture(scope="module")
def soar_portal(soar_snapshot: Path, portal_now: str) -> Iterator[OfflinePortal]:
    with serving(now=portal_now, configdb=str(soar_snapshot)) as started:
        yield started


def run_driver(python: Path, script: str, arguments: list[str], **environment: str) -> Any:
    """Run a driver with the client's interpreter; its report, or a failure with its output."""
    finished = subprocess.run(
        [str(python), str(DRIVERS / script), *arguments],
        env={**os.environ, "PYTHONPATH": str(DRIVERS), **environment},
        cwd=DRIVERS,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=DRIVER_SECONDS,
        check=False,
    )
    if finished.returncode != 0:
        pytest.fail(f"{script} exited {finished.returncode}:\n{finished.stderr[-4000:]}")
    return json.loads(finished.stdout)


@pytest.fixture(scope="module")
def tom_report(portal: OfflinePortal, portal_now: str) -> Any:
    python = environment_of(TOM_PYTHON, "TOM Toolkit")
    return run_driver(
        python,
        "tom_client.py",
        ["--now", portal_now, "--proposal", portal.proposals[0]],
        DJANGO_SETTINGS_MODULE="tom_settings",
        LCO_PORTAL_URL=portal.portal_url,
    )


@pytest.fixture(scope="module")
def aeonlib_report(portal: OfflinePortal, soar_portal: OfflinePortal, portal_now: str) -> Any:
    python = environment_of(AEONLIB_PYTHON, "AEONlib")
    arguments = ["--lco", portal.url, "--soar", soar_portal.url, "--now", portal_now]
    arguments += ["--proposal", portal.proposals[0]]
    return run_driver(python, "aeonlib_client.py", arguments)


def assert_step(report: Any, step: str) -> None:
    outcome = report["steps"].get(step)
    assert outcome is not None, f"the driver did not run {step!r}"
    assert outcome["ok"], f"{outcome['detail']}\n{outcome.get('trace', '')}"


def offline_durations(payload: dict[str, Any], catalogue: Catalogue) -> list[int]:
    return [request_duration(request, catalogue).duration for request in payload["requests"]]


# ---------------------------------------------------------------- TOM Toolkit


@pytest.mark.parametrize("step", TOM_STEPS)
def test_tom_toolkit(tom_report: Any, step: str) -> None:
    assert_step(tom_report, step)


def test_tom_toolkit_ran_exactly_the_steps_listed_here(tom_report: Any) -> None:
    assert list(tom_report["steps"]) == TOM_STEPS


@pytest.mark.parametrize("name", TOM_SHOWN)
def test_the_duration_tom_shows_is_ours(
    tom_report: Any, builtin_catalogue: Catalogue, name: str
) -> None:
    assert name in tom_report["shown_durations"], f"no duration shown for {name}"
    expected = sum(offline_durations(tom_report["payloads"][name], builtin_catalogue))
    assert tom_report["shown_durations"][name] == expected


# ---------------------------------------------------------------- AEONlib


@pytest.mark.parametrize("step", AEONLIB_STEPS)
def test_aeonlib(aeonlib_report: Any, step: str) -> None:
    assert_step(aeonlib_report, step)


def test_aeonlib_ran_exactly_the_steps_listed_here(aeonlib_report: Any) -> None:
    assert list(aeonlib_report["steps"]) == AEONLIB_STEPS


@pytest.mark.parametrize("name", AEONLIB_LCO_GROUPS + AEONLIB_SOAR_GROUPS)
def test_aeonlib_receives_our_durations(
    aeonlib_report: Any, builtin_catalogue: Catalogue, soar_snapshot: Path, name: str
) -> None:
    catalogue = builtin_catalogue if name in AEONLIB_LCO_GROUPS else load_catalogue(soar_snapshot)
    answer = aeonlib_report["answers"][name]
    assert answer.get("request_durations"), f"no durations: {answer}"
    received = [request["duration"] for request in answer["request_durations"]["requests"]]
    assert received == offline_durations(aeonlib_report["payloads"][name], catalogue)


def test_the_built_in_catalogue_refuses_aeonlibs_soar_instruments(
    aeonlib_report: Any, portal: OfflinePortal
) -> None:
    for name in AEONLIB_SOAR_GROUPS:
        payload = json.dumps(aeonlib_report["payloads"][name]).encode()
        posted = urllib.request.Request(
            f"{portal.url}requestgroups/validate/",
            data=payload,
            headers={"Content-Type": "application/json", **portal.headers},
        )
        with urllib.request.urlopen(posted, timeout=30) as response:
            errors = json.load(response)["errors"]
        [configuration] = errors["requests"][0]["configurations"]
        [message] = configuration["instrument_type"]
        assert message.startswith("R002 ") and "MANUAL" in message
