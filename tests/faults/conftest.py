"""The fault suite (issue 17, `make faults`): every test here is marked `faults`, which `make
test` leaves out. Each test reports what it counted before and after its fault; the counts are
printed at the end of the run (also without -s)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.counts import REPORTS
from tests.support.postgres import PostgresUnavailable, fresh_database, postgres_server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.faults)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not REPORTS:
        return
    terminalreporter.section("fault suite: counts before and after each fault")
    for line in REPORTS:
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[str]:
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL fault tests skipped: {exc}")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'enlace.db'}"
        return
    admin: str = request.getfixturevalue("postgres_admin")
    with fresh_database(admin) as url:
        yield url
