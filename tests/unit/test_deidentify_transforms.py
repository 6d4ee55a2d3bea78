"""Safe Harbor de-identification of single resources: dates, ages, postal codes, pseudonyms,
withheld and generalized patients."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from enlace.security.deidentify import Deidentifier
from enlace.security.deidentify_rules import postal_prefix
from tests.unit.test_deidentify import AS_OF, ext, patient, published


@pytest.fixture(scope="module")
def deid() -> Deidentifier:
    return Deidentifier(b"test secret", as_of=AS_OF)


def test_every_date_becomes_its_year(deid: Deidentifier) -> None:
    observation = {
        "resourceType": "Observation",
        "meta": {"lastUpdated": "2025-03-04T10:11:12.345Z", "versionId": "7"},
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
        "subject": {"reference": "Patient/p1"},
        "effectivePeriod": {"start": "2024-02-29T08:00:00-06:00", "end": "2024-03-01"},
        "issued": "2024-03-02T09:00:00.000Z",
        "valueQuantity": {"value": 6.9, "unit": "%"},
        "extension": [
            ext(
                "https://example.mx/capturado",
                extension=[ext("cuando", valueDateTime="2024-02-28T07:00:00Z")],
            ),
            ext("https://example.mx/vigencia", valuePeriod={"start": "2024-01-05"}),
        ],
        "contained": [
            {
                "resourceType": "Patient",
                "id": "x",
                "birthDate": "1980-10-28",
                "deceasedDateTime": "2024-03-01",
            }
        ],
        "_issued": {"extension": [ext("https://example.mx/recibido", valueDate="2024-03-03")]},
    }
    out = published(deid, observation)
    assert out["effectivePeriod"] == {"start": "2024", "end": "2024"}
    assert out["issued"] == "2024-01-01T00:00:00Z"  # an instant must be complete: its year's first
    assert out["meta"]["lastUpdated"] == "2025-01-01T00:00:00Z"
    assert "versionId" not in out["meta"]
    for value in _strings(out):
        if re.match(r"\d{4}-\d{2}", value):
            assert re.fullmatch(r"\d{4}-01-01T00:00:00Z", value), value
    text = json.dumps(out)
    for full in ("02-29", "03-01", "02-28", "01-05", "10-28", "03-03", "10:11"):
        assert full not in text


def test_timing_events_are_years_and_stay_aligned(deid: Deidentifier) -> None:
    request = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "occurrenceTiming": {"event": ["2024-05-01T08:00:00Z", "2024-05-02"]},
    }
    assert published(deid, request)["occurrenceTiming"] == {"event": ["2024", "2024"]}


@pytest.mark.parametrize(
    ("birth", "death", "grouped"),
    [
        ("1930-05-01", None, True),  # 96 in 2026
        ("1936-12-31", None, True),  # 2026 - 1936 = 90: might be 90, so grouped
        ("1937-01-01", None, False),  # 89 at most
        ("1900-03-03", "1985-07-01", False),  # died at 85: the age is the age at death
        ("1900-03-03", "1995-07-01", True),  # died at 95
    ],
)
def test_ages_over_89_are_grouped(
    deid: Deidentifier, birth: str, death: str | None, grouped: bool
) -> None:
    fields: dict[str, Any] = {"birthDate": birth}
    if death:
        fields["deceasedDateTime"] = death
    out = published(deid, patient(**fields))
    extensions = {e["url"]: e for e in out.get("extension", [])}
    age_url = "https://enlace.health/fhir/StructureDefinition/deidentified-age"
    if grouped:
        assert "birthDate" not in out
        assert out["_birthDate"]["extension"][0]["valueCode"] == "masked"
        assert extensions[age_url]["valueAge"]["value"] == 90
        assert extensions[age_url]["valueAge"]["comparator"] == ">="
        assert birth[:4] not in json.dumps(out)
    else:
        assert out["birthDate"] == birth[:4]
        assert age_url not in extensions


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (
            {"value": 93, "unit": "years", "system": "http://unitsofmeasure.org", "code": "a"},
            (90, ">="),
        ),
        (
            {"value": 1200, "unit": "months", "system": "http://unitsofmeasure.org", "code": "mo"},
            (1080, ">="),
        ),
        ({"value": 91, "unit": "años"}, (90, ">=")),
        (
            {"value": 45, "unit": "years", "system": "http://unitsofmeasure.org", "code": "a"},
            (45, None),
        ),
        (
            {"value": 400, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"},
            (400, None),
        ),
    ],
)
def test_age_values_of_90_or_more_are_capped(
    deid: Deidentifier, age: dict[str, Any], expected: tuple[int, str | None]
) -> None:
    condition = {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/p1"},
        "onsetAge": age,
    }
    onset = published(deid, condition)["onsetAge"]
    assert (onset["value"], onset.get("comparator")) == expected


@pytest.mark.parametrize(
    ("code", "country", "expected"),
    [
        ("06600", "MX", "06"),
        ("06600", "México", "06"),
        ("44100", "Mexico", "44"),
        ("44100", None, "44"),  # no country: 2 digits satisfy both rules
        ("02138", "US", "021"),
        ("02138-4321", "USA", "021"),
        ("03601", "US", "000"),  # 036 held 20,000 people or fewer in 2000
        ("89301", "United States", "000"),
        ("1234", "MX", None),
        ("SW1A 1AA", "GB", None),
        ("75001", "FR", "75"),
    ],
)
def test_postal_codes_are_truncated(code: str, country: str | None, expected: str | None) -> None:
    assert postal_prefix(code, country) == expected


def test_pseudonyms_are_stable_keyed_and_consistent(deid: Deidentifier) -> None:
    observation = {
        "resourceType": "Observation",
        "id": "obs-1",
        "status": "final",
        "code": {"text": "x"},
        "subject": {"reference": "Patient/p1"},
        "hasMember": [{"reference": "http://old-emr.example.mx/fhir/Observation/obs-2/_history/3"}],
    }
    first = published(deid, observation)
    again = Deidentifier(b"test secret", as_of=AS_OF).resource(observation)
    other = Deidentifier(b"another secret", as_of=AS_OF).resource(observation)
    assert again == first
    assert other is not None and other["id"] != first["id"]
    assert other["subject"] != first["subject"]
    patient_out = published(deid, patient())
    assert first["subject"]["reference"] == f"Patient/{patient_out['id']}"
    assert (
        first["hasMember"][0]["reference"]
        == f"Observation/{deid.pseudonym('Observation', 'obs-2')}"
    )
    assert "obs-1" not in json.dumps(first) and "p1" not in patient_out["id"]


def test_contained_references_still_resolve(deid: Deidentifier) -> None:
    dispense = {
        "resourceType": "MedicationDispense",
        "status": "completed",
        "contained": [{"resourceType": "Patient", "id": "p-ana", "birthDate": "1980-01-15"}],
        "subject": {"reference": "#p-ana"},
        "medicationCodeableConcept": {"text": "metformina"},
    }
    out = published(deid, dispense)
    assert out["subject"]["reference"] == f"#{out['contained'][0]['id']}"
    assert out["contained"][0]["birthDate"] == "1980"


def test_conditional_references_are_not_published(deid: Deidentifier) -> None:
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "subject": {"reference": "Patient?identifier=https://imss.gob.mx/nss|12345678901"},
    }
    out = published(deid, observation)
    assert "12345678901" not in json.dumps(out)
    assert "subject" not in out


def test_security_label_marks_the_output(deid: Deidentifier) -> None:
    out = published(deid, patient(meta={"security": [{"code": "R"}]}))
    codes = [coding.get("code") for coding in out["meta"]["security"]]
    assert codes == ["R", "REDACTED", "PSEUDED"]


def test_withheld_patients_take_their_resources_with_them() -> None:
    deid = Deidentifier(b"k", as_of=AS_OF)
    deid.withhold_patients(["p1"])
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "subject": {"reference": "Patient/p1"},
    }
    assert deid.resource(patient()) is None
    assert deid.resource(observation) is None
    linked = {
        "resourceType": "Patient",
        "id": "p2",
        "link": [{"other": {"reference": "Patient/p1"}, "type": "seealso"}],
    }
    out = deid.resource(linked)  # a released patient only loses the link
    assert out is not None and "p1" not in json.dumps(out)
    assert deid.resource({**observation, "subject": {"reference": "Patient/p2"}}) is not None


def test_generalized_birth_years_are_published_as_bands() -> None:
    deid = Deidentifier(b"k", as_of=AS_OF)
    deid.generalize_birth_years(["p1"])
    out = published(deid, patient(birthDate="1982-04-05"))
    assert "birthDate" not in out
    band = out["extension"][0]
    assert band["url"] == "https://enlace.health/fhir/StructureDefinition/birth-year-band"
    assert band["valuePeriod"] == {"start": "1980", "end": "1984"}


def test_release_patients_generalizes_then_suppresses() -> None:
    deid = Deidentifier(b"k", as_of=AS_OF)
    address = [{"state": "Jalisco", "postalCode": "44100", "country": "MX"}]
    crowd = [patient(id=f"c{n}", birthDate="1970-01-01", address=address) for n in range(3)]
    band = [patient(id=f"b{n}", birthDate=f"198{n}-05-05", address=address) for n in range(3)]
    alone = [patient(id="alone", birthDate="1990-01-01", gender="male", address=address)]
    release = deid.release_patients(crowd + band + alone, k=3)
    assert sorted(release.generalized_ids) == ["b0", "b1", "b2"]
    assert release.suppressed_ids == ["alone"]
    assert release.after.satisfied and release.after.records == 6
    assert deid.quasi_identifiers(crowd[0]) == {
        "birth": "1970",
        "gender": "female",
        "region": "MX|Jalisco|44",
    }
    assert deid.resource(alone[0]) is None
    assert "birthDate" not in (deid.resource(band[0]) or {})
    assert (deid.resource(crowd[0]) or {})["birthDate"] == "1970"


def test_unknown_resource_types_are_not_published(deid: Deidentifier) -> None:
    assert deid.resource({"resourceType": "Spaceship", "id": "x", "pilot": "Ana"}) is None


def test_a_secret_is_required() -> None:
    with pytest.raises(ValueError):
        Deidentifier(b"")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []
