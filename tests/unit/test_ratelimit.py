"""Token buckets per client and the unverified client id used as their key."""

from __future__ import annotations

import base64

import pytest

from enlace.security import ratelimit
from enlace.security.ratelimit import TokenBuckets, client_id_of, retry_after_seconds


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def bearer(claims: bytes) -> bytes:
    payload = base64.urlsafe_b64encode(claims).rstrip(b"=")
    return b"Bearer eyJhbGciOiJFUzM4NCJ9." + payload + b".c2lnbmF0dXJl"


def test_a_burst_then_wait_for_the_refill() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=2, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(0.5)  # one token every 0.5 s
    clock.now += 0.25
    assert buckets.take("a") == pytest.approx(0.25)
    clock.now += 0.25
    assert buckets.take("a") == 0.0
    clock.now += 100  # refills to the burst, never beyond
    assert [buckets.take("a") for _ in range(4)][-1] > 0


def test_each_key_has_its_own_bucket() -> None:
    buckets = TokenBuckets(rate=1, burst=1, clock=Clock())
    assert buckets.take("a") == 0.0 and buckets.take("a") > 0
    assert buckets.take("b") == 0.0


def test_refund_and_charge_down_to_a_debt_of_one_burst() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=1, burst=2, clock=clock)
    buckets.take("a")
    buckets.refund("a")
    buckets.refund("a")  # never above the burst
    assert buckets.take("a") == 0.0 and buckets.take("a") == 0.0 and buckets.take("a") > 0
    assert buckets.debt_wait("ip") == 0.0
    for _ in range(10):
        buckets.charge("ip")
    assert buckets.debt_wait("ip") == pytest.approx(2.0)  # -2 tokens at 1 a second
    clock.now += 2.5
    assert buckets.debt_wait("ip") == 0.0


def test_idle_buckets_are_forgotten_past_the_key_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "MAX_KEYS", 10)
    clock = Clock()
    buckets = TokenBuckets(rate=1, burst=1, clock=clock)
    for n in range(10):
        buckets.take(f"old{n}")
    clock.now += 5  # all refilled: the same as absent
    buckets.take("busy")
    assert len(buckets) == 1
    for n in range(20):  # busy keys only: the older half goes
        buckets.take(f"new{n}")
    assert len(buckets) <= 10


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    assert retry_after_seconds(0.01) == 1
    assert retry_after_seconds(1.2) == 2


def test_client_id_is_read_from_the_token_without_verification() -> None:
    assert client_id_of(bearer(b'{"client_id":"pharmacy-app","sub":"u1"}')) == "pharmacy-app"
    assert client_id_of(b"bearer " + bearer(b'{"client_id":"x"}')[7:]) == "x"


@pytest.mark.parametrize(
    "header",
    [
        b"Basic dXNlcjpwYXNz",
        b"Bearer opaque-token",
        b"Bearer a.!!!.c",
        bearer(b"not json"),
        bearer(b'["client_id"]'),
        bearer(b'{"client_id": 42}'),
        bearer(b'{"sub": "no client"}'),
        bearer(b'{"client_id": "' + b"x" * 200 + b'"}'),
        b"Bearer " + b"a" * 9000 + b".b.c",
    ],
)
def test_anything_else_has_no_client_id(header: bytes) -> None:
    assert client_id_of(header) is None


def test_a_rate_limit_needs_a_positive_rate_and_burst() -> None:
    with pytest.raises(ValueError):
        TokenBuckets(rate=0, burst=10)
    with pytest.raises(ValueError):
        TokenBuckets(rate=1, burst=0)
