"""A configdb ``GET /sites/`` answer fetched, checked and kept: ``lco-validate catalogue pull``.

This is the one place the tool uses the network, and only when the user asks.
``fetch_pages`` is the edge: an HTTP client (httpx, imported there only) with
timeouts, retries with exponential backoff on what may pass (no connection, a
timeout, a broken-off answer, 5xx, 429), proxies from the environment, and
bounded reads: every page's bytes count against one limit, the number of
pages has a ceiling and a ``next`` link seen before ends the pull.  What it
fetched is judged by pure functions: ``read_page`` (one answer),
``merged_snapshot`` (the pages as one ``/sites/`` document: nothing missing,
nothing twice, not empty) and ``snapshot_text`` (the document through the loader
every ``--configdb`` goes through).  ``write_snapshot`` writes it whole or not
at all.  Every failure is a ``PullError`` whose message is one line.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from ..documents.loading import MAX_FILE_BYTES
from ..documents.writing import write_atomically
from .provenance import ABOUT, pulled_about
from .snapshot import Catalogue, CatalogueError, catalogue_from_document

if TYPE_CHECKING:
    import httpx

JSON = dict[str, Any]

#: LCO's public configdb; any OCS observatory's ``/sites/`` address works with ``--url``.
DEFAULT_URL = "https://configdb.lco.global/sites/"
#: Status codes worth asking again for: the server's trouble, or "too many requests".
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Messages quote at most this much of what a server sent.
QUOTED = 120

#: How the pull waits between attempts; the tests replace it to run without waiting.
_sleep: Callable[[float], None] = time.sleep


class PullError(Exception):
    """Why a pull gave no snapshot: one line for the user; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))  # one line, whatever a server sent


@dataclass(frozen=True)
class PullPolicy:
    """How long to wait, how often to try again, how much to read."""

    #: Seconds for each wait (connecting, each read); one page's whole answer gets four times it.
    timeout: float = 30.0
    #: Attempts after the first, for failures that may pass.
    retries: int = 3
    #: The wait before the first retry; each later one waits twice as long.
    first_backoff: float = 1.0
    #: All pages' bytes together: what ``--configdb`` reads at most.
    max_bytes: int = MAX_FILE_BYTES
    max_pages: int = 100


@dataclass(frozen=True)
class Page:
    """One ``/sites/`` answer: its sites, the next page's address, the count it announces."""

    url: str
    results: list[Any]
    next: str | None
    count: int | None


@dataclass(frozen=True)
class Pulled:
    """A checked snapshot ready to write: its text and the catalogue it loads as."""

    text: str
    catalogue: Catalogue
    pages: int


# -- pure: what the pages say -----------------------------------------------------------------


