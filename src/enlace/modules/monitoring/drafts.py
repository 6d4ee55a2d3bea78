"""What the message readers (normalize.py, normalize_fhir.py) share: a reading as sent, before
units and plausibility, and the exception that refuses one reading without the others."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from enlace.modules.monitoring.domain import DIASTOLIC, SYSTOLIC


class Locations(Protocol):
    def __getitem__(self, part: str, /) -> str: ...


class CompactLocations:
    """Where the parts of compact reading `where` are; made only when a refusal needs one (a
    dict per reading would cost more than reading it)."""

    __slots__ = ("where",)

    def __init__(self, where: str) -> None:
        self.where = where

    def __getitem__(self, part: str) -> str:
        if part in (SYSTOLIC, DIASTOLIC):
            return f"{self.where}.components.{part}"
        return f"{self.where}.{part}"


@dataclass(frozen=True, slots=True)
class Draft:
    """A reading as sent: values in `unit`, time as text."""

    code: str
    unit: str
    value: float | None
    components: dict[str, float] | None  # blood pressure: {LOINC: value}
    time: str
    device_code: str | None
    # Where each part was in the message, for refusals: code, unit, value, time, and for blood
    # pressure 8480-6 and 8462-4 (e.g. readings[3].unit, Bundle.entry[2].resource.valueQuantity).
    at: Locations


class Refused(Exception):
    """One reading is refused (reason code, location, what to fix); the others go on."""

    def __init__(self, reason: str, location: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.location, self.message = reason, location, message


def number(value: Any, location: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Refused("malformed", location, "A number is required")
    return float(value)


def short_text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit
