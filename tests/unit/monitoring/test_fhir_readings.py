"""Readings as FHIR (pure): ids, shapes, the search plan of the readings source, and the CGM IG
summary Observations with and without sufficient data."""

from __future__ import annotations

import numpy as np
import pytest

from enlace.kernel import errors
from enlace.modules.monitoring import agp, fhir_readings
from enlace.modules.monitoring.domain import BP_PANEL, CGM_GLUCOSE, SPO2, Reading

T0 = 1_772_431_200_000_000  # 2026-03-02T06:00:00Z


def test_id_round_trips_through_the_read_pattern() -> None:
    reading = Reading("p1", "dev-7.a", CGM_GLUCOSE, 101.0, T0, T0 + 1)
    oid = fhir_readings.reading_id(reading)
    assert oid == f"mr-dev-7.a-99504-3-{T0}"
    match = fhir_readings.READING_ID.fullmatch(oid)
    assert match and (match["device"], match["code"], int(match["us"])) == (
        "dev-7.a",
        CGM_GLUCOSE,
        T0,
    )


def test_shapes() -> None:
    spo2 = fhir_readings.observation(Reading("p1", "ox", SPO2, 95.0, T0, T0 + 500_000))
    assert spo2["category"][0]["coding"][0]["code"] == "vital-signs"
    assert spo2["meta"]["profile"] == [fhir_readings.VITAL_SIGNS_PROFILE]
    assert spo2["valueQuantity"]["code"] == "%" and spo2["issued"] == "2026-03-02T06:00:00.500Z"
    cgm = fhir_readings.observation(Reading("p1", "c", CGM_GLUCOSE, 99.0, T0, T0))
    assert cgm["category"][0]["coding"][0]["code"] == "laboratory" and "meta" not in cgm
    bp = fhir_readings.observation(Reading("p1", "b", BP_PANEL, 150.0, T0, T0, value2=95.0))
    assert "valueQuantity" not in bp and len(bp["component"]) == 2


def planned(filters: list[tuple[str, str]]) -> tuple[set[str], int, int]:
    result = fhir_readings.plan_search(filters)
    assert not isinstance(result, str), result
    return result


def test_search_plan() -> None:
    codes, low, _ = planned([("code", "http://loinc.org|99504-3,8867-4"), ("date", "ge2026-03-02")])
    assert codes == {CGM_GLUCOSE, "8867-4"} and low == T0 - 6 * 3_600_000_000
    assert planned([("code", "http://snomed.info/sct|99504-3")])[0] == set()
    vitals = planned([("category", "vital-signs")])[0]
    assert vitals == set(fhir_readings.CODES) - {CGM_GLUCOSE, "41653-7"}
    assert fhir_readings.plan_search([("value-quantity", "gt5")]) == "the parameter value-quantity"
    assert fhir_readings.plan_search([("date", "sa2026-03-02")]) == "the date prefix sa"
    with pytest.raises(errors.FhirError):
        fhir_readings.plan_search([("date", "yesterday")])


def test_cgm_summary_with_and_without_sufficient_data() -> None:
    times = T0 + np.arange(14 * 288, dtype=np.int64) * 300_000_000
    full = agp.agp(times, np.full(times.size, 120.0), T0, 14)
    resources = fhir_readings.cgm_summary(full, "p1")
    codes = [r["code"]["coding"][0]["code"] for r in resources]
    assert codes == ["104636-6", "104637-4", "97507-8", "97506-0", "104638-2", "106793-3"]
    assert all(r["effectivePeriod"]["start"] == "2026-03-02T06:00:00Z" for r in resources)
    short = agp.agp(times[:288], np.full(288, 120.0), T0, 14)
    assert [r["code"]["coding"][0]["code"] for r in fhir_readings.cgm_summary(short, "p1")] == [
        "104636-6",
        "104637-4",
    ]
