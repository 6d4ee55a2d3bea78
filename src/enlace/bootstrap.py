"""The one composition root: settings in, a wired application out."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from enlace.fhir.definitions import load_definitions
from enlace.interactions.context import Services
from enlace.interactions.module_operations import parameters_operation, resource_operation
from enlace.interactions.raw_operations import raw_operation
from enlace.kernel.clock import Clock, system_clock
from enlace.kernel.ids import IdFactory, random_ids
from enlace.kernel.settings import Settings
from enlace.modules import (
    analytics,
    care,
    claims,
    coldchain,
    coverage,
    messaging,
    monitoring,
    pharmacy,
    registry,
    subscriptions,
    vigilance,
)
from enlace.modules.monitoring import channels as monitoring_channels
from enlace.modules.monitoring import escalation
from enlace.search import index_state, reindex_runner
from enlace.search.registry import load_registry
from enlace.search.runtime import RuntimeIndexer, SearchRuntime, load_custom
from enlace.security import audit_sealer
from enlace.security.audit_buffer import AuditBuffer
from enlace.security.audit_trail import AuditTrail
from enlace.store import bulk, content_cipher, migrate
from enlace.store.database import Database, open_database
from enlace.store.repository import FhirRepository

log = logging.getLogger(__name__)


def build(
    settings: Settings | None = None,
    clock: Clock = system_clock,
    ids: IdFactory = random_ids,
    upgrade: bool = True,
    start_jobs: bool = False,
) -> Services:
    """Services for the settings. The custom SearchParameters in the store are loaded, and a
    SearchParameter change queues a reindex job on `Services.background` whatever `start_jobs`.

    `start_jobs` (set by the serving workers' app factory, entrypoints/http/asgi.py) also starts what a serving process does in the background: the startup fingerprint check
    (a reindex job when the indexes were built with other rules) and the pickup of jobs nobody
    runs. Tests and the CLI leave it off, so no job races them; they run jobs explicitly.
    """
    settings = settings or Settings.from_env()
    # Resources sealed at rest under ENLACE_DATA_KEYS; a malformed key stops startup here.
    cipher = content_cipher.ContentCipher.from_setting(settings.data_keys)
    db = open_database(settings.resolved_database_url, settings.pool_size)
    content_cipher.bind(db, cipher)
    if upgrade:
        migrate.upgrade(db)
    search = SearchRuntime(load_registry())
    # A serving process buffers read entries (one insert per batch); elsewhere they are written
    # at once, so tests and the CLI see every entry when the call returns.
    trail = None
    if settings.audit_enabled:
        trail = AuditTrail(db, AuditBuffer(db) if start_jobs else None, clock)
    on_write = trail.written if trail is not None else None
    repo = FhirRepository(clock, ids, RuntimeIndexer(search), on_write=on_write)
    services = Services(
        settings=settings,
        db=db,
        repo=repo,
        definitions=load_definitions(),
        search=search,
        audit=trail,
    )
    services.type_operations[("CoverageEligibilityRequest", "submit")] = resource_operation(
        "CoverageEligibilityRequest", coverage.ELIGIBILITY_ROLES, coverage.eligibility
    )
    services.type_operations[("Claim", "submit")] = resource_operation(
        "Claim", claims.SUBMIT_ROLES, claims.submit, writes=True
    )
    services.writing_operations.add(("Claim", "submit"))
    services.type_operations[("ClaimResponse", "review")] = parameters_operation(
        "ClaimResponse", claims.REVIEW_ROLES, claims.review, writes=True
    )
    services.writing_operations.add(("ClaimResponse", "review"))
    services.type_operations[("MedicationRequest", "prescribe")] = resource_operation(
        "MedicationRequest", pharmacy.PRESCRIBE_ROLES, pharmacy.prescribe, writes=True
    )
    services.writing_operations.add(("MedicationRequest", "prescribe"))
    services.type_operations[("MedicationDispense", "dispense")] = parameters_operation(
        "MedicationDispense", pharmacy.DISPENSE_ROLES, pharmacy.dispense, writes=True
    )
    services.writing_operations.add(("MedicationDispense", "dispense"))
    services.type_operations[("ViewDefinition", "run")] = raw_operation(analytics.run_operation)
    # Subscriptions (R4 backport): checked on write; the registry offers its case topic.
    services.resource_checks["Subscription"] = subscriptions.subscription_checker(
        allow_http=not settings.production
    )
    subscriptions.register_topic(registry.TOPIC)
    services.resource_checks["AdverseEvent"] = vigilance.adverse_event_checks  # suspect drug
    services.resource_capabilities["Subscription"] = subscriptions.capability_elements()
    for name, operation in (
        ("status", subscriptions.status_operation),
        ("events", subscriptions.events_operation),
    ):
        services.type_operations[("Subscription", name)] = raw_operation(operation)
    # Device readings answer Observation search and read (interactions/observation_merge.py).
    services.observation_sources.append(monitoring.ReadingsSource())
    # Temperature loggers' readings open cold-chain excursions in the ingest transaction.
    monitoring.place_devices.register("temperature-logger", coldchain.on_logger_readings)
    load_custom(db, search)
    search.subscribe(lambda old, new: reindex_runner.on_config_change(services, old, new))
    try:
        index_state.record_if_empty(services)
    except SQLAlchemyError:
        log.warning("search index state not checked (database not migrated?)")
    if start_jobs:
        _sqlite_statistics(db)
        reindex_runner.start(services)
        if trail is not None:
            audit_sealer.start(db, clock)
        if settings.inprocess_workers:  # else `enlace workers serve` runs them
            start_workers(services, clock)
    return services


def start_workers(services: Services, clock: Clock = system_clock) -> None:
    """The background loops: alert escalation, the outboxes' deliverers, the care clocks."""
    settings, db, repo = services.settings, services.db, services.repo
    if settings.alert_loop_seconds > 0:
        notifier = monitoring_channels.default_notifier(settings.var_dir)
        escalation.start(db, repo, settings.alert_loop_seconds, notifier, clock)
    messaging.start_deliverer(db, repo, settings.var_dir, clock=clock)  # patient messages
    # rest-hook notifications; production refuses endpoints inside the platform's network
    subscriptions.start_worker(db, repo, clock=clock, refuse_inward=settings.production)
    care.jobs.start(db, repo, clock=clock)  # referral clocks, appointment reminders


def _sqlite_statistics(db: Database) -> None:
    """A serving SQLite store gets planner statistics once (imports keep them up to date)."""
    try:
        with db.begin() as conn:
            if bulk.sqlite_needs_statistics(conn):
                bulk.analyze(conn)
    except SQLAlchemyError:
        log.warning("SQLite statistics not gathered", exc_info=True)
