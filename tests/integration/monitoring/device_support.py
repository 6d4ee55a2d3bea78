"""Shared by the registry, ingestion and device HTTP tests: a patient, a bound device, messages."""

from __future__ import annotations

from typing import Any

import orjson

from enlace.interactions.context import Services
from enlace.modules.monitoring import registry

# The tests' SteppingClock starts at 2026-01-01T00:00:00Z: readings are from the days before.
T = "2025-12-31T{}:00-06:00"


def new_patient(services: Services, family: str = "García") -> str:
    with services.db.begin() as conn:
        created = services.repo.create(
            conn, {"resourceType": "Patient", "name": [{"family": family, "given": ["Ana"]}]}
        )
    return created.id


def new_device(services: Services, patient: str | None, kind: str = "bp-cuff") -> tuple[str, str]:
    with services.db.begin() as conn:
        return registry.add_device(conn, services.repo, kind=kind, patient=patient)


def compact(*readings: dict[str, Any], **top: Any) -> bytes:
    return orjson.dumps({"readings": list(readings), **top})


def bp(systolic: float, diastolic: float, hour: str = "10:00", **extra: Any) -> dict[str, Any]:
    return {
        "code": "85354-9",
        "components": {"8480-6": systolic, "8462-4": diastolic},
        "unit": "mm[Hg]",
        "time": T.format(hour),
        **extra,
    }


def reading(
    code: str, value: float, unit: str, hour: str = "10:00", **extra: Any
) -> dict[str, Any]:
    return {"code": code, "value": value, "unit": unit, "time": T.format(hour), **extra}


def observation(
    code: str, value: float, unit: str, time: str = "2025-12-31T10:00:00-06:00", **extra: Any
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
        "effectiveDateTime": time,
        **extra,
    }