def checked_url(url: str) -> str:
    """``url`` when it is an http(s) address with a host, else a ``PullError``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PullError(f"{url!r} is not an http(s) address (e.g. {DEFAULT_URL})")
    return url


def read_page(body: bytes, url: str) -> Page:
    """One answer as a page of sites; a bare list of sites is a page of its own."""
    try:
        document = json.loads(body.decode("utf-8"))  # JSON on the wire is UTF-8 (RFC 8259)
    except UnicodeDecodeError as error:
        raise PullError(f"the answer from {url} is not UTF-8 text ({error.reason})") from error
    except json.JSONDecodeError as error:
        raise PullError(
            f"the answer from {url} is not JSON (cut short?): {error.msg} (line "
            f"{error.lineno}, column {error.colno} of {len(body):,} bytes)"
        ) from error
    except (ValueError, RecursionError) as error:  # a number of thousands of digits; nesting
        raise PullError(f"the answer from {url} cannot be read: {error}") from error
    if isinstance(document, list):
        return Page(url, document, None, None)
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        found = (
            f"an object with keys {', '.join(sorted(document))[:QUOTED]}"
            if isinstance(document, dict)
            else f"a JSON {type(document).__name__}"
        )
        raise PullError(
            f"the answer from {url} is not a configdb /sites/ page (count, next, results): "
            f"it is {found}"
        )
    following, count = document.get("next"), document.get("count")
    if following is not None and not isinstance(following, str):
        raise PullError(f"the answer from {url} has a 'next' that is not an address")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
        raise PullError(f"the answer from {url} has a 'count' that is not a number")
    return Page(url, document["results"], following or None, count)


def next_url(page: Page, first_url: str, seen: set[str]) -> str | None:
    """The address of the page after ``page``, resolved; None at the last page.

    configdb writes its own ``next`` links, and behind a proxy they may say http
    where the pull asked https: the scheme asked for is kept.  A link to another
    host, or to a page already read (pages in a loop), ends the pull.
    """
    if page.next is None:
        return None
    following = urlsplit(urljoin(page.url, page.next))
    first = urlsplit(first_url)
    if following.hostname != first.hostname:
        raise PullError(
            f"the page {page.url} links its next page to another host "
            f"({page.next[:QUOTED]}); refused"
        )
    if first.scheme == "https" and following.scheme == "http":
        following = following._replace(scheme="https", netloc=first.netloc)
    address = urlunsplit(following)
    if address in seen:
        raise PullError(f"the pages loop: {page.url} links back to {address}, read before")
    return address


def merged_snapshot(pages: list[Page], source: str, when: datetime) -> JSON:
    """The pages as one ``/sites/`` document, with ``_about`` saying where and when from.

    Refused: no sites, a count the pages do not hold (configdb changed while it
    was read, or pages are missing), a site on two pages, no instrument anywhere.
    """
    sites = [site for page in pages for site in page.results]
    if not sites:
        raise PullError(f"configdb at {source} lists no sites")
    counts = {page.count for page in pages if page.count is not None}
    if len(counts) > 1:
        raise PullError(
            f"configdb at {source} announced different site counts on its pages "
            f"({', '.join(map(str, sorted(counts)))}); it changed while being read, try again"
        )
    if counts and (announced := counts.pop()) != len(sites):
        raise PullError(
            f"configdb at {source} announced {announced} sites but its {len(pages)} page(s) "
            f"hold {len(sites)}: the answer is incomplete"
        )
    codes = Counter(str(site.get("code")) for site in sites if isinstance(site, dict))
    twice = sorted(code for code, times in codes.items() if times > 1)
    if twice:
        raise PullError(
            f"configdb at {source} lists site(s) {', '.join(twice)[:QUOTED]} on two pages; "
            "it changed while being read, try again"
        )
    about = pulled_about(source, when, len(pages))
    return {"count": len(sites), "next": None, "previous": None, "results": sites, ABOUT: about}


def snapshot_text(document: JSON, source: str, max_bytes: int = MAX_FILE_BYTES) -> Pulled:
    """The document as it will be written, loaded back as ``--configdb`` would load it."""
    text = json.dumps(document, indent=1) + "\n"
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise PullError(
            f"the snapshot from {source} would be {size:,} bytes, over the "
            f"{_amount(max_bytes)} that --configdb reads"
        )
    try:
        catalogue = catalogue_from_document(json.loads(text), source)
    except CatalogueError as error:
        raise PullError(f"configdb's answer is not a usable snapshot: {error}") from error
    if not catalogue.placements:
        raise PullError(f"configdb at {source} lists sites but no instruments")
    return Pulled(text, catalogue, pages=int(document.get(ABOUT, {}).get("pages", 1)))


# -- the edge: fetching and writing -----------------------------------------------------------


def fetch_pages(url: str, policy: PullPolicy) -> list[Page]:
    """Every page of the ``/sites/`` answer at ``url``, following ``next`` links."""
    import httpx

    first_url = checked_url(url)
    timeout = httpx.Timeout(policy.timeout)
    pages: list[Page] = []
    budget = _Budget(policy.max_bytes)
    seen: set[str] = set()
    address: str | None = first_url
    # trust_env: proxies (HTTPS_PROXY, NO_PROXY...) and certificate settings as the shell has them.
    with httpx.Client(timeout=timeout, follow_redirects=True, trust_env=True) as client:
        while address is not None:
            if len(pages) >= policy.max_pages:
                raise PullError(
                    f"configdb at {first_url} has more than {policy.max_pages} pages; refused"
                )
            seen.add(address)
            page = read_page(_get_with_retries(client, address, policy, budget), address)
            pages.append(page)
            address = next_url(page, first_url, seen)
    return pages


def pull(url: str, policy: PullPolicy, when: datetime) -> Pulled:
    """The checked snapshot at ``url`` (nothing is written here)."""
    pages = fetch_pages(url, policy)
    return snapshot_text(merged_snapshot(pages, url, when), url, policy.max_bytes)


def refuse_unwritable(target: str) -> None:
    """A ``PullError`` before any fetching when ``target`` cannot be written as a file."""
    path = Path(target)
    if path.is_dir():
        raise PullError(f"cannot write {target}: it is a folder")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise PullError(f"cannot write {target}: there is no folder {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PullError(f"cannot write {target}: the folder {folder} is not writable")


def write_snapshot(text: str, target: str) -> None:
    """Write ``text`` to ``target`` atomically: a reader sees the old file or the new one."""
    try:
        write_atomically(target, text.encode("utf-8"))
    except OSError as error:
        raise PullError(f"cannot write {target}: {error.strerror or error}") from error


class _Budget:
    """The bytes all pages may still take, shared across pages and attempts."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def refuse_over(self, size: int, url: str) -> None:
        """A ``PullError`` when ``size`` more bytes would not fit."""
        if self.used + size > self.limit:
            raise PullError(
                f"the answer from {url} goes over the {_amount(self.limit)} a snapshot may "
                "have; refused"
            )

    def take(self, size: int, url: str) -> None:
        self.refuse_over(size, url)
        self.used += size


