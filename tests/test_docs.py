"""The documentation a module cites lives in the repository, and docs/README.md lists it all.

Modules, tests, scripts and the notes of our JSON data cite pages as repository
paths ("docs/duration.md, Slews"): a Markdown name is looked up from the repository root, so a bare
page name, or a page kept outside the repository, fails here.  A cited
section must be a heading of its page, and the links and files the pages
name must exist.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"

#: A file name ending in .md, with any directories in front of it.
MARKDOWN_NAME = re.compile(r"(?<![\w./:-])[\w./-]*\w\.md\b")
#: A path into docs/ that is not a Markdown page (a folder, an image...).
DOCS_PATH = re.compile(r"(?<![\w./-])docs/[\w./-]*\w")
#: "docs/PAGE.md, Section": a section named after the page, up to the end of the phrase
#: (or of the JSON string holding it).
SECTION_CITATION = re.compile(
    r"(?<![\w./-])(docs/[\w-]+\.md), ([A-Z][^,.;:()\"\n]*[^,.;:()\"\n\s])"
)
#: A Markdown link target inside a docs page, with its optional #anchor.
LINK = re.compile(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)")
#: A file a page names in backticks, e.g. `lco_validate/model/duration.py` or `model/modes.py`.
NAMED_FILE = re.compile(r"`([\w./-]+\.(?:py|json|txt|md|sh))`")

#: Names ending in .md that are not citations, by the file that holds them, with the reason.
NOT_CITATIONS = {
    "tests/test_loading.py": {"notes.md"},  # a file the test writes to show it is not searched
}


def scanned_files() -> list[Path]:
    """The repository's modules, tests and scripts, and the JSON whose notes cite pages.

    The JSON is the built-in catalogue's data (its provenance notes) and our JSON
    Schemas (their descriptions); virtual environments are left out, and so is this
    file: it holds the checker's deliberate counter-examples.
    """
    files = [
        *(REPO / "lco_validate").rglob("*.py"),
        *(REPO / "tests").rglob("*.py"),
        *(REPO / "benchmarks").rglob("*.py"),
        *(REPO / "oracle").glob("*.py"),
        *(REPO / "oracle").glob("*.sh"),
        *(REPO / "lco_validate" / "catalogue" / "data").glob("*.json"),
        *(REPO / "schemas").glob("*.json"),
    ]
    this_file = Path(__file__).resolve()
    return sorted(path for path in files if ".venv" not in path.parts and path != this_file)


def headings(page: Path) -> list[str]:
    return [
        line.lstrip("#").strip()
        for line in page.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    kept = re.sub(r"[^\w\- ]", "", heading.lower())
    return kept.replace(" ", "-")


def in_repository(name: str) -> bool:
    """Whether ``name``, read as a path from the repository root, is a file or folder there."""
    path = (REPO / name).resolve()
    return path.is_relative_to(REPO) and path.exists()


def unresolved_citations(text: str, exempt: frozenset[str] = frozenset()) -> list[str]:
    """The Markdown names, docs/ paths and cited sections in ``text`` the repository lacks."""
    missing = [
        name
        for name in MARKDOWN_NAME.findall(text) + DOCS_PATH.findall(text)
        if name not in exempt and not in_repository(name)
    ]
    for page, section in SECTION_CITATION.findall(text):
        if in_repository(page) and section not in headings(REPO / page):
            missing.append(f"{page}, {section}")
    return missing


def docs_pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


# -- the checker itself ---------------------------------------------------------------------------

BARE_PAGE = "visibility" + ".md"  # assembled: a search for bare citations should not find it


def test_a_bare_page_name_is_not_a_repository_path() -> None:
    assert (DOCS / BARE_PAGE).is_file()  # the page exists, but under docs/
    assert unresolved_citations(f"(see {BARE_PAGE}, section 2)") == [BARE_PAGE]
    assert unresolved_citations(f"(see ../shared/spec/{BARE_PAGE})") == [
        f"../shared/spec/{BARE_PAGE}"
    ]
    assert unresolved_citations(f"(see docs/{BARE_PAGE})") == []


def test_a_cited_section_must_be_a_heading_of_its_page() -> None:
    assert unresolved_citations("(docs/duration.md, Slews)") == []
    assert unresolved_citations("(docs/duration.md, Slewing).") == ["docs/duration.md, Slewing"]
    assert unresolved_citations("docs/nowhere/") == ["docs/nowhere"]
    # In JSON a citation may end its string: the closing quote is not part of the section.
    assert unresolved_citations('{"note": "see docs/duration.md, Slews"}') == []
    assert unresolved_citations('{"note": "docs/duration.md, Slewing"}') == [
        "docs/duration.md, Slewing"
    ]


# -- the repository -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", scanned_files(), ids=lambda path: str(path.relative_to(REPO)))
def test_every_cited_page_and_section_is_in_the_repository(path: Path) -> None:
    relative = path.relative_to(REPO).as_posix()
    exempt = frozenset(NOT_CITATIONS.get(relative, set()))
    assert unresolved_citations(path.read_text(encoding="utf-8"), exempt) == []


def test_the_exemptions_are_still_needed() -> None:
    for relative, names in NOT_CITATIONS.items():
        text = (REPO / relative).read_text(encoding="utf-8")
        assert names <= set(MARKDOWN_NAME.findall(text)), relative


def test_every_docs_page_is_listed_in_the_index() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    listed = {target for target, _ in LINK.findall(index)}
    pages = {page.name for page in docs_pages()} - {"README.md"}
    assert pages, "docs/ has no pages"
    assert pages == listed


@pytest.mark.parametrize("page", docs_pages(), ids=lambda page: page.name)
def test_links_between_pages_lead_to_a_page_and_heading(page: Path) -> None:
    for target, fragment in LINK.findall(page.read_text(encoding="utf-8")):
        linked = (page.parent / target) if target else page
        assert linked.is_file(), f"{page.name} links to {target}"
        if fragment:
            assert fragment in {anchor(h) for h in headings(linked)}, f"{target}#{fragment}"


@pytest.mark.parametrize("page", docs_pages(), ids=lambda page: page.name)
def test_files_a_page_names_exist(page: Path) -> None:
    """Named from the repository root or, for modules, from the package."""
    for name in NAMED_FILE.findall(page.read_text(encoding="utf-8")):
        assert in_repository(name) or in_repository(f"lco_validate/{name}"), name
