"""Values that are valid JSON but that the portal cannot read, found right after parsing.

* An integer with more digits than Python reads (4,300 by default): the
  portal's JSON parser refuses the whole document (J014).
* A number beyond the floating-point range: an integer of 2**1024 or more, or a
  literal that Python's ``float`` reads as infinity, however it is written
  (``1e400``, ``1`` and 300 zeros then ``e99``, ``0.0001e400``).  The portal
  refuses it in every field, with a range error or a server error (J015).
* A string or key holding half of a UTF-16 surrogate pair (written as a
  ``\\ud800`` escape), which is no character: the portal refuses it in text
  fields; in extra_params it stores it (J016).  The rest of the checks see
  U+FFFD in its place, so that no message or output has to carry it.

Ordinary documents are never walked.  Numbers are judged as the parser reads
them: ``NumberWatch`` is the parser's ``parse_float`` and ``parse_int``, so the
decision is made on the value the portal's parser produces, not on how the
literal looks.  Surrogate escapes are searched for in the raw text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..documents.pointers import pointer_from_parts
from ..findings import Finding, Severity

#: The most digits Python's int() reads by default (sys.int_info.default_max_str_digits),
#: and so the most the portal's JSON parser reads.
INTEGER_DIGITS_READ = 4300
_FLOAT_BEYOND = 2**1024
#: 2**1024 has 309 digits: a shorter integer is within floating point.
_FLOAT_BEYOND_DIGITS = len(str(_FLOAT_BEYOND))
_MAYBE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LOG10_2 = math.log10(2)


@dataclass(frozen=True)
class TooManyDigits:
    """Stands, in a parsed document, for an integer too long to read."""

    digits: int


def read_integer(token: str) -> int | TooManyDigits:
    """A JSON integer as Python reads it, or a marker when it has too many digits."""
    digits = len(token) - token.startswith("-")
    if digits > INTEGER_DIGITS_READ:
        return TooManyDigits(digits)
    try:
        return int(token)
    except ValueError:  # this interpreter was told to read fewer digits
        return TooManyDigits(digits)


class NumberWatch:
    """The parser's number hooks, noting whether a number the portal cannot use was read.

    Pass ``read_float`` as ``parse_float`` and ``read_int`` as ``parse_int``: each
    returns what Python's parser would, so the document is the one the portal reads.
    """

    def __init__(self) -> None:
        self.beyond_float = False

    def read_float(self, token: str) -> float:
        value = float(token)
        if math.isinf(value):
            self.beyond_float = True
        return value

    def read_int(self, token: str) -> int:
        value = int(token)  # too many digits: ValueError, as from the portal's parser
        if len(token) >= _FLOAT_BEYOND_DIGITS and abs(value) >= _FLOAT_BEYOND:
            self.beyond_float = True
        return value


def may_hold_surrogates(text: str) -> bool:
    """False when ``text`` has no escape that could be half of a surrogate pair."""
    return _MAYBE_SURROGATE.search(text) is not None


def odd_values(value: Any, constants: frozenset[str] = frozenset()) -> tuple[Any, list[Finding]]:
    """``value`` with lone surrogates replaced, and a finding (with pointer) per odd value.

    ``constants`` are the pointers of NaN/Infinity literals, reported elsewhere (J003).
    """
    findings: list[Finding] = []
    cleaned = _walk(value, [], findings, constants, in_extra_params=False)
    return cleaned, findings


def _walk(
    value: Any,
    parts: list[str | int],
    findings: list[Finding],
    constants: frozenset[str],
    *,
    in_extra_params: bool,
) -> Any:
    if isinstance(value, dict):
        cleaned: dict[str, Any] = {}
        for key, member in value.items():
            inside = in_extra_params or key == "extra_params"
            if _SURROGATE.search(key):
                findings.append(_surrogate_finding([*parts, key], key, at_key=True, lenient=True))
                key = _SURROGATE.sub("\ufffd", key)
            cleaned[key] = _walk(member, [*parts, key], findings, constants, in_extra_params=inside)
        return cleaned
    if isinstance(value, list):
        return [
            _walk(item, [*parts, index], findings, constants, in_extra_params=in_extra_params)
            for index, item in enumerate(value)
        ]
    if isinstance(value, str):
        if _SURROGATE.search(value):
            findings.append(_surrogate_finding(parts, value, lenient=in_extra_params))
            return _SURROGATE.sub("\ufffd", value)
        return value
    findings.extend(_number_findings(value, parts, constants))
    return value


def _number_findings(
    value: object, parts: list[str | int], constants: frozenset[str]
) -> Iterator[Finding]:
    pointer = pointer_from_parts(parts)
    if isinstance(value, TooManyDigits):
        yield Finding(
            "J014",
            Severity.ERROR,
            f"this integer has {value.digits:,} digits; the portal's JSON parser reads at most "
            f"{INTEGER_DIGITS_READ:,} and refuses the whole document: write a number of "
            "sensible size",
            pointer=pointer,
        )
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _FLOAT_BEYOND:
        digits = int(value.bit_length() * _LOG10_2) + 1
        yield Finding(
            "J015",
            Severity.ERROR,
            f"this integer has about {digits:,} digits, beyond the largest number the portal "
            "can use (about 1.8e308), so it refuses the value: write a number of sensible size",
            pointer=pointer,
        )
    elif isinstance(value, float) and math.isinf(value) and pointer not in constants:
        yield Finding(
            "J015",
            Severity.ERROR,
            "this number is beyond the largest number the portal can use (about 1.8e308); "
            "it reads as infinity, which the portal refuses or fails on: write a number of "
            "sensible size",
            pointer=pointer,
        )


def _surrogate_finding(
    parts: list[str | int], text: str, *, at_key: bool = False, lenient: bool = False
) -> Finding:
    half = _SURROGATE.search(text)
    assert half is not None
    what = "key" if at_key else "text"
    where = (
        "the portal stores it, but it is not text any program can print"
        if lenient
        else "the portal refuses it"
    )
    return Finding(
        "J016",
        Severity.WARNING if lenient else Severity.ERROR,
        f"this {what} holds \\u{ord(half.group()):04x}, half of a UTF-16 surrogate pair, "
        f"which is not a character; {where}: write the character itself or the full pair",
        pointer=pointer_from_parts(parts),
        at_key=at_key,
    )
