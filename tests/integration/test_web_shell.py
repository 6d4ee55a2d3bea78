"""The web shell through the HTTP app: home, patient search, the patient page (both stores).

Sessions are started directly (the login form has its own tests); every read the pages make goes
through the FHIR router with the signed-in person's Access.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest
from enlace.interactions.router import dispatch
from enlace.kernel.clock import epoch_us
from enlace.kernel.jsonutil import dumps
from enlace.security import passwords, users
from enlace.security.access import Access

PASSWORD = "nopal verde en la azotea"
CURP = "https://enlace.health/fhir/sid/curp-synthetic"
AFFILIATION = "https://enlace.health/fhir/StructureDefinition/affiliation"
LOINC = "http://loinc.org"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(1, 1024, 1))


def put(services: Services, resource: dict[str, Any]) -> None:
    path = f"{resource['resourceType']}/{resource['id']}"
    request = FhirRequest("PUT", path, body=dumps(resource), access=Access.internal())
    response = dispatch(services, request)
    assert response.status in (200, 201), response.body


def patient(index: int, family: str, given: str, born: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": f"p{index}",
        "identifier": [{"system": CURP, "value": f"CURP{index:04d}XYZ"}],
        "name": [{"use": "official", "family": family, "given": [given]}],
        "gender": "female" if index % 2 else "male",
        "birthDate": born,
        "address": [{"city": "Guadalajara", "state": "Jalisco", "country": "MX"}],
        "extension": [{"url": AFFILIATION, "valueCoding": {"code": "imss", "display": "IMSS"}}],
    }


def observation(oid: str, pid: str, code: str, value: float, when: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": "%"},
    }


def load_records(services: Services) -> None:
    for i in range(1, 26):
        put(
            services,
            patient(i, f"Apellido{i:02d} López", f"Nombre{i}", f"19{50 + i}-03-0{1 + i % 9}"),
        )
    for n, (value, when) in enumerate(
        [(8.4, "2025-01-10"), (7.9, "2025-04-12"), (7.1, "2025-08-03"), (6.8, "2025-11-20")]
    ):
        put(services, observation(f"a1c-{n}", "p1", "4548-4", value, when))
    put(services, observation("w-1", "p1", "29463-7", 81.5, "2025-06-01"))  # a date, and
    put(services, observation("w-2", "p1", "29463-7", 80.2, "2025-09-01T08:00:00-06:00"))  # a time
    bp = observation("bp-1", "p1", "85354-9", 0, "2025-11-20T09:30:00-06:00")
    del bp["valueQuantity"]
    bp["component"] = [
        {
            "code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
            "valueQuantity": {"value": 142},
        },
        {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]}, "valueQuantity": {"value": 88}},
    ]
    put(services, bp)
    put(
        services,
        {
            "resourceType": "Condition",
            "id": "p1-t2d",
            "code": {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/sid/icd-10",
                        "code": "E11",
                        "display": "Diabetes tipo 2",
                    }
                ]
            },
            "subject": {"reference": "Patient/p1"},
            "onsetDateTime": "2019-05-01",
        },
    )
    put(
        services,
        {
            "resourceType": "MedicationRequest",
            "id": "p1-metformin",
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": {"text": "Metformina 850 mg tableta"},
            "subject": {"reference": "Patient/p1"},
            "authoredOn": "2025-01-10",
            "dosageInstruction": [{"text": "1 tableta cada 12 horas con alimentos"}],
        },
    )


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    load_records(services)
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


def sign_in_as(
    services: Services, client: TestClient, username: str, role: str, **fields: Any
) -> None:
    now = epoch_us(services.repo.clock())
    with services.db.begin() as conn:
        user = users.add_user(
            conn, username=username, password=PASSWORD, role=role, now_us=now, **fields
        )
        token = users.start_session(conn, user, now, second_factor=False)
    client.cookies.set("enlace_session", token)


def test_anonymous_is_sent_to_login_and_back(web: TestClient) -> None:
    for path, target in [("/", "%2F"), ("/patients/p1", "%2Fpatients%2Fp1")]:
        response = web.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={target}"


def test_physician_home_has_search_and_recent_patients(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "dra.ruiz", "physician", display_name="Dra. Ruiz")
    page = web.get("/")
    assert page.status_code == 200
    assert '<html lang="es-MX">' in page.text
    assert 'id="recent"' in page.text and 'action="/patients"' in page.text
    assert 'href="/patients"' in page.text and 'aria-current="page"' in page.text
    assert 'class="skip" href="#main"' in page.text and "Dra. Ruiz" in page.text
    assert page.text.count('href="/patients/p') == 10


def test_physician_sees_a_patient_page_with_charts(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "dra.ruiz", "physician")
    page = web.get("/patients/p1")
    assert page.status_code == 200, page.text
    text = page.text
    assert 'id="patient-name">Nombre1 Apellido01 López<' in text
    assert "CURP0001XYZ" in text and "IMSS" in text and "Guadalajara" in text
    assert "E11" in text and "Diabetes tipo 2" in text and "1 may 2019" in text
    assert "Metformina 850 mg tableta" in text and "1 tableta cada 12 horas" in text
    hba1c = _section(text, 'id="chart-hba1c"')
    assert 'role="img"' in hba1c and 'aria-labelledby="chart-hba1c-title chart-hba1c-desc"' in hba1c
    assert hba1c.count("<circle") == 4 and "Meta &lt; 7 %" in hba1c
    assert "<details" in hba1c and "10 ene 2025" in hba1c and "6.8" in hba1c
    bp = _section(text, 'id="chart-bp"')
    assert "Sistólica" in bp and "Diastólica" in bp and "142" in bp and "88" in bp
    weight = _section(text, 'id="chart-weight"')
    assert weight.count("<circle") == 2 and "1 sep 2025 08:00" in weight
    assert "Sin datos para graficar." in _section(text, 'id="chart-egfr"')
    assert "<script" not in text and "style=" not in text


def test_patient_sees_own_page_and_404_for_another(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "paciente.uno", "patient", fhir_user="Patient/p1", patients=("p1",))
    home = web.get("/", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/patients/p1")
    assert web.get("/patients/p1").status_code == 200
    other = web.get("/patients/p2")
    assert other.status_code == 404
    assert "No encontramos esa página" in other.text
    assert web.get("/patients/nobody").status_code == 404
    assert 'href="/patients"' not in web.get("/patients/p1").text  # no search in their nav


def test_role_without_patients_gets_403(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "analista", "analyst")
    assert web.get("/patients").status_code == 403
    assert web.get("/patients/p1").status_code == 403
    home = web.get("/")
    assert home.status_code == 200 and 'id="pages"' in home.text


def test_search_pages_through_results(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "dra.ruiz", "physician")
    first = web.get("/patients", params={"name": "Apellido"})
    assert first.status_code == 200
    assert "25 pacientes encontrados" in first.text
    assert first.text.count('href="/patients/p') == 20
    assert 'id="next"' in first.text and 'id="previous"' not in first.text
    second = web.get("/patients", params={"name": "Apellido", "page": "2"})
    assert second.text.count('href="/patients/p') == 5
    assert 'id="previous"' in second.text and 'id="next"' not in second.text
    one = web.get("/patients", params={"identifier": "CURP0003XYZ"})
    assert one.text.count('href="/patients/p') == 1 and "/patients/p3" in one.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"birthdate": "1968-02-31"}, "La fecha de nacimiento no es válida"),
        ({"birthdate": "ayer"}, "La fecha de nacimiento no es válida"),
        ({"page": "-1"}, "El número de página no es válido."),
        ({"page": "99999999999999999999"}, "El número de página no es válido."),
        ({"name": "x" * 500}, "Un criterio de búsqueda es demasiado largo."),
    ],
)
def test_bad_search_parameters_are_a_friendly_400(
    web: TestClient, services: Services, params: dict[str, str], message: str
) -> None:
    sign_in_as(services, web, "dra.ruiz", "physician")
    response = web.get("/patients", params=params)
    assert response.status_code == 400
    assert message in response.text and "Traceback" not in response.text


def test_english_switch(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "dra.ruiz", "physician")
    page = web.get("/patients/p1", params={"lang": "en"})
    assert '<html lang="en">' in page.text
    assert (
        "Conditions" in page.text and "Jan 10, 2025" in page.text and "Target &lt; 7%" in page.text
    )
    assert web.get("/patients").text.count("Find patients") >= 1  # the choice is remembered


def _section(html: str, marker: str) -> str:
    start = html.index(marker)
    end = html.index("</figure>", start)
    return html[start:end]


def test_pages_have_no_unfilled_keys(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "ruiz", "physician")  # no dot: a key looks like "a.b"
    for path in ("/", "/patients?name=Apellido", "/patients/p1", "/account"):
        text = web.get(path).text
        assert not re.search(r">\s*[a-z_]+\.[a-z_.]+\s*<", text), path
