"""Reporters turn findings into what a person or another program reads.

Each reporter is a module ``<format>_format`` with a function
``report(results, summary, stream)``; findings go to ``stream`` (stdout unless
``--output-file``), and the CLI writes the human summary to stderr itself.
Only the reporter asked for is imported: SARIF and JUnit pull in modules a
plain ``check`` does not need.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ..checking.pipeline import FileResult
    from ..checking.summary import Summary

    Reporter = Callable[[list[FileResult], Summary, TextIO], None]

FORMATS = ("text", "json", "github", "sarif", "junit", "gitlab")


def reporter(name: str) -> Reporter:
    """The ``report`` function of the format ``name`` (one of ``FORMATS``)."""
    if name not in FORMATS:
        raise ValueError(f"unknown output format {name!r}; expected one of {FORMATS}")
    module = importlib.import_module(f"{__name__}.{name}_format")
    report: Reporter = module.report
    return report
