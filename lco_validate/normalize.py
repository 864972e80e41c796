"""The portal fills defaults while it validates; durations and rules see the filled-in copy.

``normalized_request`` returns a deep copy of a request with the defaults the
portal would store; the input is never changed.
"""

from __future__ import annotations

import copy
from typing import Any

from .catalogue import Catalogue

JSON = dict[str, Any]

CONSTRAINT_DEFAULTS = {"max_airmass": 1.6, "min_lunar_distance": 30.0, "max_lunar_phase": 1.0}


def default_mode(group: JSON | None) -> str:
    """The mode the portal picks when none is given: the only mode, else the group default."""
    if not group:
        return ""
    modes = group.get("modes", [])
    if len(modes) == 1:
        return str(modes[0]["code"])
    return str(group.get("default") or "")


def as_number(value: object) -> object:
    """A numeric string as the portal's FloatField reads it; anything else unchanged."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def normalized_request(request: JSON, catalogue: Catalogue, *, submission: bool) -> JSON:
    """A copy of ``request`` with the portal's defaults filled in.

    ``submission`` is true for documents about to be submitted: the portal
    then numbers configuration priorities in submitted order, ignoring any
    given.  Archive records keep their stored priorities.
    """
    request = copy.deepcopy(request)
    request.setdefault("configuration_repeats", 1)
    for index, configuration in enumerate(request.get("configurations") or []):
        if not isinstance(configuration, dict):
            continue
        if submission or "priority" not in configuration:
            configuration["priority"] = index + 1
        _normalize_configuration(configuration, catalogue)
    return request


def _normalize_configuration(configuration: JSON, catalogue: Catalogue) -> None:
    instrument_type = str(configuration.get("instrument_type", ""))
    if isinstance(configuration.get("type"), str):
        configuration["type"] = configuration["type"].upper()
    configuration_type = catalogue.configuration_types(instrument_type).get(
        configuration.get("type", ""), {}
    )
    guiding = configuration.setdefault("guiding_config", {})
    if isinstance(guiding, dict):
        if not guiding.get("mode"):
            guiding["mode"] = default_mode(catalogue.mode_group(instrument_type, "guiding"))
        guiding.setdefault("optional", True)
    acquisition = configuration.setdefault("acquisition_config", {})
    if isinstance(acquisition, dict):
        if configuration_type.get("force_acquisition_off"):
            acquisition["mode"] = "OFF"
        elif not acquisition.get("mode"):
            group = catalogue.mode_group(instrument_type, "acquisition")
            acquisition["mode"] = default_mode(group) or "OFF"
    constraints = configuration.setdefault("constraints", {})
    if isinstance(constraints, dict):
        for key, value in CONSTRAINT_DEFAULTS.items():
            constraints.setdefault(key, value)
    readout_group = catalogue.mode_group(instrument_type, "readout")
    for instrument_config in configuration.get("instrument_configs") or []:
        if not isinstance(instrument_config, dict):
            continue
        for key in ("exposure_time", "exposure_count"):
            if key in instrument_config:
                instrument_config[key] = as_number(instrument_config[key])
        if not instrument_config.get("mode"):
            instrument_config["mode"] = default_mode(readout_group)
        instrument_config.setdefault("optical_elements", {})
    if "repeat_duration" in configuration:
        configuration["repeat_duration"] = as_number(configuration["repeat_duration"])
