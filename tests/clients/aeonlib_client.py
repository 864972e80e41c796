"""AEONlib against ``lco-validate serve``: run with the Python 3.12 of ``oracle/clients/aeonlib``.

Not a test module: ``tests/test_clients.py`` runs it as a subprocess, in the
virtual environment ``bash oracle/clients_setup.sh`` builds, since AEONlib needs
Python 3.12 and the project runs on 3.11.  It builds, with AEONlib's own
models, the request groups that AEONlib's online tests send to a local
observation portal (Sinistro, FLOYDS and MuSCAT through ``LcoFacility``;
TripleSpec and the Goodman blue camera imager through ``SoarFacility``), with
their windows taken from the server's fixed clock instead of the wall clock;
it validates and submits each with the facility's own methods and prints one
JSON document: what each step found, and the payloads and answers, so that the
calling test can compare the durations with ``lco-validate``'s own.

Those windows run 60 days from "now", as AEONlib's tests have them; the portal
refuses a window that spans two semesters, so they pass only from a clock at
least 60 days before its semester ends (AEONlib's tests fail the same way
against a real portal in the last two months of a semester).

    python aeonlib_client.py --lco ROOT --soar ROOT --now ISO [--proposal CODE]
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from _report import Report
from aeonlib.conf import Settings
from aeonlib.models import SiderealTarget, Window
from aeonlib.ocs import Constraints, Location, Request, RequestGroup
from aeonlib.ocs.facility import OCSFacility
from aeonlib.ocs.lco.facility import LcoFacility
from aeonlib.ocs.lco.instruments import (
    Lco1M0ScicamSinistro,
    Lco2M0FloydsScicam,
    Lco2M0ScicamMuscat,
)
from aeonlib.ocs.request_models import SubmittedRequestGroup
from aeonlib.ocs.soar.facility import SoarFacility
from aeonlib.ocs.soar.instruments import SoarGhtsBluecamImager, SoarTriplespec
from erfa import ErfaWarning

# AEONlib's windows become astropy times; ERFA calls every year past its leap-second table
# "dubious", which says nothing about these tests.
warnings.filterwarnings("ignore", category=ErfaWarning)

#: The proposal AEONlib's online tests expect their user to belong to.
DEFAULT_PROPOSAL = "TEST_PROPOSAL"


def one_request_group(
    telescope_class: str, configuration: Any, start: datetime, proposal: str, days: float = 60
) -> RequestGroup:
    """A group of one request, one configuration, one window, as AEONlib's online tests send."""
    return RequestGroup(
        name="test",
        observation_type="NORMAL",
        operator="SINGLE",
        proposal=proposal,
        ipp_value=1.0,
        requests=[
            Request(
                location=Location(telescope_class=telescope_class),
                configurations=[configuration],
                windows=[Window(start=start, end=start + timedelta(days=days))],
            )
        ],
    )


def m10() -> SiderealTarget:
    return SiderealTarget(name="M10", type="ICRS", ra=254.287, dec=-4.72)


def configuration(
    kind: Any,
    configuration_type: str,
    acquisition_mode: str,
    optical_elements: dict[str, str],
    **instrument_config: Any,
) -> Any:
    """One configuration of ``kind`` observing M10, as AEONlib's online tests build each."""
    return kind(
        type=configuration_type,
        target=m10(),
        constraints=Constraints(max_airmass=3.0),
        instrument_configs=[
            kind.config_class(
                exposure_count=1,
                exposure_time=10,
                optical_elements=kind.optical_elements_class(**optical_elements),
                **instrument_config,
            )
        ],
        acquisition_config=kind.acquisition_config_class(mode=acquisition_mode),
        guiding_config=kind.guiding_config_class(mode="ON", optional=True),
    )


def sinistro(start: datetime, proposal: str, *, days: float = 60) -> RequestGroup:
    imaging = configuration(
        Lco1M0ScicamSinistro, "EXPOSE", "OFF", {"filter": "B"}, mode="central_2k_2x2"
    )
    return one_request_group("1m0", imaging, start, proposal, days)


def floyds(start: datetime, proposal: str) -> RequestGroup:
    spectrum = configuration(
        Lco2M0FloydsScicam,
        "SPECTRUM",
        "WCS",
        {"slit": "slit_6.0as"},
        rotator_mode="VFLOAT",
        mode="default",
    )
    return one_request_group("2m0", spectrum, start, proposal)


