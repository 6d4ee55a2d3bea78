"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ENLACE_TEST_POSTGRES_URL, else a throwaway initdb cluster; when neither is
possible the PostgreSQL variants are skipped with one visible reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from enlace.bootstrap import build
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.modules.adherence.tables import ADHERENCE_TABLES
from enlace.modules.analytics.tables import ANALYTICS_TABLES
from enlace.modules.care.tables import CARE_TABLES
from enlace.modules.cds.tables import CDS_TABLES
from enlace.modules.coldchain.tables import COLDCHAIN_TABLES
from enlace.modules.coop.tables import COOP_TABLES
from enlace.modules.education.tables import EDUCATION_TABLES
from enlace.modules.engagement.tables import ENGAGEMENT_TABLES
from enlace.modules.homecare.tables import HOMECARE_TABLES
from enlace.modules.inventory.tables import INVENTORY_TABLES
from enlace.modules.messaging.inbound_tables import MESSAGING_INBOUND_TABLES
from enlace.modules.messaging.tables import MESSAGING_TABLES
from enlace.modules.monitoring.tables import MONITORING_TABLES
from enlace.modules.registry.tables import REGISTRY_TABLES
from enlace.modules.screening.tables import SCREENING_TABLES
from enlace.modules.subscriptions.tables import SUBSCRIPTION_TABLES
from enlace.modules.supply.tables import SUPPLY_TABLES
from enlace.modules.trace.epcis_tables import EPCIS_TABLES
from enlace.modules.trace.tables import LOG_TABLES
from enlace.modules.vigilance.tables import VIGILANCE_TABLES
from enlace.modules.voting.tables import VOTING_TABLES
from enlace.security.tables import metadata as security_metadata
from enlace.store.job_tables import JOB_TABLES
from enlace.store.relay_tables import RELAY_TABLES
from enlace.store.schema import metadata
from tests.support.emptying import empty_tables
from tests.support.postgres import PostgresUnavailable, fresh_database, postgres_server

# No per-example deadline: the machine is 2 shared cores and the suite runs two workers, so one
# example's wall time says nothing about the code (a 0.4 ms example once took 359 ms).
hypothesis_settings.register_profile("enlace", deadline=None)
hypothesis_settings.load_profile("enlace")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SYNTHEA = SHARED / "data" / "synthea-r4"


class SteppingClock:
    """Deterministic time: each reading is one millisecond after the last."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        with postgres_server() as admin_url, fresh_database(admin_url) as url:
            yield url
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'enlace.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    settings = Settings.from_env(
        database_url=database_url, var_dir=tmp_path / "var", log_requests=False
    )
    built = build(settings, clock=SteppingClock())
    if built.db.dialect == "postgresql":
        with built.db.begin() as conn:
            # Trace tables too: the scenario driver's supply chain captures EPCIS events.
            tables = [
                *metadata.sorted_tables,
                *security_metadata.sorted_tables,
                *EPCIS_TABLES,
                *LOG_TABLES,
                *INVENTORY_TABLES,  # the pharmacy tests stock shelves through the ledger
                *MONITORING_TABLES,
                *CDS_TABLES,
                *SCREENING_TABLES,
                *ADHERENCE_TABLES,
                *MESSAGING_TABLES,
                *SUPPLY_TABLES,
                *COLDCHAIN_TABLES,
                *ANALYTICS_TABLES,
                *SUBSCRIPTION_TABLES,
                *VIGILANCE_TABLES,
                *CARE_TABLES,
                *HOMECARE_TABLES,
                *REGISTRY_TABLES,
                *COOP_TABLES,
                *VOTING_TABLES,
                *MESSAGING_INBOUND_TABLES,
                *ENGAGEMENT_TABLES,
                *EDUCATION_TABLES,
                *JOB_TABLES,
                *RELAY_TABLES,
            ]
            empty_tables(conn, tables)
    yield built
    built.db.dispose()
