"""normalize (pure): the three shapes, unit conversion, alternative codes, plausibility, time
checks at their boundaries, and what refuses a reading versus the whole message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring.normalize import MAX_BYTES, Normalized, Source, normalize

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SOURCE = Source("dev-1", "pat-1", epoch_us(NOW))
AT = "2026-03-01T05:00:00-06:00"  # 11:00Z, an hour before NOW


def run(message: Any) -> Normalized:
    return normalize(orjson.dumps(message), SOURCE)


def one(**reading: Any) -> Normalized:
    return run({"readings": [{"time": AT, **reading}]})


def refusal(**reading: Any) -> tuple[str, str]:
    result = one(**reading)
    assert result.readings == ()
    [refused] = result.refusals
    assert orjson.loads(refused.raw)["time"] == reading.get("time", AT)
    return refused.reason, refused.location


def whole(message: bytes) -> errors.FhirError:
    with pytest.raises(errors.FhirError) as caught:
        normalize(message, SOURCE)
    return caught.value


@pytest.mark.parametrize(
    ("code", "value", "unit", "canonical", "expected"),
    [
        ("29463-7", 80, "kg", "29463-7", 80),
        ("29463-7", 176.37, "[lb_av]", "29463-7", 80.0001),
        ("29463-7", 80500, "g", "29463-7", 80.5),
        ("8310-5", 37, "Cel", "8310-5", 37),
        ("8310-5", 100.4, "[degF]", "8310-5", 38),
        ("41653-7", 100, "mg/dL", "41653-7", 100),
        ("41653-7", 5.55, "mmol/L", "41653-7", 99.9888),
        ("14743-9", 10, "mmol/L", "41653-7", 180.16),
        ("105272-9", 3.9, "mmol/L", "99504-3", 70.2624),
        ("99504-3", 250, "mg/dL", "99504-3", 250),
        ("2708-6", 95, "%", "59408-5", 95),
        ("8867-4", 60, "{beats}/min", "8867-4", 60),
        ("9279-1", 16, "{breaths}/min", "9279-1", 16),
    ],
)
def test_units_and_codes_are_made_canonical(
    code: str, value: float, unit: str, canonical: str, expected: float
) -> None:
    [reading] = one(code=code, value=value, unit=unit).readings
    assert reading.code == canonical
    assert reading.value == pytest.approx(expected, abs=1e-3)
    assert (reading.patient, reading.device, reading.received_us) == (
        "pat-1",
        "dev-1",
        SOURCE.received_us,
    )
    assert reading.effective_us == epoch_us(datetime(2026, 3, 1, 11, tzinfo=UTC))


@pytest.mark.parametrize(
    ("reading", "reason", "location"),
    [
        (
            {"code": "85354-9", "unit": "mmHg", "components": {"8480-6": 120, "8462-4": 80}},
            "unit",
            "readings[0].unit",
        ),
        ({"code": "29463-7", "value": 80, "unit": "mg/dL"}, "unit", "readings[0].unit"),
        ({"code": "41653-7", "value": 100, "unit": "mg/dl"}, "unit", "readings[0].unit"),
        ({"code": "8480-6", "value": 120, "unit": "mm[Hg]"}, "code", "readings[0].code"),
        ({"code": "2339-0", "value": 120, "unit": "mg/dL"}, "code", "readings[0].code"),
        (
            {"code": "85354-9", "unit": "mm[Hg]", "components": {"8480-6": 900, "8462-4": 95}},
            "implausible",
            "readings[0].components.8480-6",
        ),
        (
            {"code": "85354-9", "unit": "mm[Hg]", "components": {"8480-6": 120, "8462-4": 120}},
            "implausible",
            "readings[0].components.8462-4",
        ),
        (
            {"code": "85354-9", "unit": "mm[Hg]", "components": {"8480-6": 120, "8462-4": 19}},
            "implausible",
            "readings[0].components.8462-4",
        ),
        (
            {"code": "85354-9", "unit": "mm[Hg]", "components": {"8480-6": 120}},
            "malformed",
            "readings[0].code",
        ),
        (
            {"code": "85354-9", "unit": "mm[Hg]", "value": 120},
            "malformed",
            "readings[0].components",
        ),
        ({"code": "59408-5", "value": 100.5, "unit": "%"}, "implausible", "readings[0].value"),
        ({"code": "8310-5", "value": 114, "unit": "[degF]"}, "implausible", "readings[0].value"),
        ({"code": "99504-3", "value": 19, "unit": "mg/dL"}, "implausible", "readings[0].value"),
        ({"code": "8867-4", "value": True, "unit": "/min"}, "malformed", "readings[0].value"),
        ({"code": "8867-4", "value": "70", "unit": "/min"}, "malformed", "readings[0].value"),
        ({"code": "8867-4", "unit": "/min"}, "malformed", "readings[0].value"),
        ({"code": "8867-4", "value": 70}, "malformed", "readings[0].unit"),
        ({"value": 70, "unit": "/min"}, "malformed", "readings[0].code"),
        (
            {"code": "8867-4", "value": 70, "unit": "/min", "note": "x"},
            "malformed",
            "readings[0].note",
        ),
        (
            {"code": "8867-4", "value": 70, "unit": "/min", "deviceCode": 7},
            "malformed",
            "readings[0].deviceCode",
        ),
    ],
)
def test_a_wrong_reading_is_refused_with_its_reason(
    reading: dict[str, Any], reason: str, location: str
) -> None:
    assert refusal(**reading) == (reason, location)


def test_a_non_ucum_unit_names_the_expected_one() -> None:
    [refused] = one(code="85354-9", unit="mmHg", components={"8480-6": 120, "8462-4": 80}).refusals
    assert "'mmHg'" in refused.message and "mm[Hg]" in refused.message


@pytest.mark.parametrize(
    ("time", "reason"),
    [
        ("2026-03-01T12:05:00Z", None),  # exactly 5 minutes ahead: a drifting clock
        ("2026-03-01T12:05:00.000001Z", "clock-skew"),
        ("2026-03-01T06:05:00.000001-06:00", "clock-skew"),
        ("2025-01-25T12:00:00Z", None),  # 400 days: a long-offline device's memory
        ("2025-01-25T11:59:59Z", "too-old"),
        ("2026-03-01T11:00:00", "time"),
        ("2026-03-01", "time"),
        ("yesterday", "time"),
    ],
)
def test_time_needs_an_offset_and_a_sane_clock(time: str, reason: str | None) -> None:
    result = one(code="8867-4", value=70, unit="/min", time=time)
    assert [r.reason for r in result.refusals] == ([reason] if reason else [])
    assert len(result.readings) == (0 if reason else 1)


def test_good_readings_survive_a_bad_neighbour_and_device_facts_are_read() -> None:
    result = run(
        {
            "readings": [
                {"code": "8867-4", "value": 70, "unit": "/min", "time": AT, "deviceCode": "147842"},
                {"code": "8867-4", "value": 900, "unit": "/min", "time": AT},
                "not a reading",
            ],
            "battery": 64,
            "firmware": "1.0.3",
        }
    )
    assert [r.device_code for r in result.readings] == ["147842"]
    assert [(r.index, r.reason) for r in result.refusals] == [(1, "implausible"), (2, "malformed")]
    assert (result.total, result.battery, result.firmware) == (3, 64, "1.0.3")


def test_a_bad_battery_is_refused_without_the_readings() -> None:
    result = run({"readings": [], "battery": 101, "firmware": ""})
    assert [(r.index, r.location) for r in result.refusals] == [
        (None, "battery"),
        (None, "firmware"),
    ]
    assert (result.battery, result.firmware, result.total) == (None, None, 0)


@pytest.mark.parametrize(
    ("message", "status", "where"),
    [
        (b"", 400, "/"),
        (b"{", 400, "/"),
        (b'"readings"', 400, "/"),
        (b'{"data": []}', 400, "/"),
        (b'{"readings": "all"}', 400, "readings"),
        (b'{"readings": [], "extra": 1}', 400, "extra"),
        (b'{"resourceType": "Device"}', 400, "resourceType"),
        (b'{"resourceType": "Bundle", "type": "history", "entry": []}', 400, "Bundle.type"),
        (b'{"resourceType": "Bundle", "type": "batch", "entry": {}}', 400, "Bundle.entry"),
        (
            b'{"resourceType": "Bundle", "type": "batch", "entry": [{"resource": {"resourceType": "Patient"}}]}',
            400,
            "Bundle.entry[0].resource",
        ),
        (b" " * (MAX_BYTES + 1), 413, "/"),
        (orjson.dumps({"readings": [{}] * 5001}), 413, "readings"),
    ],
)
def test_a_malformed_message_is_refused_whole(message: bytes, status: int, where: str) -> None:
    refused = whole(message)
    assert (refused.status, refused.issues[0].expression) == (status, where)


def observation(**fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "valueQuantity": {"value": 81.5, "system": "http://unitsofmeasure.org", "code": "kg"},
        "effectiveDateTime": AT,
        **fields,
    }


def test_an_observation_with_an_absolute_subject_of_its_patient() -> None:
    subject = {"reference": "https://enlace.example/fhir/Patient/pat-1"}
    [reading] = run(observation(subject=subject, device={"reference": "Device/dev-1"})).readings
    assert (reading.code, reading.value) == ("29463-7", 81.5)


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"subject": {"reference": "Patient/pat-2"}}, "Observation.subject"),
        ({"subject": {"reference": "Group/pat-1"}}, "Observation.subject"),
        ({"subject": {"identifier": {"value": "x"}}}, "Observation.subject"),
        ({"device": {"reference": "Device/dev-2"}}, "Observation.device"),
    ],
)
def test_an_observation_for_someone_else_is_403(fields: dict[str, Any], where: str) -> None:
    refused = whole(orjson.dumps(observation(**fields)))
    assert (refused.status, refused.issues[0].expression) == (403, where)


@pytest.mark.parametrize(
    ("fields", "reason", "location"),
    [
        ({"status": "entered-in-error"}, "malformed", "Observation.status"),
        (
            {"code": {"coding": [{"system": "http://snomed.info/sct", "code": "27113001"}]}},
            "code",
            "Observation.code",
        ),
        ({"code": {"text": "weight"}}, "code", "Observation.code"),
        (
            {"valueQuantity": {"value": 81.5, "code": "kg"}},
            "unit",
            "Observation.valueQuantity.system",
        ),
        (
            {"valueQuantity": {"value": 81.5, "system": "http://unitsofmeasure.org"}},
            "unit",
            "Observation.valueQuantity.code",
        ),
        (
            {
                "valueQuantity": {
                    "value": 900,
                    "system": "http://unitsofmeasure.org",
                    "code": "[lb_av]",
                }
            },
            "implausible",
            "Observation.valueQuantity.value",
        ),
        ({"valueString": "81"}, "malformed", "Observation.valueQuantity"),
        (
            {"effectiveDateTime": None, "effectivePeriod": {"start": AT}},
            "time",
            "Observation.effective",
        ),
        ({"effectiveDateTime": "2026-03-01T11:00:00"}, "time", "Observation.effectiveDateTime"),
    ],
)
def test_a_wrong_observation_is_refused_with_its_reason(
    fields: dict[str, Any], reason: str, location: str
) -> None:
    resource = observation(**fields)
    if resource.get("effectiveDateTime") is None:
        del resource["effectiveDateTime"]
    if "valueString" in resource:
        del resource["valueQuantity"]
    result = run(resource)
    assert [(r.reason, r.location) for r in result.refusals] == [(reason, location)]


def test_a_blood_pressure_panel_from_components() -> None:
    def component(code: str, value: float, unit: str = "mm[Hg]") -> dict[str, Any]:
        return {
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {"value": value, "system": "http://unitsofmeasure.org", "code": unit},
        }

    panel = observation(
        code={
            "coding": [
                {"system": "urn:iso:std:iso:11073:10101", "code": "150020"},
                {"system": "http://loinc.org", "code": "85354-9"},
            ]
        },
        component=[component("8480-6", 128), component("8462-4", 82)],
    )
    del panel["valueQuantity"]
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"resource": panel},
            {
                "resource": {
                    **panel,
                    "component": [component("8480-6", 128), component("8462-4", 82, "kPa")],
                }
            },
        ],
    }
    result = run(bundle)
    [reading] = result.readings
    assert (reading.code, reading.value, reading.value2, reading.device_code) == (
        "85354-9",
        128,
        82,
        "150020",
    )
    assert [(r.index, r.reason, r.location) for r in result.refusals] == [
        (1, "unit", "Bundle.entry[1].resource.component")
    ]
