"""Streaming archives: concatenated API pages, JSON Lines, gzip, directories, in bounded memory.

An archive file is a sequence of JSON documents (API pages of requests or
request groups, or single records), optionally each preceded by the HTTP
status and header lines the browsable API saves, optionally gzip-compressed.
``iter_archive_documents`` reads it in chunks and yields one document's text
at a time, so memory is bounded by the largest single document, not the file.

Files are opened as ``check`` opens them (devices refused, a FIFO without a
writer read as empty), and what ``check`` refuses in a document is refused
here as a finding: nesting deeper than ``MAX_NESTING_DEPTH`` (J011), a
document larger than ``MAX_DOCUMENT_CHARACTERS`` (J012), numbers the portal
cannot read (J014, J015) and halves of surrogate pairs (J016).  Compressed
data that is corrupt or cut short is J017.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..documents.kinds import Unit, iter_units
from ..documents.loading import (
    JSON_LINES_SUFFIXES,
    MAX_FILE_BYTES,
    MAX_NESTING_DEPTH,
    expand_paths,
    nested_too_deep,
    open_guarded,
)
from ..documents.odd_values import (
    INTEGER_DIGITS_READ,
    NumberWatch,
    may_hold_surrogates,
    odd_values,
    read_integer,
)
from ..findings import Finding, Severity

CHUNK_CHARACTERS = 1 << 20
#: A single document (one API page, one line of JSON Lines) larger than this is refused,
#: as ``check`` refuses a larger file; the rest of its file is not read, so that a small
#: compressed file that expands to gigabytes costs no more than this.
MAX_DOCUMENT_CHARACTERS = MAX_FILE_BYTES
ARCHIVE_INCLUDE = ("*.json", "*.jsonl", "*.ndjson", "*.txt", "*.gz")

_PREAMBLE_LINE = re.compile(r"(?:HTTP(?:/[\d.]+)? \d{3}\b|[A-Za-z0-9-]+:)[^\n]*\n")
_SPACE = re.compile(r"[ \t\r\n]*")
_DOCUMENT_START = re.compile(r'(?<=\n)(?:HTTP |\{\s*"count"|\[)')
#: The decoders' number hooks; each decode resets it and reads it before anything else
#: runs, so that readers of several files in turn (generators) can share it.
_NUMBERS = NumberWatch()
_DECODER = json.JSONDecoder(parse_float=_NUMBERS.read_float, parse_int=_NUMBERS.read_int)
_LONG_INTEGER_DECODER = json.JSONDecoder(parse_int=read_integer)
#: A syntax error this far before the end of the buffer is real, not a document cut by a chunk.
_TRUNCATION_MARGIN = 64 << 10
#: What the gzip module raises for compressed data that is corrupt or cut short.
_BAD_COMPRESSION = (EOFError, zlib.error, gzip.BadGzipFile)


@dataclass(frozen=True)
class ArchiveDocument:
    path: str
    index: int  # 0-based position of the document in its file
    line: int  # 1-based line where the document starts
    text: str
    value: Any = field(default=None, compare=False, repr=False)  # parsed while splitting
    #: The value differs from what ``text`` parses to (surrogate halves replaced).
    cleaned: bool = field(default=False, compare=False, repr=False)


@dataclass(frozen=True)
class ArchiveRequest:
    path: str
    pointer: str  # of the request within its document
    document: int
    request: dict[str, Any]


def iter_archive_documents(path: str) -> Iterator[ArchiveDocument | Finding]:
    """The documents of one archive file, as text, one at a time; problems as findings."""
    try:
        handle = open_guarded(path)
    except IsADirectoryError:
        yield _whole_file("J020", "cannot read this path: it is a directory", path)
        return
    except OSError as error:  # NotAFile included
        yield _whole_file("J020", f"cannot read this path: {error.strerror or error}", path)
        return
    read = _Progress()
    with handle:
        try:
            stream = _text(handle)
            if path.removesuffix(".gz").endswith(JSON_LINES_SUFFIXES):
                documents = _read_lines(path, stream)
            else:
                documents = _split_documents(path, stream)
            for document in documents:
                read.note(document)
                yield document
        except _BAD_COMPRESSION as error:
            yield read.stopped(
                "J017", f"the compressed data is corrupt or cut short ({error or 'no end'})", path
            )
        except UnicodeDecodeError as error:
            yield read.stopped(
                "J007", f"invalid UTF-8 (byte 0x{error.object[error.start]:02x})", path
            )
        except OSError as error:
            yield read.stopped("J020", f"the file stopped being readable: {error}", path)


def _text(handle: io.BufferedReader) -> io.TextIOWrapper:
    """The file's text, decompressing gzip (by content, not by name)."""
    compressed = handle.peek(2)[:2] == b"\x1f\x8b"
    binary = gzip.GzipFile(fileobj=handle, mode="rb") if compressed else handle
    return io.TextIOWrapper(binary, encoding="utf-8-sig")


