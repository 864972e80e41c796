"""Reading files into JSON documents, and turning unreadable input into findings.

Bad input is this tool's normal business: every way a file can fail to be a
JSON document (wrong encoding, syntax, duplicate keys, NaN, nesting, size)
becomes a J-code finding with a position, never an exception.
"""

from __future__ import annotations

import codecs
import fnmatch
import io
import itertools
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..findings import Finding, Severity
from .odd_values import NumberWatch, may_hold_surrogates, odd_values, read_integer

#: Files larger than this are not loaded whole; ``audit`` streams archives instead.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Deeper nesting than this is refused before parsing (real requests are < 10 deep).
MAX_NESTING_DEPTH = 512

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
CAPTURE_SUFFIX = ".txt"
STDIN_NAME = "-"

_HTTP_STATUS_LINE = re.compile(r"HTTP(?:/[\d.]+)? (\d{3})\b[^\n]*\n")
_HTTP_HEADER_LINE = re.compile(r"[A-Za-z0-9-]+:[^\n]*\n")
_UTF16_32_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class Document:
    """One JSON value read from ``text[start:end]`` of its file."""

    value: object
    start: int
    end: int


@dataclass
class SourceFile:
    """A file as loaded: its text, the documents in it, and what went wrong."""

    path: str
    text: str = ""
    documents: list[Document] = field(default_factory=list)
    #: What went wrong, each with the offset of the document its pointer refers to.
    located: list[tuple[Finding, int]] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [finding for finding, _document_start in self.located]

    def add(self, finding: Finding, document_start: int = 0) -> None:
        self.located.append((finding.with_path(self.path), document_start))


class UnreadablePath(Exception):
    """A command-line path that names nothing we can read."""


#: File name patterns searched for in directories (pages saved from the browsable API are
#: ``.txt`` files that start with an HTTP status line).
DEFAULT_INCLUDE = ("*.json", "*.jsonl", "*.ndjson", "*.txt")


def expand_paths(
    paths: list[str],
    include: list[str] | tuple[str, ...] = DEFAULT_INCLUDE,
    exclude: Callable[[Path], bool] = lambda path: False,
) -> Iterator[str]:
    """Yield the files to check: files as given; directories searched recursively.

    In directories, files whose names match ``include`` are taken (``.txt`` only if it
    is a saved API page) unless ``exclude`` says no; files named explicitly are always taken.
    A directory that cannot be listed is yielded itself, so that reading it reports why.
    """
    for path in paths:
        if path == STDIN_NAME or not os.path.isdir(path):
            yield path
            continue
        unlisted: list[OSError] = []
        candidates = [
            Path(folder, name)
            for folder, _, names in os.walk(path, onerror=unlisted.append)
            for name in names
        ]
        found = [
            str(candidate)
            for candidate in candidates
            if any(fnmatch.fnmatch(candidate.name, pattern) for pattern in include)
            and candidate.is_file()
            and (candidate.suffix != CAPTURE_SUFFIX or _is_api_capture(candidate))
            and not exclude(candidate)
        ]
        found += [
            str(error.filename)
            for error in unlisted
            if error.filename is not None and not exclude(Path(error.filename))
        ]
        yield from sorted(found)


def _is_api_capture(path: Path) -> bool:
    if path.suffix != CAPTURE_SUFFIX:
        return False
    try:
        with open(path, "rb") as handle:
            return _HTTP_STATUS_LINE.match(handle.read(64).decode("latin-1")) is not None
    except OSError:
        return False


def load_file(path: str) -> SourceFile:
    """Read ``path`` (or standard input for ``-``) into documents and findings."""
    source = SourceFile(path=path)
    try:
        if path == STDIN_NAME:
            data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        else:
            data = read_file(path, MAX_FILE_BYTES)
    except TooLarge as error:
        source.add(_too_large(error.size))
        return source
    except IsADirectoryError:
        source.add(_unreadable("it is a directory"))
        return source
    except OSError as error:  # NotAFile included
        source.add(_unreadable(error.strerror or str(error)))
        return source
    if len(data) > MAX_FILE_BYTES:
        source.add(_too_large(len(data)))
        return source
    json_lines = path.endswith(JSON_LINES_SUFFIXES)
    load_bytes(source, data, json_lines=json_lines, lines_allowed=path == STDIN_NAME)
    return source


class NotAFile(OSError):
    """A path that names a device, a FIFO or a socket: reading it may never end."""


_SPECIAL_FILES = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


