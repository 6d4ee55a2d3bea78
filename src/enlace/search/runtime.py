"""The search configuration in force: the registry (R4 parameters plus custom SearchParameters)
and the indexer built from it, swapped as a whole when custom parameters change.

Readers take `runtime.current()` once per request and use that snapshot throughout, so a request
never sees half of a change. The store's repository holds a `RuntimeIndexer`, which always writes
with the current snapshot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from enlace.search.index_writer import SearchIndexer
from enlace.search.registry import Registry
from enlace.store.records import IndexRows


@dataclass(frozen=True, slots=True)
class SearchConfig:
    registry: Registry
    indexer: SearchIndexer

    @property
    def fingerprint(self) -> str:
        return self.indexer.fingerprint


class SearchRuntime:
    def __init__(self, registry: Registry) -> None:
        self._lock = threading.Lock()
        self._config = SearchConfig(registry, SearchIndexer(registry))

    def current(self) -> SearchConfig:
        return self._config

    def replace(self, registry: Registry) -> SearchConfig:
        """Installs a new registry (e.g. after a custom SearchParameter changed)."""
        with self._lock:
            self._config = SearchConfig(registry, SearchIndexer(registry))
            return self._config


class RuntimeIndexer:
    """The store's Indexer: writes index rows with whatever configuration is current."""

    def __init__(self, runtime: SearchRuntime) -> None:
        self.runtime = runtime

    def rows(self, resource_type: str, resource_id: str, resource: dict[str, Any]) -> IndexRows:
        return self.runtime.current().indexer.rows(resource_type, resource_id, resource)
