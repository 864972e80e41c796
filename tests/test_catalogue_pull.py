"""``lco-validate catalogue pull`` against a configdb on 127.0.0.1, and the catalogue's age.

A threaded ``http.server`` plays configdb: each path answers from a list of
prepared answers (the last one repeating), so a test can give several pages,
a slow answer, a 500 then a success, a body cut short, a page of the wrong
shape, a ``next`` link back to an earlier page.  Every failure must exit 2
with one line on stderr and leave no file; a pulled snapshot must be the one
``check --configdb`` then uses.  Waits between attempts are recorded, not slept.
"""

from __future__ import annotations

import copy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from lco_validate.catalogue import pull as pulling
from lco_validate.catalogue import snapshot
from lco_validate.catalogue.provenance import (
    SnapshotOrigin,
    built_in_origin,
    months_after,
    origin_of,
)
from lco_validate.catalogue.pull import Page, PullError, PullPolicy
from lco_validate.catalogue.snapshot import Catalogue, load_catalogue
from lco_validate.checking.summary import stale_catalogue_note
from lco_validate.cli import cli

from .conftest import REPO, SEED_PAGE, mini_sites

BUILT_IN = REPO / "lco_validate" / "catalogue" / "data" / "lco-sites.json"
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
SEED_NOW = "2025-01-29T00:00:00Z"


def built_in_sites() -> list[dict[str, Any]]:
    return json.loads(BUILT_IN.read_text())["results"]  # type: ignore[no-any-return]


# -- a configdb on loopback -------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    #: Seconds before the status line.
    delay: float = 0.0
    #: The Content-Length sent: "exact", None (no header: the end is the connection's close)
    #: or a number (more than the body: the connection breaks off mid-answer).
    length: str | int | None = "exact"


def json_answer(value: Any) -> Answer:
    return Answer(body=json.dumps(value).encode())


class FakeConfigdb:
    """Prepared answers by path and query; what was asked, in order."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.routes: dict[str, list[Answer]] = {}
        self.asked: list[str] = []
        self._lock = threading.Lock()

    def url(self, path: str = "/sites/") -> str:
        return self.base + path

    def answer(self, path: str, *answers: Answer) -> None:
        self.routes[path] = list(answers)

    def next_answer(self, path: str) -> Answer:
        with self._lock:
            self.asked.append(path)
            answers = self.routes.get(path)
            if not answers:
                return Answer(status=404, body=b'{"detail": "Not found."}')
            return answers.pop(0) if len(answers) > 1 else answers[0]

    def serve_pages(self, sites: list[dict[str, Any]], size: int) -> list[str]:
        """The sites as pages of ``size``, linked by ``next`` (one link relative); their paths."""
        paths = ["/sites/"] + [
            f"/sites/?limit={size}&offset={start}" for start in range(size, len(sites), size)
        ]
        for number, path in enumerate(paths):
            following = paths[number + 1] if number + 1 < len(paths) else None
            if following is not None and number % 2 == 0:
                following = self.base + following  # absolute, as configdb writes them
            page = {
                "count": len(sites),
                "next": following,
                "previous": None,
                "results": sites[number * size : (number + 1) * size],
            }
            self.answer(path, json_answer(page))
        return paths


def handler_for(configdb: FakeConfigdb) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            answer = configdb.next_answer(self.path)
            if answer.delay:
                threading.Event().wait(answer.delay)
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            if answer.length == "exact":
                self.send_header("Content-Length", str(len(answer.body)))
            elif isinstance(answer.length, int):
                self.send_header("Content-Length", str(answer.length))
            if answer.length != "exact":
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler still sleeping through a slow answer is not waited for

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up closes its end; nothing to report


@pytest.fixture
def configdb(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeConfigdb]:
    for name in PROXY_VARIABLES:  # the pull reads proxies from the environment: none here
        monkeypatch.delenv(name, raising=False)
    server = QuietServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fake = FakeConfigdb(server.server_address[1])
    server.RequestHandlerClass = handler_for(fake)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between attempts, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(pulling, "_sleep", recorded.append)
    return recorded


def run(*arguments: str) -> Result:
    return CliRunner().invoke(cli, list(arguments))


def refused_with(result: Result, target: Path, words: str) -> None:
    """Exit 2, one line on stderr naming the problem, and no file."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert words in lines[0], lines[0]
    assert lines[0].endswith("nothing written"), lines[0]
    assert not target.exists()
    if target.parent.is_dir():
        assert [p.name for p in target.parent.iterdir() if p.name.endswith(".part")] == []


