"""Token buckets per client, in process memory.

Each key (a client id or a remote address) has a bucket of `burst` tokens that refills at `rate`
tokens a second; a request takes one token, or waits. The buckets live in one worker process:
with N workers a client gets up to N times the rate (uvicorn spreads connections over workers).
A limiter shared by every process (Redis) is future work.

The bucket key comes from the bearer token's `client_id` claim, read *without* checking the
signature (the FHIR adapter verifies the token later). Trusting an unverified claim would let a
forger spend someone else's bucket, or dodge the limit with a new made-up id per request, so a
request whose token is then rejected (401) gives its token back to that client's bucket and is
charged to its remote address instead, which may go into debt: an address in debt is refused
whatever token it shows, until the debt is repaid at `rate`.
"""

from __future__ import annotations

import base64
import binascii
import math
import time
from collections.abc import Callable

import orjson

MAX_TOKEN_BYTES = 8192  # longer bearer tokens are not decoded for a key
MAX_KEY_CHARS = 128
MAX_KEYS = 100_000  # past this, idle buckets are dropped (a full bucket is the same as none)


class TokenBuckets:
    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a rate limit needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, list[float]] = {}  # key -> [tokens, when they were counted]

    def take(self, key: str) -> float:
        """Spend one token: 0.0 when the request may go on, else the seconds to wait."""
        bucket = self._refilled(key)
        if bucket[0] >= 1.0:
            bucket[0] -= 1.0
            return 0.0
        return (1.0 - bucket[0]) / self.rate

    def refund(self, key: str) -> None:
        bucket = self._refilled(key)
        bucket[0] = min(self.burst, bucket[0] + 1.0)

    def charge(self, key: str) -> None:
        """Spend one token even when none is left, down to a debt of `burst` tokens."""
        bucket = self._refilled(key)
        bucket[0] = max(-self.burst, bucket[0] - 1.0)

    def debt_wait(self, key: str) -> float:
        """Seconds until a key in debt (below zero tokens) is out of it; 0.0 when it is not."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        tokens = bucket[0] + (self.clock() - bucket[1]) * self.rate
        return -tokens / self.rate if tokens < 0 else 0.0

    def __len__(self) -> int:
        return len(self._buckets)

    def _refilled(self, key: str) -> list[float]:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._forget_idle(now)
            bucket = self._buckets[key] = [self.burst, now]
            return bucket
        bucket[0] = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        return bucket

    def _forget_idle(self, now: float) -> None:
        full = [
            key
            for key, (tokens, then) in self._buckets.items()
            if tokens + (now - then) * self.rate >= self.burst
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= MAX_KEYS:  # a flood of busy keys: start the older half afresh
            for key in list(self._buckets)[: len(self._buckets) // 2]:
                del self._buckets[key]


def retry_after_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))


def client_id_of(authorization: bytes) -> str | None:
    """The `client_id` claim of a `Bearer <JWT>` header value, unverified; None otherwise."""
    if len(authorization) > MAX_TOKEN_BYTES or authorization[:7].lower() != b"bearer ":
        return None
    parts = authorization[7:].strip().split(b".")
    if len(parts) != 3:
        return None
    payload = parts[1]
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):  # orjson.JSONDecodeError is a ValueError
        return None
    client = claims.get("client_id") if isinstance(claims, dict) else None
    if isinstance(client, str) and 0 < len(client) <= MAX_KEY_CHARS:
        return client
    return None
