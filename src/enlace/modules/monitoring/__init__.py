"""Remote monitoring (issue 9): device registry, ingestion over HTTP and MQTT, the readings time
series, alert rules, alerts with escalation, CGM/AGP and BP/weight reports (docs/monitoring.md).
"""

from __future__ import annotations

from enlace.modules.monitoring import (
    agp,
    alert_response,
    follows,
    place_devices,
    registry,
    reports,
    self_reports,
    series,
    summaries,
)
from enlace.modules.monitoring.domain import (
    CODES,
    DEVICE_KINDS,
    PLACE_KINDS,
    STORAGE_TEMPERATURE,
    Measure,
    Reading,
)
from enlace.modules.monitoring.fhir_readings import ReadingsSource

__all__ = [
    "CODES",
    "DEVICE_KINDS",
    "PLACE_KINDS",
    "STORAGE_TEMPERATURE",
    "Measure",
    "Reading",
    "ReadingsSource",
    "agp",
    "alert_response",
    "follows",
    "place_devices",
    "registry",
    "reports",
    "self_reports",
    "series",
    "summaries",
]
