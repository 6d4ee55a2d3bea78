"""A value per database re-read at most once every `every_s` per process, or at once after
`invalidate` (this process changed what it is read from). Consent rules and the types with
blocked data use it: ordinary requests then cost no query for them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Rechecked(Generic[T]):
    def __init__(self, every_s: float = 1.0) -> None:
        self.every_s = every_s
        self.lock = threading.Lock()
        self.values: dict[str, tuple[T, float]] = {}  # key -> (value, monotonic time read)

    def get(self, key: str, read: Callable[[], T]) -> T:
        with self.lock:
            held = self.values.get(key)
            if held is not None and time.monotonic() - held[1] < self.every_s:
                return held[0]
        value = read()
        with self.lock:
            self.values[key] = (value, time.monotonic())
        return value

    def invalidate(self) -> None:
        with self.lock:
            self.values.clear()
