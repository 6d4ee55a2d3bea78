"""Injected time: production uses the system clock, tests and simulations a fixed or stepped one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def fhir_instant(moment: datetime) -> str:
    """Render an aware datetime as a FHIR instant with millisecond precision."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_us(moment: datetime) -> int:
    """Microseconds since the epoch, exactly (float timestamps lose the last digit)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_epoch_us(microseconds: int) -> datetime:
    return _EPOCH + timedelta(microseconds=microseconds)
