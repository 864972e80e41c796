"""Streaming archives: concatenated API pages, JSON Lines, gzip, directories, in bounded memory.

An archive file is a sequence of JSON documents (API pages of requests or
request groups, or single records), optionally each preceded by the HTTP
status and header lines the browsable API saves, optionally gzip-compressed.
``iter_archive_documents`` reads it in chunks and yields one document's text
at a time, so memory is bounded by the largest single document, not the file.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..documents.kinds import Unit, iter_units
from ..documents.loading import JSON_LINES_SUFFIXES, expand_paths
from ..documents.odd_values import INTEGER_DIGITS_READ, read_integer
from ..findings import Finding, Severity

CHUNK_CHARACTERS = 1 << 20
#: A single document (one API page) larger than this is refused.
MAX_DOCUMENT_CHARACTERS = 256 << 20
ARCHIVE_INCLUDE = ("*.json", "*.jsonl", "*.ndjson", "*.txt", "*.gz")

_PREAMBLE_LINE = re.compile(r"(?:HTTP(?:/[\d.]+)? \d{3}\b|[A-Za-z0-9-]+:)[^\n]*\n")
_SPACE = re.compile(r"[ \t\r\n]*")
_DOCUMENT_START = re.compile(r'(?<=\n)(?:HTTP |\{\s*"count"|\[)')
_DECODER = json.JSONDecoder()
_LONG_INTEGER_DECODER = json.JSONDecoder(parse_int=read_integer)
#: A syntax error this far before the end of the buffer is real, not a document cut by a chunk.
_TRUNCATION_MARGIN = 64 << 10


@dataclass(frozen=True)
class ArchiveDocument:
    path: str
    index: int  # 0-based position of the document in its file
    line: int  # 1-based line where the document starts
    text: str
    value: Any = field(default=None, compare=False, repr=False)  # parsed while splitting


@dataclass(frozen=True)
class ArchiveRequest:
    path: str
    pointer: str  # of the request within its document
    document: int
    request: dict[str, Any]


def open_text(path: str) -> io.TextIOBase:
    """Open a file for text reading, decompressing gzip (by content, not by name)."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    if compressed:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig")


def iter_archive_documents(path: str) -> Iterator[ArchiveDocument | Finding]:
    """The documents of one archive file, as text, one at a time; problems as findings."""
    try:
        stream = open_text(path)
    except OSError as error:
        yield Finding("J020", Severity.ERROR, f"cannot read this path: {error.strerror}", path=path)
        return
    with stream:
        try:
            if path.removesuffix(".gz").endswith(JSON_LINES_SUFFIXES):
                yield from _read_lines(path, stream)
            else:
                yield from _split_documents(path, stream)
        except (UnicodeDecodeError, OSError, EOFError) as error:
            yield Finding(
                "J007", Severity.ERROR, f"the file stopped being readable: {error}", path=path
            )


def _read_lines(path: str, stream: io.TextIOBase) -> Iterator[ArchiveDocument | Finding]:
    """JSON Lines: one document per line, so a broken line costs only itself."""
    index = 0
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            yield Finding(
                "J001",
                Severity.ERROR,
                f"invalid JSON on this line: {error.msg}",
                path=path,
                line=number,
                column=error.colno,
            )
        except ValueError:  # int() refused an integer of thousands of digits
            yield _too_many_digits(path, number)
        else:
            yield ArchiveDocument(path, index, number, line, value)
        index += 1


def _split_documents(path: str, stream: io.TextIOBase) -> Iterator[ArchiveDocument | Finding]:
    buffer = ""
    offset = 0
    line = 1  # line number at ``offset``
    index = 0
    at_end = False
    # Keep at least twice the last document's size ahead: a document cut by the end of
    # the buffer is decoded in vain up to the cut, and API pages are larger than a chunk.
    ahead = CHUNK_CHARACTERS
    while True:
        offset, line = _skip_preamble(buffer, offset, line)
        if len(buffer) - offset < ahead and not at_end:
            more = stream.read(2 * ahead)
            at_end = not more
            buffer, offset = buffer[offset:] + more, 0
            continue
        if offset >= len(buffer):
            return
        try:
            try:
                value, end = _DECODER.raw_decode(buffer, offset)
            except json.JSONDecodeError:
                raise
            except ValueError:  # int() refused an integer of thousands of digits
                value, end = _LONG_INTEGER_DECODER.raw_decode(buffer, offset)
                yield _too_many_digits(path, line)
                line += buffer.count("\n", offset, end)
                offset = end
                index += 1
                continue
        except json.JSONDecodeError as error:
            truncated = len(buffer) - error.pos < _TRUNCATION_MARGIN
            if truncated and not at_end and len(buffer) - offset < MAX_DOCUMENT_CHARACTERS:
                more = stream.read(max(CHUNK_CHARACTERS, len(buffer) - offset))
                at_end = not more
                buffer, offset = buffer[offset:] + more, 0
                continue
            error_line = line + buffer.count("\n", offset, error.pos)
            yield Finding(
                "J001",
                Severity.ERROR,
                f"invalid JSON in document {index + 1}: {error.msg}; skipped to the next line",
                path=path,
                line=error_line,
                column=1,
            )
            # Resume at the next line that can start a document: inside a broken page
            # every other line would be a fragment.
            next_start = _DOCUMENT_START.search(buffer, max(error.pos, offset + 1))
            resume = -1 if next_start is None else next_start.start()
            if resume == -1:
                if at_end:
                    return
                buffer, offset = "", 0
                continue
            line = error_line + buffer.count("\n", error.pos, resume)
            offset = resume
            index += 1
            continue
        yield ArchiveDocument(path, index, line, buffer[offset:end], value)
        ahead = max(CHUNK_CHARACTERS, 2 * (end - offset))
        line += buffer.count("\n", offset, end)
        offset = end
        index += 1


def _too_many_digits(path: str, line: int) -> Finding:
    return Finding(
        "J014",
        Severity.ERROR,
        f"an integer in this document has more than {INTEGER_DIGITS_READ:,} digits, which the "
        "portal's JSON parser refuses; the document is skipped",
        path=path,
        line=line,
        column=1,
    )


def _skip_preamble(buffer: str, offset: int, line: int) -> tuple[int, int]:
    """Skip white space and saved HTTP status/header lines before the next document."""
    while True:
        space = _SPACE.match(buffer, offset)
        assert space is not None
        line += buffer.count("\n", offset, space.end())
        offset = space.end()
        header = _PREAMBLE_LINE.match(buffer, offset)
        if header is None:
            return offset, line
        offset = header.end()
        line += 1


def iter_archive_units(
    paths: list[str], kind: str | None = None
) -> Iterator[tuple[ArchiveDocument, Unit | Finding]]:
    """Every request group or request in the archives, with the document it came from."""
    for path in expand_paths(paths, include=ARCHIVE_INCLUDE):
        for document in iter_archive_documents(path):
            if isinstance(document, Finding):
                yield ArchiveDocument(path, -1, document.line, ""), document
                continue
            for item in iter_units(document.value, kind):
                yield document, item


def iter_archive_requests(paths: list[str]) -> Iterator[ArchiveRequest]:
    """Every request in the archives (request groups are opened); unreadable parts skipped."""
    for document, unit in iter_archive_units(paths):
        if isinstance(unit, Unit):
            for pointer, request in unit.requests():
                yield ArchiveRequest(document.path, pointer, document.index, request)
