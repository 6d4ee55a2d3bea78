"""The patient's own summary page on both stores: HbA1c and blood pressure charted over time
(the points in the chart's data table), the latest PDC per therapy from the adherence
Observations (a PDC that cannot be computed reads "no calculable", never 0 %), another
person's record refused, an empty record, English."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from tests.integration.analytics.dashboard_support import coded, write
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]
ADHERENCE = "https://enlace.health/fhir/CodeSystem/adherence"


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


def component(code: str, **value: Any) -> dict[str, Any]:
    return {"code": coded(ADHERENCE, code), **value}


def pdc(oid: str, therapy: str, end: str, ratio: float | None) -> dict[str, Any]:
    measured = (
        component("pdc", valueQuantity={"value": ratio, "unit": "1"})
        if ratio is not None
        else component("pdc", dataAbsentReason={"text": "one fill only"})
    )
    return {
        "resourceType": "Observation", "id": oid, "status": "final",
        "code": coded(ADHERENCE, "therapy-adherence"), "subject": {"reference": "Patient/ana"},
        "effectivePeriod": {"start": "2026-01-01", "end": end},
        "component": [component("therapy-class", valueCodeableConcept={"text": therapy}),
                      measured, *([component("adherent", valueBoolean=ratio >= 0.8)]
                                  if ratio is not None else [])],
    }  # fmt: skip


def seed(services: Services) -> None:
    for pid in ("ana", "beto"):
        write(services, {"resourceType": "Patient", "id": pid})
    for day, value in (("2026-03-01", 8.1), ("2026-06-01", 7.4), ("2026-09-01", 6.8)):
        write(services, {
            "resourceType": "Observation", "id": f"a1c-{day}", "status": "final",
            "code": coded("http://loinc.org", "4548-4"), "subject": {"reference": "Patient/ana"},
            "effectiveDateTime": f"{day}T09:00:00Z", "valueQuantity": {"value": value, "unit": "%"},
        })  # fmt: skip
    write(services, {
        "resourceType": "Observation", "id": "bp-1", "status": "final",
        "code": coded("http://loinc.org", "85354-9"), "subject": {"reference": "Patient/ana"},
        "effectiveDateTime": "2026-09-02T09:00:00Z",
        "component": [
            {"code": coded("http://loinc.org", "8480-6"), "valueQuantity": {"value": 142}},
            {"code": coded("http://loinc.org", "8462-4"), "valueQuantity": {"value": 88}},
        ],
    })  # fmt: skip
    write(services, pdc("pdc-old", "atc:A10BA02", "2026-06-30", 0.5))
    write(services, pdc("pdc-new", "atc:A10BA02", "2026-09-30", 0.9))
    write(services, pdc("pdc-losartan", "atc:C09CA01", "2026-09-30", None))


def test_my_control_and_my_adherence(services: Services, web: TestClient) -> None:
    seed(services)
    sign_in_as(services, web, "ana", "patient", patients=["ana"])
    page = web.get("/my/summary")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Mi control" in text and 'id="hba1c"' in text and 'id="bp"' in text
    for shown in ("8.1", "7.4", "6.8", "142", "88"):
        assert f"<td>{shown}</td>" in text, shown
    table = text[text.index('id="adherence"') :]
    assert "atc:A10BA02" in table and "90 %" in table and "50 %" not in table  # the latest
    losartan = table[table.index("atc:C09CA01") :].split("</tr>")[0]
    assert "no calculable" in losartan and "one fill only" in losartan and "0 %" not in losartan
    assert web.get("/my/summary?patient=beto").status_code == 404
    assert "My control" in web.get("/my/summary?lang=en").text


def test_empty_record_and_other_roles(services: Services, web: TestClient) -> None:
    write(services, {"resourceType": "Patient", "id": "beto"})
    sign_in_as(services, web, "beto", "patient", patients=["beto"])
    page = web.get("/my/summary")
    assert page.status_code == 200 and "Aún no hay medición de adherencia" in page.text
    assert "Sin datos para graficar" in page.text
    web.cookies.clear()
    sign_in_as(services, web, "reg", "regulator")
    assert web.get("/my/summary").status_code == 403
