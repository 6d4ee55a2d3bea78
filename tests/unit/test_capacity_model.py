"""bench/capacity.py: the capacity model moves with its inputs, and every measured figure it
uses names a section of docs/performance.md that exists (docs/capacity.md)."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _capacity() -> ModuleType:
    spec = importlib.util.spec_from_file_location("capacity", ROOT / "bench" / "capacity.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["capacity"] = module  # dataclasses resolve their annotations through it
    spec.loader.exec_module(module)
    return module


def test_every_measured_figure_cites_an_existing_section() -> None:
    capacity = _capacity()
    headings = [line for line in (ROOT / "docs" / "performance.md").read_text().splitlines()
                if line.startswith("#")]  # fmt: skip
    for name, figure in capacity.MEASURED.items():
        quoted = re.search(r"'([^']+)'", figure.source)
        assert quoted, name
        assert any(quoted.group(1) in heading for heading in headings), (name, quoted.group(1))
        assert figure.value > 0


def test_more_monitors_need_more_ingestion_cores_and_storage() -> None:
    capacity = _capacity()
    base = capacity.model(capacity.Assumptions())
    everyone = capacity.model(dataclasses.replace(capacity.Assumptions(), cgm_share=1.0))
    assert everyone["readings_per_s_peak"] > 9 * base["readings_per_s_peak"]
    assert everyone["cores"]["ingestion"] > base["cores"]["ingestion"]
    assert everyone["pg_worker_nodes"] > base["pg_worker_nodes"]
    assert everyone["cores"]["dispensing"] == base["cores"]["dispensing"]
    # The people counted once when they have both conditions.
    assert base["people"] == 12_800_000 + 22_000_000 - 6_400_000
