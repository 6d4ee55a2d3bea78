"""The search engine over HTTP on SQLite and PostgreSQL: sorting, cursor paging that stays correct
while data changes, includes, compartments, $everything, warnings and strict handling."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.search import includes
from tests.integration.conftest import FHIR_JSON, patient


def _post(client: TestClient, resource: dict[str, Any]) -> str:
    response = client.post(f"/fhir/{resource['resourceType']}", json=resource, headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _observation(subject: str, code: str, when: str | None, value: float = 1.0) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": f"Patient/{subject}"},
        "valueQuantity": {
            "value": value,
            "unit": "%",
            "system": "http://unitsofmeasure.org",
            "code": "%",
        },
    }
    if when:
        resource["effectiveDateTime"] = when
    return resource


def _ids(bundle: dict[str, Any], mode: str = "match") -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == mode]


def _link(bundle: dict[str, Any], relation: str) -> str | None:
    urls = [link["url"] for link in bundle["link"] if link["relation"] == relation]
    return urls[0].replace("http://testserver", "") if urls else None


def test_sort_descending_by_date_puts_missing_values_last(client: TestClient) -> None:
    pid = _post(client, patient())
    dated = {
        _post(client, _observation(pid, "4548-4", when)): when
        for when in ("2024-01-05", "2026-03-01T10:00:00Z", "2025-07")
    }
    undated = _post(client, _observation(pid, "4548-4", None))
    bundle = client.get("/fhir/Observation", params={"_sort": "-date"}).json()
    order = _ids(bundle)
    assert order[:3] == sorted(dated, key=lambda i: dated[i], reverse=True)
    assert order[3] == undated
    ascending = _ids(client.get("/fhir/Observation", params={"_sort": "date"}).json())
    assert ascending == [*sorted(dated, key=lambda i: dated[i]), undated]


def test_cursor_paging_neither_repeats_nor_skips_while_data_changes(client: TestClient) -> None:
    pid = _post(client, patient())
    original = [_post(client, _observation(pid, "1", f"2020-01-{day:02d}")) for day in range(1, 8)]
    page = client.get("/fhir/Observation", params={"_sort": "date", "_count": "3"}).json()
    seen = _ids(page)
    assert page["total"] == 7
    # Resources that sort before the cursor appear, one already seen is deleted: the pages ahead
    # must still hold exactly the rest of the original results.
    for day in (1, 2):
        _post(client, _observation(pid, "1", f"2019-01-{day:02d}"))
    client.delete(f"/fhir/Observation/{seen[0]}")
    while nxt := _link(page, "next"):
        page = client.get(nxt).json()
        seen += _ids(page)
    assert seen == original


def test_previous_link_returns_the_page_before(client: TestClient) -> None:
    pid = _post(client, patient())
    made = [_post(client, _observation(pid, "1", f"2020-02-{day:02d}")) for day in range(1, 8)]
    first = client.get("/fhir/Observation", params={"_sort": "-date", "_count": "3"}).json()
    second = client.get(_link(first, "next") or "").json()
    back = client.get(_link(second, "previous") or "").json()
    assert _ids(back) == _ids(first) == list(reversed(made))[:3]
    assert _link(back, "next") is not None


def test_offset_paging_still_works(client: TestClient) -> None:
    for family in ("A", "B", "C"):
        _post(client, patient(name=[{"family": family}]))
    page = client.get("/fhir/Patient", params={"_count": "2", "_offset": "2"}).json()
    assert len(page["entry"]) == 1 and _link(page, "previous") is not None


def test_include_and_revinclude_with_iterate(client: TestClient) -> None:
    org = _post(client, {"resourceType": "Organization", "name": "Clínica Norte"})
    doctor = _post(client, {"resourceType": "Practitioner", "name": [{"family": "Ruiz"}]})
    role = {
        "resourceType": "PractitionerRole",
        "practitioner": {"reference": f"Practitioner/{doctor}"},
        "organization": {"reference": f"Organization/{org}"},
    }
    _post(client, role)
    med = _post(client, {"resourceType": "Medication", "code": {"text": "metformina 850 mg"}})
    pid = _post(client, patient())
    request = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": f"Patient/{pid}"},
        "medicationReference": {"reference": f"Medication/{med}"},
        "requester": {"reference": f"Practitioner/{doctor}"},
    }
    rx = _post(client, request)
    bundle = client.get(
        "/fhir/MedicationRequest",
        params=[
            ("_include", "MedicationRequest:medication"),
            ("_include", "MedicationRequest:requester"),
            ("_revinclude:iterate", "PractitionerRole:practitioner"),
            ("_include:iterate", "PractitionerRole:organization"),
        ],
    ).json()
    assert _ids(bundle) == [rx]
    included = {
        (e["resource"]["resourceType"], e["resource"]["id"])
        for e in bundle["entry"]
        if e["search"]["mode"] == "include"
    }
    assert ("Medication", med) in included and ("Practitioner", doctor) in included
    assert ("Organization", org) in included
    assert {t for t, _ in included} == {
        "Medication",
        "Practitioner",
        "PractitionerRole",
        "Organization",
    }


def test_include_that_explodes_is_a_400_stating_the_limit(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(includes, "MAX_INCLUDED", 2)
    pid = _post(client, patient())
    for code in ("1", "2", "3"):
        _post(client, _observation(pid, code, None))
    response = client.get("/fhir/Patient", params={"_revinclude": "Observation:subject"})
    assert response.status_code == 400
    assert "more than 2" in response.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "spec", ["Observation:nope", "Nope:subject", "Observation:status", "Observation:subject:Nope"]
)
def test_bad_include_is_400(client: TestClient, spec: str) -> None:
    response = client.get("/fhir/Observation", params={"_include": spec})
    assert response.status_code == 400 and response.json()["issue"][0]["expression"] == ["_include"]


def test_compartment_search_and_non_member_type(client: TestClient) -> None:
    ana, luis = _post(client, patient()), _post(client, patient())
    mine = _post(client, _observation(ana, "4548-4", "2025-01-01"))
    _post(client, _observation(luis, "4548-4", "2025-01-01"))
    bundle = client.get(f"/fhir/Patient/{ana}/Observation").json()
    assert _ids(bundle) == [mine] and bundle["total"] == 1
    assert client.get(f"/fhir/Patient/{ana}/Organization").status_code == 400


def test_everything_pages_the_compartment_and_its_references(client: TestClient) -> None:
    pid = _post(client, patient())
    med = _post(client, {"resourceType": "Medication", "code": {"text": "losartán"}})
    rx = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": f"Patient/{pid}"},
        "medicationReference": {"reference": f"Medication/{med}"},
    }
    rx_id = _post(client, rx)
    observations = {_post(client, _observation(pid, str(n), None)) for n in range(3)}
    _post(client, _observation(_post(client, patient()), "9", None))  # someone else's
    seen: set[tuple[str, str]] = set()
    page = client.get(f"/fhir/Patient/{pid}/$everything", params={"_count": "2"}).json()
    while True:
        seen |= {(e["resource"]["resourceType"], e["resource"]["id"]) for e in page["entry"]}
        nxt = _link(page, "next")
        if not nxt:
            break
        page = client.get(nxt).json()
    expected = {("Patient", pid), ("MedicationRequest", rx_id), ("Medication", med)}
    expected |= {("Observation", o) for o in observations}
    assert seen == expected
    only = client.get(f"/fhir/Patient/{pid}/$everything", params={"_type": "Observation"}).json()
    assert {e["resource"]["resourceType"] for e in only["entry"]} == {"Observation"}
    assert client.get("/fhir/Patient/nobody/$everything").status_code == 404
    assert client.get(f"/fhir/Patient/{pid}/$everything?_type=Nope").status_code == 400
    assert client.get(f"/fhir/Patient/{pid}/$everything?_since=soon").status_code == 400


def test_unknown_parameter_warns_or_is_refused_when_strict(client: TestClient) -> None:
    _post(client, patient())
    bundle = client.get("/fhir/Patient", params={"shoe-size": "42"}).json()
    outcome = [e for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
    assert len(_ids(bundle)) == 1 and len(outcome) == 1
    issue = outcome[0]["resource"]["issue"][0]
    assert issue["severity"] == "warning" and issue["expression"] == ["shoe-size"]
    strict = client.get(
        "/fhir/Patient", params={"shoe-size": "42"}, headers={"Prefer": "handling=strict"}
    )
    assert strict.status_code == 400
    assert strict.json()["issue"][0]["expression"] == ["shoe-size"]


def test_conditional_create_with_unknown_criteria_is_refused(client: TestClient) -> None:
    response = client.post(
        "/fhir/Patient",
        json=patient(),
        headers={**FHIR_JSON, "If-None-Exist": "shoe-size=42"},
    )
    assert response.status_code == 400
    assert client.get("/fhir/Patient", params={"_summary": "count"}).json()["total"] == 0


def test_deleted_resources_never_match(client: TestClient) -> None:
    pid = _post(client, patient(gender="female"))
    client.delete(f"/fhir/Patient/{pid}")
    for params in ({}, {"gender": "female"}, {"_id": pid}, {"_summary": "count"}):
        bundle = client.get("/fhir/Patient", params=params).json()
        assert _ids(bundle) == [] and bundle.get("total", 0) == 0


def test_totals_summary_count_and_post_search(client: TestClient) -> None:
    for gender in ("female", "female", "male"):
        _post(client, patient(gender=gender))
    count = client.get("/fhir/Patient", params={"gender": "female", "_summary": "count"}).json()
    assert count["total"] == 2 and "entry" not in count  # no empty arrays in FHIR JSON
    none = client.get("/fhir/Patient", params={"_total": "none"}).json()
    assert "total" not in none and len(_ids(none)) == 3
    second = client.get("/fhir/Patient", params={"_count": "1", "_total": "accurate"}).json()
    after = client.get(_link(second, "next") or "", params={"_total": "accurate"}).json()
    assert after["total"] == 3
    posted = client.post(
        "/fhir/Patient/_search",
        content="gender=female",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ).json()
    assert posted["total"] == 2


def test_bad_sort_and_cursor_are_400(client: TestClient) -> None:
    for params in ({"_sort": "nope"}, {"_cursor": "garbage"}):
        response = client.get("/fhir/Patient", params=params)
        assert response.status_code == 400
        assert response.json()["issue"][0]["expression"] == [next(iter(params))]


def test_summary_and_elements_trim_entries_and_tag_them(client: TestClient) -> None:
    pid = _post(client, patient(gender="female", birthDate="1970-01-01"))
    _post(client, _observation(pid, "4548-4", "2025-01-01", 7.5))
    bundle = client.get(
        "/fhir/Observation", params={"_elements": "code", "_include": "Observation:subject"}
    ).json()
    observation = bundle["entry"][0]["resource"]
    assert "code" in observation and "valueQuantity" not in observation
    assert "status" in observation  # mandatory elements always come back
    assert {"code": "SUBSETTED"}.items() <= observation["meta"]["tag"][0].items()
    included = bundle["entry"][1]["resource"]
    assert included["resourceType"] == "Patient" and included["birthDate"] == "1970-01-01"
    text_only = client.get("/fhir/Observation", params={"_summary": "text"}).json()
    trimmed = text_only["entry"][0]["resource"]
    assert "valueQuantity" not in trimmed and "SUBSETTED" in str(trimmed["meta"])
    assert client.get("/fhir/Patient", params={"_elements": "shoeSize"}).status_code == 400


def test_accurate_totals_count_each_live_match_once(client: TestClient) -> None:
    """The COUNT runs on the index rows (engine.count_statement): a resource matching two OR'd
    codes counts once, a deleted one not at all, and a criterion on another `resources`
    column (_lastUpdated) takes the plain COUNT and agrees."""

    def observation(codes: list[str]) -> dict[str, object]:
        coding = [{"system": "http://loinc.org", "code": c} for c in codes]
        return {"resourceType": "Observation", "status": "final", "code": {"coding": coding}}

    ids = [_post(client, observation(codes)) for codes in (["a", "b"], ["a"], ["a"], ["c"])]
    assert client.delete(f"/fhir/Observation/{ids[2]}").status_code == 204
    found = client.get("/fhir/Observation?code=a,b&_total=accurate&_count=1").json()
    assert found["total"] == 2
    since = client.get("/fhir/Observation?code=a,b&_lastUpdated=gt2000&_total=accurate").json()
    assert since["total"] == 2
    assert client.get("/fhir/Observation?code=c,z&_total=accurate&_count=1").json()["total"] == 1
