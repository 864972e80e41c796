"""JSON Pointers (RFC 6901): how every finding names its place in a document."""

from __future__ import annotations

from collections.abc import Iterable


def escape_token(token: object) -> str:
    """One reference token as a pointer writes it: ``~`` as ``~0``, ``/`` as ``~1``."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    if "~" not in token:
        return token
    return token.replace("~1", "/").replace("~0", "~")


def pointer_from_parts(parts: Iterable[object]) -> str:
    """Build a pointer from keys and indices, e.g. a jsonschema error path."""
    return "".join("/" + escape_token(part) for part in parts)


def pointer_parts(pointer: str) -> list[str]:
    """The unescaped reference tokens of ``pointer``; "" (the whole document) has none."""
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON Pointer: {pointer!r}")
    return [unescape_token(token) for token in pointer[1:].split("/")]
