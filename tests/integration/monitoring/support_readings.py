"""Test readings for the report and page tests: written through the module's storage (which makes
the monthly PostgreSQL partitions), timed against the services' clock."""

from __future__ import annotations

from typing import Any

import numpy as np

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring.domain import BP_PANEL, CGM_GLUCOSE, SPO2, WEIGHT, Reading
from enlace.modules.monitoring.reports import local_midnight
from enlace.modules.monitoring.storage import store_readings
from enlace.security.access import Access
from tests.support.fhir_calls import call

DAY_US = 86_400_000_000
FIVE_MIN_US = 300_000_000
HOUR_US = 3_600_000_000


def put(services: Services, resource: dict[str, Any]) -> None:
    url = f"{resource['resourceType']}/{resource['id']}"
    response = call(services, Access.internal(), "PUT", url, resource)
    assert response.status in (200, 201), response.body


def patient(services: Services, pid: str, family: str) -> None:
    put(
        services,
        {"resourceType": "Patient", "id": pid, "name": [{"family": family, "given": ["Ana"]}]},
    )


def cgm_days(services: Services, pid: str, days: int, value: float = 120.0) -> int:
    """`days` whole local days of CGM every 5 minutes before today (value, with every 10th at
    250.5 and every 25th at 60); returns the count written."""
    end = local_midnight(epoch_us(services.repo.clock()))
    start = end - days * DAY_US
    times = np.arange(start, end, FIVE_MIN_US, dtype=np.int64)
    batch = []
    for i, t in enumerate(times):
        glucose = 250.5 if i % 10 == 0 else (60.0 if i % 25 == 0 else value)
        batch.append(Reading(pid, f"cgm-{pid}", CGM_GLUCOSE, glucose, int(t), int(t) + 1000))
    with services.db.begin() as conn:
        return len(store_readings(conn, batch))


def vitals(services: Services, pid: str) -> None:
    """20 days of BP (morning 150/95, evening 125/80), daily weight gaining 0.1 kg, SpO2."""
    now = epoch_us(services.repo.clock())
    batch = []
    for day in range(1, 21):
        midnight = local_midnight(now) - day * DAY_US
        batch += [
            Reading(
                pid,
                f"cuff-{pid}",
                BP_PANEL,
                150.0,
                midnight + 7 * HOUR_US,
                midnight + 7 * HOUR_US,
                value2=95.0,
            ),
            Reading(
                pid,
                f"cuff-{pid}",
                BP_PANEL,
                125.0,
                midnight + 20 * HOUR_US,
                midnight + 20 * HOUR_US,
                value2=80.0,
            ),
            Reading(
                pid,
                f"scale-{pid}",
                WEIGHT,
                80.0 - 0.1 * day,
                midnight + 8 * HOUR_US,
                midnight + 8 * HOUR_US,
            ),
            Reading(pid, f"ox-{pid}", SPO2, 95.0, midnight + 9 * HOUR_US, midnight + 9 * HOUR_US),
        ]
    with services.db.begin() as conn:
        store_readings(conn, batch)
