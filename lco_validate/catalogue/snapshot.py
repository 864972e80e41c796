"""The catalogue: a configdb ``GET /sites/`` snapshot and the lookups the portal makes in it.

The portal reads configdb through one document, the nested ``/sites/`` tree,
and different lookups pick different copies of an instrument type (the first
active one, the first in raw order, the last, or the union; see
docs/catalogue.md, Which copy each lookup reads).  Each method here names
which one it uses, so that snapshots with duplicate or differing copies give
the portal's numbers.

Snapshots older than March 2021 use earlier field names; ``_modernise``
maps them (``front_padding`` became ``observation_front_padding``,
``config_front_padding`` did not exist and defaults to 0, configuration types
were bare codes).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .provenance import SnapshotOrigin, built_in_origin, origin_of

JSON = dict[str, Any]

DEFAULT_SNAPSHOT = "lco-sites.json"
SCHEDULABLE = "SCHEDULABLE"
DISABLED = "DISABLED"


class CatalogueError(Exception):
    """A snapshot that cannot be used; the message names the bad place."""


@dataclass(frozen=True)
class Placement:
    """One instrument where it stands: site, enclosure, telescope."""

    site: JSON
    enclosure: JSON
    telescope: JSON
    instrument: JSON

    @property
    def active(self) -> bool:
        return all(part.get("active", True) for part in (self.site, self.enclosure, self.telescope))

    @property
    def state(self) -> str:
        return str(self.instrument.get("state", DISABLED))

    @property
    def type_code(self) -> str:
        return str(self.instrument["instrument_type"]["code"]).upper()

    @property
    def instrument_type(self) -> JSON:
        return self.instrument["instrument_type"]  # type: ignore[no-any-return]

    @property
    def telescope_class(self) -> str:
        return telescope_class(self.telescope)

    @property
    def location(self) -> tuple[str, str, str]:
        return (self.site["code"], self.enclosure["code"], self.telescope["code"])


@dataclass(frozen=True)
class RequestOverheads:
    """What ``ConfigDB.get_request_overheads`` returns for one instrument type."""

    instrument_change_overhead: float
    slew_rate: float
    minimum_slew_overhead: float
    maximum_slew_overhead: float
    default_acquisition_exposure_time: float
    acquisition_overheads: dict[str, float]
    guiding_overheads: dict[str, float]
    observation_front_padding: float
    config_front_padding: float
    optical_element_change_overheads: dict[str, float]


def telescope_class(telescope: JSON) -> str:
    """The portal's class string from the aperture (1.0 -> 1m0, 0.4 -> 0m4).

    Snapshots from before configdb had ``aperture`` (2022) name telescopes by
    class (``1m0a``), so the first three characters of the code stand in.
    """
    aperture = telescope.get("aperture")
    if aperture is None:
        return str(telescope.get("code", ""))[:3]
    whole = math.floor(aperture)
    return f"{whole}m{round((aperture - whole) * 10)}"


class Catalogue:
    """A configdb snapshot with the portal's lookups over it."""

    def __init__(
        self, sites: list[JSON], source: str, origin: SnapshotOrigin | None = None
    ) -> None:
        self.sites = sites
        self.source = source
        #: When the snapshot was taken and where from, as far as it says.
        self.origin = origin or SnapshotOrigin()
        self.placements: list[Placement] = [
            Placement(site, enclosure, telescope, instrument)
            for site in sites
            for enclosure in site.get("enclosure_set", [])
            for telescope in enclosure.get("telescope_set", [])
            for instrument in telescope.get("instrument_set", [])
        ]
        self._by_type: dict[str, list[Placement]] = {}
        for placement in self.placements:
            self._by_type.setdefault(placement.type_code, []).append(placement)
        self._exposure_overheads: dict[tuple[str, str], float] = {}
        self._schedulable: dict[tuple[str, str, str, str], set[str]] = {}
        # The portal's lookups, answered once per instrument type.
        self._first_active: dict[str, JSON | None] = {}
        self._mode_groups: dict[str, dict[Any, JSON]] = {}
        self._configuration_types: dict[str, dict[str, JSON]] = {}

    # -- which copies -------------------------------------------------------------------------

    def _placements_of(self, type_code: str, *, active_only: bool) -> Iterator[Placement]:
        for placement in self._by_type.get(type_code.upper(), ()):
            if placement.active or not active_only:
                yield placement

    def instrument_type(self, type_code: str) -> JSON | None:
        """The type's dict from the first instrument at an active site, any state."""
        key = type_code.upper()
        if key not in self._first_active:
            first = next(self._placements_of(key, active_only=True), None)
            self._first_active[key] = first.instrument_type if first else None
        return self._first_active[key]

    def mode_group(self, type_code: str, mode_type: str) -> JSON | None:
        """A mode group (``readout``, ``acquisition``...) of the first copy, active or not."""
        key = type_code.upper()
        if key not in self._mode_groups:
            first = next(self._placements_of(key, active_only=False), None)
            groups = first.instrument_type.get("mode_types", []) if first else []
            self._mode_groups[key] = {group.get("type"): group for group in reversed(groups)}
        return self._mode_groups[key].get(mode_type)

    def configuration_types(self, type_code: str) -> dict[str, JSON]:
        """Configuration type properties by code, from the first active copy; {} if unknown."""
        key = type_code.upper()
        if key not in self._configuration_types:
            instrument_type = self.instrument_type(key) or {}
            self._configuration_types[key] = {
                entry["code"]: entry for entry in instrument_type.get("configuration_types", [])
            }
        return self._configuration_types[key]

    def exposure_overhead(self, type_code: str, readout_mode: str) -> float:
        """Readout overhead of the mode plus the fixed per-exposure overhead.

        The type's values come from the *last* copy, the modes from the first;
        an unknown mode falls back to the group's default (kept by the portal
        for legacy Sinistro requests).
        """
        key = (type_code.upper(), readout_mode.lower())
        if key not in self._exposure_overheads:
            self._exposure_overheads[key] = self._exposure_overhead(type_code, readout_mode)
        return self._exposure_overheads[key]

    def _exposure_overhead(self, type_code: str, readout_mode: str) -> float:
        copies = list(self._placements_of(type_code, active_only=False))
        group = self.mode_group(type_code, "readout")
        if not copies or group is None:
            raise CatalogueError(f"instrument type {type_code} is not in the catalogue")
        fixed = float(copies[-1].instrument_type.get("fixed_overhead_per_exposure", 1.0))
        modes = group.get("modes", [])
        chosen = next(
            (m for m in modes if readout_mode and m["code"].lower() == readout_mode.lower()),
            None,
        )
        if chosen is None:
            chosen = next((m for m in modes if m["code"] == group.get("default")), None)
        if chosen is None:
            raise CatalogueError(
                f"instrument type {type_code} has no readout mode {readout_mode!r} "
                "and no default readout mode"
            )
        return float(chosen["overhead"]) + fixed

    @functools.cache  # noqa: B019 - a catalogue lives for the whole run
    def request_overheads(self, type_code: str) -> RequestOverheads:
        """Overheads from the first instrument of the type in raw snapshot order."""
        first = next(self._placements_of(type_code, active_only=False), None)
        if first is None:
            raise CatalogueError(f"instrument type {type_code} is not in the catalogue")
        telescope, instrument_type = first.telescope, first.instrument_type
        change_overheads: dict[str, float] = {}
        for camera in first.instrument.get("science_cameras", []):
            for group in camera.get("optical_element_groups", []):
                change_overheads[group["type"]] = float(group.get("element_change_overhead", 0))
        return RequestOverheads(
            instrument_change_overhead=float(telescope.get("instrument_change_overhead", 0)),
            slew_rate=float(telescope.get("slew_rate", 0)),
            minimum_slew_overhead=float(telescope.get("minimum_slew_overhead", 0)),
            maximum_slew_overhead=float(telescope.get("maximum_slew_overhead", 0.0)),
            default_acquisition_exposure_time=float(
                instrument_type.get("acquire_exposure_time", 0)
            ),
            acquisition_overheads=self._mode_overheads(type_code, "acquisition"),
            guiding_overheads=self._mode_overheads(type_code, "guiding"),
            observation_front_padding=float(instrument_type.get("observation_front_padding", 90)),
            config_front_padding=float(instrument_type.get("config_front_padding", 0)),
            optical_element_change_overheads=change_overheads,
        )

    def _mode_overheads(self, type_code: str, mode_type: str) -> dict[str, float]:
        group = self.mode_group(type_code, mode_type) or {}
        return {mode["code"]: float(mode.get("overhead", 0)) for mode in group.get("modes", [])}

    # -- what exists --------------------------------------------------------------------------

    def instrument_type_codes(self) -> list[str]:
        return sorted(self._by_type)

    def schedulable_instrument_types(
        self,
        telescope_class: str = "",
        site: str = "",
        enclosure: str = "",
        telescope: str = "",
    ) -> set[str]:
        """Types with a SCHEDULABLE instrument at an active place matching the location.

        Matching is by substring, as the portal does it (an empty part matches all).
        """
        key = (telescope_class, site, enclosure, telescope)
        if key not in self._schedulable:
            self._schedulable[key] = self._schedulable_instrument_types(*key)
        return self._schedulable[key]

    def _schedulable_instrument_types(
        self, telescope_class: str, site: str, enclosure: str, telescope: str
    ) -> set[str]:
        return {
            placement.type_code
            for placement in self.placements
            if placement.active
            and placement.state == SCHEDULABLE
            and site.lower() in placement.site["code"]
            and enclosure in placement.enclosure["code"]
            and telescope_class.lower() in placement.telescope_class
            and telescope.lower() in placement.telescope["code"]
        }


