"""Searches the pharmacy module makes on the platform's own behalf (the patient's coverage, a
prescription's earlier fills): whatever the asker's grants on those types, since only the
verdict they lead to is shown, never the resources."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from enlace.modules.catalog import Facility, facility
from enlace.search.engine import find_ids
from enlace.search.platform import EVERYTHING


def known_pharmacy(slug: str | None) -> Facility | None:
    """The catalog pharmacy of a slug, None when it is not one."""
    found = facility(slug) if slug else None
    return found if found is not None and found.kind == "pharmacy" else None


def platform_ids(
    services: Any, conn: Connection, resource_type: str, params: list[tuple[str, str]], limit: int
) -> list[str]:
    return find_ids(
        conn, services.search.current(), resource_type, params, "pharmacy lookup", EVERYTHING, limit
    )
