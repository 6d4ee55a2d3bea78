"""Injected id generation: server-assigned resource ids are UUIDs, deterministic under a seed."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

IdFactory = Callable[[], str]


def random_ids() -> str:
    return str(uuid.uuid4())


def seeded_ids(seed: int) -> IdFactory:
    rng = random.Random(seed)

    def next_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    return next_id