def with_sinistro_readout(sites: list[dict[str, Any]], overhead: float) -> list[dict[str, Any]]:
    changed = copy.deepcopy(sites)
    for site in changed:
        for enclosure in site["enclosure_set"]:
            for telescope in enclosure["telescope_set"]:
                for instrument in telescope["instrument_set"]:
                    kind = instrument["instrument_type"]
                    if kind["code"] != "1M0-SCICAM-SINISTRO":
                        continue
                    for group in kind["mode_types"]:
                        for mode in group["modes"]:
                            if group["type"] == "readout" and mode["code"] == "full_frame":
                                mode["overhead"] = overhead
    return changed


# -- pulling pages ----------------------------------------------------------------------------


@pytest.mark.loopback
def test_pull_follows_the_pages_and_check_then_uses_the_snapshot(
    configdb: FakeConfigdb, tmp_path: Path, waits: list[float]
) -> None:
    sites = with_sinistro_readout(built_in_sites(), 38.0)  # the built-in says 28
    paths = configdb.serve_pages(sites, size=3)
    target = tmp_path / "sites.json"

    result = run("catalogue", "pull", str(target), "--url", configdb.url())

    assert result.exit_code == 0, result.output
    assert configdb.asked == paths and len(paths) == 3
    written = json.loads(target.read_text())
    assert [written[key] for key in ("count", "next", "previous")] == [len(sites), None, None]
    assert written["results"] == sites
    assert written["_about"]["source"] == configdb.url()
    assert written["_about"]["pages"] == 3
    assert written["_about"]["snapshot_date"] == datetime.now(UTC).date().isoformat()
    assert f"Wrote {target}: {len(sites)} sites" in result.stdout
    assert f"--configdb {target}" in result.stdout and f'configdb = "{target}"' in result.stdout
    assert "1M0-SCICAM-SINISTRO" in result.stdout
    assert waits == []

    # The seed page's Sinistro durations were recorded with a 28 s readout.
    assert run("check", str(SEED_PAGE), "--now", SEED_NOW).exit_code == 0
    pulled = run("check", str(SEED_PAGE), "--now", SEED_NOW, "--configdb", str(target))
    assert pulled.exit_code == 1
    assert "D001" in pulled.stdout

    summary = run("catalogue", "--configdb", str(target)).stdout
    assert f"from {configdb.url()}" in summary.splitlines()[1]


@pytest.mark.loopback
def test_a_500_is_asked_again_with_growing_waits(
    configdb: FakeConfigdb, tmp_path: Path, waits: list[float]
) -> None:
    trouble = Answer(status=500, body=b"<h1>Server Error</h1>")
    configdb.answer("/sites/", trouble, trouble, json_answer({"results": mini_sites()}))
    target = tmp_path / "sites.json"

    result = run("catalogue", "pull", str(target), "--url", configdb.url())

    assert result.exit_code == 0, result.output
    assert waits == [1.0, 2.0]
    assert len(configdb.asked) == 3
    assert load_catalogue(target).instrument_type_codes() == ["1M0-TEST-IMAGER", "1M0-TEST-SPECTRO"]


@pytest.mark.loopback
def test_a_failed_pull_leaves_an_existing_snapshot_as_it_was(
    configdb: FakeConfigdb, tmp_path: Path, waits: list[float]
) -> None:
    target = tmp_path / "sites.json"
    target.write_text("the snapshot of last year\n")
    configdb.answer("/sites/", json_answer({"count": 0, "next": None, "results": []}))

    result = run("catalogue", "pull", str(target), "--url", configdb.url())

    assert result.exit_code == 2
    assert target.read_text() == "the snapshot of last year\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sites.json"]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


