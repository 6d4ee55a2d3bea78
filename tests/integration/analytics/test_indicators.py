"""Indicators end to end on SQLite and PostgreSQL: FHIR resources written to the store, the
indicator views registered and materialized into DuckDB, computed through `compute(services,
...)`; then a day of changes refreshed incrementally."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import analytics
from enlace.modules.analytics import indicators

LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"


def _write(services: Services, resource: dict[str, Any]) -> None:
    with services.db.begin() as conn:
        services.repo.update(conn, resource, resource["id"])


def _coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _seed(services: Services, controlled: int, total: int) -> None:
    _write(services, {"resourceType": "Organization", "id": "imss", "name": "IMSS"})
    _write(services, {"resourceType": "Organization", "id": "umf1", "name": "UMF 1",
                      "partOf": {"reference": "Organization/imss"},
                      "address": [{"state": "14"}]})  # fmt: skip
    for i in range(total):
        pid = f"p{i}"
        _write(services, {
            "resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1970-02-01",
            "name": [{"family": "López", "given": [f"Paciente{i}"]}],
            "managingOrganization": {"reference": "Organization/umf1"},
            "generalPractitioner": [{"reference": "Practitioner/dr1"}],
        })  # fmt: skip
        _write(services, {
            "resourceType": "Condition", "id": f"dx{i}", "subject": {"reference": f"Patient/{pid}"},
            "code": _coded(ICD10, "E11.9"), "onsetDateTime": "2020-01-01",
            "clinicalStatus": _coded(
                "http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
        })  # fmt: skip
        _a1c(services, pid, 6.4 if i < controlled else 9.6)


def _a1c(services: Services, pid: str, value: float, day: str = "2026-09-10") -> None:
    _write(services, {
        "resourceType": "Observation", "id": f"a1c-{pid}", "status": "final",
        "code": _coded(LOINC, "4548-4"), "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": f"{day}T08:00:00Z",
        "valueQuantity": {"value": value, "unit": "%", "code": "%"},
    })  # fmt: skip


def _values(cells: list[indicators.Cell]) -> dict[str, tuple[Any, Any, Any]]:
    return {c.indicator: (c.numerator, c.denominator, c.value) for c in cells}


def test_indicators_from_the_store_then_incrementally(services: Services) -> None:
    _seed(services, controlled=9, total=12)
    indicators.refresh_sources(services, full=True)
    wanted = ["dm2_hba1c_lt7", "cms122_hba1c_gt9", "trained_clinicians"]
    cells = indicators.compute(services, wanted, "2026-09", "clinic",
                               role_can_see_identities=True)  # fmt: skip
    values = _values(cells)
    assert values["dm2_hba1c_lt7"] == (9, 12, 75.0)
    assert values["cms122_hba1c_gt9"] == (3, 12, 25.0)
    assert values["trained_clinicians"][2] is None
    assert {c.unit for c in cells} == {"umf1"}
    # without identity rights the counts under 11 hide (3 poorly controlled, 9 controlled)
    hidden = _values(indicators.compute(services, wanted, "2026-09", "clinic"))
    assert hidden["cms122_hba1c_gt9"] == (None, None, None)
    assert hidden["dm2_hba1c_lt7"] == (None, None, None)

    # a day of changes: two patients' HbA1c replaced, refreshed incrementally
    _a1c(services, "p9", 6.0, "2026-09-20")
    _a1c(services, "p10", 6.1, "2026-09-21")
    results = {r.view: r for r in indicators.refresh_sources(services)}
    assert not results["observation_values"].full
    # (PostgreSQL re-reads the last 2 s of history, so "resources" may exceed the 2 changed)
    assert results["observation_values"].row_count == 12
    after = _values(indicators.compute(services, wanted, "2026-09", "physician",
                                       role_can_see_identities=True))  # fmt: skip
    assert after["dm2_hba1c_lt7"] == (11, 12, 91.67)
    patients = indicators.compute(services, ["cms122_hba1c_gt9"], "2026-09", "patient",
                                  ("physician", "dr1"), role_can_see_identities=True)  # fmt: skip
    assert [c.name for c in patients if c.numerator] == ["Paciente11 López"]


def test_bad_period_and_identities(services: Services) -> None:
    with pytest.raises(errors.FhirError) as bad:
        indicators.compute(services, None, "2026-13", "national")
    assert bad.value.status == 400
    with pytest.raises(errors.FhirError) as refused:
        indicators.compute(services, None, "2026-09", "patient")
    assert refused.value.status == 403


def test_views_held_by_a_refresh_is_503_not_500(services: Services) -> None:
    _seed(services, controlled=1, total=1)
    indicators.refresh_sources(services, full=True)
    writer = duckdb.connect(str(analytics.duckdb_path(services.settings)))
    try:
        with pytest.raises(errors.FhirError) as busy:
            indicators.compute(services, ["dm2_hba1c_lt7"], "2026-09", "national")
        assert busy.value.status == 503
    finally:
        writer.close()
    assert indicators.compute(services, ["dm2_hba1c_lt7"], "2026-09", "national")[0].value is None
