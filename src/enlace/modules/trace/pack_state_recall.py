"""A regulator recalls a lot: every pack of it still in the chain turns `recalled`, holders listed.

The recall is recorded (`trace_epcis_recalls`), so packs of the lot commissioned later start
recalled too. Packs already dispensed, destroyed or decommissioned keep their state (they are
out of the chain; the dispense records reach the patients). Each holder — a place with recalled
packs — gets a `recall` alert, which is the notification other modules deliver.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from enlace.modules.trace.epcis_capture import to_us
from enlace.modules.trace.epcis_tables import locations, objects, recalls
from enlace.modules.trace.events_alerts import Alert, insert_alerts
from enlace.modules.trace.pack_state import State

IN_CHAIN = (State.COMMISSIONED, State.IN_TRANSIT, State.AT_LOCATION, State.EXPIRED)


@dataclass(frozen=True, slots=True)
class Holder:
    location: str | None
    name: str | None
    packs: int


@dataclass(frozen=True, slots=True)
class RecallReport:
    gtin: str
    lot: str
    packs: int  # packs turned recalled now
    holders: list[Holder]
    already_recalled: bool


def recall_lot(conn: Connection, gtin: str, lot: str, reason: str, now: datetime) -> RecallReport:
    now_us = to_us(now)
    known = conn.execute(
        select(recalls.c.gtin).where(recalls.c.gtin == gtin, recalls.c.lot == lot)
    ).first()
    if known is None:
        conn.execute(recalls.insert().values(gtin=gtin, lot=lot, reason=reason, recalled_us=now_us))
    changed = conn.execute(
        objects.update()
        .where(objects.c.gtin == gtin, objects.c.lot == lot, objects.c.state.in_(IN_CHAIN))
        .values(state=State.RECALLED.value)
    ).rowcount
    found = holders(conn, gtin, lot)
    notice = "lot {lot} of GTIN {gtin} recalled ({reason}): {packs} packs held here"
    alerts = [
        Alert(
            "recall",
            None,
            None,
            h.location,
            notice.format(lot=lot, gtin=gtin, reason=reason, packs=h.packs),
        )
        for h in found
    ]
    insert_alerts(conn, alerts, now_us)
    return RecallReport(gtin, lot, changed, found, known is not None)


def holders(conn: Connection, gtin: str, lot: str) -> list[Holder]:
    """Places holding recalled packs of the lot, most packs first."""
    count = func.count().label("packs")
    query = (
        select(objects.c.location, locations.c.name, count)
        .select_from(objects.outerjoin(locations, locations.c.location_id == objects.c.location))
        .where(
            objects.c.gtin == gtin, objects.c.lot == lot, objects.c.state == State.RECALLED.value
        )
        .group_by(objects.c.location, locations.c.name)
        .order_by(count.desc(), objects.c.location)
    )
    return [Holder(row.location, row.name, int(row.packs)) for row in conn.execute(query)]
