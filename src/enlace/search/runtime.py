"""The search configuration in force: the registry (R4 parameters plus custom SearchParameters)
and the indexer built from it, swapped as a whole when custom parameters change.

Readers take `runtime.current()` once per request and use that snapshot throughout, so a request
never sees half of a change. The store's repository holds a `RuntimeIndexer`, which always writes
with the current snapshot and refuses an invalid SearchParameter resource (400) before it is stored.

Several processes share one store: `refresh_if_stale(services)` (at the start of each search and
before each REST write, at most every `STALE_AFTER_S` seconds per process; forced right after a
SearchParameter was written) compares the store's SearchParameter signature with the one the
configuration was loaded from and reloads it when they differ. Listeners (`subscribe`) hear of each
change; bootstrap queues the reindex job there.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from enlace.search import custom_params
from enlace.search.index_writer import SearchIndexer
from enlace.search.registry import Registry
from enlace.store.database import Database
from enlace.store.records import IndexRows

log = logging.getLogger(__name__)

STALE_AFTER_S = 2.0


@dataclass(frozen=True, slots=True)
class SearchConfig:
    registry: Registry
    indexer: SearchIndexer

    @property
    def fingerprint(self) -> str:
        return self.indexer.fingerprint


Listener = Callable[[SearchConfig, SearchConfig], None]


class SearchRuntime:
    def __init__(self, registry: Registry, base: Registry | None = None) -> None:
        self._lock = threading.Lock()
        self._config = SearchConfig(registry, SearchIndexer(registry))
        self.base = base or registry  # what custom parameters are added to (the R4 registry)
        # The SearchParameter signature the configuration was loaded at (None: never loaded).
        self.signature: custom_params.Signature | None = None
        self.checked_at = float("-inf")  # time.monotonic() of the last staleness check
        self.refresh_lock = threading.Lock()
        self._listeners: list[Listener] = []

    def current(self) -> SearchConfig:
        return self._config

    def replace(
        self, registry: Registry, signature: custom_params.Signature | None = None
    ) -> SearchConfig:
        """Installs a new registry (e.g. after a custom SearchParameter changed)."""
        with self._lock:
            old = self._config
            self._config = SearchConfig(registry, SearchIndexer(registry))
            if signature is not None:
                self.signature = signature
            new = self._config
        for listener in list(self._listeners):
            try:
                listener(old, new)
            except Exception:  # a listener never undoes the change
                log.exception("search configuration listener failed")
        return new

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)


class SearchServices(Protocol):
    """What the refresh needs (interactions' Services has it)."""

    db: Database
    search: SearchRuntime


def load_custom(db: Database, runtime: SearchRuntime) -> SearchConfig:
    """Installs R4 + the store's custom SearchParameters (at startup); no-op on an unmigrated store."""
    try:
        with db.read() as conn:
            registry, signature = custom_params.load(conn, runtime.base)
    except SQLAlchemyError:
        log.warning("custom SearchParameters not loaded (database not migrated?)")
        return runtime.current()
    runtime.checked_at = time.monotonic()
    return runtime.replace(registry, signature)


def refresh_if_stale(services: SearchServices, *, force: bool = False) -> SearchConfig:
    """The configuration in force, reloaded first when another process (or this one) changed the
    store's SearchParameters. Costs one indexed aggregate query at most every STALE_AFTER_S per
    process (each call with `force`), nothing otherwise."""
    runtime = services.search
    now = time.monotonic()
    if not force and now - runtime.checked_at < STALE_AFTER_S:
        return runtime.current()
    with runtime.refresh_lock:
        if not force and time.monotonic() - runtime.checked_at < STALE_AFTER_S:
            return runtime.current()  # another thread just checked
        runtime.checked_at = time.monotonic()
        try:
            with services.db.read() as conn:
                if custom_params.signature(conn) == runtime.signature:
                    return runtime.current()
                registry, signature = custom_params.load(conn, runtime.base)
        except SQLAlchemyError:
            log.warning("search configuration not refreshed", exc_info=True)
            return runtime.current()
        if registry is runtime.current().registry:
            runtime.signature = signature
            return runtime.current()
        return runtime.replace(registry, signature)


class RuntimeIndexer:
    """The store's Indexer: writes index rows with whatever configuration is current."""

    def __init__(self, runtime: SearchRuntime) -> None:
        self.runtime = runtime

    def rows(self, resource_type: str, resource_id: str, resource: dict[str, Any]) -> IndexRows:
        config = self.runtime.current()
        if resource_type == custom_params.SEARCH_PARAMETER:
            # Raised inside the write's transaction, before it commits: nothing is stored.
            custom_params.check(resource, config.registry.resource_types)
        return config.indexer.rows(resource_type, resource_id, resource)
