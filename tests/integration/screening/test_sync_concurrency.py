"""Two uploads at the same moment, on both stores: two devices editing one patient make one
conflict with every version kept; one batch posted twice at once writes once (docs/sync.md)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules.screening import sync, sync_protocol
from enlace.modules.screening.tables import sync_conflicts
from tests.integration.screening.sync_support import (
    batch,
    count,
    edit,
    local,
    patients,
    person,
    registration,
    sync_rows,
    versions,
)

NURSE = sync.Uploader("u-chw", "Practitioner/chw", lambda _type, _permission: True)


def syncing(services: Services) -> sync.Sync:
    return sync.Sync(services.db, services.repo, services.validate, sync.record_screening_item)


def upload(services: Services, body: bytes) -> dict[str, Any]:
    return sync.upload(syncing(services), sync_protocol.parse_batch(body), NURSE)


def at_once(*calls: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the calls in threads released together; their answers in order."""
    start = threading.Barrier(len(calls))
    answers: list[dict[str, Any]] = [{} for _ in calls]
    failures: list[BaseException] = []

    def run(index: int, call: Callable[[], dict[str, Any]]) -> None:
        start.wait()
        try:
            answers[index] = call()
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    return answers


def test_two_devices_editing_one_patient_at_once_make_one_conflict(services: Services) -> None:
    created = upload(services, batch(registration(person(gender="female"))))
    patient_id = local(created["items"][0]["patient"])
    base = versions(services, patient_id)[0]
    phone = [{"system": "phone", "value": "+52 55 1111 1111"}]
    email = [{"system": "email", "value": "ana@example.mx"}]
    first = batch(edit(patient_id, 1, {**base, "telecom": phone}), device="a")
    second = batch(edit(patient_id, 1, {**base, "telecom": email}), device="b")
    answers = at_once(lambda: upload(services, first), lambda: upload(services, second))
    statuses = sorted(a["items"][0]["status"] for a in answers)
    assert statuses == ["conflict", "created"]
    history = [v.get("telecom") for v in versions(services, patient_id)]
    assert len(history) == 4
    assert phone in history and email in history  # both edits kept
    assert count(services, sync_conflicts, status="open") == 1


def test_one_batch_posted_twice_at_once_writes_once(services: Services) -> None:
    body = batch(*[registration(person(f"F{i}")) for i in range(6)])
    answers = at_once(lambda: upload(services, body), lambda: upload(services, body))
    written = [[(i["status"], i["patient"]) for i in a["items"]] for a in answers]
    assert written[0] == written[1]  # the same server ids in both answers
    assert {status for status, _ in written[0]} == {"created"}
    assert patients(services) == 6
    assert sync_rows(services) == (1, 6, 0)


def test_a_batch_cut_short_is_finished_by_the_retry_and_its_id_is_held_meanwhile(
    services: Services,
) -> None:
    items = [registration(person(f"F{i}")) for i in range(3)]
    parsed = sync_protocol.parse_batch(batch(*items))
    syncing_ = syncing(services)
    assert sync._claim(syncing_, parsed, NURSE) is None  # the server stops after one item
    first = sync._handle(syncing_, parsed, parsed.items[0], NURSE)
    assert sync.stored_answer(services.db, parsed.batch_id) is None  # still being written
    other = sync_protocol.parse_batch(batch(registration(), batch_id=parsed.batch_id))
    with pytest.raises(FhirError) as reused:
        sync.upload(syncing_, other, NURSE)
    assert (reused.value.status, reused.value.issues[0].expression) == (409, "batchId")
    answer = sync.upload(syncing_, parsed, NURSE)
    assert answer["items"][0] == first
    assert [i["status"] for i in answer["items"]] == ["created"] * 3
    assert patients(services) == 3
    assert sync.stored_answer(services.db, parsed.batch_id) == answer
