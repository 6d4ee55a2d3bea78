"""What each request did, turned into audit entries: writes in their own transaction, reads and
search hits through the buffer, refusals too (a 403 or 404 is an attempt worth recording).

The request's context (who, request id, source address) travels in a context variable set by
the interactions' dispatcher, so the repository's write observer, deep in a transaction Bundle,
records the write with the right actor without every caller passing it along.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Connection

from enlace.kernel.clock import Clock, epoch_us, system_clock
from enlace.store.database import Database
from enlace.store.records import StoredVersion

from .access import Access
from .audit import AuditEntry, login_entry
from .audit_log import record

if TYPE_CHECKING:
    from .users import LoginAttempt

# The first reference to a Patient in a resource's JSON: `subject`, `patient`, `beneficiary`...
# are the compartment links of nearly every type, and they come before `performer`-like ones.
_PATIENT_REFERENCE = re.compile(rb'"reference"\s*:\s*"Patient/([A-Za-z0-9\-.]{1,64})"')
_WRITE_ACTIONS = {"POST": ("C", "create"), "PUT": ("U", "update"), "PATCH": ("U", "patch")}
Touched = tuple[str, str, bytes]  # resource type, id, stored JSON


class ReadSink(Protocol):
    def extend(self, entries: Iterable[AuditEntry]) -> None: ...

    def close(self) -> None: ...


@dataclass(slots=True)
class RequestContext:
    access: Access
    request_id: str | None
    source_ip: str | None


_current: ContextVar[RequestContext | None] = ContextVar("enlace_audit_request", default=None)


@contextmanager
def request_context(context: RequestContext) -> Iterator[None]:
    token = _current.set(context)
    try:
        yield
    finally:
        _current.reset(token)


def patient_of(resource_type: str, resource_id: str, content: bytes | None) -> str | None:
    """Whose record a resource belongs to, for the patient's access log."""
    if resource_type == "Patient":
        return resource_id
    if not content:
        return None
    found = _PATIENT_REFERENCE.search(content)
    return found.group(1).decode() if found else None


class AuditTrail:
    """The platform's audit trail: `written` is the repository's write observer; `read` and
    `refused` take what a request returned or why it failed."""

    def __init__(self, db: Database, reads: ReadSink | None, clock: Clock = system_clock) -> None:
        self.db = db
        self.reads = reads  # the AuditBuffer of a serving process; None writes at once
        self.clock = clock

    def written(self, conn: Connection, version: StoredVersion) -> None:
        context = _current.get()
        if context is None:  # the platform's own jobs (bulk import is audited as a whole)
            return
        if version.deleted:
            action, interaction = "D", "delete"
        elif version.version_id == 1:
            action, interaction = "C", "create"
        else:
            action, interaction = _WRITE_ACTIONS.get(version.method, ("U", "update"))
        entry = self._entry(context, action, interaction, 201 if action == "C" else 200)
        entry.resource_type, entry.resource_id = version.resource_type, version.id
        entry.patient_id = patient_of(version.resource_type, version.id, version.content)
        record(conn, [entry])

    def read(
        self,
        context: RequestContext,
        interaction: str,
        touched: list[Touched],
        query: str | None,
        conn: Connection | None = None,
    ) -> None:
        """One entry per resource a read, search, history or $everything returned."""
        action = "search" if interaction not in ("read", "vread") else "R"
        entries = []
        for resource_type, resource_id, content in touched:
            entry = self._entry(context, action, interaction, 200)
            entry.resource_type, entry.resource_id = resource_type, resource_id
            entry.patient_id = patient_of(resource_type, resource_id, content)
            entry.query = query
            entries.append(entry)
        if not entries and action == "search":  # a search that found nothing was still made
            entries.append(self._entry(context, action, interaction, 200, query=query))
        self._store(entries, conn)

    def attempted(
        self,
        context: RequestContext,
        interaction: str,
        status: int,
        resource: tuple[str, str | None] | None,
        query: str | None,
        conn: Connection | None = None,
    ) -> None:
        """A request that failed or did something other than read (export, reindex)."""
        if interaction == "$export":
            action = "export"
        else:
            action = "E" if status < 400 else _action_of(interaction)
        entry = self._entry(context, action, interaction, status, query=query)
        if resource is not None:
            entry.resource_type, entry.resource_id = resource
            if resource[0] == "Patient":
                entry.patient_id = resource[1]
        self._store([entry], conn)

    def close(self) -> None:
        """Write what the read buffer still holds (a serving worker's shutdown)."""
        if self.reads is not None:
            self.reads.close()

    def login(self, attempt: LoginAttempt, request_id: str | None, source_ip: str | None) -> None:
        """A login step, successful or not (unknown usernames are not: people type passwords
        into that field by mistake)."""
        if attempt.user_id is None:
            return
        self._store([login_entry(attempt, request_id=request_id, source_ip=source_ip)])

    def _entry(
        self,
        context: RequestContext,
        action: str,
        interaction: str,
        status: int,
        **extra: str | None,
    ) -> AuditEntry:
        return AuditEntry.of(
            context.access,
            action=action,
            interaction=interaction,
            outcome=status,
            recorded_us=epoch_us(self.clock()),
            request_id=context.request_id,
            source_ip=context.source_ip,
            **extra,
        )

    def _store(self, entries: list[AuditEntry], conn: Connection | None = None) -> None:
        """Inside a transaction Bundle, in its transaction; else buffered, or at once."""
        if not entries:
            return
        if conn is not None:
            record(conn, entries)
            return
        if self.reads is not None:
            self.reads.extend(entries)
            return
        with self.db.begin() as conn:
            record(conn, entries)


def _action_of(interaction: str) -> str:
    for method, (action, name) in _WRITE_ACTIONS.items():
        if name == interaction or method == interaction:
            return action
    if interaction == "delete":
        return "D"
    if interaction in ("read", "vread"):
        return "R"
    return "search" if interaction.startswith(("search", "history", "$everything")) else "E"
