"""Authorization at the interactions: every interaction asks here before it touches a resource.

The rules themselves are in enlace.security.visibility (scopes, compartments, consent); this
module applies them with the right status. A type the token has no scope for is a 403 (that
depends on the token alone); a resource that exists but is not visible is a 404, exactly like
one that does not exist, so a patient cannot probe another patient's ids.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select
from sqlalchemy.sql.elements import False_

from enlace.kernel import errors
from enlace.search import engine
from enlace.search.includes import Readable, readable_by
from enlace.search.runtime import refresh_if_stale
from enlace.security import blocking, consent
from enlace.security.access import Access
from enlace.security.blocking import may_see_blocked
from enlace.security.consent import consent_rules
from enlace.security.scopes import ScopeSet
from enlace.security.visibility import Visibility
from enlace.store.records import StoredVersion
from enlace.store.schema import export_jobs, resources

from .context import Services
from .messages import FhirRequest

NOBODY = Access("anonymous", "anonymous", ScopeSet())


def visibility(services: Services, request: FhirRequest) -> Visibility:
    """The request's Visibility, built once per request (a Bundle's entries share theirs)."""
    cached = request.guard_cache
    if isinstance(cached, Visibility):
        return cached
    access = request.access or NOBODY
    # The platform itself compiles no narrowing: skip the staleness check of custom parameters.
    config = services.search.current() if access.unrestricted else refresh_if_stale(services)
    ctx = engine.context(config)
    built = Visibility(access, ctx)
    if not access.unrestricted:
        built.consent = consent_rules(services.db, access) or built.consent
        if not may_see_blocked(access):
            built.blocked = blocking.blocked_types(services.db)
    request.guard_cache = built
    return built


def readable(services: Services, request: FhirRequest) -> Readable:
    return readable_by(visibility(services, request))


def require_type(services: Services, request: FhirRequest, resource_type: str, perm: str) -> None:
    visibility(services, request).require_type(resource_type, perm)


def check_existing(
    services: Services,
    request: FhirRequest,
    conn: Connection,
    resource_type: str,
    resource_id: str,
    permission: str,
) -> None:
    """Before reading, changing or deleting one stored resource: 403 without a scope for the
    type, 404 when the resource is not visible at all, 403 when it is visible but not for this
    permission (reading it was allowed, so its existence is no secret)."""
    guard = visibility(services, request)
    guard.require_type(resource_type, permission)
    if guard.can_see(conn, resource_type, resource_id, permission):
        return
    if permission != "r" and guard.can_see(conn, resource_type, resource_id, "r"):
        raise errors.error(
            403,
            "forbidden",
            f"The access token does not allow this on {resource_type}/{resource_id}",
        )
    raise errors.not_found(f"{resource_type}/{resource_id} is not known")


def check_target(
    services: Services,
    request: FhirRequest,
    conn: Connection,
    resource_type: str,
    resource_id: str,
    permission: str,
    if_absent: str | None = None,
) -> None:
    """Before an interaction on a resource named by id that may not exist yet: when it exists,
    `check_existing` with `permission`; when it does not, the type-level grant `if_absent`
    (an update that creates needs `c`). The platform itself needs neither, nor the lookup."""
    guard = visibility(services, request)
    if guard.unrestricted:
        return
    if services.repo.current(conn, resource_type, resource_id) is None:
        guard.require_type(resource_type, if_absent or permission)
    else:
        check_existing(services, request, conn, resource_type, resource_id, permission)


def check_written(
    services: Services, request: FhirRequest, conn: Connection, version: StoredVersion, perm: str
) -> None:
    """After a write, in its transaction: the new version must be one the writer may write (a
    patient cannot file an Observation about someone else). Raising rolls the write back."""
    if version.resource_type == "Consent":
        consent.invalidate()  # this process enforces a new Consent from the next request on
    guard = visibility(services, request)
    if guard.unrestricted:
        return
    if not guard.can_see(conn, version.resource_type, version.id, perm):
        raise errors.error(
            403,
            "forbidden",
            f"The access token does not allow writing this {version.resource_type}: "
            "it would be outside the token's patient compartment or narrowing",
        )


def visible_keys(
    services: Services,
    request: FhirRequest,
    conn: Connection,
    keys: Iterable[tuple[str, str]],
    permission: str,
) -> set[tuple[str, str]]:
    """Which of these (type, id) the asker may see now: one query per type and chunk, none
    for types the grant covers whole. For listings assembled outside the search engine
    (history)."""
    guard = visibility(services, request)
    by_type: dict[str, set[str]] = {}
    for resource_type, resource_id in keys:
        by_type.setdefault(resource_type, set()).add(resource_id)
    seen: set[tuple[str, str]] = set()
    r = resources.c
    for resource_type, ids in by_type.items():
        condition = guard.where(resource_type, permission)
        if condition is None:
            seen.update((resource_type, i) for i in ids)
            continue
        if isinstance(condition, False_):
            continue
        for chunk in _chunks(sorted(ids)):
            query = select(r.id).where(r.resource_type == resource_type, r.id.in_(chunk), condition)
            seen.update((resource_type, row[0]) for row in conn.execute(query))
    return seen


def _chunks(ids: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


DEIDENTIFIED_EXPORT_ROLES = frozenset({"analyst", "regulator", "administrator"})


def require_export(services: Services, request: FhirRequest) -> None:
    """Bulk export hands over whole types: identified data needs a grant without narrowing or
    patient context on every exported type (system/*.rs, say); a de-identified export
    (`_deidentify`) is also open to the analyst, regulator and administrator roles."""
    access = request.access or NOBODY
    if access.unrestricted:
        return
    if request.param("_deidentify") and access.role in DEIDENTIFIED_EXPORT_ROLES:
        return
    types = [t for t in (request.param("_type") or "").split(",") if t] or ["*"]
    whole = [
        s
        for s in access.scopes.resource_scopes
        if s.context != "patient" and not s.narrowing and "r" in s.permissions
    ]
    missing = [t for t in types if not any(s.resource_type in ("*", t) for s in whole)]
    if missing:
        raise errors.error(
            403,
            "forbidden",
            f"Bulk export of {', '.join(missing)} needs a read scope on the whole type "
            "(system/ or user/, without a query); ask for a de-identified export instead",
        )


def record_owner(services: Services, request: FhirRequest, job_id: str) -> None:
    access = request.access or NOBODY
    with services.db.begin() as conn:
        conn.execute(
            export_jobs.update().where(export_jobs.c.id == job_id).values(owner=access.actor)
        )


def check_owner(services: Services, request: FhirRequest, job_id: str) -> None:
    """An export job and its files answer only the one who asked (404 to anyone else)."""
    access = request.access or NOBODY
    if access.unrestricted:
        return
    with services.db.read() as conn:
        owner = conn.execute(select(export_jobs.c.owner).where(export_jobs.c.id == job_id)).first()
    if owner is None or owner[0] != access.actor:
        raise errors.not_found(f"No export job '{job_id}'")


def require_administration(services: Services, request: FhirRequest, what: str) -> None:
    """Server administration ($reindex): the platform itself, administrators, or a system
    client allowed to update SearchParameters."""
    access = request.access or NOBODY
    if access.unrestricted or access.role == "administrator":
        return
    if visibility(services, request).permits_type("SearchParameter", "u"):
        return
    raise errors.error(403, "forbidden", f"{what} is for administrators")
