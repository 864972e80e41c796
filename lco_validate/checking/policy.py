"""The run policy: every setting, its default, where a run's value comes from, what it does.

``SETTINGS`` is the one table of settings: each one's name (as written in
``[tool.lco-validate]`` and, with ``--``, on the command line), its type, its
default, its meaning and the entry points that honour it.  No default is
written anywhere else: ``Settings`` and the commands take theirs from here.

``resolve`` gives a run's values, each from the strongest of three places:
the table's default, the settings file (``config.find_config`` / ``load_config``)
and explicit values (command-line flags, or keyword arguments of the Python
API), and remembers where each came from for ``check --show-settings``.

A ``Policy`` (select, ignore, severity overrides, strict) is what the user
wants reported: ``applied`` filters findings by code prefix and then overrides
severities; ``failed`` says whether a run's counts fail it.  ``Settings``
carries it, and the pipeline applies it, so ``check``, ``audit`` and the
Python API report alike; the server does not (``server/app.py`` says why).
"""

from __future__ import annotations

import fnmatch
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..documents.loading import DEFAULT_INCLUDE
from ..findings import Finding, Severity

if TYPE_CHECKING:
    from ..catalogue.snapshot import Catalogue

T = TypeVar("T")

#: The entry points, by the name the table's ``used_by`` gives them.
CHECK, AUDIT, API, SERVE, DURATION, VISIBILITY = (
    "check",
    "audit",
    "api",
    "serve",
    "duration",
    "visibility",
)
_JUDGING = frozenset({CHECK, AUDIT, API})
_EVERYWHERE = frozenset({CHECK, AUDIT, API, SERVE, DURATION, VISIBILITY})


@dataclass(frozen=True)
class Setting:
    """One setting of the table."""

    name: str
    type: type | tuple[type, ...]
    default: Any
    meaning: str
    #: The entry points that honour it; the others keep its default whatever is asked.
    used_by: frozenset[str]
    #: What the default stands for, when its value does not say (shown by --show-settings).
    default_note: str = ""
    #: Paths written in a settings file are relative to that file's folder.
    relative_to_file: bool = False

    @property
    def python_name(self) -> str:
        """The keyword argument the Python API takes for it."""
        return self.name.replace("-", "_")


SETTINGS: tuple[Setting, ...] = (
    Setting("select", list, [], "codes or prefixes to report (none: all)", _JUDGING),
    Setting("ignore", list, [], "codes or prefixes not to report", _JUDGING),
    Setting(
        "include",
        list,
        list(DEFAULT_INCLUDE),
        "file name patterns searched for in directories",
        frozenset({CHECK}),
    ),
    Setting(
        "exclude",
        list,
        [],
        "path patterns skipped when searching directories",
        frozenset({CHECK, AUDIT}),
        relative_to_file=True,
    ),
    Setting(
        "duration-tolerance",
        (int, float),
        0.0,
        "seconds allowed between a recorded duration and the computed one",
        _JUDGING,
    ),
    Setting(
        "configdb",
        str,
        None,
        "configdb /sites/ snapshot to use as the catalogue",
        _EVERYWHERE,
        default_note="built-in LCO catalogue",
        relative_to_file=True,
    ),
    Setting(
        "now",
        str,
        "current",
        "time for time-relative rules (current: the current time for submissions; "
        "archive records are then not judged against time)",
        _EVERYWHERE,
    ),
    Setting("strict", bool, False, "warnings fail the run too", frozenset({CHECK, AUDIT})),
    Setting(
        "visibility",
        bool,
        True,
        "check that targets are observable long enough (archive records: only with a now)",
        _JUDGING,
    ),
    Setting("output-format", str, "text", "how check prints findings", frozenset({CHECK})),
    Setting(
        "fix",
        bool,
        False,
        "apply the safe fixes findings carry, rewriting the files (docs/fixes.md)",
        frozenset({CHECK}),
    ),
    Setting(
        "unsafe-fixes",
        bool,
        False,
        "also apply (with fix) and show as fixable the fixes that are a judgement",
        frozenset({CHECK, API}),
    ),
    Setting("severity", dict, {}, "per-code severity overrides (error, warning, info)", _JUDGING),
)
BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}
#: What a ``now`` of "current" means: no fixed time.
CURRENT = "current"


def default(name: str) -> Any:
    """The table's default for a setting (a fresh copy: callers may change it)."""
    value = BY_NAME[name].default
    return type(value)(value) if isinstance(value, list | dict) else value


