"""Reporters turn findings into what a person or another program reads.

Each reporter is a function ``report(results, summary, stream)``; findings go
to ``stream`` (stdout unless ``--output-file``), and the CLI writes the
human summary to stderr itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from ..checker import FileResult
from ..summary import Summary
from . import github_format, gitlab_format, json_format, junit_format, sarif_format, text_format

Reporter = Callable[[list[FileResult], Summary, TextIO], None]

REPORTERS: dict[str, Reporter] = {
    "text": text_format.report,
    "json": json_format.report,
    "github": github_format.report,
    "sarif": sarif_format.report,
    "junit": junit_format.report,
    "gitlab": gitlab_format.report,
}
