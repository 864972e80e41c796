"""Sexagesimal ``ra``/``dec`` text read as decimal degrees (lco_validate.documents.sexagesimal)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lco_validate.documents.sexagesimal import read_sexagesimal

from .test_schemas import T, only_finding

NANO = 10**9


@pytest.mark.parametrize(
    "text, right_ascension, degrees, written",
    [
        ("12:34:56.7", True, 188.73625, "188.73625"),
        ("12 34 56.7", True, 188.73625, "188.73625"),
        ("12h34m56.7s", True, 188.73625, "188.73625"),
        ("12h 34m 56.7s", True, 188.73625, "188.73625"),
        ("12H34M56.7S", True, 188.73625, "188.73625"),
        ("03:52:52.54", True, 58.218916666666, "58.218917"),
        ("12:30", True, 187.5, "187.5"),
        ("6h", True, 90.0, "90"),
        ("123d45m", True, 123.75, "123.75"),  # a right ascension with a degree unit is degrees
        ("-05d12m03s", False, -5.2008333333, "-5.20083"),
        ("-05\u00b012\u203203\u2033", False, -5.2008333333, "-5.20083"),
        ("\u221205:12:03", False, -5.2008333333, "-5.20083"),  # the minus sign character
        ("+05 12 03", False, 5.2008333333, "5.20083"),
        ("-00:00:53.9", False, -0.0149722222, "-0.014972"),  # the sign of a zero degree part
        ("-00:00:00", False, 0.0, "0"),
        ("-90:00:00", False, -90.0, "-90"),
        (" 12:34:56.7 ", True, 188.73625, "188.73625"),
    ],
)
def test_reads_the_usual_forms(
    text: str, right_ascension: bool, degrees: float, written: str
) -> None:
    reading = read_sexagesimal(text, right_ascension=right_ascension)
    assert reading is not None and reading.problem == ""
    assert reading.degrees == pytest.approx(degrees, abs=1e-9)
    assert reading.text == written


@pytest.mark.parametrize(
    "text, right_ascension, problem",
    [
        ("24:00:00", True, "below 24 hours"),
        ("360d", True, "below 360 degrees"),
        ("-01:00:00", True, "no sign"),
        ("12h30m", False, "not hours"),
        ("90:00:01", False, "between -90 and +90"),
        ("12:60:00", True, "minutes (60) must be below 60"),
        ("12:30:60", False, "seconds (60) must be below 60"),
        ("12.5:30", True, "last part"),
        ("12:34:56:78", True, "cannot be read as hh:mm:ss.s"),
        ("-12:34:56:78", False, "cannot be read as ±dd:mm:ss.s"),
    ],
)
def test_refuses_what_it_cannot_be_sure_of(text: str, right_ascension: bool, problem: str) -> None:
    reading = read_sexagesimal(text, right_ascension=right_ascension)
    assert reading is not None and reading.degrees is None
    assert problem in reading.problem


@pytest.mark.parametrize("text", ["M42", "12", "12.5", "", "north", "1e3", "12,5"])
def test_other_text_is_not_sexagesimal(text: str) -> None:
    assert read_sexagesimal(text, right_ascension=True) is None
    assert read_sexagesimal(text, right_ascension=False) is None


def _sexagesimal(value: float, per_unit: int, style: str) -> str:
    """``value`` (hours or degrees, not negative) as text, to a nanosecond of its last part."""
    units = round(value * 3600 * NANO)
    whole, rest = divmod(units, 3600 * NANO)
    minutes, rest = divmod(rest, 60 * NANO)
    seconds = f"{rest // NANO:02d}.{rest % NANO:09d}"
    marks = {
        "colons": (":", ":", ""),
        "spaces": (" ", " ", ""),
        "letters": ("h" if per_unit == 15 else "d", "m", "s"),
        "symbols": ("\u00b0", "\u2032", "\u2033"),
    }[style]
    return f"{whole:02d}{marks[0]}{minutes:02d}{marks[1]}{seconds}{marks[2]}"


@given(
    degrees=st.floats(0.0, 360.0 - 1e-6, allow_nan=False),
    style=st.sampled_from(["colons", "spaces", "letters"]),
)
def test_a_right_ascension_survives_the_round_trip(degrees: float, style: str) -> None:
    text = _sexagesimal(degrees / 15, 15, style)
    reading = read_sexagesimal(text, right_ascension=True)
    assert reading is not None and reading.degrees is not None, (text, reading)
    assert reading.degrees == pytest.approx(degrees, abs=1e-9 * 360)


@given(
    degrees=st.floats(-90.0, 90.0, allow_nan=False),
    style=st.sampled_from(["colons", "spaces", "letters", "symbols"]),
    minus=st.sampled_from(["-", "\u2212"]),
    plus=st.sampled_from(["", "+"]),
)
def test_a_declination_survives_the_round_trip(
    degrees: float, style: str, minus: str, plus: str
) -> None:
    sign = minus if degrees < 0 else plus
    text = sign + _sexagesimal(abs(degrees), 1, style)
    reading = read_sexagesimal(text, right_ascension=False)
    assert reading is not None and reading.degrees is not None, (text, reading)
    assert reading.degrees == pytest.approx(degrees, abs=1e-9 * 90)


@given(
    hours=st.integers(0, 23),
    minutes=st.integers(0, 59),
    seconds=st.integers(0, 5999),
)
def test_the_value_to_write_keeps_the_written_precision(
    hours: int, minutes: int, seconds: int
) -> None:
    text = f"{hours:02d}:{minutes:02d}:{seconds // 100:02d}.{seconds % 100:02d}"
    reading = read_sexagesimal(text, right_ascension=True)
    assert reading is not None and reading.degrees is not None
    last_digit = 0.01 * 15 / 3600  # a hundredth of a second of time, in degrees
    assert abs(reading.number - reading.degrees) <= last_digit / 10
    assert reading.number == float(reading.text)


def test_the_schema_message_gives_decimal_degrees() -> None:
    finding = only_finding(T + "/ra", "12:34:56.7")
    assert finding.code == "S001"
    assert finding.message == (
        "ra is '12:34:56.7', sexagesimal hours as text; the portal wants decimal degrees: "
        "write 188.73625"
    )
    finding = only_finding(T + "/dec", "-05d12m03s")
    assert finding.message == (
        "dec is '-05d12m03s', sexagesimal degrees as text; the portal wants decimal degrees: "
        "write -5.20083"
    )


def test_the_schema_message_says_why_text_cannot_be_converted() -> None:
    finding = only_finding(T + "/ra", "25:10:00")
    assert finding.code == "S001"
    assert finding.message == (
        "ra is '25:10:00', sexagesimal text that cannot be converted (a right ascension is "
        "below 24 hours); the portal wants decimal degrees: write a number from 0 to 360"
    )


def test_other_text_keeps_the_plain_message() -> None:
    finding = only_finding(T + "/ra", "M42")
    assert finding.message == "ra is 'M42'; it must be a number or null"
