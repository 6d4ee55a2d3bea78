"""A DuckDB file held by another process is a clear 409 (the CLI prints it and exits 2), not a
traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from enlace.kernel import errors
from enlace.modules.analytics.targets import DuckDbTarget

HOLD = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(30)"


def test_a_file_in_use_is_a_409(tmp_path: Path) -> None:
    path = tmp_path / "analytics.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        with pytest.raises(errors.FhirError) as raised:
            DuckDbTarget(path)
        assert raised.value.status == 409
        assert "in use by another process" in raised.value.issues[0].diagnostics
    finally:
        holder.kill()
        holder.wait()
