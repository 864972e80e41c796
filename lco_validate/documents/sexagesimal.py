"""Right ascensions and declinations written as sexagesimal text, read as decimal degrees.

The portal takes ``ra`` and ``dec`` as numbers of degrees only; people often
copy them from catalogues as ``12:34:56.7`` or ``-05d12m03s``.  Reading such
text lets a finding say what to write instead.  A right ascension written
with colons, spaces or an ``h`` is in hours (one hour is 15 degrees); with a
``d`` or ``°`` it is in degrees.  A declination is always in degrees.  Text
whose meaning is not certain (a part out of range, a fraction before the last
part, a signed right ascension, a declination in hours) is refused with the
reason, never guessed at.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_NUMBER = r"\d+(?:\.\d*)?|\.\d+"
_SIGN = re.compile(r"\s*([+\-\u2212]?)\s*(.*?)\s*", re.DOTALL)
_WITH_UNITS = re.compile(
    rf"(?P<first>{_NUMBER})\s*(?P<unit>[hd\u00b0])"
    rf"(?:\s*(?P<minutes>{_NUMBER})\s*[m'\u2032]"
    rf"(?:\s*(?P<seconds>{_NUMBER})\s*(?:s|\"|\u2033|'')?)?)?",
    re.IGNORECASE,
)
_WITH_COLONS = re.compile(rf"({_NUMBER})\s*:\s*({_NUMBER})(?:\s*:\s*({_NUMBER}))?")
_WITH_SPACES = re.compile(rf"({_NUMBER})\s+({_NUMBER})(?:\s+({_NUMBER}))?")
#: Characters that only sexagesimal text has: text with them is read, or refused with a reason.
_SEXAGESIMAL_CHARACTERS = re.compile(r"[\s\d.:+\-\u2212hmsd\u00b0'\u2032\"\u2033]*", re.I)
_SEXAGESIMAL_MARK = re.compile(r"\d\s*[:hd\u00b0]", re.I)
DEGREES_PER_HOUR = 15.0


@dataclass(frozen=True)
class AngleReading:
    """What sexagesimal text says: its value in degrees, or why it cannot be read."""

    degrees: float | None
    problem: str = ""
    #: Decimal places that keep the precision the text was written to (and a digit more).
    decimals: int = 0
    in_hours: bool = False

    @property
    def text(self) -> str:
        """The value as a JSON number to write, e.g. ``188.73625``."""
        if self.degrees is None:
            return ""
        text = f"{self.degrees:.{self.decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text

    @property
    def number(self) -> float:
        """The value :attr:`text` writes, as a number."""
        return float(self.text)


def read_sexagesimal(text: str, *, right_ascension: bool) -> AngleReading | None:
    """Read ``text`` as a sexagesimal angle, or None when it is not written like one.

    ``right_ascension`` says which field the text stands in: a right
    ascension (0 to 24 hours, no sign) or a declination (-90 to +90 degrees).
    """
    signed = _SIGN.fullmatch(text)
    if signed is None:  # pragma: no cover - the pattern matches any text
        return None
    sign, body = signed.groups()
    parts, unit = _parts(body)
    if parts is None:
        if _SEXAGESIMAL_CHARACTERS.fullmatch(body) and _SEXAGESIMAL_MARK.search(body):
            what = "hh:mm:ss.s" if right_ascension else "±dd:mm:ss.s"
            return AngleReading(None, f"it cannot be read as {what}")
        return None
    field = "a right ascension" if right_ascension else "a declination"
    in_hours = unit == "h" or (unit == "" and right_ascension)
    if not right_ascension and unit == "h":
        return AngleReading(None, "a declination is written in degrees, not hours")
    if right_ascension and sign in ("-", "\u2212"):
        return AngleReading(None, "a right ascension has no sign")
    if any("." in part for part in parts[:-1]):
        return AngleReading(None, "only its last part may have a fraction")
    values = [float(part) for part in parts]
    names = ("minutes", "seconds")
    for name, value in zip(names, values[1:], strict=False):
        if value >= 60:
            return AngleReading(None, f"its {name} ({value:g}) must be below 60")
    whole = values[0] + sum(value / 60**power for power, value in enumerate(values[1:], 1))
    degrees = whole * (DEGREES_PER_HOUR if in_hours else 1.0)
    if right_ascension and degrees >= 360:
        limit = "24 hours" if in_hours else "360 degrees"
        return AngleReading(None, f"{field} is below {limit}", in_hours=in_hours)
    if not right_ascension and degrees > 90:
        return AngleReading(None, f"{field} lies between -90 and +90 degrees")
    if sign in ("-", "\u2212"):
        degrees = -degrees
    return AngleReading(degrees, decimals=_decimals(parts, in_hours), in_hours=in_hours)


def _parts(body: str) -> tuple[list[str] | None, str]:
    """The numbers written (degrees or hours first) and the first part's unit letter, if any."""
    with_units = _WITH_UNITS.fullmatch(body)
    if with_units is not None:
        unit = with_units["unit"].lower()
        found = [with_units["first"], with_units["minutes"], with_units["seconds"]]
        return [part for part in found if part is not None], "h" if unit == "h" else "d"
    for pattern in (_WITH_COLONS, _WITH_SPACES):
        match = pattern.fullmatch(body)
        if match is not None:
            return [part for part in match.groups() if part is not None], ""
    return None, ""


def _decimals(parts: list[str], in_hours: bool) -> int:
    """Places for a value as precise as the text: one more than its last digit's worth."""
    last = parts[-1]
    fraction = len(last.split(".", 1)[1]) if "." in last else 0
    unit = (DEGREES_PER_HOUR if in_hours else 1.0) / 60 ** (len(parts) - 1)
    resolution = unit * 10.0**-fraction
    return max(0, math.ceil(-math.log10(resolution))) + 1
