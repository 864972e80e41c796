"""Project configuration: ``[tool.lco-validate]`` in ``pyproject.toml``, or ``--config FILE``.

Command-line flags (or the Python API's keywords) override the file; the
file overrides the defaults.  The settings, their types and defaults are the
table ``policy.SETTINGS``; ``lco-validate check --show-settings`` prints the
effective values and where each came from.

    [tool.lco-validate]
    select = ["S", "R", "D"]          # codes or prefixes to report (default: all)
    ignore = ["S101"]                 # codes or prefixes not to report
    exclude = ["fixtures/invalid"]    # paths skipped when searching directories
    include = ["*.json", "*.jsonl"]   # file names searched for in directories
    duration-tolerance = 0            # seconds allowed between recorded and computed
    configdb = "ops/sites.json"       # catalogue snapshot (relative to this file)
    now = "2031-01-01T00:00:00Z"      # fixed time for time-relative rules ("current" = default)
    strict = false                    # warnings fail the run too
    visibility = true                 # V checks (astropy; about a second the first time)
    output-format = "text"

    [tool.lco-validate.severity]
    S101 = "error"                    # per-code severity overrides
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .policy import BY_NAME, SettingError, checked_value

MAX_CONFIG_BYTES = 1 << 20
TABLE = "lco-validate"


class ConfigError(SettingError):
    """A configuration file that cannot be used; the message names the problem."""


@dataclass
class Config:
    values: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def folder(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def resolve_path(self, value: str) -> str:
        """A path written in the file is relative to the file's folder."""
        return str(self.folder / value)


def find_config(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.lco-validate]`` table, walking up."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                document = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
                continue
            if TABLE in document.get("tool", {}):
                return candidate
    return None


def load_config(path: Path | None, *, explicit: bool) -> Config:
    """Read the configuration; ``explicit`` (from ``--config``) allows a bare table file."""
    if path is None:
        return Config()
    from ..documents.loading import TooLarge, read_file

    try:
        document = tomllib.loads(read_file(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except TooLarge as error:
        raise ConfigError(f"{path} is {error.size:,} bytes; settings files are small") from error
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from error
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from error
    except RecursionError as error:
        raise ConfigError(f"{path} is nested too deeply to be a settings file") from error
    table = document.get("tool", {}).get(TABLE)
    if table is None and explicit:
        table = document.get(TABLE, document)
    values = _validated(table or {}, path)
    return Config(values=values, path=path)


def _validated(table: dict[str, Any], path: Path) -> dict[str, Any]:
    """The table, if every key is a setting of ``policy.SETTINGS`` with a value of its type."""
    for key, value in table.items():
        if key not in BY_NAME:
            known = ", ".join(sorted(BY_NAME))
            raise ConfigError(f"{path}: unknown setting {key!r} in [tool.{TABLE}]; known: {known}")
        try:
            checked_value(BY_NAME[key], value, str(path))
        except SettingError as error:
            raise ConfigError(str(error)) from None
    return table
