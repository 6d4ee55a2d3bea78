"""Searches the platform makes on its own behalf (a job, a rule, a page's summary), not on a
user's: every resource is visible to them, because what they lead to is a verdict, a message or
a figure, never the resources themselves shown to someone. A user's search goes through
`engine.search` with the asker's `Visibility` instead."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection

from enlace.search.engine import find_ids
from enlace.search.registry import load_registry
from enlace.search.runtime import RuntimeIndexer, SearchConfig, SearchRuntime
from enlace.store.repository import FhirRepository


class _Everything:
    """The guard of the platform's own reads: restricts nothing."""

    def where(
        self, resource_type: str, permission: str, target: Any = None
    ) -> ColumnElement[bool] | None:
        return None


EVERYTHING = _Everything()
_FALLBACK: list[SearchRuntime] = []


def config_of(repo: FhirRepository) -> SearchConfig:
    """The search configuration the repository indexes with (the R4 registry's own view of the
    parameters for a repository built without search indexes)."""
    indexer = repo.indexer
    if isinstance(indexer, RuntimeIndexer):
        return indexer.runtime.current()
    if not _FALLBACK:
        _FALLBACK.append(SearchRuntime(load_registry()))
    return _FALLBACK[0].current()


def platform_search(
    conn: Connection,
    repo: FhirRepository,
    resource_type: str,
    params: list[tuple[str, str]],
    purpose: str,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Current resources matching FHIR search `params` (at most `limit`); `purpose` names the
    caller in the 400 an unknown parameter gets."""
    ids = find_ids(conn, config_of(repo), resource_type, params, purpose, EVERYTHING, limit)
    return [
        v.resource() for v in repo.current_many(conn, resource_type, ids).values() if not v.deleted
    ]
