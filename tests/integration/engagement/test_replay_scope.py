"""Replay by client id on both stores, for check-offs and readings: the same item again is a
duplicate with the first answer; the same client id with other content is 409 at `clientId`; a
client id is the patient's (the logs are keyed by (patient, client_id), migration 0040), so two
patients sending one client id are two independent entries and a retry is only ever answered
with the sending patient's own entry."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from enlace.interactions.context import Services
from enlace.modules import engagement
from enlace.modules.engagement.tables import engagement_dose_log, engagement_readings
from tests.integration.engagement.support import OTHER, OTHERS_RX, PATIENT, dose, reading, world

A_APP = engagement.Actor("user-pa1", (PATIENT,), "app")
B_APP = engagement.Actor("user-pb1", (OTHER,), "app")
KINDS = ["reading", "dose"]


@pytest.fixture
def ready(services: Services) -> Services:
    world(services)
    return services


def upload(services: Services, actor: engagement.Actor, item: dict[str, Any]) -> Any:
    return engagement.sync(services.db, services.repo, actor, {"items": [item]})["items"][0]


def a_item(kind: str, cid: str, changed: bool = False) -> dict[str, Any]:
    if kind == "reading":
        return reading(cid, value=131 if changed else 120)
    return dose(cid, slot="20:00" if changed else "08:00")


def b_item(kind: str, cid: str) -> dict[str, Any]:
    if kind == "reading":
        return reading(cid, value=187, pid=OTHER)
    return dose(cid, OTHERS_RX, pid=OTHER)


def entries(services: Services, kind: str, cid: str) -> list[str]:
    log = engagement_readings if kind == "reading" else engagement_dose_log
    query = select(log.c.patient).where(log.c.client_id == cid).order_by(log.c.patient)
    with services.db.read() as conn:
        return list(conn.execute(query).scalars())


def _without_status(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in ("status", "firstStatus")}


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_item_again_is_a_duplicate_with_the_first_answer(
    ready: Services, kind: str
) -> None:
    first = upload(ready, A_APP, a_item(kind, "same-0001"))
    again = upload(ready, A_APP, a_item(kind, "same-0001"))
    assert first["status"] == "created" and again["status"] == "duplicate"
    assert _without_status(again) == _without_status(first)
    assert entries(ready, kind, "same-0001") == [PATIENT]


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_client_id_with_other_content_is_409(ready: Services, kind: str) -> None:
    assert upload(ready, A_APP, a_item(kind, "diff-0001"))["status"] == "created"
    answer = upload(ready, A_APP, a_item(kind, "diff-0001", changed=True))
    assert answer["status"] == "refused" and answer["httpStatus"] == 409
    assert answer["outcome"]["issue"][0]["expression"] == ["items[0].clientId"]
    assert entries(ready, kind, "diff-0001") == [PATIENT]  # nothing written for the refusal


@pytest.mark.parametrize("kind", KINDS)
def test_two_patients_one_client_id_are_two_entries_never_crossed(
    ready: Services, kind: str
) -> None:
    b_first = upload(ready, B_APP, b_item(kind, "shared-01"))
    a_first = upload(ready, A_APP, a_item(kind, "shared-01"))
    assert b_first["status"] == a_first["status"] == "created"
    shown = orjson.dumps(a_first).decode()
    assert OTHER not in shown and "187" not in shown and "Insulina" not in shown
    assert "user-pb1" not in shown  # B's check-off was reported by B's user
    assert entries(ready, kind, "shared-01") == sorted([PATIENT, OTHER])
    # Each retry is answered with the sender's own entry, whoever wrote the id first.
    a_again = upload(ready, A_APP, a_item(kind, "shared-01"))
    b_again = upload(ready, B_APP, b_item(kind, "shared-01"))
    assert a_again["status"] == b_again["status"] == "duplicate"
    assert _without_status(a_again) == _without_status(a_first)
    assert _without_status(b_again) == _without_status(b_first)
    assert "187" not in orjson.dumps(a_again).decode()
    assert "user-pb1" not in orjson.dumps(a_again).decode()
    # Other content under the shared id is the sender's own conflict, not the other's.
    refused = upload(ready, A_APP, a_item(kind, "shared-01", changed=True))
    assert refused["httpStatus"] == 409 and OTHER not in orjson.dumps(refused).decode()
    with ready.db.read() as conn:
        log = engagement_readings if kind == "reading" else engagement_dose_log
        assert conn.execute(select(func.count()).select_from(log)).scalar_one() == 2
