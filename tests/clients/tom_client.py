"""TOM Toolkit's LCO facility against ``lco-validate serve``, in its own Python 3.12.

Not a test module: ``tests/test_clients.py`` runs it as a subprocess, in the
Python 3.12 virtual environment ``bash oracle/clients_setup.sh`` builds, with
``DJANGO_SETTINGS_MODULE=tom_settings`` and ``LCO_PORTAL_URL`` set to the
server's root.  It fills TOM's own observation forms as a user of the target
page would, lets them validate at the facility (TOM then asks the portal for
instruments, the user's proposals, and the cadence, dither and mosaic
expansions), submits, follows and cancels through ``LCOFacility``, and prints
one JSON document: each step's outcome, the payloads the forms built and the
durations they showed, for the calling test to compare with ``lco-validate``'s.

The sequence forms take their window start from the wall clock; the client's
clock is fixed to the server's (``--now``) so that both agree on "now".

    python tom_client.py --now ISO --proposal CODE
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import django
from _report import Report

django.setup()

from django.core.management import call_command  # noqa: E402
from tom_observations.facilities import lco  # noqa: E402
from tom_observations.facilities.lco import LCOFacility  # noqa: E402
from tom_targets.models import Target  # noqa: E402

SHOWN_DURATION = re.compile(r"valid with a duration of ([0-9.]+) seconds")


class Session:
    """A TOM user with one target, M10, filling the LCO forms at a fixed time."""

    def __init__(self, now: datetime, proposal: str) -> None:
        self.now = now
        self.proposal = proposal
        self.facility = LCOFacility()
        self.target = Target.objects.create(
            name="M10", type=Target.SIDEREAL, ra=254.287, dec=-4.72, epoch=2000
        )

    def heading(self, observation_type: str) -> dict[str, Any]:
        """The fields every LCO form of TOM's begins with."""
        return {
            "facility": "LCO",
            "target_id": self.target.pk,
            "observation_type": observation_type,
            "name": f"lco-validate {observation_type.lower()}",
            "proposal": self.proposal,
            "ipp_value": 1.05,
            "observation_mode": "NORMAL",
        }

    def common(self, observation_type: str, *, days: float = 7) -> dict[str, Any]:
        end = self.now + timedelta(days=days)
        return self.heading(observation_type) | {
            "optimization_type": "TIME",
            "configuration_repeats": 1,
            "start_0": self.now.date().isoformat(),
            "start_1": self.now.time().isoformat(),
            "end_0": end.date().isoformat(),
            "end_1": end.time().isoformat(),
            "c_1_max_airmass": 2.0,
            "c_1_ic_1_exposure_count": 2,
        }

    def imaging(self, **changes: Any) -> dict[str, Any]:
        return (
            self.common("IMAGING")
            | {
                "c_1_instrument_type": "1M0-SCICAM-SINISTRO",
                "c_1_configuration_type": "EXPOSE",
                "c_1_guide_mode": "ON",
                "c_1_ic_1_exposure_time": 30,
                "c_1_ic_1_readout_mode": "full_frame",
                "c_1_ic_1_filter": "rp",
            }
            | changes
        )

    def muscat(self) -> dict[str, Any]:
        data = self.common("MUSCAT_IMAGING") | {
            "c_1_instrument_type": "2M0-SCICAM-MUSCAT",
            "c_1_configuration_type": "EXPOSE",
            "c_1_guide_mode": "ON",
            "c_1_ic_1_readout_mode": "MUSCAT_FAST",
            "c_1_ic_1_exposure_mode": "SYNCHRONOUS",
        }
        for band, seconds in zip("griz", (30, 40, 50, 60), strict=True):
            data[f"c_1_ic_1_exposure_time_{band}"] = seconds
            data[f"c_1_ic_1_narrowband_{band}_position"] = "out"
        return data

    def spectroscopy(self) -> dict[str, Any]:
        return self.common("SPECTRA") | {
            "c_1_instrument_type": "2M0-FLOYDS-SCICAM",
            "c_1_configuration_type": "SPECTRUM",
            "c_1_acquisition_mode": "WCS",
            "c_1_ic_1_exposure_time": 600,
            "c_1_ic_1_readout_mode": "default",
            "c_1_ic_1_rotator_mode": "VFLOAT",
            "c_1_ic_1_slit": "slit_1.6as",
        }

    def sequence(self, observation_type: str) -> dict[str, Any]:
        return self.heading(observation_type) | {
            "max_airmass": 2.0,
            "cadence_strategy": "",
            "cadence_frequency": 24,
        }

    def photometric_sequence(self) -> dict[str, Any]:
        data = self.sequence("PHOTOMETRIC_SEQUENCE") | {"instrument_type": "1M0-SCICAM-SINISTRO"}
        for code, seconds in (("B", 120), ("V", 60), ("ip", 45)):
            data.update({f"{code}_0": seconds, f"{code}_1": 2, f"{code}_2": 1})
        return data

    def spectroscopic_sequence(self) -> dict[str, Any]:
        return self.sequence("SPECTROSCOPIC_SEQUENCE") | {
            "exposure_count": 1,
            "exposure_time": 900,
            "site": "any",
            "filter": "slit_2.0as",
            "acquisition_radius": "",
            "guider_mode": "optional",  # sent as the string "true", as TOM does
            "guider_exposure_time": 10,
        }

    def form(self, observation_type: str, data: dict[str, Any]) -> Any:
        form_class = self.facility.get_form(observation_type)
        return form_class(data=dict(data), initial={})

    def validate(
        self, report: Report, name: str, observation_type: str, data: dict[str, Any]
    ) -> Any:
        """The form as the Validate button runs it; the payload and the duration it showed."""
        form = self.form(observation_type, data)
        if not form.is_valid():
            raise AssertionError(f"the form is invalid: {form.errors.get_json_data()}")
        payload = form.observation_payload()
        report.material["payloads"][name] = payload
        shown = SHOWN_DURATION.search(form.get_validation_message())
        if shown is None:
            raise AssertionError(f"no duration shown: {form.get_validation_message()!r}")
        report.material["shown_durations"][name] = float(shown.group(1))
        return payload

    def validated(
        self, report: Report, name: str, observation_type: str, data: dict[str, Any]
    ) -> str:
        payload = self.validate(report, name, observation_type, data)
        requests = payload["requests"]
        shown = report.material["shown_durations"][name]
        return f"valid, {len(requests)} request(s), shown {shown:g} s"

    def refused_filter(self, observation_type: str, data: dict[str, Any], field: str) -> str:
        """A filter TOM offers but the instrument has not: refused, and where TOM put it."""
        form = self.form(observation_type, data)
        if form.is_valid():
            raise AssertionError("a filter the instrument lacks was accepted")
        errors = form.errors.get_json_data()
        messages = [entry["message"] for entry in errors.get(field, [])]
        if field == "__all__":  # TOM flattens nested errors into "<key>: <message>" lines
            messages = [m for m in messages if m.startswith("filter: ")]
        if not messages:
            raise AssertionError(f"no error on {field!r}: {errors}")
        return " | ".join(messages)

    def cadence(self, report: Report) -> str:
        data = self.imaging(period=24, jitter=12)
        data.update(end_0=(self.now + timedelta(days=3)).date().isoformat())
        payload = self.validate(report, "cadence", "IMAGING", data)
        requests = payload["requests"]
        if len(requests) < 2:
            raise AssertionError(f"not expanded: {len(requests)} request(s)")
        for request in requests:
            if "cadence" in request or len(request["windows"]) != 1:
                raise AssertionError(f"not a cadence request: {request}")
        starts = [request["windows"][0]["start"] for request in requests]
        return f"{len(requests)} requests, windows from {starts[0]} to {starts[-1]}"

    def dither(self, report: Report, pattern: str, fields: dict[str, Any], points: int) -> str:
        data = self.imaging(
            dither_pattern=pattern, dither_point_spacing=10, dither_center="True", **fields
        )
        payload = self.validate(report, f"dither {pattern}", "IMAGING", data)
        [configuration] = payload["requests"][0]["configurations"]
        offsets = configuration["instrument_configs"]
        if len(offsets) != points:
            raise AssertionError(f"{len(offsets)} instrument configs, not {points}: not expanded")
        if configuration.get("extra_params", {}).get("dither_pattern") != pattern:
            raise AssertionError(f"no dither_pattern record: {configuration.get('extra_params')}")
        if not all("offset_ra" in ic.get("extra_params", {}) for ic in offsets):
            raise AssertionError("an instrument config has no offset")
        return f"{len(offsets)} offsets"

    def mosaic(self, report: Report, pattern: str, fields: dict[str, Any], points: int) -> str:
        data = self.imaging(
            mosaic_pattern=pattern, mosaic_point_overlap=10, mosaic_center="False", **fields
        )
        payload = self.validate(report, f"mosaic {pattern}", "IMAGING", data)
        configurations = payload["requests"][0]["configurations"]
        if len(configurations) != points:
            raise AssertionError(
                f"{len(configurations)} configurations, not {points}: not expanded"
            )
        if payload["requests"][0].get("extra_params", {}).get("mosaic_pattern") != pattern:
            raise AssertionError("no mosaic_pattern record in the request's extra_params")
        positions = {(c["target"]["ra"], c["target"]["dec"]) for c in configurations}
        if len(positions) != points:
            raise AssertionError(f"{len(positions)} distinct pointings")
        return f"{len(configurations)} pointings"

    def submit_follow_cancel(self, report: Report) -> None:
        state: dict[str, Any] = {}

        def submit() -> str:
            payload = self.validate(report, "submitted", "IMAGING", self.imaging())
            ids = self.facility.submit_observation(payload)
            if len(ids) != 1 or not ids[0]:
                raise AssertionError(f"submit_observation returned {ids}")
            state["id"] = ids[0]
            return f"request id {ids[0]}"

        def status(expected: str) -> str:
            found = self.facility.get_observation_status(state["id"])
            if found["state"] != expected:
                raise AssertionError(f"state {found}, expected {expected}")
            return json.dumps(found)

        def cancel() -> str:
            if self.facility.cancel_observation(state["id"]) is not True:
                raise AssertionError("cancel_observation did not answer CANCELED")
            return "CANCELED"

        report.step("submit_observation", submit)
        if "id" in state:
            report.step("get_observation_status", partial(status, "PENDING"))
            report.step("cancel_observation", cancel)
            report.step("get_observation_status after cancel", partial(status, "CANCELED"))


