"""PostgreSQL restarts under load: clients get 503 with Retry-After and an OperationOutcome
(never a 500, never a hang), the API recovers by itself (no restart), and every acknowledged
write is present afterwards."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg

from tests.faults.counts import report
from tests.faults.live import FHIR_JSON, Server
from tests.faults.pg_cluster import own_cluster

SYSTEM = "urn:enlace:fault-test"


class Load:
    """Threads creating Patients (each with its own identifier) and reading them back."""

    def __init__(self, fhir: str, threads: int = 3) -> None:
        self.fhir = fhir
        self.stop = threading.Event()
        self.statuses: Counter[int] = Counter()
        self.acked: list[str] = []
        self.bad: list[str] = []  # a 503 without Retry-After or outcome, or any 5xx other than 503
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(threads)]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _run(self, worker: int) -> None:
        n = 0
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                n += 1
                key = f"{worker}-{n}"
                body = {"resourceType": "Patient", "identifier": [{"system": SYSTEM, "value": key}]}
                try:
                    answer = client.post(f"{self.fhir}/Patient", json=body, headers=FHIR_JSON)
                except httpx.HTTPError as exc:  # the API itself must stay up
                    self._note(0, key, f"transport error {exc!r}")
                    continue
                self._note(answer.status_code, key, self._problem(answer))
                if answer.status_code == 201:
                    read = client.get(f"{self.fhir}/Patient/{answer.json()['id']}")
                    self._note(read.status_code, key, self._problem(read))

    def _problem(self, answer: httpx.Response) -> str | None:
        if answer.status_code < 500:
            return None
        if answer.status_code != 503:
            return f"{answer.status_code}: {answer.text[:300]}"
        outcome = answer.json()
        if "Retry-After" not in answer.headers or outcome.get("resourceType") != "OperationOutcome":
            return f"503 without Retry-After or OperationOutcome: {answer.headers}"
        return None

    def _note(self, status: int, key: str, problem: str | None) -> None:
        with self.lock:
            self.statuses[status] += 1
            if problem:
                self.bad.append(problem)
            elif status == 201:
                self.acked.append(key)


def test_postgres_restart_under_load(tmp_path: Path) -> None:
    with own_cluster() as cluster:
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE enlace")
        server = Server(cluster.url("enlace"), tmp_path)
        server.start()
        try:
            with Load(server.fhir) as load:
                _wait(lambda: load.statuses[201] >= 20)
                before = dict(load.statuses)
                cluster.stop("fast")  # every connection dropped, the server down a while
                time.sleep(2)
                cluster.start()
                during = load.statuses[503]
                recovered = _wait(lambda: load.statuses[201] >= before.get(201, 0) + 40, 60)
            with httpx.Client(timeout=30) as client:
                total = client.get(
                    f"{server.fhir}/Patient",
                    params={"identifier": f"{SYSTEM}|", "_summary": "count"},
                ).json()["total"]
                present = client.get(f"{server.fhir}/Patient", params={"_summary": "count"}).json()
        finally:
            server.stop()
    assert not load.bad, load.bad[:5]
    assert load.statuses[503] > 0, "the restart was not seen by any client"
    assert recovered, "the API did not recover after PostgreSQL came back"
    # every acknowledged create is there; a 503 may hide a commit whose answer was lost
    assert present["total"] >= len(load.acked)
    report(
        "PostgreSQL restart under load",
        statuses=dict(sorted(load.statuses.items())),
        answers_503=load.statuses[503],
        seen_503_when_back=during,
        creates_acked=len(load.acked),
        patients_stored=present["total"],
        by_identifier_search=total,
        api_restarts=0,
    )


def _wait(condition: Callable[[], bool], timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