def muscat(start: datetime, proposal: str) -> RequestGroup:
    positions = {f"narrowband_{band}_position": "out" for band in "griz"}
    positions.update(narrowband_g_position="in", narrowband_i_position="in")
    imaging = configuration(
        Lco2M0ScicamMuscat,
        "EXPOSE",
        "OFF",
        positions,
        mode="MUSCAT_FAST",
        extra_params={f"exposure_time_{band}": 10 for band in "griz"},
    )
    return one_request_group("2m0", imaging, start, proposal)


def triplespec(start: datetime, proposal: str) -> RequestGroup:
    spectrum = configuration(
        SoarTriplespec, "SPECTRUM", "MANUAL", {}, rotator_mode="SKY", mode="fowler1_coadds1"
    )
    return one_request_group("4m0", spectrum, start, proposal)


def bluecam_imager(start: datetime, proposal: str) -> RequestGroup:
    imaging = configuration(
        SoarGhtsBluecamImager,
        "EXPOSE",
        "MANUAL",
        {"filter": "g-SDSS"},
        rotator_mode="SKY",
        mode="GHTS_B_Image_2x2",
    )
    return one_request_group("4m0", imaging, start, proposal)


LCO_GROUPS: dict[str, Callable[[datetime, str], RequestGroup]] = {
    "sinistro": sinistro,
    "floyds": floyds,
    "muscat": muscat,
}
SOAR_GROUPS: dict[str, Callable[[datetime, str], RequestGroup]] = {
    "triplespec": triplespec,
    "bluecam_imager": bluecam_imager,
}


def validated(report: Report, facility: OCSFacility, name: str, group: RequestGroup) -> str:
    valid, errors = facility.validate_request_group(group)
    payload = facility.serialize_request_group(group)
    report.material["payloads"][name] = payload
    report.material["answers"][name] = facility.client.post(
        "/requestgroups/validate/", json=payload
    ).json()
    if not valid:
        raise AssertionError(f"AEONlib found the group invalid: {errors}")
    return "valid"


def submitted(facility: OCSFacility, group: RequestGroup) -> str:
    created = facility.submit_request_group(group)
    if not created.id or created.state != "PENDING" or not created.submitter:
        raise AssertionError(f"unexpected group: {created!r}")
    if created.modified < created.created:
        raise AssertionError(f"modified {created.modified} before created {created.created}")
    if len(created.requests) != len(group.requests):
        raise AssertionError(f"{len(created.requests)} requests came back")
    # What the portal stored reads back, through the same model, as the same group.
    response = facility.client.get(f"/requestgroups/{created.id}/")
    response.raise_for_status()
    stored = SubmittedRequestGroup.model_validate_json(response.content)
    if stored.id != created.id or stored.state != "PENDING":
        raise AssertionError(f"read back: {stored!r}")
    return f"id {created.id}, {created.state}, by {created.submitter}, created {created.created}"


def refused(facility: OCSFacility, now: datetime, proposal: str) -> str:
    """A window over before the server's clock: invalid, and the error at that window."""
    group = sinistro(now - timedelta(days=30), proposal, days=10)
    valid, errors = facility.validate_request_group(group)
    if valid:
        raise AssertionError("a window in the past was accepted")
    window_errors = errors["requests"][0]["windows"]
    return json.dumps(window_errors)


def proposals_listed(facility: OCSFacility, proposal: str) -> str:
    listed = facility.proposals(format="dict")
    codes = [entry["id"] for entry in listed]
    if proposal not in codes:
        raise AssertionError(f"{proposal} not among {codes}")
    return ", ".join(codes)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lco", required=True, help="the LCO API root, ending in /api/")
    parser.add_argument("--soar", required=True, help="the SOAR API root, ending in /api/")
    parser.add_argument("--now", required=True, help="the server's fixed clock (ISO 8601)")
    parser.add_argument("--proposal", default=DEFAULT_PROPOSAL, help="the user's proposal")
    arguments = parser.parse_args(argv)
    # AEONlib's windows are naive datetimes; the portal reads them as UTC.
    now = datetime.fromisoformat(arguments.now).replace(tzinfo=None)
    settings = Settings(
        lco_api_root=arguments.lco,
        lco_token="any-token",
        soar_api_root=arguments.soar,
        soar_token="any-token",
    )
    proposal = arguments.proposal
    lco = LcoFacility(settings)
    soar = SoarFacility(settings)

    report = Report("payloads", "answers")
    for facility, groups in ((lco, LCO_GROUPS), (soar, SOAR_GROUPS)):
        for name, build in groups.items():
            group = build(now, proposal)
            report.step(f"validate {name}", partial(validated, report, facility, name, group))
            report.step(f"submit {name}", partial(submitted, facility, group))
    report.step("refuse a past window", partial(refused, lco, now, proposal))
    report.step("list proposals", partial(proposals_listed, lco, proposal))
    print(report.as_json())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
