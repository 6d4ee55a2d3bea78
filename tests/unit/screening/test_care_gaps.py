"""Care-gap rules as tables: each rule's boundary (the day a test falls due, eGFR 29/30/44/45,
age 39/40/75/76, BP 139/89 vs 140/90 and a Goal's own target), and what does not make a gap."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from enlace.modules.screening.care_gaps import gaps_for
from enlace.modules.screening.patient_record import Medicine, Record, parse_date

TODAY = date(2026, 6, 1)
ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"


def condition(code: str, onset: str = "2020-01-01", **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"c-{code}",
        "code": {"coding": [{"system": ICD10, "code": code}]},
        "onsetDateTime": onset,
        **extra,
    }


def obs(code: str, day: date, value: float | None = None, oid: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Observation",
        "id": oid or f"o-{code}-{day}",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "effectiveDateTime": f"{day.isoformat()}T10:00:00-06:00",
    }
    if value is not None:
        body["valueQuantity"] = {"value": value}
    return body


def bp(day: date, systolic: float, diastolic: float) -> dict[str, Any]:
    body = obs("85354-9", day)
    body["component"] = [
        {"code": {"coding": [{"system": LOINC, "code": c}]}, "valueQuantity": {"value": v}}
        for c, v in (("8480-6", systolic), ("8462-4", diastolic))
    ]
    return body


def procedure(code: str, day: date) -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "id": f"p-{code}-{day}",
        "status": "completed",
        "code": {"coding": [{"system": SNOMED, "code": code}]},
        "performedDateTime": day.isoformat(),
    }


def med(atc: str, authored: date = date(2025, 1, 1), status: str = "active") -> Medicine:
    return Medicine(f"MedicationRequest/m-{atc}", atc, status, authored)


def up_to_date_diabetic(**changes: Any) -> Record:
    """A 50-year-old with diabetes and every diabetes item done: no gaps unless changed."""
    fields: dict[str, Any] = {
        "patient": "p",
        "birth_date": date(1976, 1, 1),
        "conditions": (condition("E11.9"),),
        "observations": (obs("4548-4", TODAY - timedelta(days=30), 7.0), bp(TODAY, 128, 78)),
        "procedures": (
            procedure("401191002", date(2026, 1, 1)),
            procedure("134395001", date(2026, 1, 1)),
        ),
        "medicines": (med("C10AA05"),),
    }
    fields.update(changes)
    return Record(**fields)


def codes_of(record: Record) -> list[str]:
    return [g.code for g in gaps_for(record, TODAY)]


def test_no_gaps_when_everything_is_done() -> None:
    assert codes_of(up_to_date_diabetic()) == []
    assert codes_of(Record("p")) == []


@pytest.mark.parametrize(
    ("days_ago", "due"),
    [(182, False), (183, True), (400, True)],
)
def test_hba1c_every_six_months(days_ago: int, due: bool) -> None:
    last = TODAY - timedelta(days=days_ago)
    record = up_to_date_diabetic(observations=(obs("4548-4", last, 7.1), bp(TODAY, 120, 70)))
    gaps = [g for g in gaps_for(record, TODAY) if g.code == "hba1c-due"]
    assert bool(gaps) is due
    if due:
        assert gaps[0].due_since == last + timedelta(days=183)
        assert f"Observation/o-4548-4-{last}" in gaps[0].evidence


def test_hba1c_never_measured_is_due_since_the_diagnosis() -> None:
    record = up_to_date_diabetic(observations=())
    (found,) = [g for g in gaps_for(record, TODAY) if g.code == "hba1c-due"]
    assert found.due_since == date(2020, 1, 1)
    assert found.evidence == ("Condition/c-E11.9", "never recorded")
    assert found.title("es").startswith("HbA1c pendiente") and found.title("en").startswith(
        "HbA1c due"
    )


@pytest.mark.parametrize(("days_ago", "due"), [(364, False), (365, True)])
@pytest.mark.parametrize(
    ("code", "gap"), [("401191002", "foot-exam-due"), ("134395001", "eye-exam-due")]
)
def test_foot_and_eye_exam_yearly(days_ago: int, due: bool, code: str, gap: str) -> None:
    other = "134395001" if code == "401191002" else "401191002"
    done = (procedure(code, TODAY - timedelta(days=days_ago)), procedure(other, TODAY))
    assert (gap in codes_of(up_to_date_diabetic(procedures=done))) is due


def test_foot_exam_recorded_as_an_observation_counts() -> None:
    seen = obs("x", TODAY)
    seen["code"] = {"coding": [{"system": SNOMED, "code": "401191002"}]}
    record = up_to_date_diabetic(
        procedures=(procedure("134395001", TODAY),), observations=(seen, obs("4548-4", TODAY, 7))
    )
    assert "foot-exam-due" not in codes_of(record)


@pytest.mark.parametrize(
    ("born", "due"),
    [
        (date(1986, 6, 2), False),
        (date(1986, 6, 1), True),
        (date(1950, 6, 2), True),
        (date(1950, 6, 1), False),
    ],
)
def test_statin_for_diabetes_40_to_75(born: date, due: bool) -> None:
    record = up_to_date_diabetic(birth_date=born, medicines=())
    assert ("statin-missing" in codes_of(record)) is due


def test_statin_combination_or_stopped_statin() -> None:
    assert "statin-missing" not in codes_of(up_to_date_diabetic(medicines=(med("C10BA02"),)))
    stopped = up_to_date_diabetic(medicines=(med("C10AA05", status="stopped"),))
    assert "statin-missing" in codes_of(stopped)


@pytest.mark.parametrize(
    ("systolic", "diastolic", "due"),
    [(139, 89, False), (140, 89, True), (139, 90, True), (120, 70, False)],
)
def test_bp_control_default_target(systolic: float, diastolic: float, due: bool) -> None:
    record = Record(
        "p", conditions=(condition("I10"),), observations=(bp(TODAY, systolic, diastolic),)
    )
    assert ("bp-uncontrolled" in codes_of(record)) is due


def test_bp_latest_reading_counts_and_goal_overrides() -> None:
    older = bp(TODAY - timedelta(days=10), 160, 100)
    record = Record("p", conditions=(condition("I10"),), observations=(older, bp(TODAY, 134, 82)))
    assert codes_of(record) == []
    goal = {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "target": [
            {
                "measure": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                "detailRange": {"high": {"value": 130, "code": "mm[Hg]"}},
            }
        ],
    }
    strict = Record(
        "p", conditions=(condition("I10"),), observations=(bp(TODAY, 134, 82),), goals=(goal,)
    )
    (found,) = gaps_for(strict, TODAY)
    assert found.code == "bp-uncontrolled" and "goal < 130/90 mm[Hg]" in found.evidence


def test_bp_not_checked_without_hypertension_or_diabetes() -> None:
    assert codes_of(Record("p", observations=(bp(TODAY, 170, 100),))) == []


def test_refuted_or_resolved_diagnosis_makes_no_gap() -> None:
    refuted = condition("E11.9", verificationStatus={"coding": [{"code": "refuted"}]})
    resolved = condition("I10", clinicalStatus={"coding": [{"code": "resolved"}]})
    record = Record("p", conditions=(refuted, resolved), observations=(bp(TODAY, 170, 100),))
    assert codes_of(record) == []


@pytest.mark.parametrize(
    ("egfr", "gap"),
    [
        (29.9, "metformin-contraindicated"),
        (30, "metformin-reduce-dose"),
        (44, "metformin-reduce-dose"),
        (45, None),
        (90, None),
    ],
)
def test_metformin_by_egfr(egfr: float, gap: str | None) -> None:
    record = Record("p", observations=(obs("98979-8", TODAY, egfr),), medicines=(med("A10BA02"),))
    assert codes_of(record) == ([gap] if gap else [])


def test_metformin_gap_uses_the_latest_egfr_and_needs_metformin() -> None:
    history = (obs("98979-8", TODAY - timedelta(days=90), 25), obs("98979-8", TODAY, 60))
    assert codes_of(Record("p", observations=history, medicines=(med("A10BA02"),))) == []
    assert codes_of(Record("p", observations=(obs("98979-8", TODAY, 20),))) == []


@pytest.mark.parametrize(("days_ago", "due"), [(182, False), (183, True)])
def test_viral_load_every_six_months_on_arv(days_ago: int, due: bool) -> None:
    record = Record(
        "p",
        observations=(obs("20447-9", TODAY - timedelta(days=days_ago), 40),),
        medicines=(med("J05AR20"),),
    )
    assert ("viral-load-due" in codes_of(record)) is due


def test_viral_load_never_measured_with_hiv_diagnosis() -> None:
    (found,) = gaps_for(Record("p", conditions=(condition("B24", "2024-03-01"),)), TODAY)
    assert found.code == "viral-load-due" and found.due_since == date(2024, 3, 1)


def test_tb_screening_before_and_yearly_on_a_biologic() -> None:
    start = date(2025, 9, 1)
    biologic = (med("L04AB04", start),)
    assert codes_of(Record("p", medicines=biologic)) == ["tb-screening-due"]
    before = Record("p", medicines=biologic, procedures=(procedure("171126009", date(2025, 8, 1)),))
    assert codes_of(before) == []
    stale = Record("p", medicines=biologic, procedures=(procedure("171126009", date(2024, 8, 1)),))
    assert codes_of(stale) == ["tb-screening-due"]
    year_on = Record(
        "p",
        medicines=(med("L04AB04", date(2024, 9, 1)),),
        procedures=(procedure("171126009", date(2024, 8, 1)),),
    )
    (found,) = gaps_for(year_on, TODAY)
    assert found.due_since == date(2025, 8, 1)


def test_gaps_are_ordered_oldest_first() -> None:
    record = up_to_date_diabetic(observations=(), procedures=(), medicines=())
    due = [g.due_since for g in gaps_for(record, TODAY)]
    assert due == sorted(d or date.min for d in due)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-05-31T23:30:00-06:00", date(2026, 6, 1)),
        ("2026-05", date(2026, 5, 1)),
        ("2026", date(2026, 1, 1)),
        ("nonsense", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, day: date | None) -> None:
    assert parse_date(text) == day
