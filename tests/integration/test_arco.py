"""ARCO requests: filing, deadlines, answers, access export and rectification, on both stores,
through the security functions and through the FHIR operations with an Access."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import orjson
import pytest

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.kernel.errors import FhirError
from enlace.security import arco, arco_export
from enlace.security.access import Access
from enlace.security.arco_deadlines import MEXICO_CITY
from tests.support.arco_world import (
    admin,
    body_of,
    build_world,
    call,
    keys,
    observation,
    parameters,
    patient,
    physician,
)


@pytest.fixture
def world(services: Services) -> Services:
    return build_world(services)


def at(year: int, month: int, day: int, hour: int = 10) -> int:
    return epoch_us(datetime(year, month, day, hour, tzinfo=MEXICO_CITY))


def file(world: Services, kind: str, details: Any = None, **kw: Any) -> arco.ArcoRequest:
    with world.db.begin() as conn:
        return arco.file_request(
            conn,
            patient_id=kw.pop("patient_id", "p1"),
            kind=kind,
            details=details,
            now_us=kw.pop("now_us", at(2026, 3, 2)),
            settings=kw.pop("settings", world.settings),
        )


def answer(world: Services, request_id: str, accepted: bool = True, **kw: Any) -> arco.ArcoRequest:
    with world.db.begin() as conn:
        return arco.answer(
            conn,
            request_id,
            accepted=accepted,
            reason=kw.pop("reason", "Procede"),
            now_us=kw.pop("now_us", at(2026, 3, 3)),
            settings=world.settings,
        )


def execute(world: Services, request_id: str, **kw: Any) -> arco.ArcoRequest:
    with world.db.begin() as conn:
        return arco.execute(
            conn,
            request_id,
            now_us=kw.pop("now_us", at(2026, 3, 4)),
            settings=world.settings,
            repo=world.repo,
            **kw,
        )


def test_deadlines_are_tracked_and_overdue_requests_listed(world: Services) -> None:
    filed = file(world, "access")
    assert filed.status == arco.FILED
    assert filed.answer_due_us == at(2026, 4, 1, 0) - 1  # 20 business days: end of 31 March
    short = dataclasses.replace(world.settings, arco_answer_days=2, arco_execute_days=1)
    quick = file(world, "access", settings=short, now_us=at(2026, 3, 13))  # a Friday
    assert quick.answer_due_us == at(2026, 3, 19, 0) - 1  # Tue 17, Wed 18 (Mon 16 a holiday)
    with world.db.read() as conn:
        assert arco.overdue(conn, at(2026, 3, 18, 23)) == []
        assert [r.id for r in arco.overdue(conn, at(2026, 3, 19))] == [quick.id]
        assert [r.id for r in arco.list_for_patient(conn, "p1")] == [filed.id, quick.id]
        assert arco.list_for_patient(conn, "p2") == []
    late = answer(world, quick.id, now_us=at(2026, 3, 20))  # a Friday, past the term
    assert late.details["answer"]["late"] is True
    assert late.execute_due_us == at(2026, 4, 11, 0) - 1  # 15 business days: Fri 10 April
    with world.db.read() as conn:
        # The first request, never answered, has been overdue since 1 April.
        assert [r.id for r in arco.overdue(conn, at(2026, 4, 10, 23))] == [filed.id]
        assert [r.id for r in arco.overdue(conn, at(2026, 4, 11))] == [filed.id, quick.id]


def test_answering_twice_and_executing_out_of_turn_are_conflicts(world: Services) -> None:
    filed = file(world, "access")
    with pytest.raises(FhirError) as early:
        execute(world, filed.id)
    assert early.value.status == 409 and "not been answered" in early.value.message
    answer(world, filed.id)
    with pytest.raises(FhirError) as twice:
        answer(world, filed.id, accepted=False)
    assert twice.value.status == 409
    refused = file(world, "access")
    with pytest.raises(FhirError) as no_reason:
        answer(world, refused.id, accepted=False, reason=" ")
    assert no_reason.value.status == 400
    answer(world, refused.id, accepted=False, reason="Identidad no acreditada")
    with pytest.raises(FhirError) as rejected:
        execute(world, refused.id)
    assert rejected.value.status == 409 and "rejected" in rejected.value.message
    execute(world, filed.id)
    with pytest.raises(FhirError) as again:
        execute(world, filed.id)
    assert again.value.status == 409 and "already executed" in again.value.message
    with pytest.raises(FhirError) as unknown:
        answer(world, "nope")
    assert unknown.value.status == 404


def test_filing_checks_the_patient_and_the_listed_resources(world: Services) -> None:
    with pytest.raises(FhirError) as nobody:
        file(world, "access", patient_id="nope")
    assert nobody.value.status == 404
    for listed in (["Observation/o2"], ["Observation/missing"], ["Practitioner/dr1"]):
        with pytest.raises(FhirError) as foreign:
            file(world, "cancellation", {"resources": listed})
        assert foreign.value.status == 400 and "is not in the record" in foreign.value.message
    with pytest.raises(FhirError) as actor:
        file(world, "opposition", {"actor": "Organization/unknown"})
    assert actor.value.status == 400
    with world.db.read() as conn:
        assert arco.list_for_patient(conn, "p1") == []  # nothing half-filed


def test_access_exports_the_whole_record_and_nothing_of_another_patient(
    world: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arco_export, "_PAGE", 2)  # several pages even for a small record
    request = file(world, "access")
    answer(world, request.id)
    done = execute(world, request.id, base_url="http://testserver/fhir")
    assert done.status == arco.EXECUTED
    path = arco_export.export_path(world.settings, request.id)
    exported = orjson.loads(path.read_bytes())
    assert exported["type"] == "collection"
    assert world.validate(exported, "Bundle") == []
    note, *entries = [e["resource"] for e in exported["entry"]]
    assert note["resourceType"] == "Basic" and "Observation" in note["text"]["div"]
    got = {f"{r['resourceType']}/{r['id']}" for r in entries}
    everything = call(world, Access.internal(), "GET", "Patient/p1/$everything?_count=1000")
    assert got == keys(everything)  # the compartment and what it references, exactly
    assert {"Patient/p1", "Observation/o1", "Claim/c1", "Medication/met"} <= got
    assert not got & {"Patient/p2", "Observation/o2", "Claim/c2", "Medication/ins"}
    assert "Practitioner/dr2" not in got and b"Patient/p2" not in path.read_bytes()
    assert len(got) == len(entries)  # each resource once, across pages
    assert done.details["result"]["resources"] == len(keys(everything, "match"))


def test_rectification_records_the_versions_a_clinician_wrote(world: Services) -> None:
    asked = {"what": "La glucosa de o1 es de otra fecha", "correction": "2026-02-01"}
    request = file(world, "rectification", {**asked, "resources": ["Observation/o1"]})
    answer(world, request.id)
    corrected = {**observation("o1", "p1"), "effectiveDateTime": "2026-02-01"}
    assert call(world, physician(), "PUT", "Observation/o1", corrected).status == 200
    with pytest.raises(FhirError) as missing:
        execute(world, request.id)
    assert missing.value.status == 400
    for wrong in ("Observation/o2/_history/1", "Observation/o1/_history/9", "Observation/o1"):
        with pytest.raises(FhirError) as refused:
            execute(world, request.id, versions=[wrong])
        assert refused.value.status == 400, wrong
    with world.db.read() as conn:
        assert arco.get(conn, request.id).status == arco.ANSWERED  # the failures rolled back
    done = execute(world, request.id, versions=["Observation/o1/_history/2"])
    assert done.details["result"]["versions"] == ["Observation/o1/_history/2"]
    assert done.asked == {**asked, "resources": ["Observation/o1"]}


def test_the_fhir_operations_file_list_answer_execute_and_download(world: Services) -> None:
    me = patient()
    filed = call(world, me, "POST", "Patient/p1/$arco-request", parameters(kind="access"))
    assert filed.status == 201, filed.body
    task = body_of(filed)
    assert task["status"] == "requested" and task["for"] == {"reference": "Patient/p1"}
    assert world.validate(task, "Task") == []
    listed = call(world, me, "GET", "Patient/p1/$arco-requests")
    assert keys(listed) == {f"Task/{task['id']}"}
    doctor = physician()
    answering = parameters(request=task["id"], accepted=True, reason="Procede")
    assert call(world, doctor, "POST", "$arco-answer", answering).status == 403
    answered = call(world, admin(), "POST", "$arco-answer", answering)
    assert answered.status == 200 and body_of(answered)["status"] == "accepted"
    assert call(world, admin(), "POST", "$arco-answer", answering).status == 409
    executing = parameters(request=task["id"])
    assert call(world, doctor, "POST", "$arco-execute", executing).status == 403
    executed = call(world, admin(), "POST", "$arco-execute", executing)
    assert executed.status == 200 and body_of(executed)["status"] == "completed"
    assert world.validate(body_of(executed), "Task") == []
    url = f"$arco-export/{task['id']}"
    download = call(world, me, "GET", url)
    assert download.status == 200 and download.headers["X-File-Path"].endswith(".json")
    for other in (patient("p2"), admin(), doctor, None):
        assert call(world, other, "GET", url).status == 404
    assert call(world, me, "GET", "$arco-export/unknown").status == 404


def test_the_fhir_operations_refuse_bad_requests(world: Services) -> None:
    me = patient()
    wrong_kind = parameters(kind="deletion")
    assert call(world, me, "POST", "Patient/p1/$arco-request", wrong_kind).status == 400
    incomplete = parameters(kind="rectification", details={"what": "mi nombre"})
    refused = call(world, me, "POST", "Patient/p1/$arco-request", incomplete)
    assert refused.status == 400 and "correction" in str(refused.body)
    access = parameters(kind="access")
    assert call(world, me, "POST", "Patient/p2/$arco-request", access).status == 404
    assert call(world, me, "GET", "Patient/p2/$arco-requests").status == 404
    assert call(world, physician(), "POST", "Patient/p1/$arco-request", access).status == 403
    assert call(world, admin(), "POST", "Patient/nope/$arco-request", access).status == 404
    assert call(world, me, "GET", "Patient/p1/$arco-request").status == 405
    carer = patient("p1", role="caregiver")
    assert call(world, carer, "POST", "Patient/p1/$arco-request", access).status == 201
    listed = call(world, admin(), "GET", "Patient/p1/$arco-requests")
    filed = next(iter(keys(listed))).split("/")[1]
    early = call(world, admin(), "POST", "$arco-execute", parameters(request=filed))
    assert early.status == 409
    no_flag = call(world, admin(), "POST", "$arco-answer", parameters(request=filed))
    assert no_flag.status == 400
