"""Optical elements written another way than the catalogue codes them: filter aliases.

Serves R016 (an optical element code the instrument type does not have: is it
another name of one it has?).  People write the filters they know: ``r'``, ``rprime``, ``SDSS-r``,
``sdss_r`` for what configdb codes ``rp`` and names ``SDSS-rp``.  The text is
compared with each element's code and name after lower-casing and dropping
``-``, ``_`` and spaces, and, read as a photometric system (``sdss``,
``bessell``, ``panstarrs``) and a band with or without a prime, with theirs.
SDSS bands are the primed ones: ``r'`` and ``SDSS-r`` mean the same filter.

A match is *certain* when the text names the element itself (its code or
name up to case and separators) or its system or prime together with the
band: no other element of the instrument fits it.  A bare band (``g`` where
the instrument has only ``gp``) is a likely guess, not a certainty: the
user may have meant a system the instrument lacks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: Photometric systems as element names and users spell them (after squashing).
_SYSTEMS = ("sdss", "bessell", "panstarrs")
#: Words in element names that tell the instrument, not the filter ("GHTS g-SDSS").
_NOISE_PREFIXES = ("ghts",)
_SEPARATORS = re.compile(r"[-_\s]+")
_PRIMES = str.maketrans({"\u2032": "'", "\u2019": "'", "`": "'"})
_PRIMED_BAND = re.compile(r"([a-z])(?:'|p|prime)")


@dataclass(frozen=True)
class Reading:
    """A filter spelling taken apart: its system, band and prime, and its squashed text."""

    squashed: str
    system: str
    band: str
    primed: bool

    @property
    def sdss(self) -> bool:
        """SDSS bands are the primed ones, whichever way the text says so."""
        return self.system == "sdss" or self.primed


@dataclass(frozen=True)
class ElementMatch:
    """An optical element the written text may name."""

    code: str
    name: str
    certain: bool


def squashed(text: str) -> str:
    """Lower case, primes unified, without ``-``, ``_`` and spaces."""
    return _SEPARATORS.sub("", text.translate(_PRIMES).lower())


def read_spelling(text: str) -> Reading:
    """``SDSS-r`` -> system sdss, band r; ``r'`` -> band r, primed; ``H-Alpha`` -> band halpha."""
    rest = squashed(text)
    whole = rest
    for noise in _NOISE_PREFIXES:
        rest = rest.removeprefix(noise)
    system = ""
    for candidate in _SYSTEMS:
        if rest.startswith(candidate) and rest != candidate:
            system, rest = candidate, rest[len(candidate) :]
            break
        if rest.endswith(candidate) and rest != candidate:
            system, rest = candidate, rest[: -len(candidate)]
            break
    primed = _PRIMED_BAND.fullmatch(rest)
    if primed is not None:
        return Reading(whole, system, primed[1], True)
    return Reading(whole, system, rest, False)


def element_matches(written: str, elements: Mapping[str, str]) -> list[ElementMatch]:
    """The elements (code -> name) that ``written`` may stand for, certain ones first.

    When some match is certain, only the certain ones are returned: a bare
    band that also fits other elements does not make a named one doubtful.
    """
    wanted = read_spelling(written)
    certain: list[ElementMatch] = []
    likely: list[ElementMatch] = []
    for code, name in elements.items():
        readings = [read_spelling(code)] + ([read_spelling(name)] if name else [])
        if any(wanted.squashed == reading.squashed for reading in readings):
            certain.append(ElementMatch(code, name, True))
        elif wanted.band and any(_same_band(wanted, reading, readings) for reading in readings):
            named = bool(wanted.system) or wanted.primed
            (certain if named else likely).append(ElementMatch(code, name, named))
    return certain or likely


def _same_band(wanted: Reading, reading: Reading, readings: Iterable[Reading]) -> bool:
    """Whether the element (read through ``reading``; all its ``readings``) is ``wanted``'s band."""
    if wanted.band != reading.band:
        return False
    if wanted.sdss:
        return any(other.sdss for other in readings)
    if wanted.system:
        return any(other.system == wanted.system for other in readings)
    return True
