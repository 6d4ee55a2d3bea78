"""`$export?_deidentify=safe-harbor` on both databases: nothing identifying leaves, k-anonymity holds."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.interactions.bulk_import import import_paths
from enlace.interactions.context import Services
from tests.conftest import SYNTHEA
from tests.integration.conftest import FHIR_JSON
from tests.unit.test_deidentify_synthea import identifying_values, leaked

EXTENSION = "https://enlace.health/fhir/StructureDefinition/deidentification"
BAND = "https://enlace.health/fhir/StructureDefinition/birth-year-band"
# Five Synthea patients, all men or women of Massachusetts, chosen for their quasi-identifiers:
# two born 1998 in ZIP 021.. (one class of 2), two born 1992 and 1993 in 021.. (a class of 2 once
# their birth years become the band 1990-1994), and a woman born 1980 in 018.. (alone).
EXACT = {"1998-02-06", "1998-12-31"}
BANDED = {"1992-10-13", "1993-06-21"}
ALONE = {"1980-10-28"}


def bundles_born_on(days: set[str]) -> dict[str, tuple[Path, list[dict[str, Any]]]]:
    """The Synthea bundles of the patients born on `days`, by birth date: path and resources."""
    chosen = {}
    for path in sorted(SYNTHEA.glob("*.json")):
        resources = [e["resource"] for e in json.loads(path.read_text())["entry"]]
        birth = next(r["birthDate"] for r in resources if r["resourceType"] == "Patient")
        if birth in days:
            chosen[birth] = (path, resources)
    return chosen


@pytest.fixture
def bundles(services: Services) -> dict[str, list[dict[str, Any]]]:
    """Five imported Synthea patients: every resource as sent, by the patient's birth date."""
    chosen = bundles_born_on(EXACT | BANDED | ALONE)
    if len(chosen) != 5:
        pytest.skip(f"the Synthea sample in {SYNTHEA} is absent or not the expected one")
    import_paths(services, [path for path, _ in chosen.values()])
    return {birth: resources for birth, (_, resources) in chosen.items()}


@pytest.fixture
def synthea(bundles: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [resource for resources in bundles.values() for resource in resources]


def export(client: TestClient, url: str) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The manifest of a finished export and its files' resources by type."""
    kick = client.get(url, headers={"Prefer": "respond-async"})
    assert kick.status_code == 202, kick.text
    status_url = kick.headers["Content-Location"].replace("http://testserver", "")
    for _ in range(600):
        poll = client.get(status_url)
        if poll.status_code != 202:
            break
        time.sleep(0.05)
    assert poll.status_code == 200, poll.text
    manifest = poll.json()
    files = {}
    for output in [*manifest["output"], *manifest["error"]]:
        text = client.get(output["url"].replace("http://testserver", "")).text
        files[output["type"]] = [json.loads(line) for line in text.splitlines()]
    return manifest, files


def test_deidentified_patient_export(
    client: TestClient, bundles: dict[str, list[dict[str, Any]]], synthea: list[dict[str, Any]]
) -> None:
    manifest, files = export(client, "/fhir/Patient/$export?_deidentify=safe-harbor&_k=2")
    outcome = files.pop("OperationOutcome")
    exported = [resource for resources in files.values() for resource in resources]
    # Nothing identifying of the source: names, phones, addresses, identifiers, full dates, ids.
    assert leaked(identifying_values(synthea), exported) == []
    # k-anonymity: four patients published, two of them with a birth-year band; one withheld.
    report = manifest["extension"][EXTENSION]
    assert report["k"] == 2
    assert (report["patients"], report["patientsGeneralized"], report["patientsSuppressed"]) == (
        5,
        2,
        1,
    )
    patients = files["Patient"]
    assert sorted(p.get("birthDate", "band") for p in patients) == ["1998", "1998", "band", "band"]
    bands = [e["valuePeriod"] for p in patients for e in p.get("extension", []) if e["url"] == BAND]
    assert bands == [{"start": "1990", "end": "1994"}] * 2
    # The withheld patient's resources are gone with them; the rest still link to their patient.
    (lone,) = ALONE
    directory = {"Organization", "Practitioner"}  # not in the Patient compartment: not exported
    alone = [r for r in bundles[lone] if r["resourceType"] not in directory]
    assert sum(report["resourcesSuppressed"].values()) == len(alone)
    published_ids = {p["id"] for p in patients}
    for observation in files["Observation"]:
        assert observation["subject"]["reference"].removeprefix("Patient/") in published_ids
    assert "withheld" in outcome[0]["issue"][1]["diagnostics"]
    assert all(r["meta"]["security"][-1]["code"] == "PSEUDED" for r in exported)


def test_default_k_withholds_small_populations(
    client: TestClient, synthea: list[dict[str, Any]]
) -> None:
    manifest, files = export(client, "/fhir/$export?_deidentify=safe-harbor")
    report = manifest["extension"][EXTENSION]
    assert (report["k"], report["patientsSuppressed"]) == (11, 5)
    assert "Patient" not in files and "Observation" not in files
    assert {"Organization", "Practitioner"} <= set(files)  # no patient in them: de-identified
    assert leaked(identifying_values(synthea), files) == []


def test_group_export_is_k_anonymous_within_the_group(
    client: TestClient, synthea: list[dict[str, Any]]
) -> None:
    twins = [r["id"] for r in synthea if r["resourceType"] == "Patient" and r["birthDate"] in EXACT]
    group = {
        "resourceType": "Group",
        "type": "person",
        "actual": True,
        "name": "Cohorte de hipertensión, Dr. Vega",
        "member": [{"entity": {"reference": f"Patient/{pid}"}} for pid in twins],
    }
    gid = client.post("/fhir/Group", json=group, headers=FHIR_JSON).json()["id"]
    manifest, files = export(client, f"/fhir/Group/{gid}/$export?_deidentify=safe-harbor&_k=2")
    report = manifest["extension"][EXTENSION]
    assert (report["patients"], report["patientsSuppressed"]) == (2, 0)
    assert [p["birthDate"] for p in files["Patient"]] == ["1998", "1998"]
    assert "Dr. Vega" not in json.dumps(files["Group"])
    assert manifest["error"] == []  # nothing generalized or withheld: no OperationOutcome


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("_deidentify=foo", "_deidentify"),
        ("_deidentify=safe-harbor&_k=1", "_k"),
        ("_deidentify=safe-harbor&_k=abc", "_k"),
        ("_k=5", "_k"),
    ],
)
def test_bad_deidentification_parameters(client: TestClient, query: str, parameter: str) -> None:
    response = client.get(f"/fhir/Patient/$export?{query}", headers={"Prefer": "respond-async"})
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert issue["expression"] == [parameter]
    assert parameter in issue["diagnostics"]
