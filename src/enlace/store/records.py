"""What the store hands back: stored versions and the index rows a write produces."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from enlace.kernel.clock import fhir_instant, from_epoch_us


@dataclass(frozen=True, slots=True)
class StoredVersion:
    resource_type: str
    id: str
    version_id: int
    last_updated_us: int
    deleted: bool
    content: bytes | None  # exact JSON served to clients; None for a delete tombstone
    method: str = ""

    @property
    def last_updated(self) -> str:
        return fhir_instant(from_epoch_us(self.last_updated_us))

    @property
    def etag(self) -> str:
        return f'W/"{self.version_id}"'

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"

    def resource(self) -> dict[str, Any]:
        if self.content is None:
            raise ValueError(f"{self.reference} version {self.version_id} is a delete tombstone")
        value: dict[str, Any] = orjson.loads(self.content)
        return value


# The value columns of each index table, after (resource_type, resource_id, param, grp); the
# order of the tuples an Indexer produces. Must match store/schema.py.
INDEX_VALUE_COLUMNS: dict[str, tuple[str, ...]] = {
    "token_index": ("system", "code", "text"),
    "string_index": ("value", "exact"),
    "date_index": ("low_us", "high_us"),
    "number_index": ("value",),
    "quantity_index": ("system", "code", "value", "canonical"),
    "reference_index": ("target_type", "target_id", "url"),
    "uri_index": ("uri",),
}
INDEX_KEY_COLUMNS = ("resource_type", "resource_id", "param", "grp")


@dataclass(slots=True)
class IndexRows:
    """Rows per index table, each a tuple in INDEX_KEY_COLUMNS + INDEX_VALUE_COLUMNS[table] order."""

    tables: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def extend(self, other: IndexRows) -> None:
        for table, rows in other.tables.items():
            self.tables.setdefault(table, []).extend(rows)

    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


class Indexer(Protocol):
    """Turns a resource into the rows that search needs; supplied by the search layer."""

    def rows(self, resource_type: str, resource_id: str, resource: dict[str, Any]) -> IndexRows: ...


class NoIndexer:
    def rows(self, resource_type: str, resource_id: str, resource: dict[str, Any]) -> IndexRows:
        return IndexRows()


def content_hash(resource: dict[str, Any]) -> str:
    """Hash of the content that matters: everything but the server-owned meta fields."""
    meta = resource.get("meta")
    if isinstance(meta, dict) and ("versionId" in meta or "lastUpdated" in meta):
        trimmed = {k: v for k, v in meta.items() if k not in ("versionId", "lastUpdated")}
        resource = {k: v for k, v in resource.items() if k != "meta"}
        if trimmed:
            resource["meta"] = trimmed
    return hashlib.sha256(orjson.dumps(resource, option=orjson.OPT_SORT_KEYS)).hexdigest()


def stamp(resource: dict[str, Any], resource_id: str, version_id: int, instant: str) -> bytes:
    """Set id and the server-owned meta fields, and serialize as it will be served."""
    resource["id"] = resource_id
    meta = resource.get("meta")
    meta = dict(meta) if isinstance(meta, dict) else {}
    meta["versionId"] = str(version_id)
    meta["lastUpdated"] = instant
    resource["meta"] = meta
    return orjson.dumps(resource)
