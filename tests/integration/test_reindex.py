"""Reindex jobs, the startup fingerprint check, custom SearchParameters and $reindex."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from enlace.bootstrap import build
from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest, FhirResponse, outcome_response
from enlace.interactions.router import dispatch
from enlace.kernel.errors import FhirError
from enlace.search import custom_params, reindex, reindex_runner
from enlace.search.runtime import load_custom, refresh_if_stale
from enlace.security.access import Access
from enlace.store.schema import (
    reindex_jobs,
    resource_history,
    resources,
    search_index_state,
    token_index,
)
from tests.support.search_parameters import GENDER_X

BASE = "http://test/fhir"


class ManualExecutor:
    """Records what is submitted; runs it when the test says so (no job races a test)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.calls.append((fn, args))
        return Future()

    def run_all(self) -> int:
        ran = 0
        while self.calls:
            fn, args = self.calls.pop(0)
            fn(*args)
            ran += 1
        return ran

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


@pytest.fixture
def svc(services: Services) -> Services:
    executor = services.background = ManualExecutor()
    load_custom(services.db, services.search)  # PostgreSQL: truncated after build loaded them
    executor.calls.clear()
    return services


def manual(services: Services) -> ManualExecutor:
    executor = services.background
    assert isinstance(executor, ManualExecutor)
    return executor


def call(
    services: Services, method: str, path: str, body: Any = None, **params: str
) -> FhirResponse:
    payload = orjson.dumps(body) if body is not None else b""
    headers = {"content-type": "application/fhir+json"}
    request = FhirRequest(
        method, path, list(params.items()), headers, payload, BASE, access=Access.internal()
    )
    try:
        return dispatch(services, request)
    except FhirError as exc:  # as the HTTP edge renders it
        return outcome_response(exc)


def body(response: FhirResponse) -> dict[str, Any]:
    value = response.body
    if isinstance(value, bytes):
        loaded: dict[str, Any] = orjson.loads(value)
        return loaded
    assert isinstance(value, dict)
    return value


def patients(services: Services, count: int, gender: str = "female") -> list[str]:
    with services.db.begin() as conn:
        return [
            services.repo.create(conn, {"resourceType": "Patient", "gender": gender}).id
            for _ in range(count)
        ]


def rows(services: Services, param: str, resource_id: str | None = None) -> int:
    t = token_index.c
    query = select(func.count()).where(t.resource_type == "Patient", t.param == param)
    if resource_id is not None:
        query = query.where(t.resource_id == resource_id)
    with services.db.read() as conn:
        return int(conn.execute(query).scalar_one())


def later(minutes: int) -> Callable[[], datetime]:
    moment = datetime.now(UTC) + timedelta(minutes=minutes)
    return lambda: moment


