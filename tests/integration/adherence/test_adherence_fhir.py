"""Adherence measures as FHIR in the store, on SQLite and PostgreSQL: the therapy Observation and
the rollup MeasureReport (and its Measure) are accepted by the FHIR API, read back valid R4,
found by patient and category, and a re-run updates the Observation by its identifier."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from enlace.fhir.validation import validate_resource
from enlace.interactions.context import Services
from enlace.modules.adherence import fhir_map
from enlace.modules.adherence.domain import Fill
from enlace.modules.adherence.measures import TherapyMeasures, measure_all
from enlace.modules.adherence.rollups import rollup, summarize
from enlace.modules.adherence.therapies import assemble
from tests.integration.conftest import FHIR_JSON, patient

AS_OF = date(2026, 3, 31)


def measures_for(patient_ids: list[str]) -> list[TherapyMeasures]:
    """The first patient refills on time (PDC 1.0); the others have one fill (no PDC,
    discontinued Jan 31)."""
    fills = [Fill("a", patient_ids[0], "met500", "atc:A10BA", date(2026, 1, 1), 30)]
    fills += [Fill("b", patient_ids[0], "met850", "atc:A10BA", date(2026, 1, 31), 60)]
    fills += [
        Fill(f"x{n}", pid, "ena10", "atc:C09AA", date(2026, 1, 1), 30)
        for n, pid in enumerate(patient_ids[1:])
    ]
    return measure_all(assemble(fills, as_of=AS_OF), as_of=AS_OF)


def created(client: TestClient, resource: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/fhir/{resource['resourceType']}", json=resource, headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_therapy_observation_is_valid_and_updated_in_place(
    client: TestClient, services: Services
) -> None:
    pid = created(client, patient())["id"]
    (m,) = measures_for([pid])
    assert m.pdc == 1.0 and m.switched
    stored = created(client, fhir_map.observation(m, issued="2026-03-31T23:00:00-06:00"))
    read = client.get(f"/fhir/Observation/{stored['id']}").json()
    assert validate_resource(read, services.definitions) == []
    components = {c["code"]["coding"][0]["code"]: c for c in read["component"]}
    assert components["pdc"]["valueQuantity"]["value"] == 1.0
    assert components["therapy-class"]["valueCodeableConcept"]["coding"][0]["code"] == "A10BA"
    assert components["discontinued"]["valueBoolean"] is False

    found = client.get(
        "/fhir/Observation", params={"patient": pid, "category": f"{fhir_map.SYSTEM}|therapy"}
    ).json()
    assert [e["resource"]["id"] for e in found.get("entry", [])] == [stored["id"]]

    key = f"{fhir_map.IDENTIFIER_SYSTEM}|{fhir_map.observation_key(m)}"
    rerun = client.put(
        f"/fhir/Observation?identifier={key}",
        json=fhir_map.observation(m, issued="2026-04-01T23:00:00-06:00"),
        headers=FHIR_JSON,
    )
    assert rerun.status_code == 200, rerun.text
    assert rerun.json()["id"] == stored["id"] and rerun.json()["meta"]["versionId"] == "2"


def test_not_computable_pdc_is_a_valid_data_absent_component(
    client: TestClient, services: Services
) -> None:
    pid = created(client, patient())["id"]
    (m,) = [m for m in measures_for(["someone-else", pid]) if m.patient == pid]
    assert m.pdc is None and m.discontinued_on == date(2026, 1, 31)
    stored = created(client, fhir_map.observation(m))
    components = {c["code"]["coding"][0]["code"]: c for c in stored["component"]}
    assert components["pdc"]["dataAbsentReason"]["text"].startswith("fewer than 2 fills")
    assert components["discontinued-on"]["valueDateTime"] == "2026-01-31"
    assert validate_resource(stored, services.definitions) == []


def test_rollup_measure_report_is_valid(client: TestClient, services: Services) -> None:
    """12 patients in clinic A (1 adherent, 11 single fills), the first also counted alone in
    clinic B (suppressed). Clinic A: 12 therapies, 1 with PDC, 1 adherent, 11 discontinued."""
    pids = [created(client, patient())["id"] for _ in range(12)]
    measures = measures_for(pids)
    groups = rollup(measures, lambda m: "A")
    groups.update(rollup(measures[:1], lambda m: "B"))
    report = fhir_map.measure_report(
        summarize(measures),
        groups,
        dimension="clinic",
        period=(date(2026, 1, 1), AS_OF),
        created="2026-03-31",
    )
    stored = created(client, report)
    assert validate_resource(stored, services.definitions) == []
    adherent, discontinued = stored["group"][0], stored["group"][1]
    counts = {p["code"]["coding"][0]["code"]: p["count"] for p in discontinued["population"]}
    assert counts == {"initial-population": 12, "denominator": 12, "numerator": 11}
    assert discontinued["measureScore"]["value"] == round(11 / 12, 4)
    a, b = adherent["stratifier"][0]["stratum"]
    assert a["value"]["text"] == "A" and a["measureScore"]["value"] == 1.0
    assert "population" not in b and b["extension"][0]["valueBoolean"] is True
    for definition in (fhir_map.measure_definition(), fhir_map.code_system()):
        assert validate_resource(created(client, definition), services.definitions) == []
