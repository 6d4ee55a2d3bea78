"""The restore drill (scripts/restore_drill.py) on both stores: back up, write more, destroy,
restore to the latest point and to an earlier time, verify counts and the log root each time."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.counts import report

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "restore_drill.py"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_restore_drill(backend: str) -> None:
    if backend == "postgres" and not (shutil.which("initdb") and shutil.which("pg_basebackup")):
        pytest.skip("restore drill on PostgreSQL skipped: no initdb/pg_basebackup on PATH")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--backend", backend, "--resources", "1000"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.count("  verify ") == 2 and "verified:" in done.stdout
    figures = json.loads(done.stdout.strip().splitlines()[-1])[backend]
    report(f"restore drill [{backend}]", **figures)
