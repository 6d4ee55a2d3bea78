"""Use case: load every reference catalog into the store, idempotently, in one transaction."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from enlace.kernel import errors
from enlace.modules.catalog import fhir_map
from enlace.modules.catalog.formulary_data import MEDICINES
from enlace.modules.catalog.network_data import FACILITIES
from enlace.store.bulk import PutItem
from enlace.store.database import Database
from enlace.store.repository import FhirRepository


class CatalogServices(Protocol):
    """What loading needs of the composed services (modules may not import interactions)."""

    db: Database
    repo: FhirRepository

    def validate(self, body: Any, expected_type: str | None = None) -> list[errors.Issue]: ...


@dataclass(frozen=True)
class LoadReport:
    created: int
    updated: int
    unchanged: int
    by_type: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def catalog_resources() -> list[dict[str, Any]]:
    """Every catalog resource, in a fixed order (Medication, terminology, network)."""
    return [
        *(fhir_map.medication(m) for m in MEDICINES),
        *fhir_map.terminology(),
        *fhir_map.network(FACILITIES),
    ]


def load_catalogs(services: CatalogServices) -> LoadReport:
    """Every catalog resource, validated and written as `load_reference` does."""
    return load_reference(services, catalog_resources())


def load_reference(services: CatalogServices, resources: list[dict[str, Any]]) -> LoadReport:
    """Validate every resource first, then write them all in one transaction.

    Nothing is written when any resource is invalid; an unchanged resource keeps its version, so
    loading twice changes nothing. Other modules' reference data (e.g. insurance plans) load the
    same way.
    """
    issues = [
        replace(issue, diagnostics=f"{r['resourceType']}/{r['id']}: {issue.diagnostics}")
        for r in resources
        for issue in services.validate(r)
    ]
    if issues:
        raise errors.FhirError(422, issues)
    with services.db.begin() as conn:
        counts = services.repo.put_many(conn, [PutItem(r) for r in resources])
    by_type = dict(Counter(r["resourceType"] for r in resources))
    return LoadReport(counts["created"], counts["updated"], counts["unchanged"], by_type)
