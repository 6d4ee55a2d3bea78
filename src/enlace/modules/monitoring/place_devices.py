"""Readings of devices that guard a place (domain.PLACE_KINDS: temperature loggers in a fridge,
cold room or delivery box) go to the module that owns the place, not to the patient rules.

Monitoring ingests, de-duplicates and stores them like any device's readings; what they mean
(an excursion, lots to quarantine) belongs to the cold chain. That module cannot be imported
from here (modules are siblings), so the composition root registers its handler per device
kind (`register`), and ingestion calls it with the new readings inside the ingest transaction:
the readings and what they caused commit together, and a duplicate never reaches it.
A kind with no handler registered just stores its readings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection

from enlace.modules.monitoring.domain import PLACE_KINDS, Reading
from enlace.store.repository import FhirRepository

# (conn, repo, device id, new readings) -> ids of what the readings opened or changed
Handler = Callable[[Connection, FhirRepository, str, Sequence[Reading]], list[str]]
_handlers: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    """Send the new readings of every device of `kind` to `handler` (the last one wins)."""
    if kind not in PLACE_KINDS:
        raise ValueError(f"{kind!r} is not a place device kind")
    _handlers[kind] = handler


def on_readings(
    conn: Connection, repo: FhirRepository, kind: str, device: str, readings: Sequence[Reading]
) -> list[str]:
    handler = _handlers.get(kind)
    if handler is None or not readings:
        return []
    return handler(conn, repo, device, readings)
