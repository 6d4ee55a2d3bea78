"""search.conditions against real index rows, on SQLite and PostgreSQL: one table per parameter
type and modifier, each row (resource type, parameter name, value, expected ids). Dates and
numbers are also checked exhaustively against `values.date_matches` / `values.number_matches`."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us, fhir_instant
from enlace.kernel.errors import FhirError
from enlace.search.conditions import SearchContext, criterion, sort_key
from enlace.search.values import (
    PREFIXES,
    date_matches,
    date_range,
    number_entry,
    number_matches,
    parse_date_value,
    parse_number_value,
)
from enlace.store.schema import resources

NOW_US = epoch_us(datetime(2026, 6, 1, tzinfo=UTC))
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
GENDER_VS = "http://hl7.org/fhir/ValueSet/administrative-gender"

Row = tuple[str, str, str, set[str]]


def _patient(pid: str, family: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "name": [{"family": family}], **fields}


def _observation(oid: str, subject: str | None, code: dict[str, Any], **fields: Any) -> Any:
    resource: dict[str, Any] = {"resourceType": "Observation", "id": oid, "status": "final"}
    resource["code"] = code
    if subject:
        resource["subject"] = {"reference": subject}
    return {**resource, **fields}


def _loinc(code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": LOINC, "code": code, **({"display": display} if display else {})}
    return {"coding": [coding]}


def _qty(value: float, code: str | None, system: str | None = UCUM, unit: str | None = None) -> Any:
    quantity: dict[str, Any] = {"value": value}
    if code:
        quantity["code"] = code
    if system:
        quantity["system"] = system
    if unit:
        quantity["unit"] = unit
    return quantity


def _component(code: str, value: float) -> dict[str, Any]:
    return {"code": _loinc(code), "valueQuantity": _qty(value, "mm[Hg]")}


def _risk(rid: str, probability: float) -> dict[str, Any]:
    return {
        "resourceType": "RiskAssessment",
        "id": rid,
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "prediction": [{"probabilityDecimal": probability}],
    }


MRN = {
    "system": "http://hosp/mrn",
    "value": "M1",
    "type": {"coding": [{"system": V2_0203, "code": "MR"}], "text": "Medical record number"},
}

FIXTURES: list[dict[str, Any]] = [
    {"resourceType": "Organization", "id": "o1", "name": "Clínica Norte"},
    {"resourceType": "Organization", "id": "o2", "name": "Hospital Sur"},
    {"resourceType": "Practitioner", "id": "dr1", "name": [{"family": "Smith"}]},
    _patient(
        "p1",
        "García",
        gender="female",
        birthDate="1980-05-17",
        active=True,
        identifier=[MRN, {"system": "http://national/id", "value": "N-9"}],
        meta={
            "tag": [{"system": "http://tags", "code": "vip"}],
            "profile": ["http://example.org/StructureDefinition/vip-patient"],
        },
        managingOrganization={"reference": "Organization/o1"},
    ),
    _patient(
        "p2",
        "Garcia Lopez",
        gender="male",
        birthDate="1980",
        active=False,
        meta={"source": "http://source.org/app#run-1"},
    ),
    _patient(
        "p3",
        "Gómez",
        birthDate="1975-12-31",
        generalPractitioner=[{"reference": "Practitioner/dr1"}],
        meta={
            "tag": [{"system": "http://tags", "code": "test"}],
            "security": [{"system": CONFIDENTIALITY, "code": "R"}],
        },
    ),
    {
        "resourceType": "Encounter",
        "id": "e1",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": "Patient/p1"},
        "serviceProvider": {"reference": "Organization/o1"},
    },
    {
        "resourceType": "Encounter",
        "id": "e2",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": "Patient/p2"},
        "serviceProvider": {"reference": "Organization/o2"},
    },
    {
        "resourceType": "Encounter",
        "id": "e3",
        "status": "planned",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"identifier": {"system": "http://hosp/mrn", "value": "M1"}},
    },
    _observation(
        "obs1",
        "Patient/p1",
        _loinc("8480-6", "Systolic blood pressure"),
        encounter={"reference": "Encounter/e1"},
        effectiveDateTime="2026-03-15T10:00:00Z",
        valueQuantity=_qty(120, "mm[Hg]"),
    ),
    _observation(
        "obs2",
        "Patient/p2",
        _loinc("2339-0", "Glucose"),
        encounter={"reference": "Encounter/e2"},
        effectivePeriod={"start": "2026-03-01", "end": "2026-03-31"},
        valueQuantity=_qty(100, "mg/dL"),
    ),
    _observation(
        "obs3",
        "Patient/p3",
        {"text": "Free text finding"},
        effectiveDateTime="2025",
        valueQuantity=_qty(7, "%"),
    ),
    _observation(
        "obs4",
        "Patient/p2",
        _loinc("85354-9", "Blood pressure panel"),
        effectiveDateTime="2026-03-15",
        component=[_component("8480-6", 120), _component("8462-4", 80)],
    ),
    _observation("obs5", None, {"coding": [{"code": "local-1"}]}, valueQuantity=_qty(0.07, "1")),
    _observation(
        "obs6",
        "http://other.org/fhir/Patient/p9",
        _loinc("2345-7"),
        valueQuantity=_qty(5.4, None, None, "mmol/L"),
        effectivePeriod={"start": "2026-02-10T08:00:00Z"},
    ),
    _risk("ra1", 0.25),
    _risk("ra2", 0.8),
    _risk("ra3", 100),
    {"resourceType": "ValueSet", "id": "vs1", "status": "active", "url": "http://acme.org/fhir/ValueSet/123"},
    {"resourceType": "ValueSet", "id": "vs2", "status": "active", "url": "http://acme.org/fhir/ValueSet/123/sub"},
    {"resourceType": "ValueSet", "id": "vs3", "status": "active", "url": "http://other.org/x"},
    {
        "resourceType": "QuestionnaireResponse",
        "id": "qr1",
        "status": "completed",
        "questionnaire": "http://acme.org/Questionnaire/q1|2.0",
    },
    {
        "resourceType": "QuestionnaireResponse",
        "id": "qr2",
        "status": "completed",
        "questionnaire": "http://acme.org/Questionnaire/q2",
    },
]  # fmt: skip


class Loaded:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.last_updated: dict[str, int] = {}
        with services.db.begin() as conn:
            for resource in FIXTURES:
                body = {k: v for k, v in resource.items() if k != "id"}
                version = services.repo.create(conn, body, resource["id"])
                self.last_updated[resource["id"]] = version.last_updated_us
            gone = services.repo.create(conn, _patient("deleted", "García"), "deleted")
            assert gone is not None
            services.repo.delete(conn, "Patient", "deleted")
        config = services.search.current()
        self.ctx = SearchContext(config.registry, config.indexer.indexed_codes, NOW_US)

    def ids(self, resource_type: str, name: str, value: str) -> set[str]:
        condition = criterion(self.ctx, resources, resource_type, name, value)
        assert condition is not None, f"{name} unknown for {resource_type}"
        statement = select(resources.c.id).where(
            resources.c.resource_type == resource_type, resources.c.deleted.is_(False), condition
        )
        with self.services.db.read() as conn:
            return {row[0] for row in conn.execute(statement)}

    def sorted_ids(self, resource_type: str, code: str, descending: bool) -> list[str]:
        key = sort_key(self.ctx, resources, resource_type, code, descending)
        assert key is not None
        order = (key.desc() if descending else key.asc()).nulls_last()
        statement = (
            select(resources.c.id)
            .where(resources.c.resource_type == resource_type, resources.c.deleted.is_(False))
            .order_by(order, resources.c.id)
        )
        with self.services.db.read() as conn:
            return [row[0] for row in conn.execute(statement)]

    def check(self, rows: list[Row]) -> None:
        failures = []
        for resource_type, name, value, expected in rows:
            found = self.ids(resource_type, name, value)
            if found != expected:
                failures.append(
                    f"{resource_type}?{name}={value}: {sorted(found)} != {sorted(expected)}"
                )
        assert not failures, "\n".join(failures)


@pytest.fixture
def db(services: Services) -> Loaded:
    return Loaded(services)


PATIENTS = {"p1", "p2", "p3"}
OBSERVATIONS = {"obs1", "obs2", "obs3", "obs4", "obs5", "obs6"}

TOKEN: list[Row] = [
    ("Patient", "gender", "female", {"p1"}),
    ("Patient", "gender", "female,male", {"p1", "p2"}),
    ("Patient", "gender", "FEMALE", set()),
    ("Patient", "active", "true", {"p1"}),
    ("Patient", "active", "false", {"p2"}),
    ("Patient", "identifier", "M1", {"p1"}),
    ("Patient", "identifier", "http://hosp/mrn|M1", {"p1"}),
    ("Patient", "identifier", "http://national/id|M1", set()),
    ("Patient", "identifier", "http://national/id|", {"p1"}),
    ("Patient", "identifier", "|M1", set()),
    ("Observation", "code", "8480-6", {"obs1"}),
    ("Observation", "code", f"{LOINC}|8480-6,{LOINC}|2339-0", {"obs1", "obs2"}),
    ("Observation", "code", f"{LOINC}|", {"obs1", "obs2", "obs4", "obs6"}),
    ("Observation", "code", "|local-1", {"obs5"}),
    ("Observation", "code", "local-1", {"obs5"}),
    ("Observation", "code", f"{LOINC}|local-1", set()),
    ("Observation", "combo-code", "8462-4", {"obs4"}),
    ("Patient", "_tag", "http://tags|vip", {"p1"}),
    ("Patient", "_tag", "test", {"p3"}),
    ("Patient", "_tag:not", "test", {"p1", "p2"}),
    ("Patient", "_security", f"{CONFIDENTIALITY}|R", {"p3"}),
    ("Patient", "_id", "p1,p3", {"p1", "p3"}),
    ("Patient", "_id", "deleted", set()),
]

TOKEN_MODIFIERS: list[Row] = [
    ("Patient", "gender:not", "female", {"p2", "p3"}),
    ("Patient", "gender:not", "female,male", {"p3"}),
    ("Patient", "identifier:not", "http://hosp/mrn|M1", {"p2", "p3"}),
    ("Observation", "code:text", "systolic", {"obs1"}),
    ("Observation", "code:text", "FREE TEXT", {"obs3"}),
    ("Observation", "code:text", "blood pressure", {"obs4"}),
    ("Observation", "code:text", "pressure", set()),
    ("Observation", "code:text", "blood,free", {"obs4", "obs3"}),
    ("Patient", "identifier:text", "médical record", {"p1"}),
    ("Patient", "identifier:of-type", f"{V2_0203}|MR|M1", {"p1"}),
    ("Patient", "identifier:of-type", f"{V2_0203}|MR|N-9", set()),
    ("Patient", "gender:in", GENDER_VS, {"p1", "p2"}),
    ("Patient", "gender:not-in", GENDER_VS, {"p3"}),
    ("Patient", "gender:missing", "true", {"p3"}),
    ("Patient", "gender:missing", "false", {"p1", "p2"}),
]

STRING: list[Row] = [
    ("Patient", "family", "garcia", {"p1", "p2"}),
    ("Patient", "family", "GARC", {"p1", "p2"}),
    ("Patient", "family", "García", {"p1", "p2"}),
    ("Patient", "family", "lopez", set()),
    ("Patient", "name", "gomez,smith", {"p3"}),
    ("Patient", "family:exact", "García", {"p1"}),
    ("Patient", "family:exact", "Garcia", set()),
    ("Patient", "family:exact", "garcía", set()),
    ("Patient", "family:contains", "lopez", {"p2"}),
    ("Patient", "family:contains", "ARC", {"p1", "p2"}),
    ("Patient", "family:contains", "%", set()),
    ("Patient", "family:contains", "_", set()),
    ("Organization", "name", "clinica", {"o1"}),
    ("Organization", "name:contains", "sur", {"o2"}),
    ("Patient", "family:missing", "false", PATIENTS),
]

REFERENCE: list[Row] = [
    ("Observation", "subject", "Patient/p1", {"obs1"}),
    ("Observation", "subject", "p2", {"obs2", "obs4"}),
    ("Observation", "subject:Patient", "p2", {"obs2", "obs4"}),
    ("Observation", "subject:Group", "p2", set()),
    ("Observation", "subject", "Patient/p1,Patient/p3", {"obs1", "obs3"}),
    ("Observation", "patient", "p3", {"obs3"}),
    ("Observation", "subject", "http://other.org/fhir/Patient/p9", {"obs6"}),
    ("Observation", "subject", "http://elsewhere.org/fhir/Patient/p9", set()),
    ("Observation", "subject", "http://this.server/fhir/Patient/p1", {"obs1"}),
    ("Observation", "subject", "Patient/p9", {"obs6"}),
    ("Observation", "subject:missing", "true", {"obs5"}),
    ("Patient", "general-practitioner", "Practitioner/dr1", {"p3"}),
    ("Encounter", "subject:identifier", "http://hosp/mrn|M1", {"e3"}),
    ("Encounter", "subject:identifier", "M1,X", {"e3"}),
    ("Encounter", "subject:identifier", "http://other|M1", set()),
    ("Encounter", "subject:identifier", "Patient/p1", set()),
    ("Encounter", "subject", "Patient/p1", {"e1"}),
    ("QuestionnaireResponse", "questionnaire", "http://acme.org/Questionnaire/q1", {"qr1"}),
    ("QuestionnaireResponse", "questionnaire", "http://acme.org/Questionnaire/q1|2.0", {"qr1"}),
    ("QuestionnaireResponse", "questionnaire", "http://acme.org/Questionnaire/q2|1", {"qr2"}),
]

URI: list[Row] = [
    ("ValueSet", "url", "http://acme.org/fhir/ValueSet/123", {"vs1"}),
    ("ValueSet", "url", "http://acme.org/fhir/ValueSet", set()),
    ("ValueSet", "url:below", "http://acme.org/fhir", {"vs1", "vs2"}),
    ("ValueSet", "url:below", "http://acme.org/fhir/ValueSet/123", {"vs1", "vs2"}),
    ("ValueSet", "url:above", "http://acme.org/fhir/ValueSet/123/_history/5", {"vs1"}),
    ("ValueSet", "url:above", "http://acme.org/fhir/ValueSet/123/sub/x", {"vs1", "vs2"}),
    ("ValueSet", "url:missing", "false", {"vs1", "vs2", "vs3"}),
    ("Patient", "_profile", "http://example.org/StructureDefinition/vip-patient", {"p1"}),
    ("Patient", "_profile:below", "http://example.org/", {"p1"}),
    ("Patient", "_source", "http://source.org/app#run-1", {"p2"}),
    ("Patient", "_source:below", "http://source.org/", {"p2"}),
]

QUANTITY: list[Row] = [
    ("Observation", "value-quantity", "120", {"obs1"}),
    ("Observation", "value-quantity", f"120|{UCUM}|mm[Hg]", {"obs1"}),
    ("Observation", "value-quantity", "120||mm[Hg]", {"obs1"}),
    ("Observation", "value-quantity", "gt100||mg/dL", set()),
    ("Observation", "value-quantity", "ge100||mg/dL", {"obs2"}),
    ("Observation", "value-quantity", f"1|{UCUM}|g/L", {"obs2"}),
    ("Observation", "value-quantity", f"1000|{UCUM}|mg/L", {"obs2"}),
    # ucum keeps % a base of its own (a percentage never matches a unitless score)
    ("Observation", "value-quantity", "7||%", {"obs3"}),
    ("Observation", "value-quantity", f"0.07|{UCUM}|1", {"obs5"}),
    ("Observation", "value-quantity", f"70|{UCUM}|mg/L", set()),
    ("Observation", "value-quantity", f"ge0.5|{UCUM}|g/L", {"obs2"}),
    ("Observation", "value-quantity", f"lt999|{UCUM}|mg/L", set()),  # 1 g/L = 1000 mg/L
    ("Observation", "value-quantity", "5.4||mmol/L", {"obs6"}),
    ("Observation", "value-quantity", "5.4", {"obs6"}),
    ("Observation", "value-quantity", "lt10", {"obs3", "obs5", "obs6"}),
    ("Observation", "value-quantity", "ap110", {"obs1", "obs2"}),
    ("Observation", "value-quantity", "120|http://other|mm[Hg]", set()),
    ("Observation", "value-quantity:missing", "true", {"obs4"}),
]

COMPOSITE: list[Row] = [
    ("Observation", "component-code-value-quantity", "8480-6$120", {"obs4"}),
    ("Observation", "component-code-value-quantity", f"{LOINC}|8462-4$gt70", {"obs4"}),
    ("Observation", "component-code-value-quantity", "8480-6$80", set()),
    ("Observation", "component-code-value-quantity", "8480-6$80,8462-4$80", {"obs4"}),
    ("Observation", "code-value-quantity", "8480-6$120||mm[Hg]", {"obs1"}),
    ("Observation", "code-value-quantity", "2339-0$lt1|http://unitsofmeasure.org|g/L", set()),
    ("Observation", "code-value-quantity", "2339-0$le1|http://unitsofmeasure.org|g/L", {"obs2"}),
    ("Observation", "combo-code-value-quantity", "8462-4$80", {"obs4"}),
    ("Observation", "component-code-value-quantity:missing", "false", {"obs4"}),
]

# Derived parameters (search/derived.py) have no rows: read from code, component-code,
# value-quantity, ... obs4 is a blood pressure panel (components 8480-6 120 mm[Hg] and 8462-4 80
# mm[Hg], no value of its own); obs1 a systolic pressure of 120 mm[Hg] without components.
DERIVED: list[Row] = [
    ("Observation", "combo-code", "8480-6", {"obs1", "obs4"}),
    ("Observation", "combo-code", f"{LOINC}|85354-9", {"obs4"}),
    ("Observation", "combo-code:not", "8480-6", {"obs2", "obs3", "obs5", "obs6"}),
    ("Observation", "combo-code:not", "8462-4,2339-0", {"obs1", "obs3", "obs5", "obs6"}),
    ("Observation", "combo-code:text", "systolic,free", {"obs1", "obs3"}),
    ("Observation", "combo-code:missing", "true", set()),
    ("Observation", "combo-code:missing", "false", OBSERVATIONS),
    ("Observation", "combo-value-quantity", "120", {"obs1", "obs4"}),
    ("Observation", "combo-value-quantity", f"80|{UCUM}|mm[Hg]", {"obs4"}),
    ("Observation", "combo-value-quantity", f"1|{UCUM}|g/L", {"obs2"}),
    ("Observation", "combo-value-quantity", "lt10", {"obs3", "obs5", "obs6"}),
    ("Observation", "combo-value-quantity:missing", "true", set()),
    ("Observation", "code-value-quantity", "8480-6$120", {"obs1"}),
    ("Observation", "code-value-quantity", "85354-9$120", set()),  # the panel has no value
    ("Observation", "code-value-quantity", "8480-6$120,2339-0$100||mg/dL", {"obs1", "obs2"}),
    ("Observation", "code-value-quantity", "2339-0$120", set()),  # both parts on one resource
    ("Observation", "code-value-quantity:missing", "true", {"obs4"}),
    ("Observation", "code-value-quantity:missing", "false", OBSERVATIONS - {"obs4"}),
    ("Observation", "combo-code-value-quantity", "8480-6$120", {"obs1", "obs4"}),
    ("Observation", "combo-code-value-quantity", f"{LOINC}|8480-6$120||mm[Hg]", {"obs1", "obs4"}),
    ("Observation", "combo-code-value-quantity", "85354-9$120", set()),
    ("Observation", "combo-code-value-quantity", "8462-4$120", set()),  # one component's parts
    ("Observation", "combo-code-value-quantity", "8462-4$le80,2339-0$gt99", {"obs2", "obs4"}),
    ("Observation", "combo-code-value-quantity:missing", "true", set()),
    ("Observation", "component-code-value-quantity", "8480-6$120", {"obs4"}),
    ("Observation", "component-code-value-quantity", "8462-4$120", set()),
    ("Observation", "component-code-value-quantity:missing", "true", OBSERVATIONS - {"obs4"}),
    ("Observation", "combo-code-value-concept", "8480-6$x", set()),
    ("Observation", "code-value-concept:missing", "true", OBSERVATIONS),
]

CHAINS: list[Row] = [
    ("Observation", "subject:Patient.name", "garcia", {"obs1", "obs2", "obs4"}),
    ("Observation", "subject.family", "gomez", {"obs3"}),
    ("Observation", "subject.gender", "female", {"obs1"}),
    ("Observation", "subject:Patient.gender:not", "female", {"obs2", "obs3", "obs4"}),
    ("Observation", "subject:Patient.name:exact", "García", {"obs1"}),
    ("Observation", "patient._id", "p3", {"obs3"}),
    ("Observation", "encounter.service-provider.name", "clinica", {"obs1"}),
    ("Observation", "encounter:Encounter.service-provider:Organization.name", "hospital", {"obs2"}),
    ("Observation", "subject:Patient.organization.name", "clinica", {"obs1"}),
    ("Encounter", "subject._has:Observation:patient:code", "2339-0", {"e2"}),
]

HAS: list[Row] = [
    ("Patient", "_has:Observation:patient:code", "8480-6", {"p1"}),
    ("Patient", "_has:Observation:subject:code", "8480-6,85354-9", {"p1", "p2"}),
    ("Patient", "_has:Observation:patient:code:text", "free", {"p3"}),
    ("Patient", "_has:Observation:patient:value-quantity", "gt100", {"p1"}),
    ("Patient", "_has:Encounter:subject:service-provider.name", "hospital", {"p2"}),
    (
        "Organization",
        "_has:Encounter:service-provider:_has:Observation:encounter:code",
        "8480-6",
        {"o1"},
    ),
    ("Patient", "_has:RiskAssessment:subject:probability", "gt50", {"p1"}),
]


@pytest.mark.parametrize(
    "table",
    [TOKEN, TOKEN_MODIFIERS, STRING, REFERENCE, URI, QUANTITY, COMPOSITE, DERIVED, CHAINS, HAS],
    ids=["token", "token-modifiers", "string", "reference", "uri", "quantity", "composite",
         "derived", "chains", "has"],
)  # fmt: skip
def test_search_table(db: Loaded, table: list[Row]) -> None:
    db.check(table)


# --- dates: every prefix, several precisions, against values.date_matches ------------------------

DATE_VALUES = [
    "2026",
    "2026-03",
    "2026-03-15",
    "2026-03-15T10:00:00Z",
    "2026-03-15T10:00Z",
    "2026-03-15T12:00:00+02:00",
    "2025-06",
    "2026-02-10T08:00:00Z",
    "2024",
    "2027-01-01",
]
# The [low, high) of each Observation's effective[x] (obs5 has none).
DATE_RANGES = {
    "obs1": date_range("2026-03-15T10:00:00Z"),
    "obs2": (date_range("2026-03-01")[0], date_range("2026-03-31")[1]),  # type: ignore[index]
    "obs3": date_range("2025"),
    "obs4": date_range("2026-03-15"),
    "obs6": (date_range("2026-02-10T08:00:00Z")[0], 2**63 - 1),  # type: ignore[index]
}


def _expected_dates(prefix: str, text: str) -> set[str]:
    search = parse_date_value(text, "date")
    return {
        oid
        for oid, span in DATE_RANGES.items()
        if date_matches(prefix, search, tuple(span), NOW_US)  # type: ignore[arg-type]
    }


DATES: list[Row] = [
    ("Observation", "date", "2026-03-15", {"obs1", "obs4"}),
    ("Observation", "date", "2026-03", {"obs1", "obs2", "obs4"}),
    ("Observation", "date", "eq2026", {"obs1", "obs2", "obs4"}),
    ("Observation", "date", "gt2026-03-15", {"obs2", "obs6"}),
    ("Observation", "date", "lt2026-03-15", {"obs2", "obs3", "obs6"}),
    ("Observation", "date", "sa2025", {"obs1", "obs2", "obs4", "obs6"}),
    ("Observation", "date", "eb2026", {"obs3"}),
    ("Observation", "date", "ne2026-03", {"obs3", "obs6"}),
    ("Observation", "date", "2026-03-15T10:00:00Z,2025", {"obs1", "obs3"}),
    ("Observation", "date:missing", "true", {"obs5"}),
    ("Patient", "birthdate", "1980", {"p1", "p2"}),
    ("Patient", "birthdate", "1980-05", {"p1"}),
    ("Patient", "birthdate", "le1975-12-31", {"p3"}),
    ("Patient", "birthdate", "ge1980-05-17", {"p1", "p2"}),
]


def test_date_table(db: Loaded) -> None:
    db.check(DATES)


def test_dates_agree_with_date_matches_for_every_prefix(db: Loaded) -> None:
    rows = [
        ("Observation", "date", f"{prefix}{text}", _expected_dates(prefix, text))
        for prefix in PREFIXES
        for text in DATE_VALUES
    ]
    db.check(rows)


def test_last_updated_is_a_point_with_date_prefixes(db: Loaded) -> None:
    stamps = db.last_updated
    p2 = stamps["p2"]
    instant = fhir_instant(datetime.fromtimestamp(p2 / 1e6, UTC))  # millisecond precision
    later = {pid for pid in PATIENTS if stamps[pid] > p2}
    earlier = {pid for pid in PATIENTS if stamps[pid] < p2}
    db.check(
        [
            ("Patient", "_lastUpdated", instant, {"p2"}),
            ("Patient", "_lastUpdated", f"gt{instant}", later),
            ("Patient", "_lastUpdated", f"sa{instant}", later),
            ("Patient", "_lastUpdated", f"lt{instant}", earlier),
            ("Patient", "_lastUpdated", f"le{instant}", earlier | {"p2"}),
            ("Patient", "_lastUpdated", f"ne{instant}", PATIENTS - {"p2"}),
            ("Patient", "_lastUpdated", "2026-01-01", PATIENTS),
            ("Patient", "_lastUpdated", "lt2026", set()),
            ("Patient", "_lastUpdated", "ap2026-01-01", PATIENTS),
        ]
    )


# --- numbers, against values.number_matches --------------------------------------------------------

PROBABILITIES = {"ra1": Decimal("0.25"), "ra2": Decimal("0.8"), "ra3": Decimal(100)}
NUMBER_VALUES = ["0.25", "0.8", "100", "1e2", "0.5", "0.3", "90", "0", "-1", "0.250"]

NUMBERS: list[Row] = [
    ("RiskAssessment", "probability", "0.25", {"ra1"}),
    ("RiskAssessment", "probability", "100", {"ra3"}),
    ("RiskAssessment", "probability", "gt0.5", {"ra2", "ra3"}),
    ("RiskAssessment", "probability", "le0.8", {"ra1", "ra2"}),
    ("RiskAssessment", "probability", "ne0.25", {"ra2", "ra3"}),
    ("RiskAssessment", "probability", "ap0.8", {"ra2"}),
    ("RiskAssessment", "probability", "0.25,0.8", {"ra1", "ra2"}),
]


def test_number_table(db: Loaded) -> None:
    db.check(NUMBERS)


def test_numbers_agree_with_number_matches_for_every_prefix(db: Loaded) -> None:
    rows = []
    for prefix in PREFIXES:
        for text in NUMBER_VALUES:
            search = parse_number_value(text, "probability")
            expected = {
                rid for rid, value in PROBABILITIES.items() if number_matches(prefix, search, value)
            }
            rows.append(("RiskAssessment", "probability", f"{prefix}{text}", expected))
    db.check(rows)
    assert number_entry(Decimal("1e2")).low == 50  # `1e2` is 100 give or take 50


# --- sort keys, deleted resources, errors -------------------------------------------------------


def test_sort_keys(db: Loaded) -> None:
    assert db.sorted_ids("Patient", "birthdate", False) == ["p3", "p2", "p1"]
    assert db.sorted_ids("Patient", "birthdate", True) == ["p2", "p1", "p3"]
    assert db.sorted_ids("Patient", "family", False) == ["p1", "p2", "p3"]
    assert db.sorted_ids("Patient", "gender", True) == ["p2", "p1", "p3"]
    assert db.sorted_ids("RiskAssessment", "probability", True) == ["ra3", "ra2", "ra1"]
    assert db.sorted_ids("Observation", "value-quantity", False)[:3] == ["obs5", "obs6", "obs3"]
    assert db.sorted_ids("Observation", "subject", False)[:2] == ["obs1", "obs2"]
    assert db.sorted_ids("ValueSet", "url", True) == ["vs3", "vs2", "vs1"]
    assert db.sorted_ids("Patient", "_id", True) == ["p3", "p2", "p1"]
    assert db.sorted_ids("Patient", "_lastUpdated", False) == ["p1", "p2", "p3"]
    assert sort_key(db.ctx, resources, "Patient", "nonsense", False) is None


def test_derived_sort_keys_read_every_alias(db: Loaded) -> None:
    # the lowest code of code and component-code: obs4's is its component 8462-4; obs3 has none
    order = ["obs2", "obs6", "obs4", "obs1", "obs5", "obs3"]
    assert db.sorted_ids("Observation", "combo-code", False) == order
    assert db.sorted_ids("Observation", "combo-value-quantity", False) == [
        *("obs5", "obs6", "obs3", "obs4", "obs2", "obs1")
    ]
    assert db.sorted_ids("Observation", "combo-value-quantity", True)[:2] == ["obs1", "obs4"]


# Criteria on derived parameters, and the sort keys, compared with the rows and SQL of before.
ORACLE = [
    *((name, value) for _, name, value, _ in DERIVED),
    ("combo-code", "85354-9,local-1"),
    ("combo-code:in", "http://hl7.org/fhir/ValueSet/observation-vitalsignresult"),
    ("combo-code:not-in", "http://hl7.org/fhir/ValueSet/observation-vitalsignresult"),
    ("combo-code:text", "blood"),
    ("combo-value-quantity", "ge100"),
    ("combo-value-quantity", f"ap80|{UCUM}|mm[Hg]"),
    ("combo-value-quantity", "7||%"),
    ("combo-value-quantity:missing", "false"),
    ("combo-data-absent-reason:missing", "false"),
    ("combo-value-concept", "x"),
    ("code-value-date", "8480-6$2026"),
    ("code-value-date:missing", "false"),
    ("combo-code-value-quantity", "2339-0$1|http://unitsofmeasure.org|g/L"),
    ("combo-code-value-quantity:missing", "false"),
    ("component-code-value-quantity:missing", "false"),
]


def test_derived_searches_match_as_before(services: Services) -> None:
    """The writer and the compiler without derivations (every parameter with rows, read by its
    own code, as before) give the same results as the derived compilation on the same store."""
    with pytest.MonkeyPatch.context() as patch:
        for module in ("index_writer", "conditions", "conditions_joins"):
            patch.setattr(f"enlace.search.{module}.derived", lambda registry, type_: {})
        old = Loaded(services)
        before = {query: old.ids("Observation", *query) for query in ORACLE}
        sorted_before = {
            (code, d): old.sorted_ids("Observation", code, d)
            for code in ("combo-code", "combo-value-quantity")
            for d in (False, True)
        }
    after = {query: old.ids("Observation", *query) for query in ORACLE}
    assert after == before
    for (code, descending), ids in sorted_before.items():
        assert old.sorted_ids("Observation", code, descending) == ids


def test_deleted_resources_never_match_in_chains(db: Loaded) -> None:
    with db.services.db.begin() as conn:
        db.services.repo.delete(conn, "Patient", "p3")
    db.check(
        [
            ("Observation", "subject.family", "gomez", set()),
            ("Practitioner", "_has:Patient:general-practitioner:_id", "p3", set()),
        ]
    )


@pytest.mark.parametrize(
    ("resource_type", "name", "value"),
    [
        ("Patient", "birthdate", "ge2026-13"),
        ("Patient", "birthdate", "xx2026"),
        ("RiskAssessment", "probability", "1e999999"),
        ("Observation", "value-quantity", "5|http://x"),
        ("Observation", "subject", "Patient/"),
        ("Patient", "gender", "a\x00b"),
        ("Patient", "gender:in", "http://example.org/ValueSet/unknown"),
        ("Observation", "subject.nonsense", "x"),
    ],
)
def test_bad_input_is_a_400_before_the_database(
    db: Loaded, resource_type: str, name: str, value: str
) -> None:
    with pytest.raises(FhirError) as caught:
        db.ids(resource_type, name, value)
    assert caught.value.status == 400
    assert caught.value.issues[0].expression == name


def test_criteria_use_the_lookup_indexes(db: Loaded) -> None:
    """The EXISTS of a criterion is answered from the (resource_type, param, ...) lookup index."""
    conn_db = db.services.db
    condition = criterion(db.ctx, resources, "Patient", "identifier", "http://hosp/mrn|M1")
    statement = select(resources.c.id).where(
        resources.c.resource_type == "Patient", resources.c.deleted.is_(False), condition
    )
    if conn_db.dialect == "postgresql":
        with conn_db.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    with conn_db.read() as conn:
        compiled = statement.compile(conn)
        params = compiled.params
        if conn_db.dialect == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # the tables are tiny
            plan = conn.exec_driver_sql(f"EXPLAIN {compiled}", params).all()
            conn.exec_driver_sql("RESET enable_seqscan")
        else:
            plan = conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}", tuple(params.values())
            ).all()
    assert "ix_token_index_lookup" in " ".join(str(row) for row in plan)
