"""A small insured world for the coverage tests: catalogs and plans loaded, an IMSS affiliate,
a GMM family (subscriber and child), empty accumulators, and eligibility requests to send."""

from __future__ import annotations

from datetime import date
from typing import Any

from enlace.interactions.context import Services
from enlace.modules import coverage
from enlace.modules.catalog import load_catalogs
from enlace.modules.coverage import fhir_map, plan_for
from enlace.modules.coverage.store import forget_plans
from enlace.store.bulk import PutItem

START = date(2025, 1, 1)


def insured_world(services: Services) -> Services:
    """The PostgreSQL test database is shared by the session: accumulators start empty."""
    with services.db.begin() as conn:
        conn.exec_driver_sql("DELETE FROM coverage_accumulators")
    forget_plans()
    load_catalogs(services)
    coverage.load_plans(services)
    imss, gmm = plan_for("imss"), plan_for("aseguradora-gmm-b")
    assert imss is not None and gmm is not None
    resources: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": pid}
        for pid in ("p-imss", "p-gmm", "p-gmm-child", "p-none")
    ]
    resources += [
        fhir_map.coverage("p-imss-cov", "p-imss", imss, START),
        fhir_map.coverage("p-gmm-cov", "p-gmm", gmm, START),
        fhir_map.coverage(
            "p-gmm-child-cov", "p-gmm-child", gmm, START, subscriber="p-gmm", relationship="child"
        ),
    ]
    with services.db.begin() as conn:
        services.repo.put_many(conn, [PutItem(r) for r in resources])
    return services


def medication_item(slug: str, packs: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "detail": [{"reference": f"Medication/med-{slug}"}],
        "quantity": {"value": packs},
        **extra,
    }


def eligibility_request(
    patient: str = "p-imss",
    coverage_id: str | None = "p-imss-cov",
    items: list[dict[str, Any]] | None = None,
    purpose: tuple[str, ...] = ("benefits",),
    on: str = "2026-02-01",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "CoverageEligibilityRequest",
        "id": "req-1",
        "status": "active",
        "purpose": list(purpose),
        "patient": {"reference": f"Patient/{patient}"},
        "servicedDate": on,
        "created": f"{on}T10:00:00Z",
        "insurer": {"reference": "Organization/org-imss"},
    }
    if coverage_id is not None:
        body["insurance"] = [{"coverage": {"reference": f"Coverage/{coverage_id}"}}]
    if items is not None:
        body["item"] = items
    return body


def extension(item: dict[str, Any], suffix: str) -> Any:
    for ext in item.get("extension", []):
        if ext["url"].endswith(suffix):
            return next(v for k, v in ext.items() if k.startswith("value"))
    return None
