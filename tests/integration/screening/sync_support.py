"""Batches as a CHW's phone would send them, and counts of what the database holds."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from enlace.interactions.context import Services
from enlace.modules.screening.tables import sync_batches, sync_conflicts, sync_items
from enlace.store.schema import resource_history, resources

CAPTURED = "2026-03-01T09:30:00-06:00"


def new_id() -> str:
    return str(uuid.uuid4())


def person(family: str = "Ruiz", **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "name": [{"family": family, "given": ["Ana"]}], **fields}


def registration(payload: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    item = {
        "clientId": new_id(),
        "kind": "patient-registration",
        "capturedAt": CAPTURED,
        "payload": payload or person(),
    }
    return {**item, **fields}


def edit(patient: str, base: int, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "clientId": new_id(),
        "kind": "patient-edit",
        "capturedAt": CAPTURED,
        "patient": patient,
        "baseVersion": base,
        "payload": payload,
    }


def batch(*items: dict[str, Any], device: str = "phone-7", batch_id: str | None = None) -> bytes:
    body = {"batchId": batch_id or new_id(), "device": device, "items": list(items)}
    return orjson.dumps(body)


def post(client: TestClient, body: bytes, **headers: str) -> Any:
    return client.post(
        "/sync/batches", content=body, headers={"Content-Type": "application/json", **headers}
    )


def count(services: Services, table: Any, **where: Any) -> int:
    statement = select(func.count()).select_from(table)
    for column, value in where.items():
        statement = statement.where(table.c[column] == value)
    with services.db.read() as conn:
        return int(conn.execute(statement).scalar_one())


def patients(services: Services) -> int:
    return count(services, resources, resource_type="Patient")


def sync_rows(services: Services) -> tuple[int, int, int]:
    return (
        count(services, sync_batches),
        count(services, sync_items),
        count(services, sync_conflicts),
    )


def versions(services: Services, patient: str) -> list[dict[str, Any]]:
    """Every version of the patient, oldest first."""
    statement = (
        select(resource_history.c.version_id)
        .where(resource_history.c.resource_type == "Patient", resource_history.c.id == patient)
        .order_by(resource_history.c.version_id)
    )
    with services.db.read() as conn:
        numbers = conn.execute(statement).scalars().all()
        return [services.repo.vread(conn, "Patient", patient, n).resource() for n in numbers]


def local(reference: str) -> str:
    return reference.split("/", 1)[1]