def read_file(path: str | Path, limit: int) -> bytes:
    """A regular file (``TooLarge`` beyond ``limit`` bytes), or a pipe a writer has open."""
    with open_guarded(path, limit) as handle:
        return handle.read(limit + 1)


def open_guarded(path: str | Path, limit: int | None = None) -> io.BufferedReader:
    """Open a regular file (``TooLarge`` beyond ``limit`` bytes) or a pipe for reading.

    Devices and sockets are refused (``NotAFile``).  A FIFO is opened without
    waiting for a writer: with none, it reads as empty instead of blocking for ever;
    a pipe from process substitution, ``<(...)``, is read to its end.
    """
    status = os.stat(path)
    for test, what in _SPECIAL_FILES:
        if test(status.st_mode):
            raise NotAFile(f"it is {what}, not a file")
    if limit is not None and stat.S_ISREG(status.st_mode) and status.st_size > limit:
        raise TooLarge(status.st_size)
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        os.set_blocking(descriptor, True)
        return open(descriptor, "rb")
    except BaseException:
        os.close(descriptor)  # open() leaves a descriptor it was given open when it fails
        raise


def load_bytes(
    source: SourceFile, data: bytes, *, json_lines: bool = False, lines_allowed: bool = False
) -> None:
    """Decode and parse ``data`` into ``source``.

    ``lines_allowed`` reads the text as JSON Lines when one document is followed by more.
    """
    text = _decode(source, data)
    if text is None:
        return
    source.text = text
    start = _skip_http_preamble(source, text)
    if not text[start:].strip():
        source.add(
            Finding("J008", Severity.ERROR, "the file is empty: expected a JSON document"),
            start,
        )
        return
    if json_lines:
        _parse_lines(source, text, start)
        return
    document = _parse_one(source, text, start, len(text), report_extra=not lines_allowed)
    if document is None and lines_allowed and source.located[-1][0].code == "J004":
        source.located.pop()
        _parse_lines(source, text, start)
    elif document is not None:
        source.documents.append(document)


def _decode(source: SourceFile, data: bytes) -> str | None:
    if not data.strip():
        source.add(Finding("J008", Severity.ERROR, "the file is empty: expected a JSON document"))
        return None
    for bom, encoding in _UTF16_32_BOMS:
        if data.startswith(bom):
            return _decode_wide(source, data, encoding)
    if b"\x00" in data[:4] and len(data) >= 2:
        encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        if data[:1] != b"\x00" or data[1:2] != b"\x00":
            return _decode_wide(source, data, encoding)
    if b"\x00" in data:
        offset = data.index(b"\x00")
        line = data.count(b"\n", 0, offset) + 1
        source.add(
            Finding(
                "J009",
                Severity.ERROR,
                f"the file looks binary (a NUL byte at byte {offset}): expected JSON text",
                line=line,
                column=1,
            )
        )
        return None
    if data.startswith(codecs.BOM_UTF8):
        source.add(
            Finding(
                "J005",
                Severity.WARNING,
                "the file starts with a UTF-8 byte order mark; JSON text must not have one "
                "(RFC 8259 section 8.1): save it as UTF-8 without BOM",
                line=1,
                column=1,
            )
        )
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        source.add(
            Finding(
                "J007",
                Severity.ERROR,
                f"invalid UTF-8: byte 0x{data[error.start]:02x} cannot start or continue "
                "a character here; save the file as UTF-8",
                line=line,
                column=column,
            )
        )
        return None


def _decode_wide(source: SourceFile, data: bytes, encoding: str) -> str | None:
    label = encoding.split("-")[0].upper() + "-" + encoding.split("-")[1]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        source.add(
            Finding(
                "J007", Severity.ERROR, f"the file looks like {label} but does not decode as it"
            )
        )
        return None
    source.add(
        Finding(
            "J006",
            Severity.ERROR,
            f"the file is encoded as {label}; JSON exchanged between systems must be UTF-8 "
            "(RFC 8259 section 8.1): save it as UTF-8",
            line=1,
            column=1,
        )
    )
    return text.lstrip("\ufeff")


def _skip_http_preamble(source: SourceFile, text: str) -> int:
    """Offset where the JSON starts: after the status and header lines of a saved API page."""
    status = _HTTP_STATUS_LINE.match(text)
    if status is None:
        return 0
    offset = status.end()
    while header := _HTTP_HEADER_LINE.match(text, offset):
        offset = header.end()
    code = int(status.group(1))
    if not 200 <= code < 300:
        source.add(
            Finding(
                "J010",
                Severity.WARNING,
                f"this is a saved HTTP {code} response, not a successful API page",
                line=1,
                column=1,
            )
        )
    return offset


