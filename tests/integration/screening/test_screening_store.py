"""record_screening on SQLite and PostgreSQL: measurements and derived Observations (derivedFrom),
the RiskAssessment, referral Tasks for probable disease; nothing written when anything is refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from enlace.fhir.validation import validate_resource
from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules.screening.domain import ScreeningSettings
from enlace.modules.screening.service import record_screening
from enlace.store.schema import resources
from tests.conftest import SteppingClock

PERFORMED = "2026-03-01T09:30:00-06:00"


def screening(measurements: dict[str, Any] | None = None, **answers: Any) -> dict[str, Any]:
    return {
        "performedAt": PERFORMED,
        "setting": "community",
        "measurements": {
            "weight": 88,
            "height": 165,
            "waist": 102,
            "bloodPressure": {"systolic": 146, "diastolic": 92},
            "glucose": {"value": 131, "unit": "mg/dL", "kind": "fasting", "sample": "plasma"},
            "totalCholesterol": 215,
            **(measurements or {}),
        },
        "answers": {
            "familyHistoryDiabetes": "first-degree",
            "physicalActivity": False,
            "dailyVegetables": True,
            "everBpMedication": False,
            "everHighGlucose": False,
            "smoker": False,
            **answers,
        },
    }


def seed(services: Services, *, clinic: bool = True) -> str:
    with services.db.begin() as conn:
        org = services.repo.create(
            conn, {"resourceType": "Organization", "name": "Centro de Salud"}
        )
        patient: dict[str, Any] = {
            "resourceType": "Patient",
            "name": [{"family": "Ruiz", "given": ["Ana"]}],
            "gender": "female",
            "birthDate": "1970-05-04",
        }
        if clinic:
            patient["managingOrganization"] = {"reference": f"Organization/{org.id}"}
        return services.repo.create(conn, patient).id


def record(services: Services, patient: str, raw: Any, **kwargs: Any) -> Any:
    with services.db.begin() as conn:
        return record_screening(
            conn,
            services.repo,
            patient,
            raw,
            performer=kwargs.pop("performer", "Practitioner/nurse-1"),
            setting="clinic",
            clock=SteppingClock(),
            **kwargs,
        )


def read(services: Services, kind: str, rid: str) -> dict[str, Any]:
    with services.db.read() as conn:
        return services.repo.read(conn, kind, rid).resource()


def count(services: Services) -> int:
    with services.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(resources)).scalar_one())


def test_a_screening_is_stored_as_linked_fhir_resources(services: Services) -> None:
    patient = seed(services)
    recorded = record(services, patient, screening())
    assert set(recorded.result.probable_conditions) == {"diabetes", "hypertension", "obesity"}
    assert recorded.result.findrisc.score is not None  # age and sex came from the Patient
    bmi = read(services, "Observation", recorded.observations["bmi"])
    assert bmi["code"]["coding"][0]["code"] == "39156-5"
    assert bmi["valueQuantity"] == {
        "value": 32.3,
        "unit": "kg/m2",
        "system": "http://unitsofmeasure.org",
        "code": "kg/m2",
    }
    assert {r["reference"] for r in bmi["derivedFrom"]} == {
        f"Observation/{recorded.observations['weight']}",
        f"Observation/{recorded.observations['height']}",
    }
    glycaemic = read(services, "Observation", recorded.observations["glycaemic-class"])
    assert glycaemic["valueCodeableConcept"]["coding"][0]["code"] == "probable-diabetes"
    assert glycaemic["derivedFrom"] == [
        {"reference": f"Observation/{recorded.observations['glucose']}"}
    ]
    cvd = read(services, "Observation", recorded.observations["who-cvd"])
    assert cvd["valueQuantity"]["unit"] == "%"  # 55 years: on the chart
    risk = read(services, "RiskAssessment", recorded.risk_assessment)
    assert len(risk["basis"]) == len(recorded.observations)
    by_condition = {p["outcome"]["coding"][0]["code"]: p for p in risk["prediction"]}
    assert by_condition["diabetes"]["qualitativeRisk"]["coding"][0]["code"] == "high"
    assert by_condition["cvd"]["probabilityDecimal"] == cvd["valueQuantity"]["value"] / 100
    assert risk["meta"]["tag"][0]["code"] == "community"
    for kind, rid in [
        ("RiskAssessment", recorded.risk_assessment),
        *(("Observation", i) for i in recorded.observations.values()),
    ]:
        assert validate_resource(read(services, kind, rid), services.definitions) == []


def test_probable_disease_creates_a_referral_task(services: Services) -> None:
    patient = seed(services)
    recorded = record(
        services, patient, screening(), settings=ScreeningSettings(referral_due_days=14)
    )
    assert set(recorded.tasks) == {"diabetes", "hypertension", "obesity"}
    task = read(services, "Task", recorded.tasks["diabetes"])
    clinic = read(services, "Patient", patient)["managingOrganization"]["reference"]
    assert task["focus"] == {"reference": f"RiskAssessment/{recorded.risk_assessment}"}
    assert task["for"] == {"reference": f"Patient/{patient}"} and task["owner"] == {
        "reference": clinic
    }
    assert task["restriction"]["period"]["end"] == "2026-03-15"
    assert task["code"]["coding"][0]["code"] == "confirm-diagnosis"
    assert task["reasonCode"]["coding"][0]["code"] == "diabetes"
    assert validate_resource(task, services.definitions) == []


def test_urgent_blood_pressure_is_due_the_next_day(services: Services) -> None:
    patient = seed(services)
    raw = screening({"bloodPressure": {"systolic": 186, "diastolic": 112}})
    task = read(services, "Task", record(services, patient, raw).tasks["hypertension"])
    assert task["priority"] == "urgent" and task["restriction"]["period"]["end"] == "2026-03-02"


def test_healthy_screening_creates_no_task(services: Services) -> None:
    patient = seed(services, clinic=False)  # no clinic needed when nobody is referred
    raw = screening(
        {
            "weight": 58,
            "waist": 76,
            "bloodPressure": {"systolic": 112, "diastolic": 72},
            "glucose": 88,
            "totalCholesterol": 170,
        }
    )
    recorded = record(services, patient, raw)
    assert recorded.tasks == {} and recorded.result.probable_conditions == ()


def test_missing_answers_store_a_not_computable_score(services: Services) -> None:
    patient = seed(services)
    raw = screening()
    del raw["answers"]["dailyVegetables"]
    recorded = record(services, patient, raw)
    score = read(services, "Observation", recorded.observations["findrisc"])
    assert score["dataAbsentReason"]["coding"][0]["code"] == "not-applicable"
    assert score["note"][0]["text"] == "not computable: missing dailyVegetables"


@pytest.mark.parametrize(
    ("raw", "kwargs", "status", "where"),
    [
        (screening({"waist": 900}), {}, 422, "measurements.waist"),
        (screening({"glucose": {"value": 6.5, "unit": "mg/dL"}}), {}, 422, "measurements.glucose"),
        (screening(age=12), {}, 422, "answers.age"),
        ({**screening(), "patient": "Patient/someone-else"}, {}, 422, "patient"),
        (screening(), {"performer": "nurse"}, 422, "performer"),
        (screening(), {"performer": "Patient/p1"}, 422, "performer"),
        ({**screening(), "extra": 1}, {}, 400, "$.extra"),
    ],
)
def test_refusals_write_nothing(
    services: Services, raw: Any, kwargs: dict[str, Any], status: int, where: str
) -> None:
    patient = seed(services)
    before = count(services)
    with pytest.raises(FhirError) as caught:
        record(services, patient, raw, **kwargs)
    assert caught.value.status == status
    assert where in {issue.expression for issue in caught.value.issues}
    assert count(services) == before


def test_unknown_patient_and_missing_clinic_write_nothing(services: Services) -> None:
    before = count(services)
    with pytest.raises(FhirError) as caught:
        record(services, "nobody", screening())
    assert caught.value.issues[0].expression == "patient"
    patient = seed(services, clinic=False)
    before = count(services)
    with pytest.raises(FhirError) as caught:
        record(services, patient, screening())
    assert "no clinic" in caught.value.issues[0].diagnostics
    assert count(services) == before


def test_a_failure_mid_write_rolls_everything_back(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient = seed(services)
    before = count(services)
    real_create = services.repo.create

    def failing_create(conn: Any, resource: dict[str, Any], resource_id: str | None = None) -> Any:
        if resource["resourceType"] == "Task":
            raise RuntimeError("disk full")
        return real_create(conn, resource, resource_id)

    monkeypatch.setattr(services.repo, "create", failing_create)
    with pytest.raises(RuntimeError):
        record(services, patient, screening())
    assert count(services) == before


def test_the_follow_up_loop_reads_the_referrals_it_writes(services: Services) -> None:
    """The contract with the follow-up module: its open-referral query finds these Tasks, with the
    condition, the clinic and the due date."""
    from enlace.modules.screening.referrals import is_referral, open_referrals

    patient = seed(services)
    recorded = record(services, patient, screening())
    clinic = read(services, "Patient", patient)["managingOrganization"]["reference"]
    with services.db.read() as conn:
        found = open_referrals(conn, services.repo, clinic.removeprefix("Organization/"))
    by_task = {r.task_id: r for r in found}
    assert set(by_task) == set(recorded.tasks.values())
    diabetes = by_task[recorded.tasks["diabetes"]]
    assert (diabetes.patient, diabetes.condition, diabetes.status) == (
        patient,
        "diabetes",
        "requested",
    )
    assert diabetes.due_us is not None and diabetes.diagnosis is not None
    assert is_referral(read(services, "Task", recorded.tasks["diabetes"]))
