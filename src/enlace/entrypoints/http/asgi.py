"""ASGI factory for `enlace serve` worker processes (migrations already ran in the parent)."""

from __future__ import annotations

from enlace.bootstrap import build
from enlace.kernel.logging import configure_logging
from enlace.kernel.settings import Settings
from enlace.store.timeouts import install_read_budget

from .app import create_app
from .hardening import Hardened, check_startup


def app_factory() -> Hardened:
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    check_startup(settings)  # production with unsafe settings: exit status 2
    # Serving workers run the startup index check and pick up reindex jobs nobody runs.
    services = build(settings, upgrade=False, start_jobs=True)
    # A runaway search answers 503 instead of holding a thread and a connection (store/timeouts).
    install_read_budget(services.db.read_engine, settings.search_timeout_seconds)
    return create_app(services)