def _parse_lines(source: SourceFile, text: str, start: int) -> None:
    offset = start
    while offset < len(text):
        newline = text.find("\n", offset)
        end = len(text) if newline == -1 else newline
        if text[offset:end].strip():
            document = _parse_one(source, text, offset, end, report_extra=True)
            if document is not None:
                source.documents.append(document)
        offset = end + 1


class _DuplicateKey(Exception):
    pass


def _parse_one(
    source: SourceFile, text: str, start: int, end: int, *, report_extra: bool
) -> Document | None:
    deep = _first_offset_deeper_than(text, start, end, MAX_NESTING_DEPTH)
    if deep is not None:
        line, column = line_col(text, deep)
        source.add(
            Finding(
                "J011",
                Severity.ERROR,
                f"the document is nested more than {MAX_NESTING_DEPTH} levels deep; "
                "request documents are a few levels deep",
                line=line,
                column=column,
            ),
            start,
        )
        return None
    flags = _ParseFlags()
    numbers = NumberWatch()
    decoder = json.JSONDecoder(
        object_pairs_hook=flags.build_object,
        parse_constant=flags.note_constant,
        parse_float=numbers.read_float,
        parse_int=numbers.read_int,
    )
    piece = text if (start, end) == (0, len(text)) else text[start:end]
    try:
        value, value_end = decoder.raw_decode(piece, _skip_space(piece, 0, len(piece)))
    except json.JSONDecodeError as error:
        line, column = line_col(text, start + error.pos)
        source.add(
            Finding(
                "J001",
                Severity.ERROR,
                f"invalid JSON: {_describe_syntax_error(error)}",
                line=line,
                column=column,
            ),
            start,
        )
        return None
    except RecursionError:  # pragma: no cover - guarded by the depth check above
        source.add(Finding("J011", Severity.ERROR, "the document is nested too deeply"), start)
        return None
    except ValueError:  # int() refused an integer with thousands of digits
        _report_odd_values(source, text, _parse_long_integers(piece, start, end))
        return None
    value_end += start
    trailing = _skip_space(text, value_end, end)
    if trailing < end:
        if report_extra:
            line, column = line_col(text, trailing)
            source.add(
                Finding(
                    "J004",
                    Severity.ERROR,
                    "unexpected text after the end of the JSON document "
                    f"({text[trailing : trailing + 20]!r}); a file holds one JSON value "
                    "(use .jsonl for one document per line)",
                    line=line,
                    column=column,
                ),
                start,
            )
        else:
            source.add(Finding("J004", Severity.ERROR, "extra data"), start)
        return None
    document = Document(value=value, start=start, end=end)
    if flags.duplicates or flags.constants:
        _report_duplicates_and_constants(source, text, document)
    if numbers.beyond_float or may_hold_surrogates(piece):
        _report_odd_values(source, text, document)
    return document


def _parse_long_integers(piece: str, start: int, end: int) -> Document:
    """The document again, with a marker for each integer too long to read."""
    decoder = json.JSONDecoder(parse_int=read_integer)
    value, _ = decoder.raw_decode(piece, _skip_space(piece, 0, len(piece)))
    return Document(value=value, start=start, end=end)


def _report_odd_values(source: SourceFile, text: str, document: Document) -> None:
    """Findings for the values the portal cannot read; lone surrogates are replaced."""
    from .positions import scan

    index = scan(text, document.start, document.end)
    constants = frozenset(pointer for pointer, _, _ in index.constants)
    document.value, findings = odd_values(document.value, constants)
    for finding in findings:
        line, column = index.locate(finding.pointer, at_key=finding.at_key)
        pointer = finding.pointer.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        source.add(replace(finding, pointer=pointer, line=line, column=column), document.start)


@dataclass
class _ParseFlags:
    duplicates: bool = False
    constants: bool = False

    def build_object(self, pairs: list[tuple[str, object]]) -> dict[str, object]:
        result = dict(pairs)
        if len(result) != len(pairs):
            self.duplicates = True
        return result

    def note_constant(self, token: str) -> float:
        self.constants = True
        return float(token)


