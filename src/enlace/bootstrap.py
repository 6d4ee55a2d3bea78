"""The one composition root: settings in, a wired application out."""

from __future__ import annotations

from enlace.fhir.definitions import load_definitions
from enlace.interactions.context import Services
from enlace.kernel.clock import Clock, system_clock
from enlace.kernel.ids import IdFactory, random_ids
from enlace.kernel.settings import Settings
from enlace.search.registry import load_registry
from enlace.search.runtime import RuntimeIndexer, SearchRuntime
from enlace.store import migrate
from enlace.store.database import open_database
from enlace.store.repository import FhirRepository


def build(
    settings: Settings | None = None,
    clock: Clock = system_clock,
    ids: IdFactory = random_ids,
    upgrade: bool = True,
) -> Services:
    settings = settings or Settings.from_env()
    db = open_database(settings.resolved_database_url, settings.pool_size)
    if upgrade:
        migrate.upgrade(db)
    search = SearchRuntime(load_registry())
    repo = FhirRepository(clock, ids, RuntimeIndexer(search))
    return Services(
        settings=settings, db=db, repo=repo, definitions=load_definitions(), search=search
    )
