"""ASGI factory for `enlace serve` worker processes (migrations already ran in the parent)."""

from __future__ import annotations

from enlace.bootstrap import build
from enlace.kernel.logging import configure_logging
from enlace.kernel.settings import Settings

from .app import EnlaceApp, create_app


def app_factory() -> EnlaceApp:
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    # Serving workers run the startup index check and pick up reindex jobs nobody runs.
    return create_app(build(settings, upgrade=False, start_jobs=True))
