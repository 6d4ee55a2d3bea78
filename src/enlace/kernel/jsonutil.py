"""JSON in and out with orjson; one place decides the flags."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson


def dumps(value: Any, pretty: bool = False) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 if pretty else 0)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


JSONDecodeError = orjson.JSONDecodeError
T = TypeVar("T")


class JsonLinesError(ValueError):
    """A JSON Lines file that cannot be read, or a line that is not what it should be."""


def read_json_lines(path: Path, parse: Callable[[Any], T], what: str) -> list[T]:
    """Each non-blank line of a JSON Lines file through `parse`; JsonLinesError naming the file
    and line (`what` says what a line should be) when the file or a line is not readable."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise JsonLinesError(f"cannot read {path}: {exc.strerror}") from None
    out = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(parse(orjson.loads(line)))
        except (orjson.JSONDecodeError, TypeError) as exc:
            raise JsonLinesError(f"{path}:{number}: not {what} ({exc})") from None
    return out
