"""Device readings served as FHIR Observations through search and read (both stores): filters,
merge with stored Observations by date, paging with next links, read by id, access control
(another patient's token gets nothing, consent denials, narrowed scopes), bad input."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring.domain import BP_PANEL, CGM_GLUCOSE, WEIGHT, Reading
from enlace.modules.monitoring.storage import store_readings
from enlace.security.access import Access
from enlace.security.roles import ceiling
from enlace.security.scopes import parse_scopes
from tests.support.fhir_calls import BASE, body_of, call

HOUR_US = 3_600_000_000
T0 = 1_772_431_200_000_000  # 2026-03-02T06:00:00Z
ROLE = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PRCP"}
    ]
}
CGM_ID = f"mr-cgm1-{CGM_GLUCOSE}-{T0}"


def put(services: Services, resource: dict[str, Any]) -> None:
    url = f"{resource['resourceType']}/{resource['id']}"
    response = call(services, Access.internal(), "PUT", url, resource)
    assert response.status in (200, 201), response.body


def readings(
    patient: str, device: str, code: str, n: int, start: int = T0, **kw: Any
) -> list[Reading]:
    return [
        Reading(
            patient, device, code, 100.0 + i, start + i * HOUR_US, start + i * HOUR_US + 5, **kw
        )
        for i in range(n)
    ]


@pytest.fixture
def world(services: Services) -> Services:
    for pid in ("p1", "p2"):
        put(services, {"resourceType": "Patient", "id": pid, "name": [{"family": pid}]})
    put(
        services,
        {
            "resourceType": "Observation",
            "id": "lab1",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
            "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": "2026-03-02T08:30:00Z",  # between readings 2 and 3
            "valueQuantity": {"value": 7.1, "unit": "%"},
        },
    )
    with services.db.begin() as conn:
        store_readings(conn, readings("p1", "cgm1", CGM_GLUCOSE, 6, device_code="160368"))
        store_readings(conn, readings("p1", "cuff1", BP_PANEL, 2, value2=80.0))
        store_readings(conn, readings("p2", "scale2", WEIGHT, 3))
    return services


def search(services: Services, access: Access | None, query: str) -> dict[str, Any]:
    response = call(services, access or Access.internal(), "GET", f"Observation?{query}")
    assert response.status == 200, response.body
    return body_of(response)


def ids(bundle: dict[str, Any]) -> list[str]:
    return [
        e["resource"]["id"]
        for e in bundle.get("entry", [])
        if e["resource"]["resourceType"] == "Observation"
    ]


def next_query(bundle: dict[str, Any]) -> str | None:
    for link in bundle["link"]:
        if link["relation"] == "next":
            return urlsplit(link["url"]).query
    return None


def test_readings_and_stored_observations_merge_by_date(world: Services) -> None:
    found = search(world, None, "patient=p1&_sort=date&code=http://loinc.org|99504-3,4548-4")
    assert ids(found) == [f"mr-cgm1-{CGM_GLUCOSE}-{T0 + i * HOUR_US}" for i in range(3)] + [
        "lab1"
    ] + [f"mr-cgm1-{CGM_GLUCOSE}-{T0 + i * HOUR_US}" for i in range(3, 6)]
    newest_first = search(world, None, "subject=Patient/p1&code=99504-3")
    assert ids(newest_first)[0] == f"mr-cgm1-{CGM_GLUCOSE}-{T0 + 5 * HOUR_US}"
    assert len(ids(search(world, None, "patient=p1"))) == 9  # 6 CGM + 2 BP + 1 lab


def test_observation_shapes(world: Services) -> None:
    cgm = search(world, None, f"patient=p1&code=99504-3&date={'2026-03-02T06:00:00Z'}")
    (entry,) = cgm["entry"]
    resource = entry["resource"]
    assert entry["fullUrl"] == f"{BASE}/Observation/{CGM_ID}"
    assert resource["valueQuantity"] == {
        "value": 100.0,
        "unit": "mg/dL",
        "system": "http://unitsofmeasure.org",
        "code": "mg/dL",
    }
    assert resource["effectiveDateTime"] == "2026-03-02T06:00:00Z"
    assert resource["subject"] == {"reference": "Patient/p1"}
    assert resource["device"] == {"reference": "Device/cgm1"}
    assert {"system": "urn:iso:std:iso:11073:10101", "code": "160368"} in resource["code"]["coding"]
    bp = search(world, None, "patient=p1&code=85354-9&_count=1")["entry"][0]["resource"]
    assert "valueQuantity" not in bp and bp["category"][0]["coding"][0]["code"] == "vital-signs"
    values = {c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in bp["component"]}
    assert values == {"8480-6": 101.0, "8462-4": 80.0}


def test_date_prefixes(world: Services) -> None:
    def count(date_query: str) -> int:
        return len(ids(search(world, None, f"patient=p1&code=99504-3&{date_query}")))

    assert count("date=ge2026-03-02T08:00:00Z") == 4
    assert count("date=gt2026-03-02T08:00:00Z") == 3
    assert count("date=lt2026-03-02T08:00:00Z") == 2
    assert count("date=le2026-03-02T08:00:00Z") == 3
    assert count("date=ge2026-03-02T07:00:00Z&date=lt2026-03-02T09:00:00Z") == 2
    assert count("date=2026-03-02") == 6
    assert count("date=2026-03-03") == 0


def test_paging_follows_next_links_through_both_sides(world: Services) -> None:
    query: str | None = "patient=p1&_count=2&_sort=-date"
    seen: list[str] = []
    pages = 0
    while query is not None:
        bundle = search(world, None, query)
        seen += ids(bundle)
        query = next_query(bundle)
        pages += 1
        assert pages < 10
    assert pages == 5 and len(seen) == 9 and len(set(seen)) == 9 and "lab1" in seen


def test_read_by_id(world: Services) -> None:
    response = call(world, Access.internal(), "GET", f"Observation/{CGM_ID}")
    assert response.status == 200 and body_of(response)["id"] == CGM_ID
    assert body_of(call(world, Access.internal(), "GET", "Observation/lab1"))["id"] == "lab1"
    missing = call(world, Access.internal(), "GET", f"Observation/mr-cgm1-{CGM_GLUCOSE}-1")
    assert missing.status == 404


def patient_token(pid: str) -> Access:
    return Access(
        f"user-{pid}", "user", parse_scopes("patient/*.rs"), role="patient", patients=(pid,)
    )


def test_another_patients_token_gets_nothing(world: Services) -> None:
    own = search(world, patient_token("p1"), "patient=p1")
    assert len(ids(own)) == 9
    assert ids(search(world, patient_token("p2"), "patient=p1")) == []
    assert call(world, patient_token("p2"), "GET", f"Observation/{CGM_ID}").status == 404
    assert call(world, patient_token("p1"), "GET", f"Observation/{CGM_ID}").status == 200
    assert ids(search(world, patient_token("p2"), "patient=p2&code=29463-7")) != []


def test_physician_sees_them_and_a_consent_denial_hides_them(world: Services) -> None:
    doctor = Access(
        "dr1", "user", ceiling("physician", None), role="physician", fhir_user="Practitioner/dr1"
    )
    assert len(ids(search(world, doctor, "patient=p1"))) == 9
    put(
        world,
        {
            "resourceType": "Consent",
            "id": "deny-obs",
            "status": "active",
            "scope": {"coding": [{"code": "patient-privacy"}]},
            "category": [{"coding": [{"code": "59284-0"}]}],
            "patient": {"reference": "Patient/p1"},
            "provision": {
                "type": "deny",
                "actor": [{"role": ROLE, "reference": {"reference": "Practitioner/dr1"}}],
                "class": [{"code": "Observation"}],
            },
        },
    )
    assert ids(search(world, doctor, "patient=p1")) == []
    assert call(world, doctor, "GET", f"Observation/{CGM_ID}").status == 404


def test_a_narrowed_scope_gets_no_readings(world: Services) -> None:
    labs = Access(
        "app",
        "client",
        parse_scopes(
            "system/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
            "observation-category|laboratory system/Patient.rs"
        ),
    )
    assert ids(search(world, labs, "patient=p1")) == []
    no_scope = Access("app2", "client", parse_scopes("system/Patient.rs"))
    assert call(world, no_scope, "GET", "Observation?patient=p1").status == 403


def test_unsupported_parameters_fall_back_with_a_warning(world: Services) -> None:
    bundle = search(world, None, "patient=p1&value-quantity=gt5")
    warnings = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "OperationOutcome"]
    assert "value-quantity" in warnings[0]["resource"]["issue"][0]["diagnostics"]
    assert ids(search(world, None, "code=99504-3")) == []  # no patient: stored only
    sorted_other = search(world, None, "patient=p1&_sort=code")
    assert all(not i.startswith("mr-") for i in ids(sorted_other))


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("patient=p1&date=ge2026-13-45", "date"),
        ("patient=p1&_cursor=mr.x.1", "_cursor"),
        ("patient=p1&_cursor=mr.9223372036854775807.0", "_cursor"),
        ("patient=p1&_cursor=mr.1", "_cursor"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(world: Services, query: str, where: str) -> None:
    response = call(world, Access.internal(), "GET", f"Observation?{query}")
    assert response.status == 400
    issue = body_of(response)["issue"][0]
    assert where in (issue.get("expression") or [issue.get("diagnostics", "")])[0]


def test_received_time_is_issued(world: Services) -> None:
    resource = body_of(call(world, Access.internal(), "GET", f"Observation/{CGM_ID}"))
    assert resource["issued"] == "2026-03-02T06:00:00.000005Z"
    assert epoch_us(world.repo.clock()) > 0


def test_compartment_and_category(world: Services) -> None:
    in_compartment = call(world, Access.internal(), "GET", "Patient/p1/Observation?code=99504-3")
    assert len(ids(body_of(in_compartment))) == 6
    vitals = search(world, None, "patient=p1&category=vital-signs")
    assert {i.split("-")[1] for i in ids(vitals)} == {"cuff1"}
    labs = search(world, None, "patient=p1&category=laboratory&code=99504-3")
    assert len(ids(labs)) == 6


def test_a_patient_without_readings_searches_as_before(world: Services) -> None:
    put(world, {"resourceType": "Patient", "id": "p3"})
    put(
        world,
        {
            "resourceType": "Observation",
            "id": "lab3",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
            "subject": {"reference": "Patient/p3"},
        },
    )
    plain = search(world, None, "patient=p3&_include=Observation:subject&_total=accurate")
    kinds = sorted(e["resource"]["resourceType"] for e in plain["entry"])
    assert kinds == ["Observation", "Patient"] and plain["total"] == 1


def test_total_counts_both_sides(world: Services) -> None:
    assert search(world, None, "patient=p1&_count=2")["total"] == 9
    only_total = search(world, None, "patient=p1&_count=0&_total=accurate")
    assert only_total["total"] == 9 and "entry" not in only_total
    assert [link["relation"] for link in only_total["link"]] == ["self"]
    cgm = search(world, None, "patient=p1&code=99504-3&date=ge2026-03-02T08:00:00Z&_count=1")
    assert cgm["total"] == 4