class _Passing(Exception):
    """A failure that may pass: worth another attempt; ``hint`` ends the message."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def _get_with_retries(client: httpx.Client, url: str, policy: PullPolicy, budget: _Budget) -> bytes:
    attempts = policy.retries + 1
    for attempt in range(attempts):
        try:
            return _get(client, url, policy, budget)
        except _Passing as error:
            if attempt + 1 == attempts:
                tries = f" ({attempts} attempts)" if attempts > 1 else ""
                raise PullError(f"{error}{tries}{error.hint}") from error
            _sleep(policy.first_backoff * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _get(client: httpx.Client, url: str, policy: PullPolicy, budget: _Budget) -> bytes:
    import httpx

    deadline = time.monotonic() + 4 * policy.timeout
    used_before = budget.used
    try:
        with client.stream("GET", url, headers={"Accept": "application/json"}) as response:
            if response.status_code in RETRIED_STATUSES:
                raise _Passing(f"configdb answered {_status(response)} for {url}")
            if response.status_code != 200:
                raise PullError(
                    f"configdb answered {_status(response)} for {url} "
                    "(is it a configdb /sites/ address?)"
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit():
                budget.refuse_over(int(declared), url)  # before reading what cannot fit
            chunks: list[bytes] = []
            for chunk in response.iter_bytes():
                budget.take(len(chunk), url)
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _Passing(
                        f"the answer from {url} took over {4 * policy.timeout:g} s (--timeout)"
                    )
            return b"".join(chunks)
    except _Passing:
        budget.used = used_before  # a failed attempt's bytes are not kept
        raise
    except httpx.UnsupportedProtocol as error:
        raise PullError(f"cannot fetch {url}: {error}") from error
    except httpx.TimeoutException as error:
        budget.used = used_before
        raise _Passing(
            f"no answer from {url} within {policy.timeout:g} s (--timeout){_said(error)}"
        ) from error
    except httpx.ConnectError as error:
        budget.used = used_before
        raise _Passing(
            f"cannot connect to {url}{_said(error)}",
            "; offline? (proxies are read from HTTPS_PROXY, HTTP_PROXY and NO_PROXY)",
        ) from error
    except httpx.TransportError as error:  # the connection broke off mid-answer, a proxy failed
        budget.used = used_before
        raise _Passing(f"the connection to {url} failed{_said(error)}") from error
    except (httpx.HTTPError, httpx.InvalidURL) as error:  # redirects in a loop, bad encoding...
        raise PullError(f"cannot fetch {url}{_said(error)}") from error


def _status(response: httpx.Response) -> str:
    return f"{response.status_code} {response.reason_phrase[:QUOTED]}".strip()


def _said(error: Exception) -> str:
    text = str(error)[:QUOTED]
    return f": {text}" if text else ""


def _amount(size: int) -> str:
    return f"{size // 2**20} MiB" if size >= 2**20 else f"{size:,} bytes"
