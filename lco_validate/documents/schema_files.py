"""The JSON Schema files: in the wheel, or at the top of the repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def schema_dir() -> Path:
    """The folder holding the schemas: packaged in a wheel, else the repository's."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "schemas"
    return packaged if packaged.is_dir() else package.parent / "schemas"


def load_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((schema_dir() / name).read_text(encoding="utf-8"))
    return schema
