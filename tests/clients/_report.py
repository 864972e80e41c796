"""The report a client driver of ``tests/clients/`` prints for ``tests/test_clients.py``.

Imported by the drivers, which run in the clients' own Python 3.12 environments
(their folder is on ``sys.path``), so it needs the standard library only.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from typing import Any


class Report:
    """Each step's outcome, and the material the calling test compares, by kind.

    ``kinds`` name the collections of material (``"payloads"``, ``"answers"``...),
    each a member of the printed document after ``"steps"``.
    """

    def __init__(self, *kinds: str) -> None:
        self.steps: dict[str, dict[str, Any]] = {}
        self.material: dict[str, dict[str, Any]] = {kind: {} for kind in kinds}

    def step(self, name: str, run: Callable[[], str]) -> None:
        try:
            self.steps[name] = {"ok": True, "detail": run()}
        except Exception as error:  # a client's failure is a finding to report, not a crash
            detail = "".join(traceback.format_exception_only(error)).strip()
            self.steps[name] = {"ok": False, "detail": detail, "trace": traceback.format_exc()}

    def as_json(self) -> str:
        return json.dumps({"steps": self.steps, **self.material}, default=str)
