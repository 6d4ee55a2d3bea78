"""What eligibility reads and writes: plans (cached per process), coverages, accumulators.

Plans change rarely and every check needs one: they are kept in process for `PLAN_TTL_SECONDS`
(the repository has one write observer, taken by the audit trail, so there is no write hook to
invalidate on); `load_plans` forgets them at once in its own process.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from sqlalchemy import Connection, text

from enlace.modules import catalog
from enlace.store.repository import FhirRepository

from . import fhir_map
from .domain import Plan, Product

PLAN_TTL_SECONDS = 30.0

_plans: dict[str, tuple[float, Plan | None]] = {}
_plans_lock = threading.Lock()


def forget_plans() -> None:
    with _plans_lock:
        _plans.clear()


def plan(repo: FhirRepository, conn: Connection, plan_id: str) -> Plan | None:
    now = time.monotonic()
    cached = _plans.get(plan_id)
    if cached is not None and now - cached[0] < PLAN_TTL_SECONDS:
        return cached[1]
    stored = repo.current(conn, "InsurancePlan", plan_id)
    found = None
    if stored is not None and not stored.deleted:
        found = fhir_map.plan_from_fhir(stored.resource())
    with _plans_lock:
        _plans[plan_id] = (now, found)
    return found


def resource(repo: FhirRepository, conn: Connection, kind: str, rid: str) -> dict[str, Any] | None:
    stored = repo.current(conn, kind, rid)
    if stored is None or stored.deleted:
        return None
    return stored.resource()


_COVERAGES_OF = text(
    "SELECT resource_id FROM reference_index WHERE resource_type = 'Coverage' "
    "AND param = 'beneficiary' AND target_type = 'Patient' AND target_id = :patient "
    "ORDER BY resource_id"
)


def coverage_ids_of(conn: Connection, patient_id: str) -> list[str]:
    """The patient's Coverages by the search index (for discovery)."""
    return [row[0] for row in conn.execute(_COVERAGES_OF, {"patient": patient_id})]


# Every check reads the accumulators: driver SQL, rendered once per dialect (as store/sql.py
# does for the repository's hot path), skips compiling a Core statement on each call; the
# profile of bench/eligibility.py had that compilation at a third of a check.
_READ_USAGE = (
    "SELECT holder, period, bucket, amount FROM coverage_accumulators "
    "WHERE holder IN (:coverage, :policy)"
)
_ADD_USAGE = (
    "INSERT INTO coverage_accumulators (holder, period, bucket, amount) "
    "VALUES (:holder, :period, :bucket, :amount) "
    "ON CONFLICT (holder, period, bucket) "
    "DO UPDATE SET amount = coverage_accumulators.amount + excluded.amount"
)
_PYFORMAT = re.compile(r":(\w+)")


@cache
def _rendered(statement: str, dialect: str) -> str:
    """sqlite3 takes `:name` as written; psycopg wants `%(name)s`."""
    return statement if dialect == "sqlite" else _PYFORMAT.sub(r"%(\1)s", statement)


def usage(conn: Connection, coverage_id: str, policy_id: str) -> dict[tuple[str, str, str], int]:
    statement = _rendered(_READ_USAGE, conn.dialect.name)
    rows = conn.exec_driver_sql(statement, {"coverage": coverage_id, "policy": policy_id})
    return {(h, p, b): int(a) for h, p, b, a in rows}


_LOCK_HOLDER = "SELECT pg_advisory_xact_lock(hashtextextended('coverage-usage:' || %s, 0))"


def lock_usage(conn: Connection, holders: Iterable[str]) -> None:
    """Serialize checking-then-recording usage per holder (coverage or family policy) until the
    caller's transaction ends. Two pharmacies claiming on one policy at once would otherwise both
    read the same accumulators and together pass a ceiling neither alone could. PostgreSQL:
    transaction-scoped advisory locks, taken in sorted order so two batches cannot deadlock.
    SQLite needs none: its write transactions (BEGIN IMMEDIATE) already run one at a time."""
    if conn.dialect.name != "postgresql":
        return
    for holder in sorted(set(holders)):
        conn.exec_driver_sql(_LOCK_HOLDER, (holder,))


def add_usage(conn: Connection, delta: Mapping[tuple[str, str, str], int]) -> None:
    """Add to the accumulators in the caller's transaction (a dispense, a paid claim)."""
    rows = [
        {"holder": h, "period": p, "bucket": b, "amount": a}
        for (h, p, b), a in sorted(delta.items())
        if a
    ]
    if rows:
        conn.exec_driver_sql(_rendered(_ADD_USAGE, conn.dialect.name), rows)


# -- the catalog as eligibility sees it --------------------------------------------------------
def _product(m: catalog.Medicine) -> Product:
    return Product(m.slug, m.atc, m.group, m.pack_size, m.price_centavos)


@cache
def products() -> tuple[Product, ...]:
    return tuple(_product(m) for m in catalog.formulary())


@cache
def _by_slug() -> dict[str, Product]:
    return {p.slug: p for p in products()}


@cache
def _by_gtin() -> dict[str, Product]:
    return {m.gtin: _product(m) for m in catalog.formulary()}


@cache
def _cheapest_by_atc() -> dict[str, Product]:
    out: dict[str, Product] = {}
    for p in sorted(products(), key=lambda p: p.price_centavos, reverse=True):
        out[p.atc] = p
    return out


def product_by_slug(slug: str) -> Product | None:
    return _by_slug().get(slug)


def product_by_code(system: str, code: str) -> Product | None:
    """GTIN names one presentation; an ATC code its cheapest one in the formulary."""
    if system == "https://www.gs1.org/gtin":
        return _by_gtin().get(code)
    if system == "http://www.whocc.no/atc":
        return _cheapest_by_atc().get(code)
    return None


@cache
def _institution_of_location() -> dict[str, str]:
    return {f"loc-{f.slug}": f.institution for f in catalog.facilities()}


def institution_of(reference: str) -> str | None:
    """The Organization slug behind `Organization/org-x` or a catalog `Location/loc-y`."""
    kind, _, rid = reference.partition("/")
    if kind == "Organization" and rid.startswith("org-"):
        return rid.removeprefix("org-")
    if kind == "Location":
        return _institution_of_location().get(rid)
    return None


def known_organizations() -> Iterable[str]:
    return (i.slug for i in catalog.institutions())
