"""Shared test material: a small hand-made configdb snapshot whose every overhead is non-zero.

The real LCO network has zero slew, instrument-change and most change
overheads, which would let a wrong duration term pass unnoticed; this snapshot
gives each term its own distinct value so that hand-worked numbers pin them.
"""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from lco_validate.catalogue.snapshot import Catalogue

REPO = Path(__file__).resolve().parents[1]
SEED_PAGE = REPO / "fixtures" / "requests-api-page.txt"


def seed_page() -> dict[str, Any]:
    text = SEED_PAGE.read_text()
    return json.loads(text[text.index("{") :])  # type: ignore[no-any-return]


def _mode(code: str, overhead: float, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": code,
        "code": code,
        "overhead": overhead,
        "schedulable": True,
        "validation_schema": schema or {},
    }


def _configuration_type(code: str, change: float = 0.0, **flags: Any) -> dict[str, Any]:
    return {
        "name": code,
        "code": code,
        "config_change_overhead": change,
        "schedulable": True,
        "force_acquisition_off": flags.get("force_acquisition_off", False),
        "requires_optical_elements": flags.get("requires_optical_elements", True),
        "validation_schema": {},
    }


def _group(kind: str, change: float, codes: list[str]) -> dict[str, Any]:
    return {
        "name": kind,
        "type": kind,
        "element_change_overhead": change,
        "default": codes[0],
        "optical_elements": [{"name": c, "code": c, "schedulable": True} for c in codes],
    }


def _camera(code: str, groups: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "code": code,
        "orientation": 0.0,
        "camera_type": {
            "code": code.upper(),
            "name": code,
            "size": "10x10",
            "pscale": 0.5,
            "pixels_x": 2000,
            "pixels_y": 1000,
            "max_rois": 1,
        },
        "optical_element_groups": groups,
    }


IMAGER = {
    "name": "Test imager",
    "code": "1M0-TEST-IMAGER",
    "instrument_category": "IMAGE",
    "fixed_overhead_per_exposure": 1.0,
    "observation_front_padding": 90.0,
    "config_front_padding": 16.0,
    "acquire_exposure_time": 10.0,
    "default_configuration_type": "EXPOSE",
    "default_acceptability_threshold": 90.0,
    "allow_self_guiding": True,
    "validation_schema": {},
    "mode_types": [
        {
            "type": "readout",
            "default": "full",
            "modes": [_mode("full", 20.0), _mode("binned", 5.0)],
        },
        {"type": "acquisition", "default": "OFF", "modes": [_mode("OFF", 0.0), _mode("WCS", 60.0)]},
        {"type": "guiding", "default": "ON", "modes": [_mode("OFF", 0.0), _mode("ON", 3.0)]},
    ],
    "configuration_types": [
        _configuration_type("EXPOSE"),
        _configuration_type("REPEAT_EXPOSE"),
        _configuration_type("STANDARD", 12.0),
        _configuration_type("SKY_FLAT", 5.0),
    ],
}

SPECTROGRAPH = {
    "name": "Test spectrograph",
    "code": "1M0-TEST-SPECTRO",
    "instrument_category": "SPECTRA",
    "fixed_overhead_per_exposure": 0.5,
    "observation_front_padding": 180.0,
    "config_front_padding": 10.0,
    "acquire_exposure_time": 30.0,
    "default_configuration_type": "SPECTRUM",
    "default_acceptability_threshold": 100.0,
    "allow_self_guiding": True,
    "validation_schema": {},
    "mode_types": [
        {"type": "readout", "default": "default", "modes": [_mode("default", 40.0)]},
        {
            "type": "acquisition",
            "default": "WCS",
            "modes": [_mode("WCS", 90.0), _mode("BRIGHTEST", 95.0)],
        },
        {"type": "guiding", "default": "ON", "modes": [_mode("ON", 0.0)]},
    ],
    "configuration_types": [
        _configuration_type("SPECTRUM"),
        _configuration_type("REPEAT_SPECTRUM"),
        _configuration_type("ARC", 100.0, force_acquisition_off=True),
        _configuration_type("LAMP_FLAT", 60.0, force_acquisition_off=True),
    ],
}