FAILURES: dict[str, tuple[list[Answer], list[str], str]] = {
    # name: (answers of /sites/, extra arguments, words of the one line)
    "500 always": ([Answer(status=500)], [], "answered 500 Internal Server Error"),
    "404": ([Answer(status=404, body=b"{}")], [], "answered 404 Not Found"),
    "slow answer": (
        [Answer(delay=2.0, body=b"{}")],
        ["--timeout", "0.2", "--retries", "1"],
        "no answer from",
    ),
    "truncated JSON": (
        [Answer(body=json.dumps({"results": mini_sites()}).encode()[:700])],
        [],
        "is not JSON (cut short?)",
    ),
    "connection broken off": (
        [Answer(body=b'{"count": 1, "results": [', length=5000)],
        [],
        "failed",
    ),
    "wrong shape": (
        [json_answer({"detail": "Authentication credentials were not provided."})],
        [],
        "is not a configdb /sites/ page",
    ),
    "not JSON at all": ([Answer(body=b"<html>maintenance</html>")], [], "is not JSON"),
    "malformed site": (
        [json_answer({"count": 1, "next": None, "results": [{"code": "tst"}]})],
        [],
        "is not a usable snapshot",
    ),
    "empty": (
        [json_answer({"count": 0, "next": None, "previous": None, "results": []})],
        [],
        "lists no sites",
    ),
    "partial": (
        [json_answer({"count": 5, "next": None, "results": mini_sites()})],
        [],
        "announced 5 sites but its 1 page(s) hold 1",
    ),
    "next loop": (
        [json_answer({"count": 2, "next": "/sites/", "results": mini_sites()})],
        [],
        "the pages loop",
    ),
    "next to another host": (
        [json_answer({"count": 2, "next": "http://192.0.2.1/sites/?page=2", "results": []})],
        [],
        "another host",
    ),
}


@pytest.mark.loopback
@pytest.mark.parametrize("name", FAILURES)
def test_each_failure_exits_2_with_one_line_and_writes_nothing(
    name: str, configdb: FakeConfigdb, tmp_path: Path, waits: list[float]
) -> None:
    answers, arguments, words = FAILURES[name]
    configdb.answer("/sites/", *answers)
    target = tmp_path / "sites.json"

    result = run("catalogue", "pull", str(target), "--url", configdb.url(), *arguments)

    refused_with(result, target, words)


@pytest.mark.loopback
def test_what_may_pass_is_tried_four_times_and_the_line_says_so(
    configdb: FakeConfigdb, tmp_path: Path, waits: list[float]
) -> None:
    configdb.answer("/sites/", Answer(status=503))
    result = run("catalogue", "pull", str(tmp_path / "s.json"), "--url", configdb.url())
    assert "(4 attempts)" in result.stderr
    assert waits == [1.0, 2.0, 4.0]
    assert len(configdb.asked) == 4


@pytest.mark.loopback
def test_what_cannot_pass_is_not_asked_again(
    configdb: FakeConfigdb, tmp_path: Path, waits: list[float]
) -> None:
    configdb.answer("/sites/", Answer(status=403, body=b"{}"))
    run("catalogue", "pull", str(tmp_path / "s.json"), "--url", configdb.url())
    assert len(configdb.asked) == 1 and waits == []


