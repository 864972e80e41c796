"""Writing synthetic records: API pages (with or without the captured HTTP lines) or JSON lines.

``write_archive`` streams records into one file and lists the deliberately wrong
ones, with where they are, in a second (``path + WRONG_SUFFIX``).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from .records import SyntheticRequest

JSON = dict[str, Any]

FORMATS = ("capture", "pages", "jsonl")
WRONG_SUFFIX = ".wrong.jsonl"
PAGE_URL = "https://observe.lco.global/api/requests/?format=json&limit={limit}&offset={offset}"
CAPTURE_PREAMBLE = (
    "HTTP 200 OK\nAllow: GET, HEAD, OPTIONS\nContent-Type: application/json\nVary: Accept\n"
)


@dataclass
class WrittenArchive:
    """What ``write_archive`` wrote: counts, and where the deliberately wrong records are."""

    path: str
    wrong_path: str
    requests: int = 0
    documents: int = 0
    wrong: int = 0
    by_instrument_type: dict[str, int] = field(default_factory=dict)


def write_archive(
    records: Iterable[SyntheticRequest],
    path: str,
    *,
    total: int,
    output_format: str = "capture",
    page_size: int = 1000,
    compress: bool = False,
) -> WrittenArchive:
    """Stream ``records`` into ``path`` and list the wrong ones in ``path + WRONG_SUFFIX``.

    ``capture``: API pages each preceded by the HTTP lines the browsable API saves;
    ``pages``: the same pages without them; ``jsonl``: one request per line.
    ``total`` is the page ``count`` (the number of records that will come).
    """
    if output_format not in FORMATS:
        raise ValueError(f"unknown format {output_format!r}; choose from {', '.join(FORMATS)}")
    written = WrittenArchive(path=path, wrong_path=path + WRONG_SUFFIX)
    opener = gzip.open if compress else open
    with (
        opener(path, "wt", encoding="utf-8") as stream,
        open(written.wrong_path, "w", encoding="utf-8") as wrong_stream,
    ):
        page: list[JSON] = []
        for record in records:
            if output_format == "jsonl":
                document, pointer = written.requests, ""
                stream.write(json.dumps(record.request) + "\n")
                written.documents += 1
            else:
                document, pointer = written.documents, f"/results/{len(page)}"
                page.append(record.request)
                if len(page) == page_size:
                    _write_page(stream, page, written, total, page_size, output_format)
                    page = []
            if record.wrong:
                written.wrong += 1
                wrong_stream.write(_wrong_entry(path, document, pointer, record) + "\n")
            written.requests += 1
            code = record.request["configurations"][0]["instrument_type"]
            written.by_instrument_type[code] = written.by_instrument_type.get(code, 0) + 1
        if page or (output_format != "jsonl" and written.documents == 0):
            _write_page(stream, page, written, total, page_size, output_format)
    return written


def _write_page(
    stream: IO[str],
    results: list[JSON],
    written: WrittenArchive,
    total: int,
    page_size: int,
    output_format: str,
) -> None:
    offset = written.documents * page_size
    following = offset + page_size < total
    page = {
        "count": total,
        "next": PAGE_URL.format(limit=page_size, offset=offset + page_size) if following else None,
        "previous": PAGE_URL.format(limit=page_size, offset=max(offset - page_size, 0))
        if offset
        else None,
        "results": results,
    }
    if output_format == "capture":
        stream.write(CAPTURE_PREAMBLE)
    stream.write(json.dumps(page) + "\n")
    written.documents += 1


def _wrong_entry(path: str, document: int, pointer: str, record: SyntheticRequest) -> str:
    return json.dumps(
        {
            "path": path,
            "document": document,
            "pointer": pointer,
            "id": record.request["id"],
            "recorded": record.request["duration"],
            "true_duration": record.true_duration,
        }
    )
