"""Two clerks answer the same referral at once (both stores): one accept wins, the other answer
(accept or reject) is 409, and the Task carries exactly one answer."""

from __future__ import annotations

import threading

from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import care
from enlace.modules.care.tables import referrals
from tests.integration.care.care_support import now_us, patient, read, referral


def test_accept_and_reject_race(services: Services) -> None:
    rid = referral(services, patient(services))
    t = now_us(services)
    gate = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def answer(kind: str) -> None:
        gate.wait()
        try:
            with services.db.begin() as conn:
                if kind == "accept":
                    care.accept(conn, services.repo, rid, "Dra. A", t)
                else:
                    care.reject(conn, services.repo, rid, "Dr. B", "Sin cupo", t)
            outcomes[kind] = "ok"
        except errors.FhirError as exc:
            outcomes[kind] = str(exc.status)

    threads = [threading.Thread(target=answer, args=(k,)) for k in ("accept", "reject")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes.values()) == ["409", "ok"]
    winner = "accepted" if outcomes["accept"] == "ok" else "rejected"
    with services.db.read() as conn:
        state = conn.execute(select(referrals.c.status).where(referrals.c.id == rid)).scalar_one()
        task_id = conn.execute(
            select(referrals.c.task_id).where(referrals.c.id == rid)
        ).scalar_one()
    assert state == winner
    task = read(services, "Task", task_id)
    assert task["status"] == winner and len(task["note"]) == 1