def status_of(parameters: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for p in parameters["parameter"]:
        out[p["name"]] = next(v for k, v in p.items() if k.startswith("value"))
    return out


# -- custom SearchParameters ----------------------------------------------------------------------


def test_a_custom_parameter_is_indexed_for_new_writes_and_reindexed_for_old_ones(
    svc: Services,
) -> None:
    existing = patients(svc, 3)
    assert rows(svc, "gender-x") == 0
    created = call(svc, "POST", "SearchParameter", GENDER_X)
    assert created.status == 201
    assert svc.search.current().registry.get("Patient", "gender-x") is not None
    fresh = patients(svc, 1, "male")[0]  # written with the new configuration at once
    assert rows(svc, "gender-x", fresh) == 1
    assert rows(svc, "gender-x") == 1
    assert manual(svc).run_all() >= 1  # the job queued by the change
    assert rows(svc, "gender-x") == 4
    assert all(rows(svc, "gender-x", pid) == 1 for pid in existing)
    with svc.db.read() as conn:
        job = conn.execute(select(reindex_jobs)).mappings().one()
    assert job["status"] == "complete" and orjson.loads(job["types"]) == ["Patient"]
    assert job["done"] == job["total"] == 4
    assert job["fingerprint"] == svc.search.current().fingerprint

    # Retiring it takes it out of the registry; deleting it too, and reindexes again.
    retired = {**GENDER_X, "id": body(created)["id"], "status": "retired"}
    assert call(svc, "PUT", f"SearchParameter/{retired['id']}", retired).status == 200
    assert svc.search.current().registry.get("Patient", "gender-x") is None
    manual(svc).run_all()
    assert rows(svc, "gender-x") == 0


def test_an_invalid_search_parameter_is_refused_and_nothing_is_stored(svc: Services) -> None:
    bad_syntax = {**GENDER_X, "expression": "Patient.gender.where("}
    response = call(svc, "POST", "SearchParameter", bad_syntax)
    assert response.status == 400
    assert body(response)["issue"][0]["expression"] == ["SearchParameter.expression"]
    not_indexable = {**GENDER_X, "expression": "Patient.nothingHere"}
    response = call(svc, "POST", "SearchParameter", not_indexable)
    assert response.status == 400
    assert "cannot be indexed" in body(response)["issue"][0]["diagnostics"]
    unknown_base = {**GENDER_X, "base": ["Spaceship"]}
    response = call(svc, "POST", "SearchParameter", unknown_base)
    assert response.status == 400
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": {"resourceType": "Patient"},
                "request": {"method": "POST", "url": "Patient"},
            },
            {"resource": bad_syntax, "request": {"method": "POST", "url": "SearchParameter"}},
        ],
    }
    response = call(svc, "POST", "", bundle)
    assert response.status == 400
    assert "Bundle.entry[1]" in body(response)["issue"][0]["diagnostics"]
    with svc.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(resources)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(resource_history)).scalar_one() == 0
    assert manual(svc).calls == []
    assert svc.search.current().registry.get("Patient", "gender-x") is None


def test_other_processes_pick_up_custom_parameters(svc: Services) -> None:
    other = build(svc.settings, upgrade=False)
    other.background = ManualExecutor()
    try:
        assert call(svc, "POST", "SearchParameter", GENDER_X).status == 201
        assert other.search.current().registry.get("Patient", "gender-x") is None
        other.search.checked_at = float("inf")  # checked a moment ago: no query yet
        assert refresh_if_stale(other).registry.get("Patient", "gender-x") is None
        assert manual(svc).run_all() == 1  # the writer's job, run to the end
        other.search.checked_at = float("-inf")  # STALE_AFTER_S passed
        assert refresh_if_stale(other).registry.get("Patient", "gender-x") is not None
        manual(other).run_all()  # the other process finds the job done, queues no second one
        with svc.db.read() as conn:
            jobs = conn.execute(select(reindex_jobs.c.status)).scalars().all()
        assert jobs == ["complete"]
        third = build(svc.settings, upgrade=False)  # a process that starts now loads it
        assert third.search.current().registry.get("Patient", "gender-x") is not None
        third.db.dispose()
    finally:
        other.db.dispose()


# -- the job --------------------------------------------------------------------------------------


def test_a_job_resumes_after_a_crash_and_a_lease_is_taken_over(svc: Services) -> None:
    ids = sorted(patients(svc, 7))
    with svc.db.begin() as conn:
        conn.execute(delete(token_index))  # rows lost: only a reindex brings them back
    job_id = reindex.queue(svc.db, ["Patient"], svc.search.current().fingerprint)
    assert reindex.run(svc, job_id, owner="a", batch_size=3, max_batches=1) == "stopped"
    job = reindex.get(svc.db, job_id)
    assert job is not None and job.status == "running" and job.owner == "a"
    assert (job.done, job.total, job.cursor) == (3, 7, ("Patient", ids[2]))
    assert [rows(svc, "gender", pid) for pid in ids] == [1, 1, 1, 0, 0, 0, 0]

    # "a" died: "b" must wait for the lease to end, then resumes after the cursor.
    assert reindex.run(svc, job_id, owner="b", batch_size=3) == "busy"
    assert reindex_runner.pickup(svc) == []  # nobody may take it yet
    done = reindex.run(svc, job_id, owner="b", batch_size=3, clock=later(5))
    assert done == "complete"
    job = reindex.get(svc.db, job_id)
    assert job is not None and (job.status, job.done, job.owner) == ("complete", 7, "b")
    assert [rows(svc, "gender", pid) for pid in ids] == [1] * 7
    assert reindex.run(svc, job_id, owner="a") == "complete"


