"""FHIR search for education's own reads (a job or a page, not a user's request): every
resource visible (enlace.search.platform)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from enlace.search.platform import platform_search
from enlace.store.repository import FhirRepository

LIMIT = 20_000  # per search: the record scan reads new and recent resources only


def search(
    conn: Connection, repo: FhirRepository, kind: str, params: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    return platform_search(conn, repo, kind, params, "education lookup", LIMIT)
