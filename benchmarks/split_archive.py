"""Write each document of an archive into a file of its own, to measure folders of pages.

Run: python benchmarks/split_archive.py ARCHIVE FOLDER
Writes FOLDER/page-00000.json, page-00001.json... (the JSON of each document, without
the HTTP lines of a capture); read problems are printed and skipped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lco_validate.audit.archive import iter_archive_documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive")
    parser.add_argument("folder")
    arguments = parser.parse_args()
    folder = Path(arguments.folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for document in iter_archive_documents(arguments.archive):
        if not hasattr(document, "text"):
            print(f"skipped: {document}", file=sys.stderr)
            continue
        (folder / f"page-{document.index:05d}.json").write_text(document.text, encoding="utf-8")
        written += 1
    print(f"wrote {written} files to {folder}", file=sys.stderr)


if __name__ == "__main__":
    main()
