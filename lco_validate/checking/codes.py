"""Every finding code and its documentation, for ``lco-validate rules`` and ``explain``.

Rule codes (D, R, V) are documented by their rule modules' docstrings; the
input (J) and schema (S) codes, which come from the loader and the schemas
rather than from rule modules, are documented here.
"""

from __future__ import annotations

import textwrap

from ..findings import FixDocumentation

INPUT_AND_SCHEMA_CODES: dict[str, str] = {
    "J001": """The file is not valid JSON.

The parser stopped at the reported position: a missing comma or colon, a
trailing comma, a single-quoted key, an unclosed string or bracket.

Passes: {"name": "M31"}
Fails:  {"name": "M31",}""",
    "J002": """An object has the same key twice.

JSON parsers keep the last value silently, so one of the two is lost, and
which one is meant cannot be known.  Reported at the repeated key.

Passes: {"exposure_time": 30}
Fails:  {"exposure_time": 30, "exposure_time": 60}""",
    "J003": """NaN or Infinity stands where a number is expected.

RFC 8259 JSON has no such values; Python writes them by default.  Write a
finite number, or null where the field allows it.

Passes: {"max_seeing": null}
Fails:  {"max_seeing": NaN}""",
    "J004": """There is more text after the JSON document.

A .json file holds one value; for one document per line use .jsonl.

Passes: {"a": 1}
Fails:  {"a": 1} {"b": 2}""",
    "J005": """The file starts with a UTF-8 byte order mark (warning).

RFC 8259 forbids it in JSON exchanged between systems; some parsers refuse
it.  The document is still checked.""",
    "J006": """The file is UTF-16 or UTF-32, not UTF-8.

JSON exchanged between systems must be UTF-8.  The document is still checked
after decoding.""",
    "J007": """The file is not valid UTF-8.

Usually a file saved in Latin-1 or Windows-1252.  Save it as UTF-8.""",
    "J008": """The file is empty.""",
    "J009": """The file is binary (it contains NUL bytes), not JSON text.""",
    "J010": """The file is a saved HTTP response that was not successful (warning).

Pages saved from the portal's browsable API start with a status line; a
status other than 2xx means the JSON is an error message, not requests.""",
    "J011": """The document is nested deeper than 512 levels.

Request documents are a few levels deep; such nesting is refused before
parsing so that it cannot exhaust the stack.  `audit` skips such a document
and reads on.""",
    "J012": """The file, or one document of an archive, is larger than 64 MiB.

Files are loaded whole by `check`; archives are streamed by `audit`, one
document (an API page, a line of JSON Lines) at a time, and a document
larger than 64 MiB ends the reading of its archive: that way a small
compressed file that expands to gigabytes costs no more than 64 MiB.""",
    "J013": """A document is not a request group, a request, or a page of them.

Kinds are detected from keys: 'requests', 'proposal', 'operator'... make a
request group; 'configurations', 'windows', 'location' make a request.  Use
--kind to say which kind a document is meant to be.""",
    "J014": """An integer has more digits than the portal's JSON parser reads.

Python, and so the portal, reads integers of at most 4,300 digits; a longer
one makes the portal refuse the whole document as unreadable JSON.  The
document is not checked further.

Passes: {"exposure_count": 2}
Fails:  {"exposure_count": 9999...9}   (5,000 nines)""",
    "J015": """A number beyond the floating-point range.

An integer of 2**1024 (about 1.8e308) or more, or a literal that Python's
parser, and so the portal's, reads as infinity, however it is written: 1e400,
-1e309, 0.0001e400, or 1 followed by 300 zeros and e99.  The portal refuses
such a number in every field: with a range error, "too large to convert to
float", or a server error.  A literal too small for floating point reads as
0 and is not this finding.

Passes: {"exposure_time": 30}
Fails:  {"exposure_time": 1e400}""",
    "J016": """A string holds half of a UTF-16 surrogate pair (\\ud800 to \\udfff).

JSON lets a string escape either half of a pair alone, but that is no
character: the portal refuses it in text fields (an error); as a key or
inside extra_params it stores it (a warning).  Later checks see U+FFFD in
its place.

Passes: {"name": "M31 \\ud83d\\ude00"}   (a full pair)
Fails:  {"name": "M31 \\ud83d"}""",
    "J017": """A compressed (gzip) archive is corrupt or cut short.

`audit` reads the documents before the damage and reports where it stopped;
the rest of the file is not read.  Compress the archive again, or check
that it was copied whole.""",
    "J018": """A file has more than 100,000 findings; the rest are counted, not reported.

Junk can hold a finding every two bytes (a JSON array of a million numbers,
none of them a request), and keeping them all would take gigabytes.  This
finding stands where the first one left out would, says how many were left
out, and is as severe as the worst of them.  Fix what is reported, or check
the file in parts.  Like any code it answers to `--select` and `--ignore`:
hidden, it takes the findings it counts with it, exit status included.""",
    "J020": """A path cannot be read (missing, no permission, or not a file).

A directory that cannot be listed, and a device or socket, are this finding
too; a file that cannot be read fails the run whatever the command.""",
    "S001": """A value has the wrong JSON type.

Passes: "exposure_count": 2
Fails:  "exposure_count": [2]""",
    "S002": """A required field is missing (reported at the object that lacks it).

A required target field that is null or blank counts as missing, as the
portal treats it.

Passes: "target": {"type": "ICRS", "name": "M31", "ra": 10.68, "dec": 41.27}
Fails:  "target": {"type": "ICRS", "name": "M31", "ra": 10.68}""",
    "S003": """A number is outside the range the portal accepts.

Passes: "max_airmass": 1.6
Fails:  "max_airmass": 0.5   (it must be between 1.0 and 25.0)""",
    "S004": """A value is not one of the allowed choices.

Passes: "operator": "MANY"
Fails:  "operator": "AND"    (the portal accepts SINGLE and MANY)""",
    "S005": """A string is too long, or blank where the portal refuses blanks.

Passes: "name": "M31 nightly"
Fails:  "name": """
    "",
    "S006": """A list has fewer items than required.

Passes: "windows": [{"start": "...", "end": "..."}]
Fails:  "windows": []""",
    "S007": """A date-time is malformed.

The portal accepts YYYY-MM-DDThh:mm[:ss[.ffffff]][Z|+hh:mm]; without a zone
the time is UTC.

Passes: "end": "2025-01-29T08:50:00Z"
Fails:  "end": "2025-13-01T00:00:00Z\"""",
    "S008": """A value of another type that the portal converts (warning).

The portal converts "20" to 20.0 and "true" to true in number and boolean
fields, takes the text of a number in a text field (2 becomes "2") and reads
true as 1.0 in a number field, so the document is accepted; write the value
the field means.

Passes: "exposure_time": 20
Fails:  "exposure_time": "20\"""",
    "S009": """extra_params that are not an object, which the portal stores as they are (warning).

The request's and the constraints' extra_params are stored without being
read as parameters: text or a list there is accepted, and no parameter in it
(a mosaic pattern, say) has any effect.  Elsewhere, and for values the portal
cannot store (a number in a request's extra_params), it is an error (S001).

Passes: "extra_params": {"mosaic_pattern": "line"}
Fails:  "extra_params": [{"mosaic_pattern": "line"}]""",
    "S101": """A key the portal does not know (warning).

The portal silently drops unknown keys, so a typo such as exposure_tme means
the intended value is never used.  A close known key is suggested.

Passes: "exposure_time": 30
Fails:  "exposure_tme": 30""",
    "S301": """A cadence request also has windows (cadence endpoint).

The cadence endpoint makes the windows from the cadence; a request sent to it
with windows of its own is refused.  An empty list passes.

Passes: "cadence": {...}, "windows": []
Fails:  "cadence": {...}, "windows": [{"start": "...", "end": "..."}]""",
    "S302": """A cadence ends before now (cadence endpoint).

Passes: "end": a time in the future
Fails:  "end": "2020-01-01T00:00:00Z\"""",
    "S303": """A cadence does not end after it starts (cadence endpoint).

An end equal to the start is refused too.  Reported at the cadence.

Passes: "start": "2030-06-10T00:00:00Z", "end": "2030-06-20T00:00:00Z"
Fails:  "start": "2030-06-20T00:00:00Z", "end": "2030-06-10T00:00:00Z\"""",
    "S304": """A group sent to the cadence endpoint holds more than one request.

Expand each request's cadence in a group of its own; the portal asks this
only once every field of the group is valid.""",
    "S305": """No window of a cadence can hold the request (cadence endpoint).

Each cadence window is kept only if it ends after now and the target is
observable in it, at some site, for longer than the request's duration.  When
none is kept the portal answers {"errors": "..."} (a string).  Widen the
jitter, change the period or the dates, or loosen the constraints.""",
    "S900": """Another structural problem found by the schemas.""",
}


