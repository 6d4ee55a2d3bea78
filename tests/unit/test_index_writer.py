"""Index rows at write time (search/index_writer.py): the row layout the query compiler reads.

Rows are (resource_type, resource_id, param, grp, *INDEX_VALUE_COLUMNS[table]). The Synthea pin
hashes every row of every sample resource, so an optimization of the writer must keep them all.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from enlace.search.expressions import compile_type
from enlace.search.index_writer import SearchIndexer
from enlace.search.registry import load_registry
from enlace.search.values import CURRENCY_SYSTEM, MAX_US

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
SYNTHEA = Path(__file__).resolve().parents[3] / "shared" / "data" / "synthea-r4"
Row = tuple[Any, ...]


@cache
def indexer() -> SearchIndexer:
    return SearchIndexer(load_registry())


def rows(resource: dict[str, Any], rid: str = "r1") -> dict[str, list[Row]]:
    """The value part (param, grp, *values) of each row, by table; the key part is checked here."""
    out: dict[str, list[Row]] = {}
    for table, found in indexer().rows(resource["resourceType"], rid, resource).tables.items():
        for row in found:
            assert row[:2] == (resource["resourceType"], rid)
            out.setdefault(table, []).append(row[2:])
    return out


def of(table_rows: dict[str, list[Row]], table: str, param: str) -> list[Row]:
    return [row[1:] for row in table_rows.get(table, []) if row[0] == param]


def quantity(value: float | int, code: str, system: str = UCUM) -> dict[str, Any]:
    return {"value": value, "unit": code, "system": system, "code": code}


BLOOD_PRESSURE = {
    "resourceType": "Observation",
    "status": "final",
    "code": {
        "coding": [{"system": LOINC, "code": "85354-9", "display": "Blood  Pressure"}],
        "text": "BP",
    },
    "subject": {"reference": "Patient/p1"},
    "effectivePeriod": {"start": "2020-01-02"},
    "valueQuantity": quantity(5.4, "mg/dL"),
    "component": [
        {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]}, "valueQuantity": quantity(120, "mm[Hg]")},
        {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]}, "valueQuantity": {"value": 80, "unit": "mmHg"}},
    ],
}  # fmt: skip


def test_observation_tokens_components_and_composite_groups() -> None:
    found = rows(BLOOD_PRESSURE)
    bp = (LOINC, "85354-9", "blood pressure")
    assert of(found, "token_index", "code") == [(None, *bp), (None, None, None, "bp")]
    assert of(found, "token_index", "status") == [(None, None, "final", None)]
    assert of(found, "token_index", "component-code") == [
        (None, LOINC, "8480-6", None),
        (None, LOINC, "8462-4", None),
    ]
    # One grp per component: its code ($0) and its value ($1) share the number.
    assert of(found, "token_index", "component-code-value-quantity$0") == [
        (0, LOINC, "8480-6", None),
        (1, LOINC, "8462-4", None),
    ]
    # mm[Hg] is its own canonical unit: no canonical copy (the row as written is it)
    assert of(found, "quantity_index", "component-code-value-quantity$1") == [
        (0, UCUM, "mm[Hg]", Decimal(120), False),
        (1, None, "mmHg", Decimal(80), False),
    ]
    # Derived parameters (search/derived.py) have no rows: combo-code is code | component-code,
    # code-value-quantity code AND value-quantity, combo-code-value-quantity their OR.
    for derived in ("combo-code", "code-value-quantity$0", "combo-code-value-quantity$0"):
        assert of(found, "token_index", derived) == []
    assert of(found, "reference_index", "subject") == [(None, "Patient", "p1", None)]
    assert of(found, "reference_index", "patient") == [(None, "Patient", "p1", None)]
    assert of(found, "date_index", "date") == [(None, 1577923200000000, MAX_US)]


def test_concept_text_row_only_when_no_display_has_that_text() -> None:
    same = {"coding": [{"system": LOINC, "code": "1-8", "display": "Blood Pressure"}]}
    observation = {"resourceType": "Observation", "code": {**same, "text": "blood  PRESSURE"}}
    # the folded text is the coding's folded display, which `:text` reads already
    assert of(rows(observation), "token_index", "code") == [(None, LOINC, "1-8", "blood pressure")]


def test_quantity_in_a_canonical_unit_has_no_copy() -> None:
    observation = {"resourceType": "Observation", "valueQuantity": quantity(7, "%")}
    assert of(rows(observation), "quantity_index", "value-quantity") == [
        (None, UCUM, "%", Decimal(7), False)
    ]
    # not UCUM: no canonical form at all
    observation["valueQuantity"] = quantity(7, "%", "http://other")
    assert len(of(rows(observation), "quantity_index", "value-quantity")) == 1


def test_ucum_quantity_has_a_canonical_copy() -> None:
    assert of(rows(BLOOD_PRESSURE), "quantity_index", "value-quantity") == [
        (None, UCUM, "mg/dL", Decimal("5.4"), False),
        (None, UCUM, "g/L", Decimal("0.054"), True),
    ]


def test_identifier_of_type_rows() -> None:
    patient = {
        "resourceType": "Patient",
        "identifier": [
            {
                "type": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}],
                    "text": "Medical  Record",
                },
                "system": "urn:mrn",
                "value": "12345",
            }
        ],
        "telecom": [{"system": "email", "value": "a@b.c"}],
        "birthDate": "1980-05",
    }  # fmt: skip
    found = rows(patient)
    assert of(found, "token_index", "identifier") == [(None, "urn:mrn", "12345", "medical record")]
    assert of(found, "token_index", "identifier:of-type") == [
        (None, "http://terminology.hl7.org/CodeSystem/v2-0203", "MR|12345", None)
    ]
    assert of(found, "token_index", "email") == [(None, None, "a@b.c", None)]
    assert of(found, "date_index", "birthdate") == [(None, 325987200000000, 328665600000000)]


def test_money() -> None:
    invoice = {
        "resourceType": "Invoice",
        "status": "issued",
        "totalNet": {"value": 12.5, "currency": "EUR"},
    }
    found = rows(invoice)
    assert of(found, "quantity_index", "totalnet") == [
        (None, CURRENCY_SYSTEM, "EUR", Decimal("12.5"), False)
    ]


def test_timing_period_and_absolute_and_urn_references() -> None:
    request = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "http://ex.org/fhir/Patient/9/_history/2"},
        "requester": {"reference": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"},
        "occurrenceTiming": {
            "event": ["2021-03-01T10:00:00Z", "2021-03-05"],
            "repeat": {"boundsPeriod": {"start": "2021-02-01", "end": "2021-04-01"}},
        },
    }
    found = rows(request)
    # The Timing's outer limits: boundsPeriod's start to the end of its end day.
    assert of(found, "date_index", "occurrence") == [(None, 1612137600000000, 1617321600000000)]
    url = "http://ex.org/fhir/Patient/9/_history/2"
    assert of(found, "reference_index", "subject") == [(None, "Patient", "9", url)]
    assert of(found, "reference_index", "requester") == [
        (None, None, None, "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0")
    ]


def test_period_without_end_is_open() -> None:
    encounter = {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"code": "AMB"},
        "period": {"start": "2020-01-02T10:00:00Z"},
    }
    assert of(rows(encounter), "date_index", "date") == [(None, 1577959200000000, MAX_US)]


def test_canonical_reference_drops_the_version() -> None:
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "http://ex.org/Questionnaire/q1|2.0",
    }
    assert of(rows(response), "reference_index", "questionnaire") == [
        (None, "Questionnaire", "q1", "http://ex.org/Questionnaire/q1")
    ]


def test_reference_identifier_rows() -> None:
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "subject": {"type": "Patient", "identifier": {"system": "urn:mrn", "value": "12345"}},
        "performer": [
            {"reference": "Practitioner/d1", "identifier": {"value": "LIC-9"}},
            {"identifier": {"system": "urn:lic"}},  # no value: nothing to search for
        ],
    }
    found = rows(observation)
    assert of(found, "token_index", "subject:identifier") == [(None, "urn:mrn", "12345", None)]
    assert of(found, "token_index", "patient:identifier") == [(None, "urn:mrn", "12345", None)]
    assert of(found, "reference_index", "subject") == []  # no literal reference
    assert of(found, "token_index", "performer:identifier") == [(None, None, "LIC-9", None)]
    assert of(found, "reference_index", "performer") == [(None, "Practitioner", "d1", None)]


def test_long_values_are_cut_and_native_params_have_no_rows() -> None:
    patient = {
        "resourceType": "Patient",
        "id": "abc",
        "meta": {"lastUpdated": "2020-01-01T00:00:00Z"},
        "name": [{"family": "X" * 2000}],
        "identifier": [{"system": "urn:s", "value": "v" * 1500}],
    }
    found = rows(patient)
    [(grp, normalized, exact)] = of(found, "string_index", "family")
    assert grp is None and normalized == "x" * 1024
    assert exact == "X" * 2000  # :exact compares the whole text (the column is not a key)
    assert of(found, "token_index", "identifier") == [(None, "urn:s", "v" * 1024, None)]
    params = {row[0] for table in found.values() for row in table}
    assert not params & {"_id", "_lastUpdated"}


def test_duplicate_values_of_one_parameter_give_one_row() -> None:
    condition = {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "s", "code": "c"}, {"system": "s", "code": "c"}]},
    }
    assert of(rows(condition), "token_index", "code") == [(None, "s", "c", None)]


def _synthea() -> list[dict[str, Any]]:
    """The sample bundles' resources, ids from their fullUrls (as bench/common.py loads them)."""
    resources: list[dict[str, Any]] = []
    for path in sorted(SYNTHEA.glob("*.json")):
        entries = json.loads(path.read_text())["entry"]
        mapping = {}
        for entry in entries:
            resource = entry["resource"]
            resource["id"] = entry["fullUrl"].removeprefix("urn:uuid:")
            mapping[entry["fullUrl"]] = f"{resource['resourceType']}/{resource['id']}"
        text = json.dumps([entry["resource"] for entry in entries])
        for full_url, reference in mapping.items():
            text = text.replace(f'"{full_url}"', f'"{reference}"')
        resources.extend(json.loads(text))
    return resources