def test_a_batch_of_an_owner_that_lost_its_lease_rolls_back(svc: Services) -> None:
    patients(svc, 6)
    job_id = reindex.queue(svc.db, [], svc.search.current().fingerprint)

    def taken_over(job: reindex.Job) -> None:
        with svc.db.begin() as conn:
            conn.execute(update(reindex_jobs).values(owner="b"))

    outcome = reindex.run(svc, job_id, owner="a", batch_size=2, progress=taken_over)
    assert outcome == "lost"
    job = reindex.get(svc.db, job_id)
    assert job is not None and job.done == 2 and job.owner == "b" and job.status == "running"


def test_deleted_resources_lose_their_rows_and_failures_are_reported(svc: Services) -> None:
    pid = patients(svc, 1)[0]
    with svc.db.begin() as conn:  # a tombstone whose rows were left behind
        conn.execute(update(resources).values(deleted=True, content=None))
    assert rows(svc, "gender", pid) == 1
    job_id = reindex.queue(svc.db, ["Patient"], svc.search.current().fingerprint)
    assert reindex.run(svc, job_id) == "complete"
    assert rows(svc, "gender", pid) == 0

    with svc.db.begin() as conn:
        conn.execute(update(resources).values(deleted=False, content=b"not json"))
    job_id = reindex.queue(svc.db, ["Patient"], svc.search.current().fingerprint)
    assert reindex.run(svc, job_id) == "failed"
    job = reindex.get(svc.db, job_id)
    assert job is not None and job.status == "failed" and job.error


def test_writes_during_a_job_are_neither_lost_nor_indexed_twice(svc: Services) -> None:
    ids = patients(svc, 60)
    assert call(svc, "POST", "SearchParameter", GENDER_X).status == 201
    manual(svc).calls.clear()
    job_id = reindex.queue(svc.db, [], svc.search.current().fingerprint)
    outcome: list[str] = []

    def slowly(job: reindex.Job) -> None:
        time.sleep(0.02)  # so that the writes below land between and during batches

    worker = threading.Thread(
        target=lambda: outcome.append(reindex.run(svc, job_id, batch_size=5, progress=slowly))
    )
    worker.start()
    overlapped = 0
    rng = random.Random(7)
    live = list(ids)
    for step in range(40):
        if step % 10 == 9:
            gone = live.pop(rng.randrange(len(live)))
            assert call(svc, "DELETE", f"Patient/{gone}").status == 204
        elif step % 4 == 3:
            live.append(body(call(svc, "POST", "Patient", {"resourceType": "Patient"}))["id"])
        else:
            target = rng.choice(live)
            gender = rng.choice(["male", "female", "other"])
            resource = {"resourceType": "Patient", "id": target, "gender": gender}
            assert call(svc, "PUT", f"Patient/{target}", resource).status in (200, 201)
        overlapped += worker.is_alive()
    worker.join(timeout=120)
    assert outcome == ["complete"]
    assert overlapped >= 20
    t = token_index.c
    with svc.db.read() as conn:
        current = {
            row[0]: (row[1], row[2])
            for row in conn.execute(
                select(resources.c.id, resources.c.deleted, resources.c.content).where(
                    resources.c.resource_type == "Patient"
                )
            )
        }
        indexed: dict[str, list[str]] = {}
        for resource_id, code in conn.execute(
            select(t.resource_id, t.code).where(t.param == "gender-x")
        ):
            indexed.setdefault(resource_id, []).append(code)
    for resource_id, (deleted, content) in current.items():
        gender = None if deleted else orjson.loads(content).get("gender")
        assert indexed.get(resource_id, []) == ([gender] if gender else []), resource_id


# -- startup --------------------------------------------------------------------------------------


