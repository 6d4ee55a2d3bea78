"""FHIR search for education's own reads (a job or a page, not a user's request): the search
engine's `find_ids` with every resource visible, then the current versions in one query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from enlace.search.engine import find_ids
from enlace.search.registry import load_registry
from enlace.search.runtime import RuntimeIndexer, SearchConfig, SearchRuntime
from enlace.store.repository import FhirRepository

LIMIT = 20_000  # per search: the record scan reads new and recent resources only


class _Everything:
    """The platform's own reads: every resource is visible."""

    def where(self, resource_type: str, permission: str, target: Any = None) -> None:
        return None


_FALLBACK: list[SearchRuntime] = []


def _config(repo: FhirRepository) -> SearchConfig:
    indexer = repo.indexer
    if isinstance(indexer, RuntimeIndexer):
        return indexer.runtime.current()
    if not _FALLBACK:  # a repository without search indexes: the R4 registry's view of them
        _FALLBACK.append(SearchRuntime(load_registry()))
    return _FALLBACK[0].current()


def search(
    conn: Connection, repo: FhirRepository, kind: str, params: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    ids = find_ids(conn, _config(repo), kind, params, "education lookup", _Everything(), LIMIT)
    return [v.resource() for v in repo.current_many(conn, kind, ids).values() if not v.deleted]
