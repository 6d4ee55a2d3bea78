"""kill -9 of the API during transactions, and of `enlace import` during a bulk import; then a
restart. Nothing partial, nothing duplicated, every acknowledged (2xx) write present."""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import text

from enlace.store.database import open_database
from tests.conftest import SYNTHEA
from tests.faults.counts import report
from tests.faults.live import FHIR_JSON, VENV_BIN, Server

SYNTHEA_ID = "https://github.com/synthetichealth/synthea"


def stored(url: str) -> list[tuple[str, str]]:
    """(type, id) of every stored resource, read straight from the database."""
    db = open_database(url)
    try:
        with db.read() as conn:
            rows = conn.execute(text("SELECT resource_type, id FROM resources")).all()
    finally:
        db.dispose()
    return [(str(r[0]), str(r[1])) for r in rows]


def bundle_types(path: Path) -> Counter[str]:
    bundle = orjson.loads(path.read_bytes())
    return Counter(e["resource"]["resourceType"] for e in bundle["entry"])


def synthea_key(path: Path) -> str:
    bundle = orjson.loads(path.read_bytes())
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    return next(i["value"] for i in patient["identifier"] if i.get("system") == SYNTHEA_ID)


class Poster:
    """Client threads posting transaction Bundles until the server goes away; what was acked."""

    def __init__(self, fhir: str, files: list[Path], threads: int = 2) -> None:
        self.fhir, self.todo = fhir, list(files)
        self.acked: list[Path] = []
        self.unknown: list[Path] = []  # sent, no answer (the kill came first)
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=300)

    def _run(self) -> None:
        with httpx.Client(timeout=120) as client:
            while True:
                with self.lock:
                    if not self.todo:
                        return
                    path = self.todo.pop(0)
                try:
                    answer = client.post(self.fhir, content=path.read_bytes(), headers=FHIR_JSON)
                except httpx.HTTPError:
                    with self.lock:
                        self.unknown.append(path)
                    return  # the server is gone
                with self.lock:
                    (self.acked if answer.is_success else self.unknown).append(path)


def test_kill_9_during_transactions_loses_no_acknowledged_bundle(
    store_url: str, tmp_path: Path
) -> None:
    files = sorted(SYNTHEA.glob("*.json"))[:12]
    server = Server(store_url, tmp_path)
    server.start()
    poster = Poster(server.fhir, files)
    try:
        poster.start()
        deadline = time.monotonic() + 240
        while len(poster.acked) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(poster.acked) >= 3, server.log()[-2000:]
        before = len(stored(store_url))
        server.kill()
        poster.join()
        server.start()  # restart on the same database
        after = Counter(kind for kind, _ in stored(store_url))
        acked_types = sum((bundle_types(p) for p in poster.acked), Counter())
        # every acknowledged bundle whole, and in-flight ones either whole or absent
        extra = after - acked_types
        assert not (acked_types - after), "an acknowledged write is missing"
        possible = [
            sum((bundle_types(p) for p in subset), Counter())
            for size in range(len(poster.unknown) + 1)
            for subset in combinations(poster.unknown, size)
        ]
        assert extra in possible, f"a partial bundle: {dict(extra)}"
        with httpx.Client(timeout=30) as client:
            for path in poster.acked + poster.unknown:
                found = client.get(
                    f"{server.fhir}/Patient",
                    params={"identifier": f"{SYNTHEA_ID}|{synthea_key(path)}", "_summary": "count"},
                ).json()["total"]
                assert found == 1 if path in poster.acked else found <= 1  # never twice
    finally:
        server.stop()
    report(
        f"kill -9 API during transactions [{store_url.split(':')[0]}]",
        bundles_acked=len(poster.acked),
        in_flight_or_unsent=len(poster.unknown) + len(poster.todo),
        resources_before_kill=before,
        resources_after_restart=sum(after.values()),
        in_flight_committed=sum(extra.values()),
        duplicates=0,
    )


def test_kill_9_during_bulk_import_then_rerun_is_exact(store_url: str, tmp_path: Path) -> None:
    files = sorted(SYNTHEA.glob("*.json"))[:16]
    expected: dict[Path, set[tuple[str, str]]] = {}
    for path in files:
        entries = orjson.loads(path.read_bytes())["entry"]
        expected[path] = {(e["resource"]["resourceType"], _import_id(e)) for e in entries}
    env = Server(store_url, tmp_path).env()
    subprocess.run(
        [str(VENV_BIN / "enlace"), "db", "upgrade"], env=env, check=True, capture_output=True
    )
    importing = subprocess.Popen(
        [str(VENV_BIN / "enlace"), "import", *map(str, files)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while len(stored(store_url)) < 800 and time.monotonic() < deadline:  # some files in
        time.sleep(0.05)
    importing.kill()  # SIGKILL mid-import
    importing.wait(timeout=30)
    at_kill = set(stored(store_url))
    whole = [p for p in files if expected[p] <= at_kill]
    shared = {
        key for key, n in Counter(k for ids in expected.values() for k in ids).items() if n > 1
    }
    for path in files:  # one transaction per file: each file's own resources all there or none
        own = expected[path] - shared  # Organizations and Practitioners recur across files
        assert own <= at_kill or not (own & at_kill), f"{path.name} partly imported"
    rerun = subprocess.run(
        [str(VENV_BIN / "enlace"), "import", *map(str, files)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    after = stored(store_url)
    everything = set().union(*expected.values())
    assert set(after) == everything and len(after) == len(everything)
    db = open_database(store_url)
    with db.read() as conn:
        versions = conn.execute(text("SELECT count(*) FROM resource_history")).scalar_one()
    db.dispose()
    assert versions == len(everything), "a re-imported resource got a second version"
    report(
        f"kill -9 enlace import [{store_url.split(':')[0]}]",
        files=len(files),
        files_whole_at_kill=len(whole),
        resources_at_kill=len(at_kill),
        resources_after_rerun=len(after),
        expected=len(everything),
        versions=versions,
    )


def _import_id(entry: dict[str, Any]) -> str:
    resource = entry["resource"]
    if "id" in resource:
        return str(resource["id"])
    return str(entry["fullUrl"]).removeprefix("urn:uuid:")
