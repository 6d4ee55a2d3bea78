"""ingest.ingest on both stores: good batches, every bad input of issue 9, de-duplication, units,
time checks, the refused message kept for audit, partitions across a month boundary."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules.monitoring import alerting, ingest, partitions, registry
from enlace.modules.monitoring.domain import Reading
from enlace.modules.monitoring.tables import readings, rejects
from tests.integration.monitoring.device_support import (
    bp,
    compact,
    new_device,
    new_patient,
    observation,
    reading,
)


@pytest.fixture
def bound(services: Services) -> tuple[str, str, str]:
    patient = new_patient(services)
    device, key = new_device(services, patient)
    return patient, device, key


def send(services: Services, device: str, key: str | None, body: bytes, **kw: Any) -> Any:
    return ingest.ingest(services.db, services.repo, device, body, key=key, **kw)


def stored(services: Services) -> list[Any]:
    with services.db.read() as conn:
        return list(conn.execute(select(readings).order_by(readings.c.effective_us)))


def kept(services: Services) -> list[Any]:
    with services.db.read() as conn:
        return list(conn.execute(select(rejects).order_by(rejects.c.received_us)))


def test_a_batch_is_stored_in_canonical_units(
    services: Services, bound: tuple[str, str, str]
) -> None:
    patient, device, key = bound
    body = compact(
        bp(150, 95, "08:00", deviceCode="150020"),
        reading("29463-7", 176.4, "[lb_av]", "08:01"),
        reading("8310-5", 98.6, "[degF]", "08:02"),
        reading("14743-9", 5.5, "mmol/L", "08:03"),
        reading("8867-4", 72, "{beats}/min", "08:04"),
        battery=81,
        firmware="2.4.1",
    )
    result = send(services, device, key, body)
    assert (result.accepted, result.duplicates, result.rejected) == (5, 0, ())
    assert result.patient == patient and result.device == device
    rows = stored(services)
    assert [r.code for r in rows] == ["85354-9", "29463-7", "8310-5", "41653-7", "8867-4"]
    assert (rows[0].value, rows[0].value2, rows[0].device_code) == (150, 95, "150020")
    assert rows[1].value == pytest.approx(80.0132, abs=1e-3)  # 176.4 lb
    assert rows[2].value == pytest.approx(37.0)
    assert rows[3].value == pytest.approx(99.088)  # 5.5 x 18.016
    assert {r.patient for r in rows} == {patient}
    with services.db.read() as conn:
        row = registry.require(conn, device)
        resource = services.repo.read(conn, "Device", device).resource()
    assert (row.battery, row.firmware, row.last_seen_us is not None) == (81, "2.4.1", True)
    assert resource["version"] == [{"value": "2.4.1"}]


def test_a_duplicate_flood_is_stored_once_and_counted(
    services: Services, bound: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, device, key = bound
    seen: list[Reading] = []

    def spy(conn: Any, repo: Any, new: Any) -> list[str]:
        seen.extend(new)
        return []

    monkeypatch.setattr(alerting, "on_readings", spy)
    body = compact(bp(130, 85, "09:00"), bp(131, 84, "09:05"), bp(131, 84, "09:05"))
    results = [send(services, device, key, body) for _ in range(5)]
    assert [(r.accepted, r.duplicates) for r in results] == [(2, 1)] + [(0, 3)] * 4
    assert len(stored(services)) == 2
    assert len(seen) == 2  # duplicates never reach the rules


def test_late_and_out_of_order_readings_are_accepted(
    services: Services, bound: tuple[str, str, str]
) -> None:
    _, device, key = bound
    send(services, device, key, compact(bp(120, 80, "12:00")))
    late = compact(bp(121, 81, "06:00"), reading("29463-7", 70, "kg", "01:00"))
    assert send(services, device, key, late).accepted == 2
    old = {**bp(119, 79), "time": "2025-02-01T08:00:00-06:00"}  # 11 months late
    assert send(services, device, key, compact(old)).accepted == 1
    assert len(stored(services)) == 4


def test_an_implausible_reading_is_refused_alone_and_kept(
    services: Services, bound: tuple[str, str, str]
) -> None:
    _, device, key = bound
    body = compact(bp(900, 95, "10:00"), bp(140, 90, "10:05"), bp(120, 130, "10:10"))
    result = send(services, device, key, body)
    assert result.accepted == 1
    assert [(r.index, r.reason, r.location) for r in result.rejected] == [
        (0, "implausible", "readings[0].components.8480-6"),
        (2, "implausible", "readings[2].components.8462-4"),
    ]
    rows = kept(services)
    assert [r.reason for r in rows] == ["implausible", "implausible"]
    assert orjson.loads(rows[0].raw)["components"]["8480-6"] == 900
    assert rows[0].device == device


def test_every_reading_refused_is_422_with_the_refusals_kept(
    services: Services, bound: tuple[str, str, str]
) -> None:
    _, device, key = bound
    body = compact(
        reading("29463-7", 80, "mg/dL"),
        reading("8867-4", 70, "bpm"),
        reading("12345-6", 1, "kg"),
        reading("8310-5", 37, "Cel", "25:00"),
        {"code": "8310-5", "value": 37, "unit": "Cel", "time": "2025-12-31T10:00:00"},
        {"code": "8310-5", "value": 37, "unit": "Cel", "time": "2026-01-01T00:10:00Z"},
        {"code": "8310-5", "value": 37, "unit": "Cel", "time": "2024-01-01T00:10:00Z"},
        {"code": "8310-5", "value": 37, "time": "2025-12-31T10:00:00Z"},
        {"code": "8310-5", "value": "37", "unit": "Cel", "time": "2025-12-31T10:00:00Z"},
    )
    with pytest.raises(errors.FhirError) as refused:
        send(services, device, key, body)
    assert refused.value.status == 422
    reasons = [r.reason for r in kept(services)]
    assert reasons == [
        "unit",
        "unit",
        "code",
        "time",
        "time",
        "clock-skew",
        "too-old",
        "malformed",
        "malformed",
    ]
    where = [i.expression for i in refused.value.issues]
    assert where[:3] == ["readings[0].unit", "readings[1].unit", "readings[2].code"]
    assert "mm[Hg]" not in refused.value.message and "UCUM /min" in refused.value.message
    assert stored(services) == []


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [
        (b"{not json", 400, "/"),
        (b"[1, 2]", 400, "/"),
        (b'{"readings": {}}', 400, "readings"),
        (b'{"readings": [], "colour": 1}', 400, "colour"),
        (b'{"resourceType": "Patient"}', 400, "resourceType"),
        (b'{"resourceType": "Bundle", "type": "transaction"}', 400, "Bundle.type"),
        (compact(*[bp(120, 80)] * 5001), 413, "readings"),
    ],
)
def test_a_malformed_message_is_refused_whole_and_kept(
    services: Services, bound: tuple[str, str, str], body: bytes, status: int, where: str
) -> None:
    _, device, key = bound
    with pytest.raises(errors.FhirError) as refused:
        send(services, device, key, body)
    assert (refused.value.status, refused.value.issues[0].expression) == (status, where)
    assert stored(services) == []
    [row] = kept(services)
    assert (row.device, row.location, row.raw) == (device, where, body.decode())


def test_unsupported_media_type_is_415(services: Services, bound: tuple[str, str, str]) -> None:
    _, device, key = bound
    with pytest.raises(errors.FhirError) as refused:
        send(services, device, key, compact(bp(120, 80)), content_type="text/plain")
    assert refused.value.status == 415


def test_unknown_device_and_wrong_key_are_the_same_401(
    services: Services, bound: tuple[str, str, str]
) -> None:
    _, device, key = bound
    answers = []
    for who, secret in (("no-such-device", key), (device, key[:-1] + "x"), (device, None)):
        with pytest.raises(errors.FhirError) as refused:
            send(services, who, secret, compact(bp(120, 80)))
        answers.append((refused.value.status, refused.value.message))
    assert len(set(answers)) == 1 and answers[0][0] == 401
    assert stored(services) == [] and kept(services) == []  # unauthenticated: nothing kept


def test_revoked_and_unbound_devices_are_403(services: Services) -> None:
    patient = new_patient(services)
    revoked, revoked_key = new_device(services, patient)
    loose, loose_key = new_device(services, None, kind="scale")
    with services.db.begin() as conn:
        registry.revoke(conn, services.repo, revoked)
    for device, key in ((revoked, revoked_key), (loose, loose_key)):
        with pytest.raises(errors.FhirError) as refused:
            send(services, device, key, compact(bp(120, 80)))
        assert refused.value.status == 403
    assert [r.reason for r in kept(services)] == ["forbidden", "forbidden"]
    assert stored(services) == []


def test_a_device_cannot_write_for_another_patient(
    services: Services, bound: tuple[str, str, str]
) -> None:
    patient, device, key = bound
    other = new_patient(services, "López")
    mine = observation("29463-7", 70, "kg", subject={"reference": f"Patient/{patient}"})
    theirs = observation("29463-7", 71, "kg", "2025-12-31T11:00:00-06:00")
    theirs["subject"] = {"reference": f"Patient/{other}"}
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [{"resource": mine}, {"resource": theirs}],
    }
    with pytest.raises(errors.FhirError) as refused:
        send(services, device, key, orjson.dumps(bundle), content_type="application/fhir+json")
    assert refused.value.status == 403
    assert refused.value.issues[0].expression == "Bundle.entry[1].resource.subject"
    assert stored(services) == []
    theirs["subject"] = {"reference": f"Patient/{patient}"}
    theirs["device"] = {"reference": "Device/someone-else"}
    with pytest.raises(errors.FhirError) as refused:
        send(services, device, key, orjson.dumps(theirs), content_type="application/fhir+json")
    assert refused.value.issues[0].expression == "Observation.device"


def test_fhir_observations_and_bundles_are_read(
    services: Services, bound: tuple[str, str, str]
) -> None:
    patient, device, key = bound
    cuff = {
        "resourceType": "Observation",
        "status": "final",
        "code": {
            "coding": [
                {"system": "http://loinc.org", "code": "85354-9"},
                {"system": "urn:iso:std:iso:11073:10101", "code": "150020"},
            ]
        },
        "subject": {"reference": f"Patient/{patient}"},
        "device": {"reference": f"Device/{device}"},
        "effectiveDateTime": "2025-12-31T07:00:00-06:00",
        "component": [
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "valueQuantity": {
                    "value": value,
                    "system": "http://unitsofmeasure.org",
                    "code": "mm[Hg]",
                },
            }
            for code, value in (("8480-6", 182), ("8462-4", 121))
        ],
    }
    glucose = observation("105272-9", 3.2, "mmol/L", effectiveInstant="2025-12-31T13:05:00Z")
    del glucose["effectiveDateTime"]
    bad_unit = observation("59408-5", 97, "%")
    bad_unit["valueQuantity"]["system"] = "http://example.org/units"
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in (cuff, glucose, bad_unit)],
    }
    result = send(services, device, key, orjson.dumps(bundle), content_type="application/fhir+json")
    assert result.accepted == 2
    [refusal] = result.rejected
    assert (refusal.reason, refusal.location) == (
        "unit",
        "Bundle.entry[2].resource.valueQuantity.system",
    )
    rows = stored(services)
    assert [(r.code, r.value, r.value2, r.device_code) for r in rows] == [
        ("85354-9", 182, 121, "150020"),
        ("99504-3", pytest.approx(57.6512), None, None),
    ]
    single = observation("8310-5", 36.6, "Cel", "2025-12-31T09:00:00-06:00")
    again = send(services, device, key, orjson.dumps(single), content_type="application/fhir+json")
    assert again.accepted == 1


def test_trusted_transport_skips_the_key_but_not_the_binding(
    services: Services, bound: tuple[str, str, str]
) -> None:
    _, device, _ = bound
    assert send(services, device, None, compact(bp(120, 80)), trusted=True).accepted == 1
    with services.db.begin() as conn:
        registry.unbind(conn, services.repo, device)
    with pytest.raises(errors.FhirError) as refused:
        send(services, device, None, compact(bp(121, 80, "11:00")), trusted=True)
    assert refused.value.status == 403
    with pytest.raises(errors.FhirError) as refused:
        send(services, "ghost", None, compact(bp(121, 80)), trusted=True)
    assert refused.value.status == 404
    assert [(r.device, r.reason) for r in kept(services)] == [
        (device, "forbidden"),
        (None, "unknown-device"),
    ]


def test_an_empty_batch_is_a_heartbeat(services: Services, bound: tuple[str, str, str]) -> None:
    _, device, key = bound
    result = send(services, device, key, compact(battery=12))
    assert (result.accepted, result.rejected) == (0, ())
    with services.db.read() as conn:
        assert registry.require(conn, device).battery == 12


def test_partitions_are_made_across_a_month_boundary(
    services: Services, bound: tuple[str, str, str]
) -> None:
    _, device, key = bound
    body = compact(
        {**bp(120, 80), "time": "2025-11-30T23:59:59Z"},
        {**bp(121, 80), "time": "2025-12-31T23:59:59.999999Z"},
        {**bp(122, 80), "time": "2026-01-01T00:00:00Z"},
    )
    assert send(services, device, key, body).accepted == 3
    if services.db.dialect != "postgresql":
        return
    with services.db.read() as conn:
        names = partitions.existing(conn)
        counts = {
            name: conn.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar()
            for name in names
            if name.endswith(("202511", "202512", "202601"))
        }
        total = conn.execute(select(func.count()).select_from(readings)).scalar()
    assert counts == {
        "monitoring_readings_202511": 1,
        "monitoring_readings_202512": 1,
        "monitoring_readings_202601": 1,
    }
    assert total == 3