#: What the fixes of J and S codes do; a rule module declares its own as ``FIX``
#: (docs/fixes.md).  ``lco-validate rules`` shows which codes fix, ``explain`` what.
INPUT_AND_SCHEMA_FIXES: dict[str, FixDocumentation] = {
    "S001": FixDocumentation(
        "safe",
        "writes a sexagesimal ra (hours, 12:34:56.7) or dec (degrees, -12 34 56) as the "
        "decimal degrees it means, with the precision the text was written to and a digit "
        "more; no fix when the text cannot be read as an angle (its message says why).",
    ),
    "S004": FixDocumentation(
        "safe",
        "writes a choice in the letter case the portal requires (expose becomes EXPOSE), "
        "when exactly one choice is the text in other case.",
    ),
    "S008": FixDocumentation(
        "safe or unsafe",
        'writes the value as its field means it: "30" becomes 30 and "1.50" 1.5, '
        '"true" or "yes" becomes true, a number in a text field becomes '
        'its text (2 becomes "2"); safe, since the portal reads the result as it '
        "read the value.  true or false in a number field becomes 1 or 0: unsafe, since "
        "that reading is the portal's and may not be what was meant.",
    ),
    "S101": FixDocumentation(
        "safe or unsafe",
        "renames the key to the one known key of that place it is near: safe when the "
        "two differ only in letter case and separators (Exposure-Time for "
        "exposure_time); unsafe when a typing slip or two apart (exposure_tme; "
        "max_lunar_distance for min_lunar_distance, a judgement: the portal has no "
        "maximum), since the portal then uses a value it dropped before.  No fix when "
        "several known keys are as near (the message lists them) or the object has the "
        "key already.",
    ),
}