class SettingError(ValueError):
    """A setting's value that cannot be used; the message names it and where it came from."""


def checked_value(setting: Setting, value: Any, where: str) -> Any:
    """``value`` if it has the setting's type (lists of text, known severities), else an error."""
    expected = setting.type
    if isinstance(value, tuple) and expected is list:
        value = list(value)
    if not isinstance(value, expected) or isinstance(value, bool) is not (expected is bool):
        raise SettingError(f"{where}: setting {setting.name!r} has the wrong type ({value!r})")
    if isinstance(value, list) and not all(isinstance(item, str) for item in value):
        raise SettingError(f"{where}: setting {setting.name!r} must be a list of text ({value!r})")
    if isinstance(value, dict):
        levels = {level.value for level in Severity}
        for code, level in value.items():
            if level not in levels:
                raise SettingError(
                    f"{where}: severity of {code} is {level!r}; use error, warning or info"
                )
    return value


# -- where a run's values come from -----------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """A run's value of every setting and where each came from."""

    entry: str
    values: dict[str, Any]
    origins: dict[str, str]
    #: ``now`` as a time; None for "current".
    now: datetime | None = None

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def items(self) -> Iterable[tuple[str, Any, str]]:
        """(name, value, origin) in the table's order."""
        return ((s.name, self.values[s.name], self.origins[s.name]) for s in SETTINGS)

    @property
    def policy(self) -> Policy:
        return Policy.of(self["select"], self["ignore"], self["severity"], strict=self["strict"])

    def settings(self, *, kind: str | None = None, catalogue: Catalogue | None = None) -> Settings:
        """The ``Settings`` of the run; the catalogue is loaded from ``configdb`` unless given."""
        if catalogue is None:
            from ..catalogue.snapshot import load_catalogue

            catalogue = load_catalogue(self["configdb"])
        return Settings(
            catalogue=catalogue,
            now=self.now,
            duration_tolerance=float(self["duration-tolerance"]),
            kind=kind,
            visibility=self["visibility"],
            policy=self.policy,
        )


#: ``config``: True finds the nearest settings file, False reads none, a path reads that file.
ConfigChoice = str | os.PathLike[str] | bool


def resolve(
    explicit: Mapping[str, Any] | None = None,
    *,
    config: ConfigChoice = True,
    entry: str = CHECK,
    origin: str = "command line",
    start: Path | None = None,
) -> Resolution:
    """Each setting's value for ``entry``: defaults < settings file < ``explicit`` values.

    ``explicit`` is keyed by the table's names; a value of None is "not given".  The
    nearest file is looked for from ``start`` (default: the current folder) upwards.
    Settings the entry point does not honour keep their defaults.  Raises
    ``SettingError`` (``config.ConfigError`` for the file) naming the problem.
    """
    from .config import find_config, load_config

    if config is True:
        file = load_config(find_config(start or Path.cwd()), explicit=False)
    elif config is False:
        file = load_config(None, explicit=False)
    else:
        file = load_config(Path(config), explicit=True)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for setting in SETTINGS:
        values[setting.name] = default(setting.name)
        origins[setting.name] = "default" + (
            f": {setting.default_note}" if setting.default_note else ""
        )
    if os.environ.get("GITHUB_ACTIONS") == "true":
        values["output-format"], origins["output-format"] = "github", "default: GITHUB_ACTIONS=true"
    given = {name: value for name, value in (explicit or {}).items() if value is not None}
    for name in given:
        if name not in BY_NAME or entry not in BY_NAME[name].used_by:
            raise SettingError(f"{origin}: {entry} takes no setting {name!r}")
    for setting in SETTINGS:
        if entry not in setting.used_by:
            continue
        if setting.name in file.values:
            value = file.values[setting.name]
            if setting.relative_to_file:
                value = (
                    [file.resolve_path(item) for item in value]
                    if isinstance(value, list)
                    else file.resolve_path(value)
                )
            values[setting.name], origins[setting.name] = value, str(file.path)
        if setting.name in given:
            value = given[setting.name]
            if not (setting.name == "now" and isinstance(value, datetime)):
                value = checked_value(setting, value, origin)
            values[setting.name], origins[setting.name] = value, origin
    return Resolution(entry, values, origins, _fixed_time(values["now"], origins["now"]))


