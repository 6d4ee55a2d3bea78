"""The device registry on both stores: add, bind, unbind, revoke, rotate, authenticate; the
FHIR Device kept in step; the `enlace devices` commands."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import Connection, select
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules.monitoring import ingest, registry
from enlace.modules.monitoring.tables import devices
from tests.integration.monitoring.device_support import bp, compact, new_device, new_patient


def device_resource(services: Services, device: str) -> dict[str, object]:
    with services.db.read() as conn:
        return services.repo.read(conn, "Device", device).resource()


def refused(services: Services, work: object) -> errors.FhirError:
    with pytest.raises(errors.FhirError) as caught, services.db.begin() as conn:
        work(conn)  # type: ignore[operator]
    return caught.value


def auth_error(conn: Connection, device: str, key: str | None) -> errors.FhirError:
    with pytest.raises(errors.FhirError) as caught:
        registry.authenticate(conn, device, key)
    return caught.value


def test_add_writes_the_device_and_a_hashed_key(services: Services) -> None:
    patient = new_patient(services)
    with services.db.begin() as conn:
        device, key = registry.add_device(
            conn, services.repo, kind="glucometer", patient=patient, serial="GM-1", firmware="3.1"
        )
    assert len(key) >= 43  # 32 random bytes, URL-safe base64
    with services.db.read() as conn:
        row = conn.execute(select(devices).where(devices.c.id == device)).one()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest() and key not in row.key_hash
    assert (row.patient, row.status, row.kind, row.serial) == (
        patient,
        "active",
        "glucometer",
        "GM-1",
    )
    resource = device_resource(services, device)
    assert resource["status"] == "active"
    assert resource["patient"] == {"reference": f"Patient/{patient}"}
    assert resource["serialNumber"] == "GM-1" and resource["version"] == [{"value": "3.1"}]
    codes = {(c["system"], c["code"]) for c in resource["type"]["coding"]}  # type: ignore[index]
    assert codes == {
        (registry.DEVICE_KIND_SYSTEM, "glucometer"),
        ("http://snomed.info/sct", "337414009"),
    }


def test_the_patient_must_exist_and_the_kind_be_known(services: Services) -> None:
    missing = refused(
        services, lambda c: registry.add_device(c, services.repo, kind="cgm", patient="nobody")
    )
    assert (missing.status, missing.issues[0].expression) == (404, "patient")
    unknown = refused(services, lambda c: registry.add_device(c, services.repo, kind="toaster"))
    assert (unknown.status, unknown.issues[0].expression) == (400, "kind")
    with services.db.read() as conn:
        assert registry.list_devices(conn) == []  # nothing written


def test_bind_unbind_and_bind_again(services: Services) -> None:
    first, second = new_patient(services), new_patient(services, "Soto")
    device, key = new_device(services, None, kind="scale")
    with services.db.begin() as conn:
        assert registry.get(conn, device).status == "inactive"  # type: ignore[union-attr]
        registry.bind(conn, services.repo, device, first)
    ingest.ingest(services.db, services.repo, device, compact(bp(120, 80)), key=key)
    taken = refused(services, lambda c: registry.bind(c, services.repo, device, second))
    assert taken.status == 409
    with services.db.begin() as conn:
        returned = registry.unbind(conn, services.repo, device)
    assert (returned.status, returned.patient) == ("inactive", None)
    resource = device_resource(services, device)
    assert resource["status"] == "inactive" and "patient" not in resource
    with services.db.begin() as conn:
        rebound = registry.bind(conn, services.repo, device, second)
    assert (rebound.status, rebound.patient) == ("active", second)
    with services.db.read() as conn:
        history = conn.exec_driver_sql("SELECT patient FROM monitoring_readings").scalars().all()
    assert history == [first]  # the first patient's reading stays theirs
    nobody = refused(services, lambda c: registry.bind(c, services.repo, "ghost", first))
    assert (nobody.status, nobody.issues[0].expression) == (404, "device")


def test_revoke_stops_the_key_for_good(services: Services) -> None:
    patient = new_patient(services)
    device, key = new_device(services, patient)
    with services.db.begin() as conn:
        registry.revoke(conn, services.repo, device)
    with services.db.read() as conn:
        wrong, right = auth_error(conn, device, "guess"), auth_error(conn, device, key)
    assert (wrong.status, right.status) == (401, 403)
    for work in (
        lambda c: registry.bind(c, services.repo, device, patient),
        lambda c: registry.rotate_key(c, services.repo, device),
    ):
        assert refused(services, work).status == 409


def test_rotate_key_replaces_the_old_key(services: Services) -> None:
    patient = new_patient(services)
    device, old = new_device(services, patient)
    with services.db.begin() as conn:
        new = registry.rotate_key(conn, services.repo, device)
    with services.db.read() as conn:
        assert registry.authenticate(conn, device, new).id == device
        assert auth_error(conn, device, old).status == 401


def test_unknown_device_and_wrong_key_say_the_same(services: Services) -> None:
    patient = new_patient(services)
    device, _ = new_device(services, patient)
    with services.db.read() as conn:
        answers = [
            auth_error(conn, who, key)
            for who, key in (
                (device, "wrong"),
                ("ghost", "wrong"),
                (device, None),
                ("x" * 200, "k"),
            )
        ]
    assert {(a.status, a.message) for a in answers} == {(401, registry.UNAUTHENTICATED)}


def test_the_devices_commands(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    patient = new_patient(services)
    runner = CliRunner()
    added = runner.invoke(app, ["devices", "add", "--patient", patient, "--kind", "cgm"])
    assert added.exit_code == 0, added.output
    lines = dict(line.split(None, 1) for line in added.output.splitlines()[:2])
    device, key = lines["device"], lines["key"]
    with services.db.read() as conn:
        assert registry.authenticate(conn, device, key).patient == patient
    listed = runner.invoke(app, ["devices", "list", "--patient", patient])
    assert f"{device}\tcgm\tactive\t{patient}" in listed.output and "1 devices" in listed.output
    rotated = runner.invoke(app, ["devices", "rotate-key", device])
    assert rotated.exit_code == 0 and key not in rotated.output
    for args in (["unbind", device], ["bind", device, "--patient", patient], ["revoke", device]):
        result = runner.invoke(app, ["devices", *args])
        assert result.exit_code == 0, result.output
    with services.db.read() as conn:
        assert registry.require(conn, device).status == "revoked"
    missing = runner.invoke(app, ["devices", "add", "--patient", "nobody"])
    assert missing.exit_code == 1 and "Patient/nobody is not known" in missing.output