#: What a reader of a rule's examples needs to know to read them as documents.
EXAMPLES_NOTE = (
    "Each example is a fragment of a valid request group (one request for a 1m0 Sinistro\n"
    "observing M4): PLACE says which object it is merged into, POINTER where the finding\n"
    "is, below that object (docs/rules.md, Examples)."
)


def all_codes() -> list[tuple[str, str]]:
    """(code, one-line summary) for every code, sorted."""
    from ..rules import all_rules, summary

    entries = [(code, text.splitlines()[0]) for code, text in INPUT_AND_SCHEMA_CODES.items()]
    entries += [(rule.CODE, summary(rule)) for rule in all_rules()]
    return sorted(entries)


def explain_code(code: str) -> str | None:
    from ..rules import all_rules

    fix = fix_documentation(code)
    fix_text = ""
    if fix is not None:
        fix_text = "\n\n" + textwrap.fill(
            f"Fix ({fix.applicability}): {fix.what}", 78, break_on_hyphens=False
        )
    if code in INPUT_AND_SCHEMA_CODES:
        return f"{code}: {INPUT_AND_SCHEMA_CODES[code]}{fix_text}"
    for rule in all_rules():
        if code == rule.CODE:
            severity = rule.SEVERITY.value
            docstring = (rule.__doc__ or "").strip()
            return f"{code} ({severity}): {docstring}{fix_text}\n\n{EXAMPLES_NOTE}"
    return None


def fix_documentation(code: str) -> FixDocumentation | None:
    """What the code's fixes do; None for a code that has none."""
    from ..rules import all_rules

    if code in INPUT_AND_SCHEMA_FIXES:
        return INPUT_AND_SCHEMA_FIXES[code]
    for rule in all_rules():
        if code == rule.CODE:
            documentation = getattr(rule, "FIX", None)
            return documentation if isinstance(documentation, FixDocumentation) else None
    return None
