"""The portal's mode helper: which mode of an instrument type's mode group an object gets.

``MODE_KEYS`` says where each kind of mode (guiding, acquisition, readout,
rotator, exposure) is written; ``choose_mode`` settles on a mode as the portal
does (the given one, else the group's only mode, else its default) or says why
it cannot (``ModeChoice.problem``).  Normalisation fills modes in with it and the
mode rules report what it refuses; both ask through one cache of answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

#: Where each kind of mode is written, from the object that holds it.
MODE_KEYS: dict[str, tuple[str, ...]] = {
    "guiding": ("mode",),
    "acquisition": ("mode",),
    "readout": ("mode",),
    "rotator": ("rotator_mode",),
    "exposure": ("extra_params", "exposure_mode"),
}
OFF = "OFF"


@dataclass(frozen=True)
class ModeChoice:
    """Which mode the portal's mode helper settles on for one object.

    ``code`` is the mode used ('' when the group has no modes at all);
    ``defaulted`` says it was not given; ``problem`` is '' (fine),
    ``"must-choose"`` (several modes, no default, none given) or
    ``"unavailable"`` (no such schedulable mode).
    """

    code: str
    defaulted: bool
    problem: str = ""


def find_mode(group: JSON, code: str) -> JSON | None:
    """The group's mode with this code, compared case-insensitively."""
    for mode in group.get("modes", []):
        if str(mode.get("code", "")).lower() == code.lower():
            return mode  # type: ignore[no-any-return]
    return None


def schedulable_mode_codes(group: JSON) -> list[str]:
    return sorted(str(m["code"]) for m in group.get("modes", []) if m.get("schedulable", True))


#: choose_mode's answers by (group, written value and its type): normalisation and five rules
#: ask the same questions about the catalogue's few groups.  Holding the group keeps its id.
_mode_choices: dict[tuple[int, type, object], tuple[JSON, ModeChoice]] = {}
_MODE_CHOICES_KEPT = 4096


def choose_mode(group: JSON, written: object) -> ModeChoice:
    """The mode for a given value (None or '' for none), as the portal chooses it."""
    if not isinstance(written, str | None):  # unhashable or odd: not worth remembering
        return _choose_mode(group, written)
    key = (id(group), type(written), written)
    known = _mode_choices.get(key)
    if known is None:
        if len(_mode_choices) >= _MODE_CHOICES_KEPT:
            _mode_choices.clear()
        known = _mode_choices[key] = (group, _choose_mode(group, written))
    return known[1]


def _choose_mode(group: JSON, written: object) -> ModeChoice:
    modes = group.get("modes", [])
    if written:
        code, defaulted = str(written), False
    elif len(modes) == 1:
        code, defaulted = str(modes[0]["code"]), True
    elif group.get("default"):
        code, defaulted = str(group["default"]), True
    elif len(modes) > 1:
        return ModeChoice("", True, "must-choose")
    else:
        return ModeChoice("", True)
    mode = find_mode(group, code)
    if mode is None or not mode.get("schedulable", True):
        return ModeChoice(code, defaulted, "unavailable")
    return ModeChoice(code, defaulted)


def default_mode(group: JSON | None) -> str:
    """The mode the portal picks when none is given ('' if it would not pick one)."""
    if not group:
        return ""
    return choose_mode(group, "").code


def read_mode(owner: object, mode_type: str) -> object:
    """The mode written in ``owner`` (a guiding/acquisition or instrument config), or None."""
    node: object = owner
    for key in MODE_KEYS[mode_type]:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def write_mode(owner: JSON, mode_type: str, code: str) -> None:
    *parents, last = MODE_KEYS[mode_type]
    node = owner
    for key in parents:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[last] = code