@pytest.mark.loopback
def test_connection_refused_is_one_line_about_the_network(
    tmp_path: Path, waits: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    target = tmp_path / "sites.json"
    url = f"http://127.0.0.1:{closed_port()}/sites/"
    result = run("catalogue", "pull", str(target), "--url", url)
    refused_with(result, target, f"cannot connect to {url}")
    assert "offline?" in result.stderr
    assert waits == [1.0, 2.0, 4.0]


def test_an_address_that_is_not_http_is_refused_before_any_connection(tmp_path: Path) -> None:
    target = tmp_path / "sites.json"
    result = run("catalogue", "pull", str(target), "--url", "configdb.lco.global/sites/")
    refused_with(result, target, "is not an http(s) address")


def test_an_unwritable_target_is_refused_before_any_connection(tmp_path: Path) -> None:
    target = tmp_path / "no such folder" / "sites.json"
    result = run("catalogue", "pull", str(target))  # the default URL: never reached
    refused_with(result, target, "there is no folder")


@pytest.mark.loopback
def test_the_pages_are_bounded_in_number(configdb: FakeConfigdb) -> None:
    for number in range(10):  # a chain of distinct pages, never ending
        page = {"next": f"/sites/?page={number + 1}", "results": mini_sites()}
        configdb.answer("/sites/" if number == 0 else f"/sites/?page={number}", json_answer(page))
    with pytest.raises(PullError, match="more than 3 pages"):
        pulling.fetch_pages(configdb.url(), PullPolicy(max_pages=3))
    assert len(configdb.asked) == 3


@pytest.mark.loopback
@pytest.mark.parametrize("length", ["exact", None], ids=["declared", "undeclared"])
def test_what_is_read_is_bounded_in_size(
    configdb: FakeConfigdb, length: str | None, waits: list[float]
) -> None:
    body = json.dumps({"results": mini_sites() * 50}).encode()
    configdb.answer("/sites/", Answer(body=body, length=length))
    with pytest.raises(PullError, match="goes over the 10,000 bytes"):
        pulling.fetch_pages(configdb.url(), PullPolicy(max_bytes=10_000))
    assert waits == []  # a server sending too much is not asked again


@pytest.mark.loopback
def test_the_size_bound_counts_every_page(configdb: FakeConfigdb) -> None:
    paths = configdb.serve_pages(built_in_sites(), size=2)
    sizes = [len(configdb.routes[path][0].body) for path in paths]
    limit = sum(sizes) - 1
    assert max(sizes) < limit  # each page fits; all of them do not
    with pytest.raises(PullError, match="goes over"):
        pulling.fetch_pages(configdb.url(), PullPolicy(max_bytes=limit))
    assert len(configdb.asked) == len(paths)


# -- the pure parts ---------------------------------------------------------------------------


def test_read_page_takes_a_paged_answer_or_a_bare_list() -> None:
    page = pulling.read_page(b'{"count": 1, "next": "/sites/?page=2", "results": [{}]}', "u")
    assert (page.count, page.next, page.results) == (1, "/sites/?page=2", [{}])
    assert pulling.read_page(b"[{}]", "u") == Page("u", [{}], None, None)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"results": {}}', "not a configdb /sites/ page"),
        (b"42", "it is a JSON int"),
        (b'{"results": [], "next": 3}', "'next' that is not an address"),
        (b'{"results": [], "count": "8"}', "'count' that is not a number"),
        (b'{"results": [], "count": true}', "'count' that is not a number"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"results": [' + b"1" * 5000 + b"]}", "cannot be read"),
    ],
)
def test_read_page_refuses_what_is_not_a_page(body: bytes, words: str) -> None:
    with pytest.raises(PullError, match=words.replace("(", r"\(")):
        pulling.read_page(body, "u")


def test_next_links_are_resolved_kept_on_https_and_never_revisited() -> None:
    first = "https://configdb.example.org/sites/"
    page = Page(first, [], "http://configdb.example.org/sites/?offset=3", 9)
    assert pulling.next_url(page, first, {first}) == "https://configdb.example.org/sites/?offset=3"
    relative = Page(first, [], "?offset=6", 9)
    assert pulling.next_url(relative, first, {first}) == first + "?offset=6"
    with pytest.raises(PullError, match="loop"):
        pulling.next_url(Page(first, [], first, 9), first, {first})
    assert pulling.next_url(Page(first, [], None, 9), first, {first}) is None


def test_a_site_on_two_pages_is_refused() -> None:
    site = mini_sites()[0]
    pages = [Page("a", [site], "b", 2), Page("b", [site], None, 2)]
    with pytest.raises(PullError, match="site\\(s\\) tst on two pages"):
        pulling.merged_snapshot(pages, "u", datetime.now(UTC))


def test_pages_announcing_different_counts_are_refused() -> None:
    sites = mini_sites()
    other = dict(sites[0], code="two")
    pages = [Page("a", sites, "b", 2), Page("b", [other], None, 3)]
    with pytest.raises(PullError, match="different site counts"):
        pulling.merged_snapshot(pages, "u", datetime.now(UTC))


def test_sites_without_instruments_are_refused() -> None:
    site = dict(mini_sites()[0], enclosure_set=[])
    document = pulling.merged_snapshot([Page("u", [site], None, 1)], "u", datetime.now(UTC))
    with pytest.raises(PullError, match="no instruments"):
        pulling.snapshot_text(document, "u")


def test_pull_error_messages_are_one_line() -> None:
    assert str(PullError("a\nb\r\n  c")) == "a b c"


# -- the catalogue's age ----------------------------------------------------------------------


