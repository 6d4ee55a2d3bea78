"""The official SQL-on-FHIR v2 test suite (../shared/conformance/sql-on-fhir-v2, 22 files, 134
cases), one pytest case per suite test.

Rows are compared order-insensitively (the suite's rule), columns in order when a test gives
`expectColumns`; `expectError` passes when compiling or running the view raises. The results are
written in the suite's test-report format to the pytest temporary directory and, when
ENLACE_SOF_REPORT=1, to docs/analytics/sql-on-fhir-test-report.json.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from enlace.modules.analytics.engine import ViewRunner, ViewRuntimeError
from enlace.modules.analytics.viewdef import ViewDefinitionError, compile_view

ROOT = Path(__file__).resolve().parents[3]
SUITE = ROOT.parent / "shared" / "conformance" / "sql-on-fhir-v2"
REPORT_IN_DOCS = ROOT / "docs" / "analytics" / "sql-on-fhir-test-report.json"
SUITE_FILES = sorted(p for p in SUITE.glob("*.json") if not p.name.endswith("schema.json"))


def _cases() -> list[Any]:
    cases = []
    for path in SUITE_FILES:
        suite = json.loads(path.read_text())
        for test in suite["tests"]:
            cases.append(
                pytest.param(path.name, suite["resources"], test, id=f"{path.stem}:{test['title']}")
            )
    return cases


CASES = _cases()
_RESULTS: dict[str, list[dict[str, Any]]] = {}


@pytest.fixture(scope="module", autouse=True)
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    yield
    if not _RESULTS:
        return
    body = json.dumps({name: {"tests": tests} for name, tests in _RESULTS.items()}, indent=2)
    (tmp_path_factory.mktemp("sof") / "sql-on-fhir-test-report.json").write_text(body)
    if os.environ.get("ENLACE_SOF_REPORT") == "1":
        REPORT_IN_DOCS.parent.mkdir(parents=True, exist_ok=True)
        REPORT_IN_DOCS.write_text(body + "\n")


def _canonical(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True) for row in rows)


def _outcome(resources: list[dict[str, Any]], test: dict[str, Any]) -> str | None:
    """None when the test passes, else what went wrong."""
    try:
        runner = ViewRunner(compile_view(test["view"]))
        rows = list(runner.dicts(resources))
    except (ViewDefinitionError, ViewRuntimeError) as exc:
        return None if test.get("expectError") else f"unexpected error: {exc}"
    if test.get("expectError"):
        return f"an error was expected, got {len(rows)} rows"
    if "expectColumns" in test and runner.column_names != test["expectColumns"]:
        return f"columns {runner.column_names} != {test['expectColumns']}"
    if "expectCount" in test and len(rows) != test["expectCount"]:
        return f"{len(rows)} rows, expected {test['expectCount']}"
    if "expect" in test and _canonical(rows) != _canonical(test["expect"]):
        return f"rows {rows} != expected {test['expect']}"
    return None


def test_the_suite_is_all_there() -> None:
    assert len(SUITE_FILES) == 22
    assert len(CASES) == 134


@pytest.mark.parametrize(("file_name", "resources", "test"), CASES)
def test_sql_on_fhir(file_name: str, resources: list[dict[str, Any]], test: dict[str, Any]) -> None:
    failure = _outcome(resources, test)
    result: dict[str, Any] = {"passed": failure is None}
    if failure is not None:
        result["error"] = failure
    _RESULTS.setdefault(file_name, []).append({"name": test["title"], "result": result})
    assert failure is None, failure