def test_startup_check_records_an_empty_store_and_reindexes_a_stale_one(svc: Services) -> None:
    config = svc.search.current()
    with svc.db.begin() as conn:
        conn.execute(delete(search_index_state))
    assert reindex.startup_check(svc) is None  # empty: nothing to rebuild
    with svc.db.read() as conn:
        assert reindex.state(conn)[reindex.FINGERPRINT_KEY] == config.fingerprint

    patients(svc, 2)
    with svc.db.begin() as conn:
        conn.execute(delete(search_index_state))  # indexes of unknown origin
    job_id = reindex.startup_check(svc)
    assert job_id is not None
    assert reindex.startup_check(svc) == job_id  # a second worker reuses it
    job = reindex.get(svc.db, job_id)
    assert job is not None and job.types == []
    assert reindex.run(svc, job_id) == "complete"
    with svc.db.read() as conn:
        assert reindex.state(conn)[reindex.FINGERPRINT_KEY] == config.fingerprint
    assert reindex.startup_check(svc) is None

    # A custom parameter added while this process was down: only its base type is stale.
    with svc.db.begin() as conn:
        svc.repo.create(conn, dict(GENDER_X))
    other = build(svc.settings, upgrade=False)
    other.background = ManualExecutor()
    try:
        stale = reindex.startup_check(other)
        assert stale is not None
        job = reindex.get(other.db, stale)
        assert job is not None and job.types == ["Patient"]
        assert reindex_runner.pickup(other) == [stale]
        manual(other).run_all()
        assert rows(other, "gender-x") == 2
        with other.db.read() as conn:
            state = reindex.state(conn)
        assert state[reindex.FINGERPRINT_KEY] == other.search.current().fingerprint
        types = orjson.loads(state[reindex.TYPES_KEY])
        assert types == custom_params.type_fingerprints(other.search.current().registry)
    finally:
        other.db.dispose()


def test_build_starts_no_job_unless_asked(svc: Services, tmp_path: Path) -> None:
    patients(svc, 1)
    with svc.db.begin() as conn:
        conn.execute(delete(search_index_state))
    quiet = build(svc.settings, upgrade=False)
    try:
        assert reindex.claimable(quiet.db) == []
    finally:
        quiet.db.dispose()


# -- $reindex and the CLI -------------------------------------------------------------------------


def test_reindex_operation_and_status(svc: Services) -> None:
    patients(svc, 3)
    accepted = call(svc, "POST", "$reindex", _type="Patient,Observation")
    assert accepted.status == 202
    location = accepted.headers["Content-Location"]
    assert location.startswith(f"{BASE}/$reindex-status/")
    path = location.removeprefix(f"{BASE}/")
    queued = status_of(body(call(svc, "GET", path)))
    assert queued["status"] == "queued" and queued["types"] == "Observation,Patient"
    assert queued["started"].endswith("Z")
    manual(svc).run_all()
    complete = status_of(body(call(svc, "GET", path)))
    assert (complete["status"], complete["done"], complete["total"]) == ("complete", 3, 3)

    parameters = {
        "resourceType": "Parameters",
        "parameter": [{"name": "_type", "valueString": "Patient"}],
    }
    assert call(svc, "POST", "$reindex", parameters).status == 202
    everything = call(svc, "POST", "$reindex")
    all_path = everything.headers["Content-Location"].removeprefix(f"{BASE}/")
    assert status_of(body(call(svc, "GET", all_path)))["types"] == "*"

    assert call(svc, "GET", "$reindex-status/nope").status == 404
    assert call(svc, "POST", "$reindex", _type="Spaceship").status == 400
    assert call(svc, "POST", "$reindex", _since="2020").status == 400
    assert call(svc, "GET", "$reindex").status == 405


def test_cli_reindex(svc: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENLACE_DATABASE_URL", svc.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    patients(svc, 4)
    runner = CliRunner()
    waited = runner.invoke(app, ["reindex", "--type", "Patient", "--wait"])
    assert waited.exit_code == 0, waited.output
    assert "running 4/4" in waited.output and waited.output.strip().endswith("complete")
    queued = runner.invoke(app, ["reindex"])
    assert queued.exit_code == 0 and "queued" in queued.output
    assert len(reindex.claimable(svc.db)) == 1
    bad = runner.invoke(app, ["reindex", "--type", "Spaceship"])
    assert bad.exit_code == 2
