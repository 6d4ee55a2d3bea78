"""What interactions need from the rest of the system, assembled once by bootstrap."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from enlace.fhir.definitions import FhirDefinitions
from enlace.fhir.validation import validate_resource
from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant, system_clock
from enlace.kernel.settings import Settings
from enlace.search.runtime import SearchRuntime
from enlace.security.audit_trail import AuditTrail
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

from .messages import FhirRequest, FhirResponse
from .observation_source import ObservationSource

# A type-level operation a domain module offers (`POST [base]/{Type}/${name}`), registered by
# bootstrap: interactions may not import modules, so the router looks them up here. They run on
# the HTTP event loop like by-id reads (entrypoints/http/fhir_asgi.py): short and read-only (see
# interactions/module_operations.py); one that writes would belong in the thread pool.
TypeOperation = Callable[["Services", FhirRequest], FhirResponse]


@dataclass
class Services:
    settings: Settings
    db: Database
    repo: FhirRepository
    definitions: FhirDefinitions
    search: SearchRuntime
    started_at: str = field(default_factory=lambda: fhir_instant(system_clock()))
    # Long jobs ($export) run here, off the request path; their state lives in the database.
    background: Executor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=1))
    audit: AuditTrail | None = None  # every access is recorded (docs/security.md, Audit)
    # (resource type, operation name without "$") -> handler; see TypeOperation
    type_operations: dict[tuple[str, str], TypeOperation] = field(default_factory=dict)
    # Those of them that write (Claim/$submit): on PostgreSQL they run in the thread pool.
    writing_operations: set[tuple[str, str]] = field(default_factory=set)
    # Observations kept outside `resources` (device readings), registered by bootstrap: search
    # and read merge them in under the same access rules (interactions/observation_merge.py).
    observation_sources: list[ObservationSource] = field(default_factory=list)
    # Checks a module adds for one resource type beyond the base validation (Subscription's
    # topic, channel and endpoint), registered by bootstrap: resource -> problems.
    resource_checks: dict[str, Callable[[dict[str, Any]], list[errors.Issue]]] = field(
        default_factory=dict
    )
    # Elements a module adds to its type's CapabilityStatement entry (Subscription's backport
    # profile and topics), registered by bootstrap: resource type -> elements.
    resource_capabilities: dict[str, dict[str, Any]] = field(default_factory=dict)

    def require_type(self, resource_type: str) -> str:
        if resource_type not in self.definitions.resource_types:
            raise errors.not_found(f"Unknown resource type '{resource_type}'")
        return resource_type

    @contextmanager
    def writing(self, conn: Connection | None = None) -> Iterator[Connection]:
        """The caller's transaction when there is one (a transaction Bundle), else a new one."""
        if conn is not None:
            yield conn
            return
        with self.db.begin() as own:
            yield own

    @contextmanager
    def reading(self, conn: Connection | None = None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
            return
        with self.db.read() as own:
            yield own

    def validate(self, body: Any, expected_type: str | None = None) -> list[errors.Issue]:
        issues = validate_resource(body, self.definitions, expected_type)
        extra = self.resource_checks.get(body.get("resourceType")) if not issues else None
        return extra(body) if extra is not None else issues

    def checked_resource(self, body: Any, expected_type: str | None = None) -> dict[str, Any]:
        """The body as a valid resource, or a 400 listing every problem with its location."""
        issues = self.validate(body, expected_type)
        if issues:
            raise errors.FhirError(400, issues)
        resource: dict[str, Any] = body
        return resource
