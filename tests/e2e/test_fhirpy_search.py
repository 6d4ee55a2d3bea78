"""Search through the fhirpy client against a live server, over a real Synthea record (a man with
type 2 diabetes: HbA1c 7.57% then 6.07%, active metformin-style prescriptions) plus a second
Synthea patient: search, chaining, _has, include, revinclude, sort, elements, fetch_all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fhirpy import SyncFHIRClient

from tests.conftest import SYNTHEA

DIABETIC = "Fabian_Murray_a120c913-9ee0-4fcc-8344-826e74335c80.json"
HBA1C = "http://loinc.org|4548-4"
DIABETES = "http://snomed.info/sct|44054006"


def _load(live_server: str, name: str) -> dict[str, str]:
    bundle = json.loads((SYNTHEA / name).read_text())
    response = httpx.post(
        live_server, json=bundle, headers={"Content-Type": "application/fhir+json"}, timeout=120
    )
    assert response.status_code == 200, response.text[:500]
    locations = [e["response"]["location"].split("/_history")[0] for e in response.json()["entry"]]
    return {loc.split("/")[0]: loc.split("/")[1] for loc in locations if "/" in loc}


@pytest.fixture(scope="module")
def store(live_server: str) -> Iterator[dict[str, Any]]:
    if not (SYNTHEA / DIABETIC).exists():
        pytest.skip(f"Synthea sample not found at {SYNTHEA}")
    other = next(p.name for p in sorted(SYNTHEA.glob("*.json")) if p.name != DIABETIC)
    yield {
        "client": SyncFHIRClient(live_server),
        "diabetic": _load(live_server, DIABETIC),
        "other": _load(live_server, other),
    }


def test_hba1c_above_7_for_patients_with_diabetes(store: dict[str, Any]) -> None:
    client: SyncFHIRClient = store["client"]
    patient_id = store["diabetic"]["Patient"]
    found = (
        client.resources("Observation")
        .search(code=HBA1C, value_quantity="gt7")
        .search(**{"subject:Patient._has:Condition:patient:code": DIABETES})
        .fetch_all()
    )
    assert [o["subject"]["reference"] for o in found] == [f"Patient/{patient_id}"]
    assert found[0]["valueQuantity"]["value"] > 7
    # With the unit spelled out: the 6.07% result stays out, and a wrong unit finds nothing.
    in_percent = "gt7|http://unitsofmeasure.org|%"
    assert (
        client.resources("Observation").search(code=HBA1C, value_quantity=in_percent).count() == 1
    )
    in_grams = client.resources("Observation").search(code=HBA1C, value_quantity="gt7||g")
    assert in_grams.count() == 0


def test_has_finds_the_diabetic_patient_only(store: dict[str, Any]) -> None:
    client: SyncFHIRClient = store["client"]
    patients = client.resources("Patient").has("Condition", "patient", code=DIABETES).fetch_all()
    assert [p["id"] for p in patients] == [store["diabetic"]["Patient"]]


def test_chained_search_on_patient_name(store: dict[str, Any]) -> None:
    client: SyncFHIRClient = store["client"]
    mine = client.resources("Condition").search(**{"subject:Patient.name": "murray"}).fetch_all()
    assert mine and all(
        c["subject"]["reference"] == f"Patient/{store['diabetic']['Patient']}" for c in mine
    )


def test_medication_requests_with_requester_included(store: dict[str, Any]) -> None:
    client: SyncFHIRClient = store["client"]
    patient_id = store["diabetic"]["Patient"]
    bundle = (
        client.resources("MedicationRequest")
        .search(patient=patient_id, status="active")
        .include("MedicationRequest", "requester")
        .fetch_raw()
    )
    modes = [(e["search"]["mode"], e["resource"]["resourceType"]) for e in bundle["entry"]]
    assert ("match", "MedicationRequest") in modes
    assert ("include", "Practitioner") in modes


def test_revinclude_sort_elements_and_fetch_all(store: dict[str, Any]) -> None:
    client: SyncFHIRClient = store["client"]
    patient_id = store["diabetic"]["Patient"]
    raw = (
        client.resources("Patient")
        .search(_id=patient_id)
        .revinclude("Condition", "patient")
        .fetch_raw()
    )
    included = [e for e in raw["entry"] if e["search"]["mode"] == "include"]
    assert len(included) == 13 and {e["resource"]["resourceType"] for e in included} == {
        "Condition"
    }
    latest = client.resources("Observation").search(patient=patient_id, code=HBA1C).sort("-date")
    values = [o["valueQuantity"]["value"] for o in latest.fetch_all()]
    assert [round(v, 2) for v in values] == [6.07, 7.57]
    slim = client.resources("Observation").search(patient=patient_id).elements("code", "status")
    first = slim.limit(5).fetch()[0]
    assert "valueQuantity" not in first and "code" in first and "status" in first
    everything = client.resources("Observation").search(patient=patient_id).limit(7).fetch_all()
    assert len(everything) == 80