# sha256 of every Synthea row (sorted per resource); rows under `<code>:identifier` are left out.
# Pinned first (108,602 rows) before the writer was optimized; re-pinned when derived parameters
# (combo-*, code-value-*) stopped having rows and redundant concept-text and canonical-copy rows
# were dropped (index rules v3): search results are unchanged (tests/integration).
SYNTHEA_ROWS = 63_125
SYNTHEA_DIGEST = "d6318a85a0e262c56d8da420e5931d1a1762a85bb896a39c50887249c4c97998"


@pytest.mark.skipif(not SYNTHEA.is_dir(), reason="no Synthea sample next to the repository")
def test_synthea_rows_are_pinned() -> None:
    digest = hashlib.sha256()
    count = 0
    for resource in _synthea():
        tables = indexer().rows(resource["resourceType"], resource["id"], resource).tables
        found = sorted(
            repr((table, row))
            for table, table_rows in tables.items()
            for row in table_rows
            if not row[2].endswith(":identifier")
        )
        count += len(found)
        digest.update("\n".join(found).encode() + b"\x1e")
    assert (count, digest.hexdigest()) == (SYNTHEA_ROWS, SYNTHEA_DIGEST)


def test_parameters_are_skipped_only_when_they_cannot_find_anything() -> None:
    """`Compiled.roots` lets the writer skip a parameter whose top-level properties are absent;
    that must never lose a value (exists(), comparisons and the like have no roots)."""
    registry = load_registry()
    skipped = 0
    for resource_type in sorted(registry.resource_types):
        for code, compiled in compile_type(registry, resource_type).items():
            if compiled.roots is None:
                continue
            skipped += 1
            bare = {"resourceType": resource_type}
            if compiled.components:  # on the resource itself: a component must find nothing
                assert not all(c.extract(bare, bare) for c in compiled.components), code
            else:
                assert compiled.extract(bare) == [], (resource_type, code)
    assert skipped > 2000  # nearly every R4 parameter reads some top-level property
    patient = compile_type(registry, "Patient")
    assert patient["deceased"].roots is None  # `exists() and ...`: a value even when absent
    assert patient["death-date"].roots == {"deceasedDateTime"}  # `deceased as dateTime`
    assert patient["family"].roots == {"name"}
    observation = compile_type(registry, "Observation")
    assert observation["value-quantity"].roots == {"valueQuantity", "valueSampledData"}
    assert observation["code-value-quantity"].roots == {"valueQuantity"}
