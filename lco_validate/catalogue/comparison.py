"""What changed between two catalogues, as the tool reads them (no durations here).

``compare_catalogues(old, new)`` lists every difference in what lco-validate
reads from a snapshot (docs/catalogue.md, Snapshot shape): sites, enclosures
and telescopes added or removed, and their positions, limits and overheads;
instruments added, removed, moved or changed state; and per instrument type
where it is schedulable, its overheads, modes, optical elements,
configuration types and validation schemas.  Ids, URLs, names and keys the
tool does not read are not compared, so two snapshots that differ only there
compare equal.

Instrument-type values are taken with the portal's lookups (``Catalogue``),
so that a change is reported where the portal would see it: overheads from
the copies the duration reads, configuration types from the first active
copy.  Optical elements are the union over every instrument of the type,
whatever its state (a state change is reported with the instrument).

A place that is added or removed carries what it holds in its own entry (a
removed site names its telescopes, a removed telescope its instruments)
instead of one entry per nested part.

``change_lines`` renders the list for people, grouped by section and subject.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .snapshot import SCHEDULABLE, Catalogue, Placement

JSON = dict[str, Any]

SITES, ENCLOSURES, TELESCOPES, INSTRUMENTS, INSTRUMENT_TYPES = (
    "sites",
    "enclosures",
    "telescopes",
    "instruments",
    "instrument_types",
)
SECTIONS = (SITES, ENCLOSURES, TELESCOPES, INSTRUMENTS, INSTRUMENT_TYPES)
ADDED, REMOVED, CHANGED, MOVED = "added", "removed", "changed", "moved"

#: Fields compared per place, with the value the tool reads when the field is absent.
SITE_FIELDS: dict[str, Any] = {"active": True, "lat": None, "long": None, "elevation": None}
TELESCOPE_FIELDS: dict[str, tuple[str, Any]] = {  # field: (aspect, value when absent)
    "active": ("field", True),
    "lat": ("field", None),
    "long": ("field", None),
    "horizon": ("limit", 0.0),
    "ha_limit_neg": ("limit", -12.0),
    "ha_limit_pos": ("limit", 12.0),
    "zenith_blind_spot": ("limit", 0.0),
    "slew_rate": ("overhead", 0.0),
    "minimum_slew_overhead": ("overhead", 0.0),
    "maximum_slew_overhead": ("overhead", 0.0),
    "instrument_change_overhead": ("overhead", 0.0),
}
#: Configuration type properties compared, with configdb's value when absent.
CONFIGURATION_TYPE_PROPERTIES: dict[str, bool] = {
    "schedulable": True,
    "force_acquisition_off": False,
    "requires_optical_elements": True,
}


@dataclass(frozen=True)
class Change:
    """One difference: in ``section``, at ``subject``, what (``aspect``, ``item``) and how.

    ``subject`` is a site code, ``site.enclosure``, ``site.enclosure.telescope``
    (instruments too: ``item`` is then the instrument code) or an instrument type
    code.  ``item`` names the part within the aspect, e.g. ``readout/full_frame``;
    empty when the aspect is the subject itself.  ``old`` and ``new`` are the
    values compared (None on the side where the thing does not exist).
    """

    section: str
    subject: str
    aspect: str
    item: str
    change: str
    old: Any = None
    new: Any = None

    def as_dict(self) -> JSON:
        return {
            "section": self.section,
            "subject": self.subject,
            "aspect": self.aspect,
            "item": self.item,
            "change": self.change,
            "old": self.old,
            "new": self.new,
        }


def compare_catalogues(old: Catalogue, new: Catalogue) -> list[Change]:
    """Every difference between ``old`` and ``new``, section by section, in a stable order."""
    changes: list[Change] = []
    changes += _site_changes(old, new)
    changes += _instrument_changes(old, new)
    changes += _instrument_type_changes(old, new)
    return changes


def catalogue_counts(catalogue: Catalogue) -> JSON:
    """How much a catalogue holds, to introduce a comparison."""
    return {
        "source": catalogue.source,
        "sites": len(catalogue.sites),
        "telescopes": len(_telescopes(catalogue)),
        "instruments": len(catalogue.placements),
        "instrument_types": len(catalogue.instrument_type_codes()),
        "schedulable_instrument_types": len(catalogue.schedulable_instrument_types()),
    }


def section_counts(changes: Iterable[Change]) -> dict[str, dict[str, int]]:
    """Per section, how many subjects were added, removed, moved or changed.

    A subject with several changed values counts once as changed.
    """
    counts = {section: {ADDED: 0, REMOVED: 0, MOVED: 0, CHANGED: 0} for section in SECTIONS}
    seen: set[tuple[str, str, str]] = set()
    for change in changes:
        whole = change.aspect in (
            "site",
            "enclosure",
            "telescope",
            "instrument",
            "instrument_type",
        )
        kind = change.change if whole or change.change == MOVED else CHANGED
        subject = change.subject + ("/" + change.item if change.section == INSTRUMENTS else "")
        key = (change.section, subject, kind)
        if key not in seen:
            seen.add(key)
            counts[change.section][kind] += 1
    return counts


# -- places -----------------------------------------------------------------------------------


def _telescopes(catalogue: Catalogue) -> dict[str, tuple[JSON, JSON, JSON]]:
    """(site, enclosure, telescope) by ``site.enclosure.telescope``; the first of a duplicate."""
    found: dict[str, tuple[JSON, JSON, JSON]] = {}
    for site in catalogue.sites:
        for enclosure in site.get("enclosure_set", []):
            for telescope in enclosure.get("telescope_set", []):
                place = f"{site['code']}.{enclosure['code']}.{telescope['code']}"
                found.setdefault(place, (site, enclosure, telescope))
    return found


def _site_changes(old: Catalogue, new: Catalogue) -> Iterator[Change]:
    old_sites = {site["code"]: site for site in reversed(old.sites)}
    new_sites = {site["code"]: site for site in reversed(new.sites)}
    for code in sorted(old_sites.keys() - new_sites.keys()):
        yield Change(SITES, code, "site", "", REMOVED, old=_site_summary(old_sites[code]))
    for code in sorted(new_sites.keys() - old_sites.keys()):
        yield Change(SITES, code, "site", "", ADDED, new=_site_summary(new_sites[code]))
    for code in sorted(old_sites.keys() & new_sites.keys()):
        for name, absent in SITE_FIELDS.items():
            before = old_sites[code].get(name, absent)
            after = new_sites[code].get(name, absent)
            if before != after:
                yield Change(SITES, code, "field", name, CHANGED, before, after)
    shared_sites = old_sites.keys() & new_sites.keys()
    old_enclosures = _enclosures(old, shared_sites)
    new_enclosures = _enclosures(new, shared_sites)
    for place in sorted(old_enclosures.keys() - new_enclosures.keys()):
        yield Change(
            ENCLOSURES,
            place,
            "enclosure",
            "",
            REMOVED,
            old=_enclosure_summary(old_enclosures[place]),
        )
    for place in sorted(new_enclosures.keys() - old_enclosures.keys()):
        yield Change(
            ENCLOSURES, place, "enclosure", "", ADDED, new=_enclosure_summary(new_enclosures[place])
        )
    for place in sorted(old_enclosures.keys() & new_enclosures.keys()):
        before = old_enclosures[place].get("active", True)
        after = new_enclosures[place].get("active", True)
        if before != after:
            yield Change(ENCLOSURES, place, "field", "active", CHANGED, before, after)
    shared_enclosures = old_enclosures.keys() & new_enclosures.keys()
    old_telescopes = _telescopes(old)
    new_telescopes = _telescopes(new)
    in_shared = {
        place
        for place, (site, enclosure, _) in {**old_telescopes, **new_telescopes}.items()
        if f"{site['code']}.{enclosure['code']}" in shared_enclosures
    }
    for place in sorted((old_telescopes.keys() - new_telescopes.keys()) & in_shared):
        yield Change(
            TELESCOPES,
            place,
            "telescope",
            "",
            REMOVED,
            old=_telescope_summary(old_telescopes[place]),
        )
    for place in sorted((new_telescopes.keys() - old_telescopes.keys()) & in_shared):
        yield Change(
            TELESCOPES, place, "telescope", "", ADDED, new=_telescope_summary(new_telescopes[place])
        )
    for place in sorted(old_telescopes.keys() & new_telescopes.keys()):
        yield from _telescope_value_changes(
            place, old_telescopes[place][2], new_telescopes[place][2]
        )


def _enclosures(catalogue: Catalogue, sites: set[str]) -> dict[str, JSON]:
    return {
        f"{site['code']}.{enclosure['code']}": enclosure
        for site in reversed(catalogue.sites)
        if site["code"] in sites
        for enclosure in reversed(site.get("enclosure_set", []))
    }


def _telescope_value_changes(place: str, old: JSON, new: JSON) -> Iterator[Change]:
    from .snapshot import telescope_class

    if telescope_class(old) != telescope_class(new):
        yield Change(
            TELESCOPES, place, "field", "class", CHANGED, telescope_class(old), telescope_class(new)
        )
    for name, (aspect, absent) in TELESCOPE_FIELDS.items():
        before, after = old.get(name, absent), new.get(name, absent)
        if before != after:
            yield Change(TELESCOPES, place, aspect, name, CHANGED, before, after)


def _site_summary(site: JSON) -> JSON:
    return {
        "name": site.get("name", ""),
        "telescopes": [
            f"{site['code']}.{enclosure['code']}.{telescope['code']}"
            for enclosure in site.get("enclosure_set", [])
            for telescope in enclosure.get("telescope_set", [])
        ],
    }


def _enclosure_summary(enclosure: JSON) -> JSON:
    return {"telescopes": [telescope["code"] for telescope in enclosure.get("telescope_set", [])]}


def _telescope_summary(parts: tuple[JSON, JSON, JSON]) -> JSON:
    from .snapshot import telescope_class

    telescope = parts[2]
    return {
        "class": telescope_class(telescope),
        "instruments": [
            _instrument_summary(Placement(*parts, instrument))
            for instrument in telescope.get("instrument_set", [])
        ],
    }


# -- instruments ------------------------------------------------------------------------------


def _instrument_summary(placement: Placement) -> JSON:
    return {
        "instrument": str(placement.instrument.get("code", "")),
        "instrument_type": placement.type_code,
        "state": placement.state,
    }


def _instruments(catalogue: Catalogue) -> dict[tuple[str, str, int], Placement]:
    """Instruments by (place, code, occurrence): a place may list one code twice (or none)."""
    found: dict[tuple[str, str, int], Placement] = {}
    seen: dict[tuple[str, str], int] = {}
    for placement in catalogue.placements:
        place = ".".join(placement.location)
        code = str(placement.instrument.get("code", ""))
        occurrence = seen.get((place, code), 0)
        seen[(place, code)] = occurrence + 1
        found[(place, code, occurrence)] = placement
    return found


def _instrument_changes(old: Catalogue, new: Catalogue) -> Iterator[Change]:
    before, after = _instruments(old), _instruments(new)
    removed = sorted(before.keys() - after.keys())
    added = sorted(after.keys() - before.keys())
    # An instrument whose code and type appear at another place has moved.
    arrivals: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    for key in added:
        if key[1]:
            arrivals.setdefault((key[1], after[key].type_code), []).append(key)
    moved: list[tuple[tuple[str, str, int], tuple[str, str, int]]] = []
    for key in removed:
        candidates = arrivals.get((key[1], before[key].type_code))
        if candidates:
            moved.append((key, candidates.pop(0)))
    gone = {old_key for old_key, _ in moved}
    arrived = {new_key for _, new_key in moved}
    removed = [key for key in removed if key not in gone]
    added = [key for key in added if key not in arrived]
    old_places, new_places = _telescopes(old).keys(), _telescopes(new).keys()
    for key in removed:
        if key[0] in new_places:  # else the removed telescope's entry names it
            yield Change(
                INSTRUMENTS,
                key[0],
                "instrument",
                key[1],
                REMOVED,
                old=_instrument_summary(before[key]),
            )
    for key in added:
        if key[0] in old_places:
            yield Change(
                INSTRUMENTS,
                key[0],
                "instrument",
                key[1],
                ADDED,
                new=_instrument_summary(after[key]),
            )
    for old_key, new_key in moved:
        yield Change(INSTRUMENTS, new_key[0], "place", new_key[1], MOVED, old_key[0], new_key[0])
    for key in sorted(before.keys() & after.keys()):
        was, now = before[key], after[key]
        if was.type_code != now.type_code:
            yield Change(
                INSTRUMENTS,
                key[0],
                "instrument_type",
                key[1],
                CHANGED,
                was.type_code,
                now.type_code,
            )
        if was.state != now.state:
            yield Change(INSTRUMENTS, key[0], "state", key[1], CHANGED, was.state, now.state)


# -- instrument types -------------------------------------------------------------------------


def _schedulable_places(copies: list[Placement]) -> list[str]:
    return sorted(
        {
            ".".join(placement.location)
            for placement in copies
            if placement.active and placement.state == SCHEDULABLE
        }
    )


def _copies_by_type(catalogue: Catalogue) -> dict[str, list[Placement]]:
    """Every instrument of each type, in snapshot order (one pass: a type's copies are few)."""
    copies: dict[str, list[Placement]] = {}
    for placement in catalogue.placements:
        copies.setdefault(placement.type_code, []).append(placement)
    return copies


def _instrument_type_changes(old: Catalogue, new: Catalogue) -> Iterator[Change]:
    old_copies, new_copies = _copies_by_type(old), _copies_by_type(new)
    for code in sorted(old_copies.keys() - new_copies.keys()):
        summary = _type_summary(old, code, old_copies[code])
        yield Change(INSTRUMENT_TYPES, code, "instrument_type", "", REMOVED, old=summary)
    for code in sorted(new_copies.keys() - old_copies.keys()):
        summary = _type_summary(new, code, new_copies[code])
        yield Change(INSTRUMENT_TYPES, code, "instrument_type", "", ADDED, new=summary)
    for code in sorted(old_copies.keys() & new_copies.keys()):
        yield from _one_type_changes(
            code, _type_view(old, code, old_copies[code]), _type_view(new, code, new_copies[code])
        )


def _type_summary(catalogue: Catalogue, code: str, copies: list[Placement]) -> JSON:
    instrument_type = catalogue.instrument_type(code) or copies[0].instrument_type
    return {
        "name": instrument_type.get("name", ""),
        "schedulable_at": _schedulable_places(copies),
    }


@dataclass(frozen=True)
class _TypeView:
    """What the tool reads of one instrument type, flattened for comparison."""

    schedulable_at: list[str]
    overheads: dict[str, float]
    values: dict[str, Any]
    modes: dict[str, JSON]  # "readout/full_frame" -> the mode
    default_modes: dict[str, str]  # "readout" -> code
    elements: dict[str, bool]  # "filters/rp" -> schedulable
    configuration_types: dict[str, JSON]
    schemas: dict[str, Any]  # "instrument type", "mode readout/x", "configuration type ARC"


def _type_view(catalogue: Catalogue, code: str, copies: list[Placement]) -> _TypeView:
    first = copies[0].instrument_type
    instrument_type = catalogue.instrument_type(code) or first
    overheads = catalogue.request_overheads(code)
    values: dict[str, float] = {
        "fixed_overhead_per_exposure": float(
            copies[-1].instrument_type.get("fixed_overhead_per_exposure", 1.0)
        ),
        "observation_front_padding": overheads.observation_front_padding,
        "config_front_padding": overheads.config_front_padding,
        "acquire_exposure_time": overheads.default_acquisition_exposure_time,
        "instrument_change_overhead": overheads.instrument_change_overhead,
        "slew_rate": overheads.slew_rate,
        "minimum_slew_overhead": overheads.minimum_slew_overhead,
        "maximum_slew_overhead": overheads.maximum_slew_overhead,
    }
    modes: dict[str, JSON] = {}
    defaults: dict[str, str] = {}
    for group_type in dict.fromkeys(group.get("type") for group in first.get("mode_types", [])):
        group = catalogue.mode_group(code, str(group_type)) or {}
        defaults[str(group_type)] = str(group.get("default", ""))
        for mode in group.get("modes", []):
            modes[f"{group_type}/{mode['code']}"] = mode
            values[f"{group_type}/{mode['code']}"] = float(mode.get("overhead", 0))
    for group_type, seconds in overheads.optical_element_change_overheads.items():
        values[f"element_change/{group_type}"] = seconds
    configuration_types = catalogue.configuration_types(code)
    for configuration_code, properties in configuration_types.items():
        values[f"config_change/{configuration_code}"] = float(
            properties.get("config_change_overhead", 0)
        )
    elements: dict[str, bool] = {}
    for placement in copies:
        for camera in placement.instrument.get("science_cameras") or []:
            for group in camera.get("optical_element_groups") or []:
                for element in group.get("optical_elements") or []:
                    key = f"{group.get('type', '')}/{element['code']}"
                    elements[key] = elements.get(key, False) or bool(
                        element.get("schedulable", True)
                    )
    schemas: dict[str, Any] = {"instrument type": instrument_type.get("validation_schema", {})}
    for key, mode in modes.items():
        schemas[f"mode {key}"] = mode.get("validation_schema", {})
    for configuration_code, properties in configuration_types.items():
        schemas[f"configuration type {configuration_code}"] = properties.get(
            "validation_schema", {}
        )
    return _TypeView(
        schedulable_at=_schedulable_places(copies),
        overheads=values,
        values={
            "default_acceptability_threshold": instrument_type.get(
                "default_acceptability_threshold"
            ),
            "instrument_category": instrument_type.get("instrument_category"),
        },
        modes=modes,
        default_modes=defaults,
        elements=elements,
        configuration_types=configuration_types,
        schemas=schemas,
    )


def _one_type_changes(code: str, old: _TypeView, new: _TypeView) -> Iterator[Change]:
    def change(aspect: str, item: str, kind: str, before: Any = None, after: Any = None) -> Change:
        return Change(INSTRUMENT_TYPES, code, aspect, item, kind, before, after)

    for place in sorted(set(old.schedulable_at) - set(new.schedulable_at)):
        yield change("schedulable_at", place, REMOVED)
    for place in sorted(set(new.schedulable_at) - set(old.schedulable_at)):
        yield change("schedulable_at", place, ADDED)
    for name in sorted(old.overheads.keys() & new.overheads.keys(), key=_overhead_order):
        if old.overheads[name] != new.overheads[name]:
            yield change("overhead", name, CHANGED, old.overheads[name], new.overheads[name])
    for name in sorted(old.values.keys() & new.values.keys()):
        if old.values[name] != new.values[name]:
            yield change("value", name, CHANGED, old.values[name], new.values[name])
    for key in sorted(old.modes.keys() - new.modes.keys()):
        yield change("mode", key, REMOVED)
    for key in sorted(new.modes.keys() - old.modes.keys()):
        yield change("mode", key, ADDED)
    for key in sorted(old.modes.keys() & new.modes.keys()):
        before = bool(old.modes[key].get("schedulable", True))
        after = bool(new.modes[key].get("schedulable", True))
        if before != after:
            yield change("mode_schedulable", key, CHANGED, before, after)
    for group_type in sorted(old.default_modes.keys() & new.default_modes.keys()):
        if old.default_modes[group_type] != new.default_modes[group_type]:
            yield change(
                "default_mode",
                group_type,
                CHANGED,
                old.default_modes[group_type],
                new.default_modes[group_type],
            )
    for key in sorted(old.elements.keys() - new.elements.keys()):
        yield change("optical_element", key, REMOVED)
    for key in sorted(new.elements.keys() - old.elements.keys()):
        yield change("optical_element", key, ADDED)
    for key in sorted(old.elements.keys() & new.elements.keys()):
        if old.elements[key] != new.elements[key]:
            yield change(
                "optical_element_schedulable", key, CHANGED, old.elements[key], new.elements[key]
            )
    for key in sorted(old.configuration_types.keys() - new.configuration_types.keys()):
        yield change("configuration_type", key, REMOVED)
    for key in sorted(new.configuration_types.keys() - old.configuration_types.keys()):
        yield change("configuration_type", key, ADDED)
    for key in sorted(old.configuration_types.keys() & new.configuration_types.keys()):
        for name, absent in CONFIGURATION_TYPE_PROPERTIES.items():
            was = old.configuration_types[key].get(name, absent)
            now = new.configuration_types[key].get(name, absent)
            if was != now:
                yield change("configuration_type_property", f"{key}/{name}", CHANGED, was, now)
    for key in [k for k in old.schemas if k in new.schemas]:
        if _canonical(old.schemas[key]) != _canonical(new.schemas[key]):
            yield change("validation_schema", key, CHANGED, old.schemas[key], new.schemas[key])


_OVERHEAD_ORDER = (
    "fixed_overhead_per_exposure",
    "readout/",
    "observation_front_padding",
    "config_front_padding",
    "element_change/",
    "config_change/",
    "acquisition/",
    "acquire_exposure_time",
    "guiding/",
    "instrument_change_overhead",
    "slew_rate",
    "minimum_slew_overhead",
    "maximum_slew_overhead",
)


def _overhead_order(name: str) -> tuple[int, str]:
    rank = next(
        (index for index, prefix in enumerate(_OVERHEAD_ORDER) if name.startswith(prefix)),
        len(_OVERHEAD_ORDER),
    )
    return rank, name


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def schema_differences(old: Any, new: Any, path: str = "", limit: int = 3) -> list[str]:
    """Where two validation schemas differ, as dotted paths with +, - or ~ (at most ``limit``)."""
    found: list[str] = []

    def walk(before: Any, after: Any, where: str) -> None:
        if len(found) >= limit:
            return
        if isinstance(before, dict) and isinstance(after, dict):
            for key in sorted(before.keys() | after.keys(), key=str):
                inner = f"{where}.{key}" if where else str(key)
                if key not in after:
                    found.append(f"-{inner}")
                elif key not in before:
                    found.append(f"+{inner}")
                elif _canonical(before[key]) != _canonical(after[key]):
                    walk(before[key], after[key], inner)
                if len(found) >= limit:
                    return
        else:
            found.append(f"~{where or '(whole schema)'}")

    walk(old, new, path)
    return found


# -- for people -------------------------------------------------------------------------------

SECTION_TITLES = {
    SITES: "Sites",
    ENCLOSURES: "Enclosures",
    TELESCOPES: "Telescopes",
    INSTRUMENTS: "Instruments",
    INSTRUMENT_TYPES: "Instrument types",
}


def change_lines(changes: list[Change]) -> Iterator[str]:
    """The changes for people: a heading with counts per section, then one line per change.

    Values of one subject share a line where they are of one kind (a telescope's
    limits, an instrument type's overheads).
    """
    counts = section_counts(changes)
    for section in SECTIONS:
        own = [change for change in changes if change.section == section]
        if not own:
            continue
        tally = ", ".join(f"{n} {kind}" for kind, n in counts[section].items() if n)
        yield f"{SECTION_TITLES[section]}: {tally}"
        subjects: dict[str, list[Change]] = {}
        for change in own:
            subjects.setdefault(change.subject, []).append(change)
        for subject, subject_changes in subjects.items():
            yield from _subject_lines(section, subject, subject_changes)


def _subject_lines(section: str, subject: str, changes: list[Change]) -> Iterator[str]:
    if section == INSTRUMENTS:
        yield f"  {subject}: {_instrument_parts(changes)}"
        return
    whole = [
        c for c in changes if c.aspect in ("site", "enclosure", "telescope", "instrument_type")
    ]
    for change in whole:
        sign = "+" if change.change == ADDED else "-"
        summary = change.old if change.change == REMOVED else change.new
        yield f"  {sign} {subject}{_whole_detail(summary)}"
    rest = [c for c in changes if c not in whole]
    if not rest:
        return
    if section != INSTRUMENT_TYPES:
        values = "; ".join(f"{c.item} {_value(c.old)} -> {_value(c.new)}" for c in rest)
        yield f"  ~ {subject}: {values}"
        return
    yield f"  ~ {subject}"
    by_aspect: dict[str, list[Change]] = {}
    for change in rest:
        by_aspect.setdefault(change.aspect, []).append(change)
    for aspect, group in by_aspect.items():
        yield f"      {_aspect_line(aspect, group)}"


def _whole_detail(summary: Any) -> str:
    if not isinstance(summary, dict):
        return ""
    parts = []
    if summary.get("name"):
        parts.append(str(summary["name"]))
    if "class" in summary:
        parts.append(str(summary["class"]))
    if "telescopes" in summary:
        parts.append(f"{len(summary['telescopes'])} telescope(s)")
    if "instruments" in summary:
        held = ", ".join(
            f"{i['instrument'] or '(no code)'} {i['instrument_type']} {i['state']}"
            for i in summary["instruments"]
        )
        parts.append(held or "no instruments")
    if "schedulable_at" in summary:
        places = summary["schedulable_at"]
        parts.append(f"schedulable at {len(places)} telescope(s)" if places else "not schedulable")
    return f" ({'; '.join(parts)})" if parts else ""


def _instrument_parts(changes: list[Change]) -> str:
    """One place's instrument changes on one line: removed, added, moved in, changed."""

    def held(change: Change) -> str:
        summary = change.old if change.change == REMOVED else change.new
        return f"{change.item or '(no code)'} {summary['instrument_type']} {summary['state']}"

    parts = []
    for kind, sign in ((REMOVED, "-"), (ADDED, "+")):
        listed = [held(c) for c in changes if c.aspect == "instrument" and c.change == kind]
        if listed:
            parts.append(f"{sign} {', '.join(listed)}")
    for change in changes:
        code = change.item or "(no code)"
        if change.change == MOVED:
            parts.append(f"> {code} moved here from {change.old}")
        elif change.change == CHANGED:
            aspect = change.aspect.replace("_", " ")
            parts.append(f"~ {code} {aspect} {change.old} -> {change.new}")
    return "; ".join(parts)


_ASPECT_TITLES = {
    "schedulable_at": "schedulable at",
    "overhead": "overheads (s)",
    "value": "values",
    "mode": "modes",
    "mode_schedulable": "mode schedulable",
    "default_mode": "default modes",
    "optical_element": "optical elements",
    "optical_element_schedulable": "optical element schedulable",
    "configuration_type": "configuration types",
    "configuration_type_property": "configuration type properties",
    "validation_schema": "validation schemas changed",
}


def _aspect_line(aspect: str, group: list[Change]) -> str:
    title = _ASPECT_TITLES.get(aspect, aspect)
    if aspect == "validation_schema":
        parts = [f"{c.item} ({', '.join(schema_differences(c.old, c.new))})" for c in group]
    elif all(c.change in (ADDED, REMOVED) for c in group):
        removed = [c.item for c in group if c.change == REMOVED]
        added = [c.item for c in group if c.change == ADDED]
        parts = ([f"- {', '.join(removed)}"] if removed else []) + (
            [f"+ {', '.join(added)}"] if added else []
        )
    elif aspect == "configuration_type_property":
        # Many configuration types tend to change one property together: one entry per property.
        by_property: dict[tuple[str, str], list[str]] = {}
        for c in group:
            code, name = c.item.rsplit("/", 1)
            key = (name, f"{_value(c.old)} -> {_value(c.new)}")
            by_property.setdefault(key, []).append(code)
        parts = [
            f"{name} {values} ({', '.join(codes)})" for (name, values), codes in by_property.items()
        ]
    else:
        parts = [f"{c.item} {_value(c.old)} -> {_value(c.new)}" for c in group]
    return f"{title}: {'; '.join(parts)}"


def _value(value: Any) -> str:
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
