"""JUnit XML: a ``<testsuite>`` per file, for CI test-report views (GitLab, Jenkins...).

Each finding is a ``<testcase>`` named ``CODE pointer``; an error carries a
``<failure>``, while a warning or note passes and says what it found in
``<system-out>`` (they do not fail the run either).  A file with no findings
gets one passing ``all checks`` testcase, so the totals count clean files too.
Paths are relative to the working directory.  The output is plain ASCII
(other characters become character references), so it is UTF-8 whatever the
stream's encoding, and characters XML 1.0 cannot hold are written as ``\\xNN``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from typing import TextIO

from ..checking.pipeline import FileResult
from ..checking.summary import Summary
from ..findings import Finding, Severity
from .sarif_format import repository_path

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
CLEAN_TESTCASE = "all checks"

_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _NOT_IN_XML.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def located_line(path: str, finding: Finding) -> str:
    return xml_safe(f"{path}:{finding.line}:{finding.column}: {finding.code} {finding.message}")


def file_suite(result: FileResult) -> ElementTree.Element:
    path = xml_safe(repository_path(result.path))
    failures = sum(1 for finding in result.findings if finding.severity is Severity.ERROR)
    suite = ElementTree.Element(
        "testsuite",
        name=path,
        tests=str(max(len(result.findings), 1)),
        failures=str(failures),
        errors="0",
    )
    if not result.findings:
        ElementTree.SubElement(suite, "testcase", classname=path, name=CLEAN_TESTCASE, file=path)
    for finding in result.findings:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=path,
            name=xml_safe(f"{finding.code} {finding.pointer or '/'}"),
            file=path,
            line=str(finding.line),
        )
        if finding.severity is Severity.ERROR:
            failure = ElementTree.SubElement(
                case, "failure", type=finding.code, message=xml_safe(finding.message)
            )
            failure.text = located_line(path, finding)
        else:
            output = ElementTree.SubElement(case, "system-out")
            output.text = f"{finding.severity.value}: {located_line(path, finding)}"
    return suite


def report(results: list[FileResult], summary: Summary, stream: TextIO) -> None:
    suites = [file_suite(result) for result in results]
    root = ElementTree.Element(
        "testsuites",
        name="lco-validate",
        tests=str(sum(int(suite.get("tests", "0")) for suite in suites)),
        failures=str(sum(int(suite.get("failures", "0")) for suite in suites)),
        errors="0",
    )
    root.extend(suites)
    ElementTree.indent(root)
    stream.write(XML_DECLARATION)
    stream.write(ElementTree.tostring(root, encoding="us-ascii").decode("ascii"))
    stream.write("\n")
