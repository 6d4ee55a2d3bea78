"""Custom SearchParameter resources: checked before they are stored, loaded from the store into
the registry in force, and compared per resource type to know what a change must reindex.

The registry in force is the R4 registry plus every current SearchParameter resource of the store
whose status is not `retired` (a custom one replaces an R4 one with the same url, and for its bases
one with the same code). `signature` identifies the store's SearchParameter rows cheaply: a write
or delete of one always changes it, since tombstones stay in `resources` with a newer timestamp.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from enlace.kernel.errors import FhirError, Issue
from enlace.search.expressions import compile_param
from enlace.search.index_writer import registry_fingerprint
from enlace.search.registry import ABSTRACT_BASES, Registry, SearchParam, validate_search_parameter
from enlace.store import content_cipher
from enlace.store.schema import resources

log = logging.getLogger(__name__)

SEARCH_PARAMETER = "SearchParameter"
Signature = tuple[int, int]  # (rows, newest last_updated_us) of SearchParameter in `resources`


def check(resource: Mapping[str, Any], resource_types: frozenset[str]) -> SearchParam:
    """`validate_search_parameter`, and for an indexed type its expression must compile for each
    of its concrete bases (else it could never be searched); FhirError 400 naming the element."""
    param = validate_search_parameter(resource, resource_types)
    if param.type == "special":
        return param
    for base in param.base:
        if base in ABSTRACT_BASES:
            continue
        compiled = compile_param(param, base)
        if not compiled.supported:
            raise FhirError(
                400,
                [
                    Issue(
                        "invalid",
                        f"SearchParameter.expression cannot be indexed for {base}: "
                        f"{compiled.reason}",
                        "SearchParameter.expression",
                    )
                ],
            )
    return param


def signature(conn: Connection) -> Signature:
    r = resources.c
    row = conn.execute(
        select(func.count(), func.coalesce(func.max(r.last_updated_us), 0)).where(
            r.resource_type == SEARCH_PARAMETER
        )
    ).one()
    return int(row[0]), int(row[1])


def load(conn: Connection, base: Registry) -> tuple[Registry, Signature]:
    """The registry in force for what the store holds now, and the signature it was read at (read
    first, so a concurrent change can only make the next check load again)."""
    seen = signature(conn)
    r = resources.c
    rows = conn.execute(
        select(r.id, r.content, r.version_id)
        .where(r.resource_type == SEARCH_PARAMETER, r.deleted.is_(False))
        .order_by(r.last_updated_us, r.id)
    ).all()
    params = []
    opened = content_cipher.of(conn).open
    for resource_id, content, version_id in rows:
        resource = orjson.loads(opened(SEARCH_PARAMETER, resource_id, version_id, bytes(content)))
        if resource.get("status") == "retired":
            continue
        try:
            params.append(check(resource, base.resource_types))
        except FhirError as exc:  # stored before it was checked, or by an import
            log.warning(
                "custom SearchParameter ignored",
                extra={"fields": {"id": resource_id, "issue": exc.issues[0].diagnostics}},
            )
    return with_params(base, params), seen


def with_params(base: Registry, params: Iterable[SearchParam]) -> Registry:
    """`base` plus `params`; of two with the same url the later wins."""
    by_url = {p.url: p for p in params}
    if not by_url:
        return base
    kept = [p for p in base.params if p.url not in by_url]
    return Registry([*kept, *by_url.values()], base.resource_types)


def type_fingerprints(registry: Registry) -> dict[str, str]:
    """Per resource type, what its index rows depend on: its parameters (url, type, expression,
    components and their types) and the index rules' version (folded in through the fingerprint
    of an empty registry)."""
    rules = registry_fingerprint(Registry((), registry.resource_types))
    out = {}
    for resource_type in registry.resource_types:
        digest = hashlib.sha256(rules.encode())
        for code, param in sorted(registry.for_type(resource_type).items()):
            parts = [code, param.url, param.type, param.expression or ""]
            for component in param.components:
                definition = registry.by_url(component.definition)
                kind = definition.type if definition else "?"
                parts.append(f"{component.definition}={component.expression}:{kind}")
            digest.update("\x1f".join(parts).encode() + b"\x1e")
        out[resource_type] = digest.hexdigest()
    return out


def changed_types(old: Registry, new: Registry) -> list[str]:
    """The resource types whose index rows differ between two registries, sorted."""
    before, after = type_fingerprints(old), type_fingerprints(new)
    return sorted(t for t, fp in after.items() if before.get(t) != fp)
