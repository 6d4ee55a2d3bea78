"""What the search indexes were built with: the configuration fingerprint as a whole and per
resource type (`search_index_state`). The reindex job and the startup check read and record it;
writers of the state serialize on STATE_LOCK (`versions.serialize_on`)."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from sqlalchemy import Connection, delete, select

from enlace.search import custom_params
from enlace.search.runtime import SearchConfig, SearchServices
from enlace.store import versions
from enlace.store.schema import resources, search_index_state

FINGERPRINT_KEY = "fingerprint"
TYPES_KEY = "type_fingerprints"
STATE_LOCK = "enlace:search_index_state"


def state(conn: Connection) -> dict[str, str]:
    rows = conn.execute(select(search_index_state.c.key, search_index_state.c.value)).all()
    return {str(key): str(value) for key, value in rows}


def _put(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(search_index_state).where(search_index_state.c.key == key))
    conn.execute(search_index_state.insert().values(key=key, value=value))


def record(conn: Connection, config: SearchConfig, types: Sequence[str]) -> None:
    """These types ([] for all) are indexed with `config`; and the whole configuration once every
    type is. Call inside a transaction serialized on the state (`versions.serialize_on`)."""
    current = custom_params.type_fingerprints(config.registry)
    known = state(conn)
    recorded: dict[str, str] = orjson.loads(known.get(TYPES_KEY, "{}"))
    for resource_type in types or current:
        recorded[resource_type] = current[resource_type]
    _put(conn, TYPES_KEY, orjson.dumps(recorded, option=orjson.OPT_SORT_KEYS).decode())
    if all(recorded.get(t) == fp for t, fp in current.items()):
        _put(conn, FINGERPRINT_KEY, config.fingerprint)


def record_if_empty(services: SearchServices) -> None:
    """An empty store is up to date with any configuration: record it (cheap; build calls it so
    that a store filled by `enlace import` does not get reindexed by the first `enlace serve`)."""
    config = services.search.current()
    with services.db.begin() as conn:
        if conn.execute(select(resources.c.id).limit(1)).first() is not None:
            return
        versions.serialize_on(conn, STATE_LOCK)
        if state(conn).get(FINGERPRINT_KEY) != config.fingerprint:
            record(conn, config, [])
