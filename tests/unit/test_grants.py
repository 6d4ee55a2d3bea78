"""What a token may grant: request ∩ client ceiling ∩ role ceiling; launch patient; PKCE; the
consent page's plain words."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from enlace.entrypoints.http import auth_pages
from enlace.security import grants
from enlace.security.clients import Client
from enlace.security.oauth import pkce_challenge, pkce_matches
from enlace.security.oauth_errors import OAuthError
from enlace.security.scopes import parse_scopes
from tests.support.oauth_clients import pkce_pair


@dataclass(frozen=True)
class Person:
    id: str
    role: str
    organization: str | None = None
    fhir_user: str | None = None
    patients: tuple[str, ...] = ()


APP = Client(
    "app",
    "Mi Salud",
    "public",
    "patient/*.rs user/*.rs launch/patient offline_access openid",
    redirect_uris=("https://app/cb",),
)
ANA = Person("u1", "patient", fhir_user="Patient/p1", patients=("p1",))
CARER = Person("u2", "caregiver", fhir_user="RelatedPerson/r1", patients=("p1", "p2"))
DOCTOR = Person("u3", "physician", fhir_user="Practitioner/d1")


def test_patient_scopes_for_a_patient_user() -> None:
    requested = parse_scopes(
        "patient/Observation.rs patient/Condition.cruds launch/patient openid offline_access"
    )
    granted = grants.user_scopes(requested, APP, ANA)
    assert (
        granted.text()
        == "patient/Observation.rs patient/Condition.rs launch/patient offline_access"
    )
    assert grants.launch_patient(granted, ANA, None) == "p1"
    grant = grants.user_grant(APP, ANA, granted, "p1")
    assert grant.patient == "p1" and grant.patients == ("p1",) and grant.role == "patient"


def test_a_caregiver_chooses_among_their_patients() -> None:
    granted = grants.user_scopes(parse_scopes("patient/*.rs"), APP, CARER)
    assert grants.launch_patient(granted, CARER, "p2") == "p2"
    assert grants.launch_patient(granted, CARER, None) == "p1"
    with pytest.raises(OAuthError, match="not one of this user's"):
        grants.launch_patient(granted, CARER, "p9")
    assert grants.user_grant(APP, CARER, granted, "p2").patients == ("p1", "p2")


def test_a_physician_gets_no_patient_scopes_and_user_scopes_within_the_role() -> None:
    requested = parse_scopes(
        "patient/*.rs user/Observation.cruds user/AuditEvent.rs launch/patient"
    )
    granted = grants.user_scopes(requested, APP, DOCTOR)
    # the client's ceiling is user/*.rs: the role's cruds is cut to rs; AuditEvent is not clinical
    assert granted.text() == "user/Observation.rs"
    assert grants.user_grant(APP, DOCTOR, granted, "p1").patient is None


def test_nothing_grantable_is_invalid_scope() -> None:
    with pytest.raises(OAuthError) as caught:
        grants.user_scopes(parse_scopes("system/*.rs openid"), APP, ANA)
    assert caught.value.error == "invalid_scope"


def test_backend_scopes_stay_system_and_within_a_role_for_its_organization() -> None:
    pharmacy = Client(
        "svc",
        "Farmacia",
        "backend",
        "system/*.cruds",
        jwks={"keys": []},
        role="pharmacist",
        organization="f1",
    )
    granted = grants.backend_scopes(
        parse_scopes("system/MedicationDispense.cruds system/Observation.rs user/Patient.rs"),
        pharmacy,
    )
    assert granted.text() == "system/MedicationDispense.cruds?performer=Organization/f1"
    plain = Client(
        "svc", "Lab", "backend", "system/Observation.crs system/Patient.rs", jwks={"keys": []}
    )
    assert (
        grants.backend_scopes(parse_scopes("system/*.cruds"), plain).text()
        == "system/Observation.crs system/Patient.rs"
    )
    with pytest.raises(OAuthError, match="None of the requested scopes"):
        grants.backend_scopes(parse_scopes("patient/*.rs"), plain)


def test_malformed_scope_requests() -> None:
    for text in ("", "   ", None, "patient/Observation.xyz"):
        with pytest.raises(OAuthError) as caught:
            grants.requested_scopes(text)
        assert caught.value.error == "invalid_scope"


def test_pkce_s256() -> None:
    verifier, challenge = pkce_pair()
    assert pkce_matches(verifier, challenge)
    assert not pkce_matches(verifier + "x", challenge)
    assert not pkce_matches("short", pkce_challenge("short"))  # under 43 characters
    # RFC 7636 appendix B
    assert (
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_requested_access_in_plain_words() -> None:
    scopes = parse_scopes(
        "patient/Observation.rs patient/AllergyIntolerance.cruds launch/patient offline_access"
    )
    spanish = auth_pages.describe(scopes, "es-MX")
    assert (
        spanish[0]
        == "Ver y buscar: mediciones y resultados (Observation), del expediente del paciente"
    )
    assert spanish[1].startswith("Ver, buscar, crear, modificar y eliminar: alergias")
    assert "Saber qué paciente elegiste" in spanish
    english = auth_pages.describe(scopes, "en")
    assert (
        english[0]
        == "Read and search: measurements and results (Observation), in the patient's record"
    )
    assert len(english) == len(spanish) == 4


def test_every_page_string_has_both_languages() -> None:
    for key, entry in auth_pages.STRINGS.items():
        assert set(entry) == {"es-MX", "en"}, key
