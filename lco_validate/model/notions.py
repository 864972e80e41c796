"""Portal notions that normalisation and the rules share: catalogue lookups and predicates.

From the catalogue: the optical elements an instrument type offers
(``optical_element_groups``, by group type, and their names,
``optical_element_names``), the detector regions of interest
are checked against (``detector_of``; both cached per catalogue and type) and
whether the portal can look an instrument type up at all
(``instrument_type_known``).  About a configuration: whether it is a dither
sequence (and the dither patterns there are) and whether its type is a REPEAT
type.  And ``pointer_into``: where a finding about a value the defaults filled
in points in the document as written.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..catalogue.cerberus_schemas import PathPart
from ..catalogue.snapshot import DISABLED, Catalogue
from ..documents.pointers import pointer_from_parts
from .values import list_or_empty

JSON = dict[str, Any]

DITHER_PATTERNS = ("line", "grid", "spiral", "custom")
CUSTOM_DITHER_PATTERN = "custom"


# -- catalogue lookups the validation needs -------------------------------------------------------


def optical_element_groups(catalogue: Catalogue, instrument_type: str) -> dict[str, dict[str, str]]:
    """Element codes by group type (plural, e.g. ``filters``), keyed by lower-case code.

    The union over the instruments of the type that are at an active place and
    not DISABLED, as the portal offers them.
    """
    return _optical_element_groups(catalogue, instrument_type.upper())


@functools.lru_cache(maxsize=128)
def _optical_element_groups(catalogue: Catalogue, type_code: str) -> dict[str, dict[str, str]]:
    groups: dict[str, dict[str, str]] = {}
    for group_type, elements in _offered_element_groups(catalogue, type_code):
        codes = groups.setdefault(group_type, {})  # a group without elements still refuses
        for element in elements:
            codes.setdefault(str(element["code"]).lower(), str(element["code"]))
    return groups


def _offered_element_groups(
    catalogue: Catalogue, type_code: str
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Each optical-element group (its type, its elements) of the instruments the portal offers."""
    for placement in catalogue.placements:
        if placement.type_code != type_code or not placement.active:
            continue
        if placement.state == DISABLED:
            continue
        for camera in placement.instrument.get("science_cameras") or []:
            for group in camera.get("optical_element_groups") or []:
                yield str(group.get("type", "")), group.get("optical_elements") or []


def optical_element_names(catalogue: Catalogue, instrument_type: str) -> dict[str, dict[str, str]]:
    """The descriptive ``name`` of each element (``rp``: ``SDSS-rp``), by group type and code.

    Over the same instruments as ``optical_element_groups``; names are what
    people write when they do not know the codes.
    """
    return _optical_element_names(catalogue, instrument_type.upper())


@functools.lru_cache(maxsize=128)
def _optical_element_names(catalogue: Catalogue, type_code: str) -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = {}
    for group_type, elements in _offered_element_groups(catalogue, type_code):
        named = names.setdefault(group_type, {})
        for element in elements:
            named.setdefault(str(element["code"]), str(element.get("name") or ""))
    return names


def singular_element_type(group_type: str) -> str:
    """``filters`` -> ``filter``: how requests name an element type."""
    return group_type[:-1] if group_type.endswith("s") else group_type


@dataclass(frozen=True)
class Detector:
    """The science detector regions of interest are checked against."""

    pixels_x: int
    pixels_y: int
    max_rois: int


def detector_of(catalogue: Catalogue, instrument_type: str) -> Detector | None:
    """The first science camera of the type's first instrument at an active place."""
    return _detector_of(catalogue, instrument_type.upper())


@functools.lru_cache(maxsize=128)
def _detector_of(catalogue: Catalogue, wanted: str) -> Detector | None:
    for placement in catalogue.placements:
        if placement.type_code != wanted or not placement.active:
            continue
        cameras = placement.instrument.get("science_cameras") or []
        if not cameras:
            return None
        camera_type = cameras[0].get("camera_type") or {}
        return Detector(
            pixels_x=int(camera_type.get("pixels_x", 0)),
            pixels_y=int(camera_type.get("pixels_y", 0)),
            max_rois=int(camera_type.get("max_rois", 0)),
        )
    return None


def instrument_type_known(catalogue: Catalogue, instrument_type: object) -> bool:
    """Whether the portal can look the type up (a copy at an active place)."""
    return (
        isinstance(instrument_type, str) and catalogue.instrument_type(instrument_type) is not None
    )


# -- other portal notions -------------------------------------------------------------------------


def is_dither_sequence(configuration: JSON) -> bool:
    """Whether any instrument config has a non-zero ``offset_ra`` or ``offset_dec``."""
    for instrument_config in list_or_empty(configuration.get("instrument_configs")):
        extra = instrument_config.get("extra_params") if isinstance(instrument_config, dict) else {}
        if not isinstance(extra, dict):
            continue
        if extra.get("offset_ra", 0) != 0 or extra.get("offset_dec", 0) != 0:
            return True
    return False


def is_repeat_type(configuration_type: object) -> bool:
    return isinstance(configuration_type, str) and "REPEAT" in configuration_type.upper()


def pointer_into(document: object, parts: Sequence[PathPart]) -> str:
    """The pointer of the deepest prefix of ``parts`` that exists in ``document``.

    Findings point into the document as written; a value the defaults filled
    in is not there, so its finding points at the nearest object that is.
    """
    node = document
    found: list[PathPart] = []
    for part in parts:
        in_object = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_object or in_list):
            break
        node = node[part]  # type: ignore[index]
        found.append(part)
    return pointer_from_parts(found)
