"""A custom SearchParameter the reindex, encryption and OpenAPI tests share."""

from __future__ import annotations

GENDER_X = {
    "resourceType": "SearchParameter",
    "url": "http://example.org/fhir/SearchParameter/patient-gender-x",
    "name": "GenderX",
    "status": "active",
    "description": "The gender again, under another code",
    "code": "gender-x",
    "base": ["Patient"],
    "type": "token",
    "expression": "Patient.gender",
}