class _Progress:
    """Where reading a file got to, to say where it stopped."""

    def __init__(self) -> None:
        self.documents = 0
        self.line = 1

    def note(self, item: ArchiveDocument | Finding) -> None:
        if isinstance(item, ArchiveDocument):
            self.documents += 1
            self.line = item.line

    def stopped(self, code: str, problem: str, path: str) -> Finding:
        after = f"after document {self.documents}" if self.documents else "before any document"
        return Finding(
            code,
            Severity.ERROR,
            f"{problem} {after}; the rest of the file is not read",
            path=path,
            line=self.line,
            column=1,
        )


def _read_lines(path: str, stream: io.TextIOBase) -> Iterator[ArchiveDocument | Finding]:
    """JSON Lines: one document per line, so a broken line costs only itself."""
    index = 0
    number = 0
    while line := stream.readline(MAX_DOCUMENT_CHARACTERS + 1):
        number += 1
        if len(line) > MAX_DOCUMENT_CHARACTERS and not line.endswith("\n"):
            yield _too_large(path, number, f"line {number}")
            return
        if not line.strip():
            continue
        _NUMBERS.beyond_float = False
        try:
            value = _DECODER.decode(line)
        except json.JSONDecodeError as error:
            yield Finding(
                "J001",
                Severity.ERROR,
                f"invalid JSON on this line: {error.msg}",
                path=path,
                line=number,
                column=error.colno,
            )
        except RecursionError:
            yield _too_deep(path, number)
        except ValueError:  # int() refused an integer of thousands of digits
            yield _too_many_digits(path, number)
        else:
            yield from _checked_document(ArchiveDocument(path, index, number, line, value))
        index += 1