def test_a_plain_configdb_page_still_loads_and_its_age_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "plain.json"
    path.write_text(
        json.dumps({"count": 1, "next": None, "previous": None, "results": mini_sites()})
    )
    catalogue = load_catalogue(path)
    assert catalogue.origin == SnapshotOrigin()
    result = run("catalogue", "--configdb", str(path))
    assert "Snapshot: date not recorded, source not recorded" in result.stdout


def test_the_built_in_snapshot_date_comes_from_its_provenance_file() -> None:
    provenance = REPO / "lco_validate" / "catalogue" / "data" / "lco-sites.provenance.json"
    recorded = json.loads(provenance.read_text())["_about"]["snapshot_date"]
    assert load_catalogue().origin.taken == date.fromisoformat(recorded)
    assert built_in_origin().built_in
    data = json.loads(run("catalogue", "-o", "json").stdout)
    assert data["snapshot"]["date"] == recorded and data["snapshot"]["built_in"] is True
    settings = run("check", "--show-settings").stdout.splitlines()
    assert f"configdb = null  (default: built-in LCO catalogue, snapshot of {recorded})" in settings


def test_a_malformed_about_counts_as_none() -> None:
    assert (
        origin_of({"results": [], "_about": {"snapshot_date": "last spring"}}) == SnapshotOrigin()
    )
    assert origin_of({"results": [], "_about": "pulled"}) == SnapshotOrigin()
    assert origin_of([]) == SnapshotOrigin()


@pytest.mark.parametrize(
    ("day", "later"),
    [
        (date(2026, 11, 25), date(2027, 11, 25)),
        (date(2024, 2, 29), date(2025, 2, 28)),
        (date(2026, 1, 31), date(2027, 1, 31)),
    ],
)
def test_twelve_months_after(day: date, later: date) -> None:
    assert months_after(day) == later
    assert months_after(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_only_a_built_in_snapshot_over_twelve_months_old_earns_the_note() -> None:
    taken = date(2026, 11, 25)
    built_in = Catalogue([], "built-in", SnapshotOrigin(taken, "sources", built_in=True))
    assert stale_catalogue_note(built_in, date(2027, 11, 25)) is None  # exactly 12 months
    note = stale_catalogue_note(built_in, date(2027, 11, 26))
    assert note is not None
    assert "snapshot of 2026-11-25" in note and "lco-validate catalogue pull" in note
    pulled = Catalogue([], "sites.json", SnapshotOrigin(date(2020, 1, 1), "https://x/sites/"))
    assert stale_catalogue_note(pulled, date(2027, 11, 26)) is None


def aged_built_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in snapshot as if taken in 2020."""
    origin = SnapshotOrigin(date(2020, 1, 1), "sources", built_in=True)
    monkeypatch.setattr(snapshot, "built_in_origin", lambda: origin)


def test_a_check_on_an_aged_built_in_snapshot_says_so_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    aged_built_in(monkeypatch)
    # --now moves the time requests are judged at, not the snapshot's age.
    result = run("check", str(SEED_PAGE), "--now", "2020-06-01T00:00:00Z")
    notes = [line for line in result.stderr.splitlines() if "snapshot of 2020-01-01" in line]
    assert len(notes) == 1 and notes[0].startswith("Note: the built-in catalogue")
    assert "lco-validate catalogue pull" in notes[0]
    assert "more than 12 months old" in run("catalogue").stdout

    own = tmp_path / "sites.json"
    own.write_text(BUILT_IN.read_text())
    chosen = run("check", str(SEED_PAGE), "--now", SEED_NOW, "--configdb", str(own))
    assert "snapshot of" not in chosen.stderr


def test_a_check_on_a_recent_built_in_snapshot_has_no_such_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recent = SnapshotOrigin(datetime.now(UTC).date() - timedelta(days=300), "s", built_in=True)
    monkeypatch.setattr(snapshot, "built_in_origin", lambda: recent)
    result = run("check", str(SEED_PAGE))
    assert result.exit_code == 0
    assert "built-in catalogue is a snapshot" not in result.stderr
    assert "Note: not checked offline" in result.stderr  # the notes are printed


# -- the group --------------------------------------------------------------------------------


def test_the_group_keeps_its_own_options_for_the_summary() -> None:
    assert json.loads(run("catalogue", "-o", "json").stdout)["instrument_types"]
    refused = run("catalogue", "-o", "json", "pull", "x.json")
    assert refused.exit_code == 2 and "put options after 'pull'" in refused.stderr
