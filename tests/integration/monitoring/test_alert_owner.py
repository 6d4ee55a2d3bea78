"""Who an alert goes to, on both stores: Patient.generalPractitioner first, else the latest
Encounter's practitioner (the simulation's family doctor), else the managing organization; the
on-call step falls back to another doctor of the clinic, then to the clinic itself. Notices go
out on every channel even when one fails."""

from __future__ import annotations

import threading
from pathlib import Path

from enlace.interactions.context import Services
from enlace.modules.monitoring import care_team, channels
from enlace.modules.monitoring import domain as d
from tests.integration.monitoring.alert_support import (
    DOCTOR,
    ON_CALL,
    ORG,
    alert_rows,
    care_world,
    evidence,
    ingest,
    now_us,
    reading,
)


def test_general_practitioner_wins(services: Services) -> None:
    with services.db.begin() as conn:
        services.repo.update(
            conn,
            {
                "resourceType": "PractitionerRole",
                "practitioner": {"reference": "Practitioner/gp"},
                "organization": {"reference": "Organization/org-x"},
            },
            "prr-gp",
        )
        body = {
            "resourceType": "Patient",
            "generalPractitioner": [{"reference": "Practitioner/gp"}],
        }
        services.repo.update(conn, body, "p-gp")
    ingest(services, [reading("p-gp", d.BP_PANEL, 200, now_us(services), value2=90)])
    [row] = alert_rows(services, "p-gp")
    assert (evidence(row)["owner"], evidence(row)["organization"]) == (
        "Practitioner/gp",
        "Organization/org-x",
    )


def test_managing_organization_when_nothing_else(services: Services) -> None:
    with services.db.begin() as conn:
        body = {"resourceType": "Patient", "managingOrganization": {"reference": ORG}}
        services.repo.update(conn, body, "p-org")
    ingest(services, [reading("p-org", d.BP_PANEL, 200, now_us(services), value2=90)])
    [row] = alert_rows(services, "p-org")
    assert (evidence(row)["owner"], evidence(row)["organization"]) == (ORG, ORG)


def test_on_call_fallbacks(services: Services) -> None:
    care_world(services)
    with services.db.read() as conn:
        assert care_team.on_call(conn, services.repo, ORG, DOCTOR) == ON_CALL
        assert (
            care_team.on_call(conn, services.repo, "Organization/org-none", DOCTOR)
            == "Organization/org-none"
        )
        assert care_team.on_call(conn, services.repo, None, DOCTOR) is None
    with services.db.begin() as conn:  # the on-call role ends: another doctor of the clinic
        role = services.repo.read(conn, "PractitionerRole", "prr-test-on-call").resource()
        services.repo.update(conn, {**role, "active": False}, "prr-test-on-call")
        services.repo.update(
            conn,
            {
                "resourceType": "PractitionerRole",
                "active": True,
                "practitioner": {"reference": "Practitioner/dr-2"},
                "organization": {"reference": ORG},
                "code": [{"coding": [{"code": "doctor"}]}],
            },
            "prr-dr-2",
        )
    with services.db.read() as conn:
        assert care_team.on_call(conn, services.repo, ORG, DOCTOR) == "Practitioner/dr-2"
    assert care_team.hospital_for("Organization/org-unknown") is None


class Broken:
    name = "broken"

    def send(self, notice: channels.Notice) -> None:
        raise ConnectionError("gateway down")


def test_a_failing_channel_does_not_stop_the_others(services: Services, tmp_path: Path) -> None:
    p = care_world(services)
    ids = ingest(services, [reading(p, d.BP_PANEL, 200, now_us(services), value2=90)])
    outbox = tmp_path / "messages.jsonl"
    notifier = channels.Notifier([Broken(), channels.FileChannel(outbox)])
    assert channels.announce(services.db, notifier, ids) == 1
    assert '"event":"opened"' in outbox.read_text() and f'"to":"{DOCTOR}"' in outbox.read_text()
    assert channels.announce(services.db, notifier, []) == 0


def test_new_alerts_are_announced_once(services: Services, tmp_path: Path) -> None:
    p = care_world(services)
    [alert_id] = ingest(services, [reading(p, d.BP_PANEL, 200, now_us(services), value2=90)])
    outbox = tmp_path / "messages.jsonl"
    notifier = channels.Notifier([channels.FileChannel(outbox)])
    later = now_us(services) + 1_000_000
    sent: list[int] = []
    barrier = threading.Barrier(2)

    def runner() -> None:
        barrier.wait()
        sent.append(channels.deliver_opened(services.db, notifier, later))

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == [0, 1]
    assert channels.deliver_opened(services.db, notifier, later + 1) == 0
    [line] = outbox.read_text().splitlines()
    assert f'"alert":"{alert_id}"' in line and '"event":"opened"' in line
    # the stamp survives the episode being extended
    ingest(services, [reading(p, d.BP_PANEL, 210, now_us(services), value2=90)])
    assert channels.deliver_opened(services.db, notifier, later + 2) == 0
