"""How a configuration's modes are judged: one routine for every kind of mode.

Serves R005-R009 (guiding, acquisition, readout, rotator and exposure modes),
which differ only in the kind of mode they pass to ``mode_findings``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..catalogue.cerberus_schemas import PathPart
from ..checking.context import RequestContext
from ..findings import Finding, Severity
from ..model.modes import MODE_KEYS, choose_mode, find_mode, read_mode, schedulable_mode_codes
from ..model.values import as_text, portal_extra_param
from ._configurations import CheckedConfiguration, checked_configurations

JSON = dict[str, Any]

#: Mode groups the portal looks up without checking they exist (a missing one crashes it).
REQUIRED_GROUPS = ("guiding", "acquisition", "readout")
_FIELD_NAMES = {
    "guiding": "guiding_config.mode",
    "acquisition": "acquisition_config.mode",
    "readout": "the instrument config's mode",
    "rotator": "rotator_mode",
    "exposure": "extra_params.exposure_mode",
}


def forces_acquisition_off(configuration: CheckedConfiguration) -> bool:
    """Whether the configuration type sets acquisition OFF whatever was written."""
    offered = configuration.catalogue.configuration_types(configuration.instrument_type)
    properties = offered.get(str(configuration.normalized.get("type", "")), {})
    return bool(properties.get("force_acquisition_off", False))


def mode_owners(
    configuration: CheckedConfiguration, mode_type: str
) -> Iterator[tuple[tuple[PathPart, ...], JSON]]:
    """(path in the configuration, object as written) of each object holding such a mode."""
    if mode_type in ("guiding", "acquisition"):
        key = f"{mode_type}_config"
        owner = configuration.written.get(key)
        if isinstance(owner, dict):
            yield (key,), owner
        return
    for index, instrument_config in enumerate(
        configuration.written.get("instrument_configs") or []
    ):
        if isinstance(instrument_config, dict):
            yield ("instrument_configs", index), instrument_config


def mode_findings(context: RequestContext, mode_type: str, code: str) -> Iterator[Finding]:
    """The findings of the mode rule for ``mode_type`` (shared by R005-R009)."""
    for configuration in checked_configurations(context):
        if mode_type == "acquisition" and forces_acquisition_off(configuration):
            continue
        instrument_type = configuration.instrument_type
        group = context.catalogue.mode_group(instrument_type, mode_type)
        if group is None:
            if mode_type in REQUIRED_GROUPS:
                yield configuration.finding(
                    code,
                    Severity.ERROR,
                    f"the catalogue has no {mode_type} modes for {instrument_type}; the portal "
                    "fails with a server error (HTTP 500) on such a configuration. Use another "
                    "instrument type or a catalogue that defines them",
                    "instrument_type",
                )
            continue
        for location, owner in mode_owners(configuration, mode_type):
            written = as_text(read_mode(owner, mode_type))  # DRF's CharField: 1 is "1"
            if mode_type == "exposure":  # it lives in extra_params, read as the portal reads them
                written = portal_extra_param(written)
            choice = choose_mode(group, written)
            if not choice.problem:
                continue
            yield configuration.finding(
                code,
                Severity.ERROR,
                _message(mode_type, instrument_type, group, choice.code, written),
                *location,
                *MODE_KEYS[mode_type],
            )


def _message(mode_type: str, instrument_type: str, group: JSON, code: str, written: object) -> str:
    choices = ", ".join(schedulable_mode_codes(group)) or "(none)"
    field = _FIELD_NAMES[mode_type]
    if not code:
        return (
            f"{instrument_type} has several {mode_type} modes and no default; set {field} to "
            f"one of: {choices}"
        )
    if not written:
        return (
            f"the default {mode_type} mode {code!r} of {instrument_type} is not a schedulable "
            f"mode in the catalogue; set {field} to one of: {choices}"
        )
    if not isinstance(written, str):
        return (
            f"{field} is {written!r}, not a mode code (the portal fails with a server error on "
            f"it); use one of: {choices}"
        )
    if find_mode(group, code) is not None:
        return (
            f"{mode_type} mode {code!r} of {instrument_type} is not schedulable; use one of: "
            f"{choices}"
        )
    return f"{instrument_type} has no {mode_type} mode {code!r}; use one of: {choices}"
