"""Blocked resources: what an ARCO cancellation withdrew from use but a law requires to keep.

LFPDPPP (2025) cancellation is blocking first and suppression later: blocked data is kept safe,
unusable and out of sight, until its retention term ends (the clinical record: NOM-004-SSA3-2012,
at least 5 years). Blocking never touches `resources` or `resource_history`; it adds rows to
`blocked_resources`, and every read path excludes them through `blocked_condition`, except for
those who answer for the retention itself (`may_see_blocked`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from enlace.fhir.compartments import patient_compartment_params
from enlace.store.database import Database
from enlace.store.schema import resources

from .access import Access
from .recheck import Rechecked
from .tables import blocked_resources

# Who may still see blocked data: the regulator (Secretaría Anticorrupción y Buen Gobierno,
# COFEPRIS, a court) and the network's administrators, who keep it for them.
SEES_BLOCKED_ROLES = frozenset({"regulator", "administrator"})


def blocked_condition(resource_type: str, target: Any = resources) -> ColumnElement[bool] | None:
    """TRUE for rows of `target` (`resources` or an alias of it) that are blocked; None for a
    type that is never blocked (only the Patient compartment holds a person's data, so a
    Medication or an Organization costs no subquery).

    Uncorrelated `id IN (SELECT id ... WHERE resource_type = :t)`: the primary key of
    blocked_resources answers it, on SQLite and PostgreSQL alike."""
    if not blockable(resource_type):
        return None
    b = blocked_resources.c
    blocked_ids = select(b.id).where(b.resource_type == resource_type)
    condition: ColumnElement[bool] = target.c.id.in_(blocked_ids.correlate(None))
    return condition


def may_see_blocked(access: Access) -> bool:
    return access.unrestricted or access.role in SEES_BLOCKED_ROLES


def blockable(resource_type: str) -> bool:
    return resource_type == "Patient" or resource_type in patient_compartment_params()


def blocked_keys(conn: Connection, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (type, id) are blocked, in chunks."""
    wanted = sorted(set(keys))
    found: set[tuple[str, str]] = set()
    b = blocked_resources.c
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(b.resource_type, b.id).where(tuple_(b.resource_type, b.id).in_(chunk))
        found.update((row[0], row[1]) for row in conn.execute(query))
    return found


def block(
    conn: Connection,
    keys: Iterable[tuple[str, str]],
    *,
    patient_id: str,
    reason: str,
    now_us: int,
    request_id: str | None,
) -> int:
    """Block these resources (those already blocked keep their first reason); returns how
    many were newly blocked."""
    wanted = set(keys)
    fresh = sorted(wanted - blocked_keys(conn, wanted))
    rows = [
        {
            "resource_type": resource_type,
            "id": resource_id,
            "patient_id": patient_id,
            "reason": reason,
            "blocked_us": now_us,
            "request_id": request_id,
        }
        for resource_type, resource_id in fresh
    ]
    for start in range(0, len(rows), 1000):
        conn.execute(blocked_resources.insert(), rows[start : start + 1000])
    _blocked_types.invalidate()  # (before commit: a read in between re-reads, no harm)
    return len(rows)


def blocked_reasons(conn: Connection, patient_id: str) -> dict[str, int]:
    """How many of a patient's resources are blocked, by the reason for keeping them."""
    b = blocked_resources.c
    query = select(b.reason, func.count()).where(b.patient_id == patient_id).group_by(b.reason)
    return {row[0]: int(row[1]) for row in conn.execute(query)}


_blocked_types: Rechecked[frozenset[str]] = Rechecked()


def blocked_types(db: Database) -> frozenset[str]:
    """The types that have blocked rows at all, so the usual case (nothing of the type blocked)
    costs searches and reads no subquery (re-read at most once a second, see `Rechecked`)."""
    return _blocked_types.get(db.url, lambda: _read_blocked_types(db))


def _read_blocked_types(db: Database) -> frozenset[str]:
    with db.read() as conn:
        rows = conn.execute(select(blocked_resources.c.resource_type).distinct())
        return frozenset(row[0] for row in rows)
