"""The indicator `trained_clinicians` end to end through analytics' `indicators.compute`: the
clinic's staff in the store, two of three trained, the value per clinic."""

from __future__ import annotations

from typing import Any

from enlace.interactions.context import Services
from enlace.modules import education
from enlace.modules.analytics import indicators

from .support import CLINIC, pass_module, staff


def _write(services: Services, resource: dict[str, Any]) -> None:
    with services.db.begin() as conn:
        services.repo.update(conn, resource, resource["id"])


def test_trained_clinicians_per_clinic(services: Services) -> None:
    _write(services, {"resourceType": "Organization", "id": "imss", "name": "IMSS"})
    _write(services, {"resourceType": "Organization", "id": CLINIC, "name": "UMF prueba",
                      "partOf": {"reference": "Organization/imss"},
                      "address": [{"state": "14"}]})  # fmt: skip
    staff(services)
    _write(services, {"resourceType": "Patient", "id": "p1", "gender": "male",
                      "birthDate": "1960-01-01",
                      "managingOrganization": {"reference": f"Organization/{CLINIC}"}})  # fmt: skip
    for who in ("pr-chw", "pr-doc"):
        role = "chw" if who == "pr-chw" else "doctor"
        for course in education.catalogue().courses.values():
            if course.required and role in course.roles:
                with services.db.begin() as conn:
                    education.enrol(conn, services.repo, who, course.id, 0)
                for module in course.modules:
                    pass_module(services, who, course.id, module.id)  # on 2026-03-10
    indicators.refresh_sources(services, full=True)
    march = indicators.compute(services, ["trained_clinicians"], "2026-03", "clinic",
                               role_can_see_identities=True)  # fmt: skip
    february = indicators.compute(services, ["trained_clinicians"], "2026-02", "clinic",
                                  role_can_see_identities=True)  # fmt: skip
    cell = next(c for c in march if c.unit == CLINIC)
    assert (cell.numerator, cell.denominator) == (2, 3)
    assert round(cell.value or 0, 1) == 66.7
    before = next(c for c in february if c.unit == CLINIC)
    assert (before.numerator, before.denominator) == (0, 3)