class FixedClock(datetime):
    """The wall clock of the client, stopped at the server's ``--now``."""

    fixed: datetime

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return cls.fixed if tz is None else cls.fixed.replace(tzinfo=UTC).astimezone(tz)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--now", required=True, help="the server's fixed clock (ISO 8601)")
    parser.add_argument("--proposal", required=True, help="a proposal /api/profile/ lists")
    arguments = parser.parse_args(argv)
    now = datetime.fromisoformat(arguments.now).astimezone(UTC).replace(tzinfo=None)
    FixedClock.fixed = now
    lco.datetime = FixedClock  # type: ignore[misc]  # what the sequence forms call "now"
    call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)

    session = Session(now, arguments.proposal)
    report = Report("payloads", "shown_durations")
    forms = {
        "IMAGING": session.imaging(),
        "MUSCAT_IMAGING": session.muscat(),
        "SPECTRA": session.spectroscopy(),
        "PHOTOMETRIC_SEQUENCE": session.photometric_sequence(),
        "SPECTROSCOPIC_SEQUENCE": session.spectroscopic_sequence(),
    }
    for observation_type, data in forms.items():
        step = partial(session.validated, report, observation_type, observation_type, data)
        report.step(f"validate {observation_type}", step)

    # OIII is a QHY600 filter: TOM's imaging form offers it, a Sinistro has not it.
    bad_imaging = session.imaging(c_1_ic_1_filter="OIII")
    report.step(
        "refuse a bad filter: imaging form",
        partial(session.refused_filter, "IMAGING", bad_imaging, "__all__"),
    )
    # TOM's one-configuration form names its field "filter", as the portal's error does.
    one_field = {
        key: value for key, value in session.common("ONE_FIELD").items() if not key.startswith("c_")
    } | {
        "instrument_type": "1M0-SCICAM-SINISTRO",
        "exposure_count": 1,
        "exposure_time": 30,
        "max_airmass": 2.0,
        "filter": "slit_1.6as",
    }
    report.step(
        "refuse a bad filter: on its field",
        partial(session.refused_filter, "ONE_FIELD", one_field, "filter"),
    )

    report.step("cadence", partial(session.cadence, report))
    report.step("dither line", partial(session.dither, report, "line", {"dither_num_points": 4}, 4))
    report.step(
        "dither grid",
        partial(session.dither, report, "grid", {"dither_num_rows": 2, "dither_num_columns": 3}, 6),
    )
    report.step(
        "dither spiral", partial(session.dither, report, "spiral", {"dither_num_points": 5}, 5)
    )
    report.step("mosaic line", partial(session.mosaic, report, "line", {"mosaic_num_points": 3}, 3))
    report.step(
        "mosaic grid",
        partial(session.mosaic, report, "grid", {"mosaic_num_rows": 2, "mosaic_num_columns": 2}, 4),
    )
    session.submit_follow_cancel(report)
    print(report.as_json())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
