"""The Passes and Fails examples of the rules' docstrings, read and run.

Each rule module's docstring ends with examples of this form::

    Fails at /instrument_configs/0/optical_elements/filter, in the configuration (Sinistro
    has ``gp``, not ``g``)::

        {"instrument_type": "1M0-SCICAM-SINISTRO",
         "instrument_configs": [{"optical_elements": {"filter": "g"}}]}

The header (``Passes, in PLACE`` or ``Fails at POINTER, in PLACE``, then
optionally ``, with catalogue NAME``, ``, at TIME`` and a note in parentheses,
ending in ``::``) may wrap over several lines.  The fragment, a JSON object, is
merged into the valid request group ``base.json`` at PLACE: objects key by key;
a list holding an object item by item (an item beyond the base list's end into
a copy of the base list's first item); anything else replaces.  The document is
then checked as a whole at the fixed time ``NOW``: a Passes example must give
no finding of the rule's code, a Fails example one at PLACE + POINTER (a
POINTER of ``""`` is PLACE itself).  NAME is
a catalogue snapshot in ``fixtures/invalid/other-catalogue/catalogue/``.
Visibility is computed only for the V rules' examples.
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from lco_validate import load_catalogue
from lco_validate.catalogue.snapshot import Catalogue
from lco_validate.checking.pipeline import check_document
from lco_validate.checking.policy import Settings

HERE = Path(__file__).parent
BASE = HERE / "base.json"
CATALOGUES = HERE.parent.parent / "fixtures" / "invalid" / "other-catalogue" / "catalogue"
#: The time every example is checked at unless its header says ``at``; the base's window follows it.
NOW = datetime(2030, 6, 1, tzinfo=UTC)

#: Where in the base document each PLACE of a header lies.
PLACES = {
    "the group": "",
    "the request": "/requests/0",
    "the location": "/requests/0/location",
    "the window": "/requests/0/windows/0",
    "the configuration": "/requests/0/configurations/0",
    "the instrument config": "/requests/0/configurations/0/instrument_configs/0",
    "the target": "/requests/0/configurations/0/target",
    "the constraints": "/requests/0/configurations/0/constraints",
}

HEADER = re.compile(
    r"(?:(?P<passes>Passes)|Fails at (?P<pointer>/[^\s,]*|\"\"))"
    rf", in (?P<place>{'|'.join(PLACES)})"
    r"(?:, with catalogue (?P<catalogue>[\w.-]+))?"
    r"(?:, at (?P<now>\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)))?"
    r"(?: \((?P<note>.+)\))?::",
    re.DOTALL,
)
#: The examples' former form, ``Passes::`` or ``Fails (a note)::``, with ``...`` in them.
OLD_HEADER = re.compile(r"(?:Passes|Fails)(?: \(.*\))?::", re.DOTALL)
STARTS_HEADER = re.compile(r"(?:Passes|Fails)\b")
FRAGMENT_INDENT = 4


class ExampleError(ValueError):
    """A docstring example that cannot be read."""


@dataclass(frozen=True)
class Example:
    code: str
    passes: bool
    #: 1 for the rule's first Passes (or Fails) example, 2 for the second...
    number: int
    place: str
    #: Relative to the place; None for a Passes example.
    pointer: str | None
    fragment: dict[str, Any]
    catalogue: str | None = None
    now: datetime = NOW
    note: str | None = None

    @property
    def id(self) -> str:
        return f"{self.code}-{'passes' if self.passes else 'fails'}-{self.number}"

    @property
    def expected_pointer(self) -> str:
        """Where in the whole document a Fails example's finding must be."""
        return PLACES[self.place] + (self.pointer or "")


@dataclass(frozen=True)
class Docstring:
    """What a rule's docstring holds: examples in the current form, and old-form headers."""

    examples: list[Example]
    old_headers: list[str]

    @property
    def in_new_form(self) -> bool:
        return bool(self.examples) and not self.old_headers


