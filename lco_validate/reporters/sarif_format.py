"""SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards.

One run; ``tool.driver.rules`` holds one entry for each code that occurs in
the results (summary, documentation, default level), so the file stays small
and its rule list does not change when unrelated rules are added.  Each result
names a repository-relative URI under ``%SRCROOT%``, a region counted in
Unicode code points (``columnKind``), the JSON Pointer as its logical
location, and a fingerprint that does not depend on line numbers.  A finding
that carries a fix has it as the result's ``fixes``: the regions it replaces and
their new text, its description saying whether it is safe (docs/fixes.md).

The location conventions defined here (repository-relative paths and stable
fingerprints) are shared by the other CI formats.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from ..checking.pipeline import FileResult
from ..checking.summary import Summary
from ..findings import Finding, Fix, Severity

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SOURCE_ROOT = "%SRCROOT%"
FINGERPRINT_KEY = "lcoValidateFinding/v1"
STDIN_NAME = "-"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def repository_path(path: str, root: Path | None = None) -> str:
    """``path`` relative to ``root`` (the working directory) with forward slashes.

    Symbolic links are resolved first, as code scanning expects; a path outside
    ``root`` stays absolute, since a ``../`` path would name a different file
    from another checkout.
    """
    if path == STDIN_NAME:
        return path
    base = Path.cwd() if root is None else root
    target = Path(path)
    for base_form, target_form in (
        (base.resolve(), target.resolve()),
        (Path(os.path.abspath(base)), Path(os.path.abspath(target))),
    ):
        if target_form.is_relative_to(base_form):
            return target_form.relative_to(base_form).as_posix()
    return target.resolve().as_posix()


def fingerprint(path: str, code: str, pointer: str, occurrence: int) -> str:
    """A hex digest that survives edits elsewhere in the file (no line numbers in it).

    ``occurrence`` tells apart findings of one code at one pointer, such as two
    missing fields reported at the same parent object.
    """
    identity = "\0".join((path, code, pointer, str(occurrence)))
    # A pointer may hold half a surrogate pair from a key the parser kept as written (J003).
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()


def located_findings(results: list[FileResult]) -> Iterator[tuple[str, Finding, str]]:
    """Each finding with its repository-relative path and its fingerprint, in report order."""
    occurrences: Counter[tuple[str, str, str]] = Counter()
    for result in results:
        for finding in result.findings:
            path = repository_path(finding.path or result.path)
            key = (path, finding.code, finding.pointer)
            yield path, finding, fingerprint(*key, occurrences[key])
            occurrences[key] += 1


@cache
def code_summaries() -> dict[str, str]:
    """Every finding code's one-line summary."""
    from ..checking.codes import all_codes

    return dict(all_codes())


def code_documentation(code: str) -> str:
    """The text ``lco-validate explain CODE`` prints, without its ``CODE:`` heading."""
    from ..checking.codes import explain_code

    text = explain_code(code)
    if text is None:
        return code_summaries().get(code, code)
    return text.partition(": ")[2]


@cache
def rule_severities() -> dict[str, Severity]:
    from ..rules import all_rules

    return {rule.CODE: rule.SEVERITY for rule in all_rules()}


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lco-validate")
    except PackageNotFoundError:
        return "0+unknown"


def artifact_location(path: str) -> dict[str, str]:
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": SOURCE_ROOT}


def rule_descriptor(code: str, observed: Severity) -> dict[str, Any]:
    documentation = code_documentation(code)
    level = LEVELS[rule_severities().get(code, observed)]
    return {
        "id": code,
        "shortDescription": {"text": code_summaries().get(code, code)},
        "fullDescription": {"text": documentation},
        "help": {"text": f"{documentation}\n\n(`lco-validate explain {code}` prints this text.)"},
        "defaultConfiguration": {"level": level},
    }


def result_object(path: str, finding: Finding, rule_index: int, digest: str) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(path)}
    if finding.line > 0:
        column = max(finding.column, 1)
        # The tool knows where a value starts, not where it ends: mark its first character.
        physical["region"] = {
            "startLine": finding.line,
            "startColumn": column,
            "endLine": finding.line,
            "endColumn": column + 1,
        }
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.pointer:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.pointer}]
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: digest},
    }
    if finding.fix is not None and finding.fix.changes:
        result["fixes"] = [fix_object(path, finding.fix)]
    return result


def fix_object(path: str, fix: Fix) -> dict[str, Any]:
    """A SARIF ``fix``: one file's replacements, regions counted as the results' are."""
    replacements = []
    for change in fix.changes:
        replacement: dict[str, Any] = {
            "deletedRegion": {
                "startLine": change.start_line,
                "startColumn": change.start_column,
                "endLine": change.end_line,
                "endColumn": change.end_column,
            }
        }
        if change.text:
            replacement["insertedContent"] = {"text": change.text}
        replacements.append(replacement)
    return {
        "description": {"text": f"{fix.description} ({fix.applicability} fix)"},
        "artifactChanges": [
            {"artifactLocation": artifact_location(path), "replacements": replacements}
        ],
    }


def sarif_log(results: list[FileResult], version: str) -> dict[str, Any]:
    located = list(located_findings(results))
    first_severity: dict[str, Severity] = {}
    for _path, finding, _digest in located:
        first_severity.setdefault(finding.code, finding.severity)
    codes = sorted(first_severity)
    rule_index = {code: index for index, code in enumerate(codes)}
    driver = {
        "name": "lco-validate",
        "version": version,
        "rules": [rule_descriptor(code, first_severity[code]) for code in codes],
    }
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "columnKind": "unicodeCodePoints",
                "results": [
                    result_object(path, finding, rule_index[finding.code], digest)
                    for path, finding, digest in located
                ],
            }
        ],
    }


def report(results: list[FileResult], summary: Summary, stream: TextIO) -> None:
    json.dump(sarif_log(results, tool_version()), stream, indent=2)
    stream.write("\n")