def _fixed_time(value: str | datetime, origin: str) -> datetime | None:
    """A ``now`` setting as a time (naive times are UTC); None for "current"."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if value == CURRENT:
        return None
    from ..documents.times import parse_portal_datetime

    parsed = parse_portal_datetime(value)
    if parsed is None:
        raise SettingError(
            f"{origin}: now {value!r} is not a date-time like 2025-01-29T03:00:00Z (or {CURRENT!r})"
        )
    return parsed


def excluded_by(patterns: list[str]) -> Callable[[Path], bool]:
    """Whether a path, or a folder above it, matches one of the ``exclude`` patterns."""
    absolute = [str(Path(pattern).absolute()) for pattern in patterns]

    def excluded(path: Path) -> bool:
        candidate = path.absolute()
        for place in (candidate, *candidate.parents):
            if any(fnmatch.fnmatch(str(place), pattern) for pattern in absolute):
                return True
        return False

    return excluded


# -- what is reported -------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """What a run reports and when it fails; the default reports every finding as written."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict, hash=False)
    strict: bool = False

    @classmethod
    def of(
        cls,
        select: Iterable[str] = (),
        ignore: Iterable[str] = (),
        severity: Mapping[str, str] | None = None,
        *,
        strict: bool = False,
    ) -> Policy:
        """A policy from settings as written: codes in any case, severities by name."""
        return cls(
            tuple(code.strip().upper() for code in select if code.strip()),
            tuple(code.strip().upper() for code in ignore if code.strip()),
            {code.upper(): Severity(level) for code, level in (severity or {}).items()},
            strict,
        )

    @property
    def changes_findings(self) -> bool:
        return bool(self.select or self.ignore or self.severity)

    def reports(self, code: str) -> bool:
        """Whether findings with this code are kept: selected (or no selection), not ignored."""
        if self.select and not code.startswith(self.select):
            return False
        return not (self.ignore and code.startswith(self.ignore))

    def applied(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings the policy keeps (by code prefix), with their severities overridden."""
        if not self.changes_findings:
            return list(findings)
        return [
            replace(finding, severity=self.severity[finding.code])
            if finding.code in self.severity
            else finding
            for finding in findings
            if self.reports(finding.code)
        ]

    def failed(self, *, errors: int, warnings: int) -> bool:
        """Whether a run with these counts (of kept findings) fails: errors, or strict warnings."""
        return bool(errors or (self.strict and warnings))


# -- the settings a check reads ---------------------------------------------------------------


_ABSENT = object()


class RunMemory:
    """What one run remembers across requests, by content: results that depend on it alone.

    The configuration rules' findings are kept here (``rules/_configurations``), so
    that a configuration seen again (a cadence repeats its request's) costs a lookup.
    The oldest entry goes first once ``capacity`` are kept, so an archive of distinct
    configurations does not grow it without end; a lock keeps it whole when the
    server checks requests in several threads.
    """

    def __init__(self, capacity: int = 8192) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def remembered(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``'s value for ``key``, computed the first time ``key`` is asked for."""
        value = self._entries.get(key, _ABSENT)  # as ``get``: no lock for a hit
        if value is _ABSENT:
            value = compute()
            with self._lock:
                self._entries[key] = value
                if len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
        return value  # type: ignore[no-any-return]

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value remembered for ``key``, or ``default``.

        A hit takes no lock and leaves the order alone, as most requests of an archive
        hit: one dictionary lookup (its keys are tuples of strings and bytes, so no
        Python code runs and no other thread can see it half done) is atomic under the
        GIL.  Eviction is then by age, not by use: a configuration asked for all run
        long is forgotten once every ``capacity`` new entries and computed once again,
        and the memory still never holds more than ``capacity``.
        """
        return self._entries.get(key, default)

    def __getstate__(self) -> dict[str, Any]:
        return {"capacity": self.capacity}  # a copy in another process starts empty

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["capacity"])  # type: ignore[misc]


@dataclass(frozen=True)
class Settings:
    """Everything that changes a verdict, fixed for one run (``resolve(...).settings()``)."""

    catalogue: Catalogue
    #: The fixed time of the run; None means "the current time" for submissions
    #: and "time-relative rules off" for archive records.
    now: datetime | None = None
    duration_tolerance: float = default("duration-tolerance")
    kind: str | None = None
    #: Visibility checks run for submissions; for archive records only with a fixed now.
    visibility: bool = default("visibility")
    #: What is reported: the pipeline applies it to what the checks find.
    policy: Policy = field(default_factory=Policy)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: Not a setting: what the run has computed once and reuses (it changes no verdict).
    memory: RunMemory = field(default_factory=RunMemory, compare=False, repr=False)

    @property
    def effective_now(self) -> datetime:
        return self.now or self.started
