"""Safe Harbor de-identification of single resources: each identifier class in, nothing out.

Dates, ages, postal codes, pseudonyms and k-anonymity decisions: test_deidentify_transforms.py."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from enlace.fhir.definitions import load_definitions
from enlace.fhir.validation import validate_resource
from enlace.security.deidentify import Deidentifier

AS_OF = date(2026, 6, 1)
DAR = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


@pytest.fixture(scope="module")
def deid() -> Deidentifier:
    return Deidentifier(b"test secret", as_of=AS_OF)


def published(deid: Deidentifier, resource: dict[str, Any]) -> dict[str, Any]:
    """The de-identified resource, checked to still be valid FHIR R4."""
    out = deid.resource(resource)
    assert out is not None
    assert validate_resource(out, load_definitions()) == []
    return out


def patient(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p1", "gender": "female", **fields}


def ext(url: str, **value: Any) -> dict[str, Any]:
    return {"url": url, **value}


# One row per identifier class (and where it hides): a resource carrying it, and the strings that
# must not survive de-identification.
IDENTIFIER_CASES = [
    (
        "names",
        patient(
            name=[{"family": "García", "given": ["Ana", "Lucía"], "prefix": ["Sra."]}],
            contact=[{"name": {"family": "Ramírez", "given": ["Pedro"]}}],
            extension=[
                ext(
                    "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName",
                    valueString="Ofelia Ruiz",
                ),
                ext("https://example.mx/alias", valueHumanName={"text": "La Güera"}),
            ],
            generalPractitioner=[{"reference": "Practitioner/dr1", "display": "Dr. Tomás Vega"}],
        ),
        ["García", "Ana", "Lucía", "Ramírez", "Pedro", "Ofelia Ruiz", "La Güera", "Tomás Vega"],
    ),
    (
        "names of organizations and relatives",
        {
            "resourceType": "FamilyMemberHistory",
            "status": "completed",
            "patient": {"reference": "Patient/p1", "display": "Ana García"},
            "relationship": {"text": "madre"},
            "name": "Ofelia Ruiz",
        },
        ["Ana García", "Ofelia Ruiz", "madre"],
    ),
    (
        "addresses below state level",
        patient(
            address=[
                {
                    "line": ["Calle Río Lerma 222", "Depto 4"],
                    "city": "Ciudad de México",
                    "district": "Cuauhtémoc",
                    "text": "Río Lerma 222, Col. Juárez",
                    "state": "CDMX",
                    "postalCode": "06500",
                    "country": "MX",
                    "extension": [
                        ext(
                            "http://hl7.org/fhir/StructureDefinition/geolocation",
                            extension=[
                                ext("latitude", valueDecimal=19.4271),
                                ext("longitude", valueDecimal=-99.1676),
                            ],
                        )
                    ],
                }
            ],
            extension=[
                ext(
                    "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
                    valueAddress={"city": "Tlaxcala de Xicohténcatl", "state": "Tlaxcala"},
                )
            ],
        ),
        [
            "Río Lerma",
            "Depto 4",
            "Ciudad de México",
            "Cuauhtémoc",
            "Juárez",
            "06500",
            "19.4271",
            "-99.1676",
            "Xicohténcatl",
        ],
    ),
    (
        "geographic position of a location",
        {
            "resourceType": "Location",
            "name": "Consultorio Reforma",
            "position": {"latitude": 19.4326, "longitude": -99.1332},
            "address": {"line": ["Reforma 10"], "state": "CDMX", "postalCode": "06600"},
        },
        ["Consultorio Reforma", "19.4326", "-99.1332", "Reforma 10", "06600"],
    ),
    (
        "telephone, fax and email",
        patient(
            telecom=[
                {"system": "phone", "value": "+52 55 1234 5678"},
                {"system": "fax", "value": "+52 55 8765 4321"},
                {"system": "email", "value": "ana.garcia@example.mx"},
            ],
            contact=[{"telecom": [{"system": "phone", "value": "55-0000-1111"}]}],
            extension=[
                ext("https://example.mx/whatsapp", valueContactPoint={"value": "5512341234"})
            ],
        ),
        ["1234 5678", "8765 4321", "ana.garcia@example.mx", "0000-1111", "5512341234"],
    ),
    (
        "CURP, NSS, SSN, MRN and driver's licence",
        patient(
            identifier=[
                {"system": "urn:oid:2.16.840.1.113883.4.629", "value": "GARA800101MDFRRN09"},
                {"system": "https://imss.gob.mx/nss", "value": "12345678901"},
                {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "999-98-7415"},
                {"type": {"text": "MRN"}, "value": "MRN-0042"},
                {"system": "urn:oid:2.16.840.1.113883.4.3.25", "value": "S99958856"},
            ]
        ),
        ["GARA800101MDFRRN09", "12345678901", "999-98-7415", "MRN-0042", "S99958856", "us-ssn"],
    ),
    (
        "professional licence (cédula profesional)",
        {
            "resourceType": "Practitioner",
            "identifier": [{"system": "https://cedulaprofesional.sep.gob.mx", "value": "7654321"}],
            "qualification": [
                {"identifier": [{"value": "CED-998877"}], "code": {"text": "Médico cirujano"}}
            ],
        },
        ["7654321", "CED-998877"],
    ),
    (
        "device serial numbers and UDI",
        {
            "resourceType": "Device",
            "serialNumber": "SN-0099812",
            "lotNumber": "LOT-77A",
            "udiCarrier": [
                {
                    "deviceIdentifier": "00844588003288",
                    "carrierHRF": "(01)00844588003288(21)SN0099812",
                }
            ],
            "patient": {"reference": "Patient/p1"},
        },
        ["SN-0099812", "LOT-77A", "00844588003288"],
    ),
    (
        "account and health plan beneficiary numbers",
        {
            "resourceType": "Coverage",
            "status": "active",
            "subscriberId": "SUB-55123",
            "beneficiary": {"reference": "Patient/p1", "identifier": {"value": "BEN-4411"}},
            "payor": [{"display": "Aseguradora del Bajío"}],
            "class": [{"type": {"text": "group"}, "value": "GRUPO-9931"}],
        },
        ["SUB-55123", "BEN-4411", "Aseguradora del Bajío", "GRUPO-9931"],
    ),
    (
        "URLs and IP addresses",
        {
            "resourceType": "AuditEvent",
            "type": {"code": "rest"},
            "recorded": "2025-03-04T10:11:12Z",
            "agent": [
                {
                    "requestor": True,
                    "who": {"reference": "Practitioner/dr1"},
                    "network": {"address": "192.168.10.21", "type": "2"},
                }
            ],
            "source": {"observer": {"display": "enlace-01.example.mx"}},
            "meta": {"source": "https://emr.example.mx/#req-1"},
        },
        ["192.168.10.21", "enlace-01.example.mx", "emr.example.mx"],
    ),
    (
        "endpoint URL",
        {
            "resourceType": "Endpoint",
            "status": "active",
            "connectionType": {"code": "hl7-fhir-rest"},
            "payloadType": [{"text": "any"}],
            "address": "https://ana-garcia.example.mx/fhir",
        },
        ["ana-garcia.example.mx"],
    ),
    (
        "URLs as free values and device addresses",
        {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "subject": {"reference": "Patient/p1"},
            "item": [
                {
                    "linkId": "blog",
                    "answer": [{"valueUri": "https://blog.example.mx/ana-garcia"}],
                }
            ],
            "contained": [
                {
                    "resourceType": "Device",
                    "id": "glucometro",
                    "url": "http://10.0.0.7:8080/lecturas",
                }
            ],
        },
        ["blog.example.mx", "10.0.0.7"],
    ),
    (
        "photos and attachments with data",
        patient(
            photo=[
                {
                    "contentType": "image/jpeg",
                    "data": "QW5hR2FyY2lhRm90bw==",
                    "url": "https://fotos.example.mx/ana.jpg",
                    "title": "Ana en la playa",
                    "hash": "c2hhMQ==",
                }
            ]
        ),
        ["QW5hR2FyY2lhRm90bw==", "fotos.example.mx", "Ana en la playa", "c2hhMQ=="],
    ),
    (
        "free text: narrative, notes, comments, descriptions, string values",
        {
            "resourceType": "Observation",
            "text": {
                "status": "generated",
                "div": '<div xmlns="http://www.w3.org/1999/xhtml">Ana García</div>',
            },
            "status": "final",
            "code": {"text": "nota de la paciente Ana"},
            "subject": {"reference": "Patient/p1"},
            "note": [{"text": "Ana dice que vive con Pedro", "authorString": "Enf. Rosa"}],
            "valueString": "Ana refiere mareo",
            "referenceRange": [{"text": "según el Dr. Vega"}],
        },
        ["Ana", "Pedro", "Rosa", "Vega", "mareo"],
    ),
    (
        "free text in descriptions and dosage",
        {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": {
                "coding": [
                    {
                        "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                        "code": "860975",
                        "display": "metformin 500 MG",
                    }
                ]
            },
            "subject": {"reference": "Patient/p1"},
            "dosageInstruction": [
                {"text": "Ana: tomar con el desayuno", "patientInstruction": "llamar a Pedro"}
            ],
            "note": [{"text": "Comentario: Ana en Guadalajara"}],
        },
        ["Ana", "Pedro", "Guadalajara"],
    ),
    (
        "identifiers in nested extensions",
        patient(
            extension=[
                ext(
                    "https://example.mx/afiliacion",
                    extension=[
                        ext("numero", valueIdentifier={"value": "AFIL-30303"}),
                        ext("nota", valueString="afiliada por Pedro"),
                        ext("sitio", valueUrl="https://afiliados.example.mx/ana"),
                        ext(
                            "foto", valueAttachment={"contentType": "image/png", "data": "UGVkcm8="}
                        ),
                    ],
                )
            ],
            modifierExtension=[ext("https://example.mx/alias", valueString="Anita")],
        ),
        ["AFIL-30303", "Pedro", "afiliados.example.mx", "UGVkcm8=", "Anita"],
    ),
    (
        "identifiers in contained resources",
        {
            "resourceType": "MedicationDispense",
            "status": "completed",
            "contained": [
                {
                    "resourceType": "Patient",
                    "id": "p-ana",
                    "name": [{"family": "García"}],
                    "identifier": [{"value": "GARA800101MDFRRN09"}],
                    "birthDate": "1980-01-15",
                }
            ],
            "subject": {"reference": "#p-ana"},
            "medicationCodeableConcept": {"text": "metformina"},
        },
        ["García", "GARA800101MDFRRN09", "1980-01-15", "p-ana"],
    ),
]


@pytest.mark.parametrize(
    ("resource", "secrets"),
    [case[1:] for case in IDENTIFIER_CASES],
    ids=[case[0] for case in IDENTIFIER_CASES],
)
def test_identifier_class_is_removed(
    deid: Deidentifier, resource: dict[str, Any], secrets: list[str]
) -> None:
    text = json.dumps(published(deid, resource), ensure_ascii=False)
    for secret in secrets:
        assert secret not in text


def test_what_is_kept_is_what_analytics_needs(deid: Deidentifier) -> None:
    out = published(
        deid,
        patient(
            birthDate="1980-10-28",
            address=[
                {"line": ["Calle 1"], "state": "Jalisco", "postalCode": "44100", "country": "MX"}
            ],
            maritalStatus={"coding": [{"code": "M", "display": "Married"}], "text": "Married"},
            communication=[{"language": {"coding": [{"code": "es-MX"}], "text": "mi idioma"}}],
        ),
    )
    assert out["gender"] == "female"
    assert out["birthDate"] == "1980"
    assert out["address"] == [{"state": "Jalisco", "postalCode": "44", "country": "MX"}]
    assert out["maritalStatus"]["text"] == "Married"  # repeats a display: kept
    assert "text" not in out["communication"][0]["language"]  # free text: removed


def test_required_elements_whose_value_is_removed_are_masked(deid: Deidentifier) -> None:
    goal = {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "description": {"text": "Bajar 5 kg antes de la boda de Pedro"},
        "subject": {"reference": "Patient/p1"},
    }
    out = published(deid, goal)
    assert out["description"] == {"extension": [{"url": DAR, "valueCode": "masked"}]}
