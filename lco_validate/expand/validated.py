"""What the portal's validation leaves of a document, and where its refusals go.

The dither and mosaic endpoints answer with the serializer's *validated
data*, not with a stored request: only the members that were written (and
that the serializer knows: unknown and read-only keys are dropped) or that
validation fills in (constraint and target defaults, modes, readout-schema
``extra_params``, optical element codes respelled, region-of-interest bounds,
priorities, the acceptability threshold, a window's missing start).  The
defaults the portal's *models* add when storing (an empty ``extra_params``,
guiding ``optional``, ``configuration_repeats`` 1...) are not there.
``model.normalize`` computes both kinds; ``validated_configuration`` and
``validated_request`` keep the first.  Refusals are placed by
``reporters.portal_errors.nested_errors``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..documents.times import parse_portal_datetime

JSON = dict[str, Any]

# -- the serializers' fields ----------------------------------------------------------------------

REQUEST_FIELDS = frozenset(
    {
        "location",
        "configurations",
        "windows",
        "observation_note",
        "optimization_type",
        "suspend_until",
        "acceptability_threshold",
        "configuration_repeats",
        "extra_params",
    }
)
CONFIGURATION_FIELDS = frozenset(
    {
        "fill_window",
        "constraints",
        "instrument_configs",
        "acquisition_config",
        "guiding_config",
        "target",
        "instrument_type",
        "type",
        "repeat_duration",
        "extra_params",
    }
)
INSTRUMENT_CONFIG_FIELDS = frozenset(
    {"rois", "optical_elements", "mode", "exposure_time", "exposure_count", "rotator_mode"}
    | {"extra_params"}
)
ACQUISITION_FIELDS = frozenset({"mode", "exposure_time", "extra_params"})
GUIDING_FIELDS = frozenset(
    {"optional", "mode", "optical_elements", "exposure_time", "extra_params"}
)
CONSTRAINTS_FIELDS = frozenset(
    {"max_airmass", "min_lunar_distance", "max_lunar_phase", "max_seeing", "min_transparency"}
    | {"extra_params"}
)
TARGET_FIELDS = frozenset(
    {
        "name",
        "type",
        "hour_angle",
        "ra",
        "dec",
        "altitude",
        "azimuth",
        "proper_motion_ra",
        "proper_motion_dec",
        "epoch",
        "parallax",
        "diff_altitude_rate",
        "diff_azimuth_rate",
        "diff_epoch",
        "diff_altitude_acceleration",
        "diff_azimuth_acceleration",
        "scheme",
        "epochofel",
        "orbinc",
        "longascnode",
        "longofperih",
        "argofperih",
        "meandist",
        "perihdist",
        "eccentricity",
        "meanlong",
        "meananom",
        "dailymot",
        "epochofperih",
        "extra_params",
    }
)
ROI_FIELDS = frozenset({"x1", "x2", "y1", "y2"})
LOCATION_FIELDS = frozenset({"site", "enclosure", "telescope", "telescope_class"})
WINDOW_FIELDS = frozenset({"start", "end"})

#: What the portal's models store for members not given (``model.normalize`` adds them):
#: not part of validated data, unless written.
_STORED_REQUEST = {
    "configuration_repeats": 1,
    "optimization_type": "TIME",
    "observation_note": "",
    "extra_params": {},
}
_STORED_CONFIGURATION: JSON = {"extra_params": {}}
_STORED_INSTRUMENT_CONFIG: JSON = {
    "mode": "",
    "rotator_mode": "",
    "optical_elements": {},
    "extra_params": {},
}
_STORED_GUIDING: JSON = {"optional": True, "optical_elements": {}, "extra_params": {}}
_STORED_EXTRA_PARAMS: JSON = {"extra_params": {}}


def _kept(written: object, normalized: JSON, fields: frozenset[str], stored: JSON) -> JSON:
    """The members of ``normalized`` that validated data holds.

    A written member stays if the serializer has the field; one not written was
    filled in, by validation (kept) or as a stored default (left out).
    """
    given = written if isinstance(written, dict) else {}
    kept: JSON = {}
    for key, value in normalized.items():
        if key in given:
            if key in fields:
                kept[key] = value
        elif not (key in stored and value == stored[key]):
            kept[key] = value
    return kept


def _items(written: object, index: int) -> object:
    return written[index] if isinstance(written, list) and index < len(written) else None


def _written_at(request: JSON, index: int) -> JSON:
    written = _items(request.get("configurations"), index)
    return written if isinstance(written, dict) else {}


def _member(written: object, key: str) -> object:
    return written.get(key) if isinstance(written, dict) else None


def validated_configuration(written: JSON, normalized: JSON) -> JSON:
    """A configuration's validated data, without ``priority`` (the request's validation sets it)."""
    configuration = _kept(written, normalized, CONFIGURATION_FIELDS, _STORED_CONFIGURATION)
    configuration.pop("priority", None)
    instrument_configs = configuration.get("instrument_configs")
    if isinstance(instrument_configs, list):
        configuration["instrument_configs"] = [
            _instrument_config(_items(written.get("instrument_configs"), index), item)
            for index, item in enumerate(instrument_configs)
        ]
    parts: tuple[tuple[str, frozenset[str], JSON], ...] = (
        ("constraints", CONSTRAINTS_FIELDS, _STORED_EXTRA_PARAMS),
        ("acquisition_config", ACQUISITION_FIELDS, _STORED_EXTRA_PARAMS),
        ("guiding_config", GUIDING_FIELDS, _STORED_GUIDING),
        ("target", TARGET_FIELDS, {}),
    )
    for key, fields, stored in parts:
        if isinstance(configuration.get(key), dict):
            configuration[key] = _kept(written.get(key), configuration[key], fields, stored)
    return configuration


def _instrument_config(written: object, normalized: object) -> object:
    if not isinstance(normalized, dict):
        return normalized
    kept = _kept(written, normalized, INSTRUMENT_CONFIG_FIELDS, _STORED_INSTRUMENT_CONFIG)
    if isinstance(kept.get("rois"), list):
        written_rois = _member(written, "rois")
        kept["rois"] = [
            _kept(_items(written_rois, index), roi, ROI_FIELDS, {})
            if isinstance(roi, dict)
            else roi
            for index, roi in enumerate(kept["rois"])
        ]
    return kept


def validated_request(written: JSON, normalized: JSON, now: datetime) -> JSON:
    """A request's validated data; ``now`` is the start of a window written without one."""
    request = _kept(written, normalized, REQUEST_FIELDS, _STORED_REQUEST)
    configurations = request.get("configurations")
    if isinstance(configurations, list):
        request["configurations"] = [
            {
                **validated_configuration(_written_at(written, index), item),
                "priority": index + 1,
            }
            for index, item in enumerate(configurations)
        ]
    if isinstance(request.get("location"), dict):
        request["location"] = _kept(
            written.get("location"), request["location"], LOCATION_FIELDS, {}
        )
    if isinstance(request.get("windows"), list):
        request["windows"] = [_window(window, now) for window in request["windows"]]
    if isinstance(request.get("suspend_until"), str):
        request["suspend_until"] = portal_datetime(request["suspend_until"])
    return request


def _window(window: object, now: datetime) -> object:
    if not isinstance(window, dict):
        return window
    kept = {key: value for key, value in window.items() if key in WINDOW_FIELDS}
    kept.setdefault("start", rendered(now))
    for key in WINDOW_FIELDS:
        if isinstance(kept.get(key), str):
            kept[key] = portal_datetime(kept[key])
    return {"start": kept.pop("start"), **kept}


def rendered(moment: datetime) -> str:
    """A date-time as the portal's JSON renderer writes it: UTC, ``Z``, microseconds if any."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def portal_datetime(text: str) -> str:
    """A written date-time as the portal renders it once read; unreadable text stays."""
    moment = parse_portal_datetime(text)
    return rendered(moment) if moment is not None else text
