"""A readable digest of a catalogue: where each instrument type is and what it costs."""

from __future__ import annotations

from datetime import date
from typing import Any, TextIO

from .provenance import PULL_COMMAND, STALE_AFTER_MONTHS
from .snapshot import Catalogue


def catalogue_summary(catalogue: Catalogue, today: date) -> dict[str, Any]:
    """The catalogue as data; ``today`` judges the built-in snapshot's age."""
    telescopes = [
        {
            "site": placement.site["code"],
            "enclosure": placement.enclosure["code"],
            "telescope": placement.telescope["code"],
            "class": placement.telescope_class,
            "active": placement.active,
            "instrument": placement.instrument.get("code", ""),
            "instrument_type": placement.type_code,
            "state": placement.state,
        }
        for placement in catalogue.placements
    ]
    instrument_types = {}
    for code in catalogue.instrument_type_codes():
        overheads = catalogue.request_overheads(code)
        instrument_type = catalogue.instrument_type(code) or {}
        readout = catalogue.mode_group(code, "readout") or {}
        instrument_types[code] = {
            "name": instrument_type.get("name", ""),
            "schedulable": code in catalogue.schedulable_instrument_types(),
            "fixed_overhead_per_exposure": instrument_type.get("fixed_overhead_per_exposure"),
            "config_front_padding": overheads.config_front_padding,
            "observation_front_padding": overheads.observation_front_padding,
            "acquire_exposure_time": overheads.default_acquisition_exposure_time,
            "readout_modes": {m["code"]: m.get("overhead", 0) for m in readout.get("modes", [])},
            "default_readout_mode": readout.get("default", ""),
            "acquisition_modes": overheads.acquisition_overheads,
            "guiding_modes": overheads.guiding_overheads,
            "optical_element_change_overheads": overheads.optical_element_change_overheads,
            "configuration_types": {
                c: p.get("config_change_overhead", 0)
                for c, p in catalogue.configuration_types(code).items()
            },
            "instrument_change_overhead": overheads.instrument_change_overhead,
            "slew": {
                "rate": overheads.slew_rate,
                "minimum": overheads.minimum_slew_overhead,
                "maximum": overheads.maximum_slew_overhead,
            },
        }
    origin = catalogue.origin
    return {
        "source": catalogue.source,
        "snapshot": {
            "date": origin.taken.isoformat() if origin.taken else None,
            "source": origin.source,
            "built_in": origin.built_in,
            "stale": origin.stale(today),
        },
        "telescopes": telescopes,
        "instrument_types": instrument_types,
    }


def print_catalogue_summary(summary: dict[str, Any], stream: TextIO) -> None:
    stream.write(f"Catalogue: {summary['source']}\n")
    snapshot = summary["snapshot"]
    when = f"taken {snapshot['date']}" if snapshot["date"] else "date not recorded"
    where = f"from {snapshot['source']}" if snapshot["source"] else "source not recorded"
    stream.write(f"Snapshot: {when}, {where}\n")
    if snapshot["stale"]:
        stream.write(
            f"  more than {STALE_AFTER_MONTHS} months old: the network may have changed since; "
            f"'{PULL_COMMAND}' fetches the current one (then --configdb sites.json)\n"
        )
    stream.write("\nTelescopes and instruments:\n")
    for row in summary["telescopes"]:
        where = f"{row['site']}.{row['enclosure']}.{row['telescope']}"
        active = "" if row["active"] else " (inactive)"
        stream.write(
            f"  {where:<16} {row['class']:<4} {row['instrument']:<10} "
            f"{row['instrument_type']:<26} {row['state']}{active}\n"
        )
    stream.write("\nInstrument types (overheads in seconds):\n")
    for code, entry in summary["instrument_types"].items():
        flag = "" if entry["schedulable"] else "  [not schedulable]"
        stream.write(f"  {code}  {entry['name']}{flag}\n")
        readout = ", ".join(
            f"{mode} {overhead:g}{' (default)' if mode == entry['default_readout_mode'] else ''}"
            for mode, overhead in entry["readout_modes"].items()
        )
        stream.write(f"    readout: {readout}\n")
        stream.write(
            f"    per exposure fixed {entry['fixed_overhead_per_exposure']}, "
            f"config front padding {entry['config_front_padding']:g}, "
            f"observation front padding {entry['observation_front_padding']:g}, "
            f"acquisition exposure {entry['acquire_exposure_time']:g}\n"
        )
        for label, key in (
            ("acquisition", "acquisition_modes"),
            ("guiding", "guiding_modes"),
            ("element changes", "optical_element_change_overheads"),
            ("configuration types", "configuration_types"),
        ):
            values = ", ".join(f"{k} {v:g}" for k, v in entry[key].items()) or "none"
            stream.write(f"    {label}: {values}\n")
