"""The NDJSON reader: any MedicationDispense/Observation file, each bad line reported by number
and the rest read (issue 11 "Bad input")."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import orjson

from enlace.modules.adherence.domain import DEFAULT_DAYS_SUPPLY
from enlace.modules.adherence.reader import read_dispenses, read_observations

ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def dispense(n: int, **changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "id": f"md-{n}",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "A10BA02"}]},
        "daysSupply": {"value": 30},
        "whenHandedOver": "2025-01-10T09:30:00-06:00",
    }
    resource.update(changes)
    return {k: v for k, v in resource.items() if v is not None}


def write(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "in.ndjson"
    path.write_bytes(
        b"\n".join(line if isinstance(line, bytes) else orjson.dumps(line) for line in lines)
    )
    return path


def test_each_malformed_line_is_reported_with_its_number_and_the_rest_read(tmp_path: Path):
    path = write(
        tmp_path,
        dispense(1),
        b"{not json",
        {"resourceType": "Patient", "id": "x"},
        dispense(4, subject=None),
        dispense(5, whenHandedOver=None),
        dispense(6, daysSupply={"value": 400}),
        dispense(7, whenHandedOver="2025-13-40"),
        dispense(8, medicationCodeableConcept=None),
        b"",
        dispense(10, id="md-10", whenHandedOver="2025-02-01"),
    )
    report = read_dispenses(path)
    assert [f.dispense_id for f in report.fills] == ["md-1", "md-10"]
    assert [line for line, _ in report.problems] == [2, 3, 4, 5, 6, 7, 8]
    problems = dict(report.problems)
    assert "not JSON" in problems[2]
    assert "'Patient'" in problems[3]
    assert "subject" in problems[4]
    assert "no date" in problems[5]
    assert "more than 365" in problems[6]
    assert "not a date" in problems[7]
    assert "medication" in problems[8]


def test_status_other_than_completed_duplicates_and_future_fills_are_skipped(tmp_path: Path):
    path = write(
        tmp_path,
        dispense(1),
        dispense(2, status="cancelled"),
        dispense(1),  # the same dispense sent twice
        dispense(4, whenHandedOver="2025-03-01"),
    )
    report = read_dispenses(path, as_of=date(2025, 2, 1))
    assert [f.dispense_id for f in report.fills] == ["md-1"]
    assert [line for line, _ in report.skipped] == [2, 3, 4]
    assert "cancelled" in report.skipped[0][1]
    assert "duplicate" in report.skipped[1][1]
    assert "after the as-of date" in report.skipped[2][1]
    assert report.problems == []


def test_days_supply_missing_or_zero_is_imputed_from_quantity_and_dosage_else_default(
    tmp_path: Path,
):
    dosage = [{"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
               "doseAndRate": [{"doseQuantity": {"value": 1}}]}]  # fmt: skip
    path = write(
        tmp_path,
        dispense(1, daysSupply={"value": 0}, quantity={"value": 60}, dosageInstruction=dosage),
        dispense(2, daysSupply=None),
        dispense(3, daysSupply={"value": 90}),
    )
    fills = read_dispenses(path).fills
    assert [(f.days_supply, f.imputed_supply) for f in fills] == [
        (30, True),  # 60 tablets at 2 a day
        (DEFAULT_DAYS_SUPPLY, True),
        (90, False),
    ]


def test_medication_from_atc_rxnorm_catalog_reference_and_contained(tmp_path: Path):
    rxnorm = {"coding": [{"system": RXNORM, "code": "860975"}]}
    contained = [{"resourceType": "Medication", "id": "m1",
                  "code": {"coding": [{"system": ATC, "code": "C09AA05"}]}}]  # fmt: skip
    path = write(
        tmp_path,
        dispense(1),
        dispense(2, medicationCodeableConcept=rxnorm),
        dispense(
            3,
            medicationCodeableConcept=None,
            medicationReference={"reference": "Medication/med-enalapril-10-tab"},
        ),
        dispense(
            4,
            medicationCodeableConcept=None,
            medicationReference={"reference": "#m1"},
            contained=contained,
            whenHandedOver=None,
            whenPrepared="2025-01-09",
        ),
    )
    fills = read_dispenses(path).fills
    assert [(f.medication, f.therapy) for f in fills] == [
        (f"{ATC}|A10BA02", "atc:A10BA"),
        (f"{RXNORM}|860975", f"{RXNORM}|860975"),
        ("Medication/med-enalapril-10-tab", "atc:C09AA"),  # enalapril's ATC from the catalog
        (f"{ATC}|C09AA05", "atc:C09AA"),  # ramipril: same class as enalapril
    ]
    assert fills[3].day == date(2025, 1, 9)


def test_observations_hba1c_bp_panel_and_glucose(tmp_path: Path):
    def observation(code: str, **rest: Any) -> dict[str, Any]:
        return {"resourceType": "Observation", "status": "final",
                "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2025-01-05",
                "code": {"coding": [{"system": "http://loinc.org", "code": code}]}, **rest}  # fmt: skip

    systolic = {"code": {"coding": [{"code": "8480-6"}]}, "valueQuantity": {"value": 150}}
    path = write(
        tmp_path,
        observation("4548-4", valueQuantity={"value": 8.1}),
        observation("85354-9", component=[systolic]),
        observation("1558-6", valueQuantity={"value": 130}),
        observation("29463-7", valueQuantity={"value": 80}),  # weight: not used
        observation("4548-4"),  # no value
    )
    report = read_observations(path)
    assert [(p.measure, p.value) for p in report.points] == [
        ("hba1c", 8.1),
        ("systolic", 150.0),
        ("glucose", 130.0),
    ]
    assert [line for line, _ in report.skipped] == [4]
    assert [line for line, _ in report.problems] == [5]