# -- loading ----------------------------------------------------------------------------------


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load a configdb ``/sites/`` snapshot (the paged response or its ``results`` list).

    Without a path, the default catalogue of the LCO network shipped in the package.
    Raises ``CatalogueError`` naming the problem for an unusable snapshot.
    """
    if path is None:
        text = (Path(__file__).parent / "data" / DEFAULT_SNAPSHOT).read_text(encoding="utf-8")
        source = f"built-in LCO catalogue ({DEFAULT_SNAPSHOT})"
    else:
        from ..documents.loading import MAX_FILE_BYTES, TooLarge, read_file

        try:
            text = read_file(path, MAX_FILE_BYTES).decode("utf-8")
        except TooLarge as error:
            raise CatalogueError(
                f"configdb snapshot {path} is {error.size:,} bytes, above the "
                f"{MAX_FILE_BYTES // 2**20} MiB limit"
            ) from error
        except (OSError, UnicodeDecodeError) as error:
            raise CatalogueError(f"cannot read configdb snapshot {path}: {error}") from error
        source = str(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise CatalogueError(
            f"configdb snapshot {source} is not valid JSON: {error.msg} "
            f"at line {error.lineno} column {error.colno}"
        ) from error
    except (ValueError, RecursionError) as error:  # an integer of thousands of digits; nesting
        raise CatalogueError(f"configdb snapshot {source} cannot be read: {error}") from error
    if path is None:  # the built-in snapshot is validated by the test suite, not per run
        return catalogue_from_document(document, source, checked=False, origin=built_in_origin())
    return catalogue_from_document(document, source)


def catalogue_from_document(
    document: Any, source: str, *, checked: bool = True, origin: SnapshotOrigin | None = None
) -> Catalogue:
    """A catalogue from a parsed ``/sites/`` document (the paged response or its results).

    ``checked`` validates it against ``schemas/configdb-sites.json`` first, raising
    ``CatalogueError`` naming the problem.  Its origin is what its own ``_about``
    says, unless given.  Older field names are modernised in place.
    """
    if checked:
        _check_snapshot(document, source)
    sites = document["results"] if isinstance(document, dict) else document
    return Catalogue(
        [_modernise_site(site) for site in sites], source, origin or origin_of(document)
    )


def _check_snapshot(document: object, source: str) -> None:
    from jsonschema import Draft202012Validator

    from ..documents.pointers import pointer_from_parts
    from ..documents.schema_files import load_schema

    validator = Draft202012Validator(load_schema("configdb-sites.json"))
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    if errors:
        listed = "; ".join(
            f"at {pointer_from_parts(error.absolute_path) or '/'}: {error.message[:120]}"
            for error in errors[:5]
        )
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise CatalogueError(f"configdb snapshot {source} is malformed: {listed}{more}")


def _modernise_site(site: JSON) -> JSON:
    for enclosure in site.get("enclosure_set", []):
        for telescope in enclosure.get("telescope_set", []):
            for instrument in telescope.get("instrument_set", []):
                _modernise_instrument_type(instrument["instrument_type"])
    return site


def _modernise_instrument_type(instrument_type: JSON) -> None:
    if "observation_front_padding" not in instrument_type and "front_padding" in instrument_type:
        instrument_type["observation_front_padding"] = instrument_type["front_padding"]
    instrument_type.setdefault("config_front_padding", 0.0)
    instrument_type["configuration_types"] = [
        entry if isinstance(entry, dict) else _bare_configuration_type(entry)
        for entry in instrument_type.get("configuration_types", [])
    ]


def _bare_configuration_type(code: str) -> JSON:
    """configdb's defaults for a configuration type known only by its code."""
    return {
        "code": code,
        "name": code,
        "config_change_overhead": 0.0,
        "schedulable": True,
        "force_acquisition_off": False,
        "requires_optical_elements": True,
        "validation_schema": {},
    }
