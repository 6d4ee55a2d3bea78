"""JSON in and out with orjson; one place decides the flags."""

from __future__ import annotations

from typing import Any

import orjson


def dumps(value: Any, pretty: bool = False) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 if pretty else 0)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


JSONDecodeError = orjson.JSONDecodeError