def read_examples(rule: ModuleType) -> Docstring:
    """The examples of a rule module's docstring; ExampleError names a malformed one."""
    code: str = rule.CODE
    lines = inspect.cleandoc(rule.__doc__ or "").splitlines()
    examples: list[Example] = []
    old_headers: list[str] = []
    counts = {True: 0, False: 0}
    index = 0
    while index < len(lines):
        paragraph_start = index
        while index < len(lines) and lines[index].strip() and not lines[index].startswith(" "):
            index += 1
        paragraph = " ".join(line.strip() for line in lines[paragraph_start:index])
        if index == paragraph_start:
            index += 1
            continue
        if not (STARTS_HEADER.match(paragraph) and paragraph.endswith("::")):
            continue
        where = f"{code}, line {paragraph_start + 1} of the docstring"
        if OLD_HEADER.fullmatch(paragraph):
            old_headers.append(paragraph)
            index = _after_block(lines, index)
            continue
        header = HEADER.fullmatch(paragraph)
        if header is None:
            raise ExampleError(
                f"{where}: header {paragraph!r} is not 'Passes, in PLACE' or "
                f"'Fails at POINTER, in PLACE' (places: {', '.join(PLACES)})"
            )
        block_end = _after_block(lines, index)
        fragment = _fragment(lines[index:block_end], where)
        index = block_end
        passes = header["passes"] is not None
        counts[passes] += 1
        pointer = header["pointer"]
        examples.append(
            Example(
                code=code,
                passes=passes,
                number=counts[passes],
                place=header["place"],
                pointer=None if passes else ("" if pointer == '""' else pointer),
                fragment=fragment,
                catalogue=header["catalogue"],
                now=_time(header["now"]) if header["now"] else NOW,
                note=header["note"],
            )
        )
    return Docstring(examples, old_headers)


def _after_block(lines: list[str], index: int) -> int:
    """The index of the first line after the indented block that starts at or after ``index``."""
    while index < len(lines) and (not lines[index].strip() or lines[index].startswith(" ")):
        index += 1
    return index


def _fragment(block: list[str], where: str) -> dict[str, Any]:
    text = "\n".join(line[FRAGMENT_INDENT:] for line in block).strip()
    if not text:
        raise ExampleError(f"{where}: the header is not followed by an indented JSON fragment")
    try:
        fragment = json.loads(text)
    except json.JSONDecodeError as error:
        raise ExampleError(f"{where}: the fragment is not strict JSON ({error})") from None
    if not isinstance(fragment, dict):
        raise ExampleError(f"{where}: the fragment is not a JSON object")
    return fragment


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def merged(base: Any, fragment: Any) -> Any:
    """``fragment`` written over ``base`` (neither is changed)."""
    if isinstance(fragment, dict) and isinstance(base, dict):
        result = copy.deepcopy(base)
        for key, value in fragment.items():
            result[key] = merged(base[key], value) if key in base else copy.deepcopy(value)
        return result
    holds_object = isinstance(fragment, list) and any(isinstance(item, dict) for item in fragment)
    if holds_object and isinstance(base, list) and base:
        items = [
            merged(base[index] if index < len(base) else base[0], item)
            for index, item in enumerate(fragment)
        ]
        return items + copy.deepcopy(base[len(fragment) :])
    return copy.deepcopy(fragment)


@functools.cache
def base_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(BASE.read_text(encoding="utf-8"))
    return document


def build_document(example: Example) -> dict[str, Any]:
    """The base request group with the example's fragment merged in at its place."""
    document = copy.deepcopy(base_document())
    place = PLACES[example.place]
    if not place:
        result: dict[str, Any] = merged(document, example.fragment)
        return result
    *parents, last = place.split("/")[1:]
    holder: Any = document
    for part in parents:
        holder = holder[int(part)] if isinstance(holder, list) else holder[part]
    key: Any = int(last) if isinstance(holder, list) else last
    holder[key] = merged(holder[key], example.fragment)
    return document


@functools.cache
def catalogue_named(name: str | None) -> Catalogue:
    return load_catalogue() if name is None else load_catalogue(CATALOGUES / name)


def settings_for(example: Example, *, visibility: bool | None = None) -> Settings:
    return Settings(
        catalogue=catalogue_named(example.catalogue),
        now=example.now,
        visibility=example.code.startswith("V") if visibility is None else visibility,
    )


def check_example(example: Example) -> None:
    """Run the example's document through the checker; AssertionError says what went wrong."""
    findings = check_document(build_document(example), settings_for(example))
    own = [finding for finding in findings if finding.code == example.code]
    listing = "\n".join(f"  {f.code} {f.pointer or '(root)'}: {f.message}" for f in findings)
    if example.passes:
        assert not own, f"{example.id}: expected no {example.code}, found:\n{listing}"
        return
    wanted = example.expected_pointer
    assert any(finding.pointer == wanted for finding in own), (
        f"{example.id}: expected {example.code} at {wanted or '(root)'}, found:\n"
        f"{listing or '  nothing'}"
    )