def _report_duplicates_and_constants(source: SourceFile, text: str, document: Document) -> None:
    from .positions import scan

    index = scan(text, document.start, document.end)
    for pointer, offset in index.duplicates:
        key = pointer.rsplit("/", 1)[-1]
        line, column = index.line_col(offset)
        source.add(
            Finding(
                "J002",
                Severity.ERROR,
                f"duplicate key {key!r}: an earlier value for it is silently replaced by this one; "
                "keep one",
                pointer=pointer,
                line=line,
                column=column,
                at_key=True,
            ),
            document.start,
        )
    for pointer, offset, token in index.constants:
        line, column = index.line_col(offset)
        source.add(
            Finding(
                "J003",
                Severity.ERROR,
                f"{token} is not a JSON number (RFC 8259 allows only finite numbers); "
                "write a finite number or null",
                pointer=pointer,
                line=line,
                column=column,
            ),
            document.start,
        )


def _skip_space(text: str, offset: int, end: int) -> int:
    while offset < end and text[offset] in " \t\r\n":
        offset += 1
    return offset


def nested_too_deep(text: str, limit: int = MAX_NESTING_DEPTH) -> bool:
    """True when brackets outside the strings of ``text`` nest more than ``limit`` deep.

    Exact for JSON text; quick (a few passes in C) because it runs on every document.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    data = text.encode("utf-8", "surrogatepass")
    if b"\\" in data:  # escaped backslashes first: a quote left after them is not escaped
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Two adjacent quotes are a string without brackets, or a gap without brackets between
    # two strings: either way, dropping them leaves the brackets outside strings as they are.
    structure = data.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in structure:
        structure = _QUOTED.sub(b"", structure)
    # Peeling the innermost pairs takes at most two levels a round: a document that is
    # gone within limit // 2 rounds is no deeper than the limit.
    peeled = structure
    for _ in range(limit // 2):
        inner = peeled.replace(b"[]", b"").replace(b"{}", b"")
        if not inner:
            return False
        if len(inner) == len(peeled):
            break
        peeled = inner
    steps = map(_NESTING_STEP.__getitem__, structure)
    return max(itertools.accumulate(steps), default=0) > limit


_NOT_STRUCTURE = bytes(set(range(256)) - set(b'[]{}"'))
#: A string's quotes (its brackets are gone), or an unclosed quote and the rest.
_QUOTED = re.compile(rb'"[^"]*"?')
_NESTING_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def _first_offset_deeper_than(text: str, start: int, end: int, limit: int) -> int | None:
    """Offset of the bracket that opens level ``limit + 1``, skipping strings; None if shallower."""
    if text.count("[", start, end) + text.count("{", start, end) <= limit:
        return None
    # The exact scan below is slow; the common answer, no, comes from a faster count.
    if not nested_too_deep(text if (start, end) == (0, len(text)) else text[start:end], limit):
        return None
    depth = 0
    offset = start
    brackets = re.compile(r'[\[\]{}"]')
    while match := brackets.search(text, offset, end):
        char = match.group()
        offset = match.end()
        if char == '"':
            closing = re.compile(r'(?:[^"\\]|\\.)*"', re.S).match(text, offset, end)
            if closing is None:
                return None
            offset = closing.end()
        elif char in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        else:
            depth -= 1
    return None


def line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _describe_syntax_error(error: json.JSONDecodeError) -> str:
    messages = {
        "Expecting value": "expected a value (a string, number, object, array, true, false "
        "or null)",
        "Expecting property name enclosed in double quotes": "expected a key in double quotes "
        "(a trailing comma or a single-quoted key?)",
        "Expecting ',' delimiter": "expected ',' between items",
        "Expecting ':' delimiter": "expected ':' after the key",
        "Unterminated string starting at": "a string is not closed",
        "Invalid control character at": "a control character (e.g. a raw newline or tab) inside "
        "a string; escape it",
        "Invalid \\escape": "an invalid backslash escape in a string",
        "Invalid \\uXXXX escape": "an invalid \\u escape in a string",
    }
    return messages.get(error.msg, error.msg[0].lower() + error.msg[1:])


def _too_large(size: int) -> Finding:
    return Finding(
        "J012",
        Severity.ERROR,
        f"the file is {size / 2**20:.1f} MiB, above the {MAX_FILE_BYTES // 2**20} MiB limit for "
        "loading a file whole; split it, or stream it with 'lco-validate audit'",
        line=1,
        column=1,
    )


def _unreadable(reason: str) -> Finding:
    return Finding("J020", Severity.ERROR, f"cannot read this path: {reason}", line=1, column=1)