def mini_sites() -> list[dict[str, Any]]:
    """One site, one 1 m telescope with an imager and a spectrograph."""
    telescope = {
        "code": "1m0a",
        "name": "Test 1 m",
        "active": True,
        "aperture": 1.0,
        "lat": 30.0,
        "long": -100.0,
        "horizon": 15.0,
        "ha_limit_neg": -4.6,
        "ha_limit_pos": 4.6,
        "zenith_blind_spot": 0.0,
        "slew_rate": 0.01,
        "minimum_slew_overhead": 2.0,
        "maximum_slew_overhead": 240.0,
        "instrument_change_overhead": 30.0,
        "instrument_set": [
            {
                "code": "img01",
                "state": "SCHEDULABLE",
                "instrument_type": copy.deepcopy(IMAGER),
                "science_cameras": [_camera("img01", [_group("filters", 2.0, ["V", "B", "rp"])])],
                "autoguider_camera": None,
            },
            {
                "code": "spec01",
                "state": "SCHEDULABLE",
                "instrument_type": copy.deepcopy(SPECTROGRAPH),
                "science_cameras": [
                    _camera(
                        "spec01",
                        [
                            _group("slits", 7.0, ["slit_1.0as", "slit_2.0as"]),
                            _group("filters", 3.0, ["clear", "order"]),
                        ],
                    )
                ],
                "autoguider_camera": None,
            },
        ],
    }
    enclosure = {"code": "doma", "name": "Dome A", "active": True, "telescope_set": [telescope]}
    return [
        {
            "code": "tst",
            "name": "Test",
            "active": True,
            "lat": 30.0,
            "long": -100.0,
            "elevation": 2000,
            "timezone": -6,
            "enclosure_set": [enclosure],
        }
    ]


@pytest.fixture
def mini_catalogue() -> Catalogue:
    return Catalogue(mini_sites(), "test snapshot")


LOOPBACK = ("127.0.0.1", "localhost", "::1")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """The tool never touches the network: any socket use fails the test.

    A test marked ``loopback`` (a client talking to ``lco-validate serve`` on
    this machine) may reach 127.0.0.1, and nothing else.
    """
    loopback = request.node.get_closest_marker("loopback") is not None

    def guarded(original: Any, host_of: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if loopback and host_of(args) in LOOPBACK:
                return original(*args, **kwargs)
            raise RuntimeError("a test tried to open a network connection")

        return call

    def host_in(address: object) -> object:
        return address[0] if isinstance(address, tuple) and address else None

    def address_host(args: tuple[Any, ...]) -> object:  # socket.connect(socket, address)
        return host_in(args[1]) if len(args) > 1 else None

    def first_address_host(args: tuple[Any, ...]) -> object:  # create_connection(address, ...)
        return host_in(args[0]) if args else None

    def name_host(args: tuple[Any, ...]) -> object:  # getaddrinfo(host, port, ...)
        return args[0] if args else None

    # Patch the methods, not the class: ssl subclasses socket.socket at import time.
    monkeypatch.setattr(socket.socket, "connect", guarded(socket.socket.connect, address_host))
    monkeypatch.setattr(
        socket.socket, "connect_ex", guarded(socket.socket.connect_ex, address_host)
    )
    monkeypatch.setattr(
        socket, "create_connection", guarded(socket.create_connection, first_address_host)
    )
    monkeypatch.setattr(socket, "getaddrinfo", guarded(socket.getaddrinfo, name_host))


def cerberus_schema_texts(catalogue: Catalogue) -> list[str]:
    """Every distinct non-empty Cerberus validation_schema of a catalogue, as sorted JSON text."""
    return sorted(
        {
            json.dumps(schema, sort_keys=True)
            for placement in catalogue.placements
            for schema in [
                placement.instrument_type.get("validation_schema") or {},
                *(
                    configuration_type.get("validation_schema") or {}
                    for configuration_type in placement.instrument_type.get(
                        "configuration_types", []
                    )
                ),
                *(
                    mode.get("validation_schema") or {}
                    for group in placement.instrument_type.get("mode_types", [])
                    for mode in group.get("modes", [])
                ),
            ]
            if schema
        }
    )