def _checked_document(document: ArchiveDocument) -> Iterator[ArchiveDocument | Finding]:
    """The document, or J011 instead; J015 and J016 findings first (``_NUMBERS`` fresh)."""
    if nested_too_deep(document.text):
        yield _too_deep(document.path, document.line)
        return
    if not (_NUMBERS.beyond_float or may_hold_surrogates(document.text)):
        yield document
        return
    value, findings = odd_values(document.value)
    for finding in findings:
        yield Finding(
            finding.code,
            finding.severity,
            finding.message,
            pointer=finding.pointer.encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
            path=document.path,
            line=document.line,
            column=1,
            at_key=finding.at_key,
        )
    yield ArchiveDocument(
        document.path, document.index, document.line, document.text, value, cleaned=True
    )


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
            at_end = len(more) < 2 * ahead  # a text stream reads fewer only at its end
            buffer, offset = buffer[offset:] + more, 0
            continue
        if offset >= len(buffer):
            return
        _NUMBERS.beyond_float = False
        if at_end and index == 0:
            rest = buffer[offset:].rstrip(" \t\r\n")
            value = _read_alone(rest)
            if value is not _UNREAD:
                yield from _checked_document(ArchiveDocument(path, index, line, rest, value))
                return
        try:
            try:
                value, end = _DECODER.raw_decode(buffer, offset)
            except (json.JSONDecodeError, RecursionError):
                raise
            except ValueError:  # int() refused an integer of thousands of digits
                value, end = _LONG_INTEGER_DECODER.raw_decode(buffer, offset)
                yield _too_many_digits(path, line)
                line += buffer.count("\n", offset, end)
                offset = end
                index += 1
                continue
        except (json.JSONDecodeError, RecursionError) as error:
            if isinstance(error, json.JSONDecodeError) and _cut_short(error, buffer):
                unread = len(buffer) - offset
                if unread > MAX_DOCUMENT_CHARACTERS:
                    yield _too_large(path, line, f"document {index + 1}")
                    return
                if not at_end:
                    more = stream.read(
                        min(max(CHUNK_CHARACTERS, unread), MAX_DOCUMENT_CHARACTERS + 1 - unread)
                    )
                    at_end = not more
                    buffer, offset = buffer[offset:] + more, 0
                    continue
            if isinstance(error, RecursionError):
                yield _too_deep(path, line)
                error_at = offset
            else:
                error_at = error.pos
                yield Finding(
                    "J001",
                    Severity.ERROR,
                    f"invalid JSON in document {index + 1}: {error.msg}; "
                    "skipped to the next line that starts a document",
                    path=path,
                    line=line + buffer.count("\n", offset, error.pos),
                    column=1,
                )
            index += 1
            # Resume at the next line that can start a document: inside a broken page
            # every other line would be a fragment.
            resumed = yield from _resume(path, stream, buffer, offset, line, error_at, at_end)
            if resumed is None:
                return
            buffer, offset, line, at_end = resumed
            continue
        if end - offset > MAX_DOCUMENT_CHARACTERS:  # it fitted in the buffer: refused all the same
            yield _too_large(path, line, f"document {index + 1}")
            return
        yield from _checked_document(ArchiveDocument(path, index, line, buffer[offset:end], value))
        ahead = min(max(CHUNK_CHARACTERS, 2 * (end - offset)), MAX_DOCUMENT_CHARACTERS // 2)
        line += buffer.count("\n", offset, end)
        offset = end
        index += 1


def _cut_short(error: json.JSONDecodeError, buffer: str) -> bool:
    """Whether the error may be the end of the buffer rather than of the document.

    A string cannot hold a raw line break, so one left open reaches the buffer's end.
    """
    return error.msg.startswith("Unterminated string") or (
        len(buffer) - error.pos < _TRUNCATION_MARGIN
    )


#: What ``_read_alone`` gives for a text it leaves to the standard parser.
_UNREAD = object()
#: orjson reads an integer beyond 64 bits as a float; one of 19 digits or more may be one.
_LONG_INTEGER = b"0" * 19
_DIGITS_MARKED = bytes(ord("0") if byte in b"0123456789" else ord(" ") for byte in range(256))


def _read_alone(text: str) -> Any:
    """``text`` parsed, when it is a single document orjson reads as Python's parser does.

    A file holding one document (an API page, as archives are mostly fetched) is
    read about twice as fast; anything else (a second document, numbers beyond
    64-bit integers or floating point, halves of surrogate pairs, NaN, nesting
    deeper than orjson goes) is ``_UNREAD``, left to the standard parser, which
    reads it as the portal does and reports what it finds.
    """
    if len(text) > MAX_DOCUMENT_CHARACTERS:
        return _UNREAD
    encoded = text.encode("utf-8", "surrogatepass")
    if _LONG_INTEGER in encoded.translate(_DIGITS_MARKED):
        return _UNREAD
    try:
        return orjson.loads(encoded)
    except orjson.JSONDecodeError:
        return _UNREAD


def _resume(
    path: str,
    stream: io.TextIOBase,
    buffer: str,
    offset: int,
    line: int,
    error_at: int,
    at_end: bool,
) -> Generator[Finding, None, tuple[str, int, int, bool] | None]:
    """(buffer, offset, line, at_end) at the next document's start after a broken one.

    None at the end of the file, or (with a finding) when no document starts within
    ``MAX_DOCUMENT_CHARACTERS``: the text is skipped chunk by chunk, never decoded.
    """
    search_from = max(error_at, offset + 1)
    skipped = 0
    while True:
        start = _DOCUMENT_START.search(buffer, search_from)
        if start is not None:
            return buffer, start.start(), line + buffer.count("\n", offset, start.start()), at_end
        if at_end:
            return None
        skipped += len(buffer) - offset
        if skipped > MAX_DOCUMENT_CHARACTERS:
            yield Finding(
                "J012",
                Severity.ERROR,
                f"no document starts within {MAX_DOCUMENT_CHARACTERS // 2**20} MiB after the "
                "broken one; the rest of the file is not read",
                path=path,
                line=line,
                column=1,
            )
            return None
        # Keep the last character: a document starts only after a line break.
        line += buffer.count("\n", offset, len(buffer) - 1)
        more = stream.read(CHUNK_CHARACTERS)
        at_end = not more
        buffer, offset, search_from = buffer[-1:] + more, 0, 1


def _whole_file(code: str, message: str, path: str) -> Finding:
    return Finding(code, Severity.ERROR, message, path=path, line=1, column=1)


def _too_large(path: str, line: int, what: str) -> Finding:
    return Finding(
        "J012",
        Severity.ERROR,
        f"{what} is longer than {MAX_DOCUMENT_CHARACTERS // 2**20} MiB, the most read as "
        "one document; the rest of the file is not read",
        path=path,
        line=line,
        column=1,
    )


def _too_deep(path: str, line: int) -> Finding:
    return Finding(
        "J011",
        Severity.ERROR,
        f"the document is nested more than {MAX_NESTING_DEPTH} levels deep; request documents "
        "are a few levels deep: the document is skipped",
        path=path,
        line=line,
        column=1,
    )


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
