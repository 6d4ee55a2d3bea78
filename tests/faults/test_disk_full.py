"""SQLite on a full disk (a small tmpfs; skipped with the reason when mounting is not allowed):
writes answer 507 with an OperationOutcome (never a 500), nothing acknowledged is lost, the
file passes PRAGMA integrity_check, reads go on, and writes resume once space is freed."""

from __future__ import annotations

import errno
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from enlace.store.backup import sqlite_integrity
from tests.faults.counts import report
from tests.faults.live import FHIR_JSON, Server


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(
            f"disk-full test skipped: cannot mount a tmpfs ({done.stderr.decode().strip()})"
        )
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _patient(n: int) -> dict[str, object]:
    # ~20 KB each, so the disk fills in a few hundred writes
    return {"resourceType": "Patient", "name": [{"text": f"{n} " + "x" * 20_000}]}


def _fill(directory: Path) -> Path:
    filler = directory / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_full_disk_is_507_without_corruption(small_disk: Path, tmp_path: Path) -> None:
    database = small_disk / "enlace.db"
    server = Server(f"sqlite:///{database}", tmp_path)  # var dir (keys, logs) off the small disk
    server.start()
    statuses: Counter[int] = Counter()
    acked: list[str] = []
    try:
        with httpx.Client(base_url=server.fhir, timeout=60) as client:
            for n in range(50):
                answer = client.post("/Patient", json=_patient(n), headers=FHIR_JSON)
                assert answer.status_code == 201
                acked.append(answer.json()["id"])
            filler = _fill(small_disk)
            refused = None
            for n in range(50, 1000):
                answer = client.post("/Patient", json=_patient(n), headers=FHIR_JSON)
                statuses[answer.status_code] += 1
                if answer.status_code == 201:
                    acked.append(answer.json()["id"])
                    continue
                refused = answer
                break
            assert refused is not None, "the disk never filled"
            assert refused.status_code == 507, refused.text
            assert refused.json()["resourceType"] == "OperationOutcome"
            # reads go on: their audit entries wait in the process's buffer (audit_buffer.py)
            reads = Counter(client.get(f"/Patient/{pid}").status_code for pid in acked)
            assert reads == Counter({200: len(acked)}), "reads stop or lose data on a full disk"
            integrity_full = sqlite_integrity(database)
            filler.unlink()
            again = client.post("/Patient", json=_patient(0), headers=FHIR_JSON)
            assert again.status_code == 201, "writes did not resume after space was freed"
            acked.append(again.json()["id"])
            final = client.get("/Patient", params={"_summary": "count"}).json()["total"]
    finally:
        server.stop()
    assert integrity_full == "ok" and sqlite_integrity(database) == "ok"
    assert final == len(acked)
    report(
        "SQLite disk full (live server)",
        writes_acked_before_full=len(acked) - 1,
        refused_status=refused.status_code,
        reads_ok_while_full=reads[200],
        integrity_while_full=integrity_full,
        write_after_freeing=again.status_code,
        patients_stored=final,
        answers_500=statuses[500],
    )
