"""Use cases: take the day's snapshot, set a facility's delivery cycle, check the filters a
reader passes. Bad input is a FhirError naming the parameter (400 malformed or in the future,
404 unknown facility, product, state or institution), raised before anything is written."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, select

from enlace.kernel.errors import bad_request, error
from enlace.modules import catalog
from enlace.modules.supply_kpis.kpis import Plan
from enlace.modules.supply_kpis.ledger_source import read_ledger
from enlace.modules.supply_kpis.runout import DeliveryCycle
from enlace.modules.supply_kpis.snapshot import Progress, Snapshot, compute
from enlace.modules.supply_kpis.tables import delivery_cycles
from enlace.modules.supply_kpis.writer import write
from enlace.store.database import Database

FACILITIES = {f.slug: f for f in catalog.facilities()}
PRODUCTS = frozenset(m.slug for m in catalog.formulary())
STATES = frozenset(catalog.STATES)
INSTITUTIONS = frozenset(i.slug for i in catalog.institutions())


def parse_day(value: str, today: date, where: str = "date") -> date:
    """A snapshot day: YYYY-MM-DD, not after today."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"'{value}' is not a date (YYYY-MM-DD)", where) from None
    if len(value) != 10:
        raise bad_request(f"'{value}' is not a date (YYYY-MM-DD)", where)
    if day > today:
        raise bad_request(f"{value} is in the future (today is {today.isoformat()})", where)
    return day


def check_filter(kind: str, value: str | None) -> None:
    """404 naming the parameter when a facility, product, state or institution is unknown."""
    known = {
        "facility": FACILITIES,
        "product": PRODUCTS,
        "state": STATES,
        "institution": INSTITUTIONS,
    }[kind]
    if value is not None and value not in known:
        raise error(404, "not-found", f"unknown {kind} '{value}'", kind)


def take_snapshot(
    conn: Connection,
    day: date,
    taken_us: int,
    plan: Plan = Plan(),
    facilities: list[catalog.Facility] | None = None,
    progress: Progress = lambda _: None,
    products: frozenset[str] = PRODUCTS,
) -> Snapshot:
    """Read the ledger, compute the day's KPIs and alerts, and replace the day's rows, in the
    caller's transaction. By default every catalog facility and formulary product is looked
    at."""
    ledger = read_ledger(
        conn,
        day,
        plan,
        facilities if facilities is not None else list(FACILITIES.values()),
        progress,
        sorted(products),
    )
    snapshot = compute(ledger, plan, cycles(conn))
    write(conn, snapshot, taken_us, lambda _: None)
    return snapshot


def take_snapshot_read_first(
    db: Database, day: date, taken_us: int, plan: Plan, progress: Progress
) -> Snapshot:
    """The same, reading the ledger before the write transaction opens: on SQLite a write
    transaction holds the only write lock, and dispensing should not wait for the whole read.
    The day's rows are still replaced all at once."""
    with db.read() as conn:
        ledger = read_ledger(conn, day, plan, list(FACILITIES.values()), progress, sorted(PRODUCTS))
    with db.begin() as conn:
        snapshot = compute(ledger, plan, cycles(conn))
        write(conn, snapshot, taken_us, lambda _: None)
    return snapshot


def cycles(conn: Connection) -> dict[str, DeliveryCycle]:
    return {
        facility: DeliveryCycle(every, date.fromisoformat(first))
        for facility, every, first in conn.execute(select(delivery_cycles))
    }


def set_cycle(conn: Connection, facility: str, every_days: int, first_delivery: date) -> None:
    check_filter("facility", facility)
    try:
        cycle = DeliveryCycle(every_days, first_delivery)
    except ValueError as exc:
        raise bad_request(str(exc), "every") from exc
    conn.execute(delivery_cycles.delete().where(delivery_cycles.c.facility == facility))
    conn.execute(
        delivery_cycles.insert().values(
            facility=facility,
            every_days=cycle.every_days,
            first_delivery=cycle.first_delivery.isoformat(),
        )
    )
