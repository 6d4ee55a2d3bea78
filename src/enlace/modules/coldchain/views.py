"""What the pages and the JSON routes show: excursions, faults, each logger's state, and the
mean kinetic temperature and time outside the range of every lot a logger guards.

A lot's storage history at a facility starts at its first stock-card line there (its receipt);
its MKT is taken over the readings of each logger guarding it since then, and the worst logger
(highest MKT) is reported: inventory does not know on which shelf of the facility the lot sits,
so the conservative figure is the one a regulator should see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from enlace.modules import inventory, monitoring
from enlace.modules.coldchain import domain, loggers
from enlace.modules.coldchain.service import END_OF_TIME_US, Hold, series
from enlace.modules.coldchain.tables import excursions, faults, holds

SILENT_AFTER_US = domain.MAX_GAP_US
WEEK_US = 7 * 86_400_000_000


@dataclass(frozen=True, slots=True)
class ExcursionView:
    id: str
    logger: str
    facility: str
    kind: str
    start_us: int
    end_us: int | None
    peak_c: float
    status: str
    task_id: str | None
    decided_us: int | None
    decided_by: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class LoggerState:
    logger: loggers.Logger
    last_us: int | None
    last_c: float | None
    state: str  # ok | excursion | fault | silent | retired
    open_excursions: int
    faults: int


@dataclass(frozen=True, slots=True)
class LotReport:
    facility: str
    product: str
    gtin: str
    lot: str
    units: int
    since_us: int
    mkt_c: float | None
    outside_us: int


def list_excursions(
    conn: Connection, facility: str | None = None, status: str | None = None
) -> list[ExcursionView]:
    c = excursions.c
    query = select(excursions).order_by(c.start_us.desc(), c.id)
    if facility is not None:
        query = query.where(c.facility == facility)
    if status is not None:
        query = query.where(c.status == status)
    return [
        ExcursionView(
            r.id,
            r.logger,
            r.facility,
            r.kind,
            r.start_us,
            r.end_us,
            r.peak_c,
            r.status,
            r.task_id,
            r.decided_us,
            r.decided_by,
            r.reason,
        )
        for r in conn.execute(query)
    ]


def excursion_lots(conn: Connection, ids: list[str]) -> dict[str, list[Hold]]:
    """The lots each excursion held (whatever became of them), by excursion id."""
    found: dict[str, list[Hold]] = {i: [] for i in ids}
    if not ids:
        return found
    query = select(holds).where(holds.c.excursion.in_(ids)).order_by(holds.c.product, holds.c.lot)
    for r in conn.execute(query):
        hold = Hold(r.excursion, r.facility, r.product, r.gtin, r.lot, r.units, r.status)
        found[r.excursion].append(hold)
    return found


def list_faults(conn: Connection, logger: str) -> list[domain.Fault]:
    query = select(faults).where(faults.c.logger == logger).order_by(faults.c.start_us)
    return [domain.Fault(r.kind, r.start_us, r.end_us, r.detail) for r in conn.execute(query)]


def logger_states(conn: Connection, now_us: int, facility: str | None = None) -> list[LoggerState]:
    found = loggers.list_loggers(conn, facility)
    open_by = _count(conn, excursions.c.logger, excursions.c.status == "open")
    faults_by = _count(conn, faults.c.logger, faults.c.end_us >= now_us - WEEK_US)
    states = []
    for logger in found:
        last = _last_reading(conn, logger.device)
        state = "ok"
        if logger.status == "retired":
            state = "retired"
        elif open_by.get(logger.device):
            state = "excursion"
        elif last is None or now_us - last.t_us > SILENT_AFTER_US:
            state = "silent"
        elif faults_by.get(logger.device):
            state = "fault"
        states.append(
            LoggerState(
                logger,
                last.t_us if last else None,
                last.celsius if last else None,
                state,
                open_by.get(logger.device, 0),
                faults_by.get(logger.device, 0),
            )
        )
    return states


def _last_reading(conn: Connection, device: str) -> domain.Point | None:
    """The latest reading, looked for in the week before the logger's last message."""
    found = monitoring.registry.get(conn, device)
    if found is None or found.last_seen_us is None:
        return None
    recent = series(conn, device, found.last_seen_us - WEEK_US, END_OF_TIME_US)
    return recent[-1] if recent else None


def lot_reports(conn: Connection, facility: str, now_us: int) -> list[LotReport]:
    """MKT and time outside 2-8 °C of each lot the facility's active loggers guard."""
    reports: dict[tuple[str, str], LotReport] = {}
    for logger in loggers.list_loggers(conn, facility):
        if logger.status != "active":
            continue
        for lot in loggers.guarded_lots(conn, logger):
            since = _received_us(conn, facility, lot.product, lot.lot)
            points = series(conn, logger.device, since, now_us + 1)
            spans = domain.held(points)
            report = LotReport(
                facility,
                lot.product,
                lot.gtin,
                lot.lot,
                lot.units,
                since,
                domain.mkt_celsius(spans),
                domain.outside_range_us(points),
            )
            key = (lot.product, lot.lot)
            known = reports.get(key)
            if known is None or (report.mkt_c or -999) > (known.mkt_c or -999):
                reports[key] = report
    return sorted(reports.values(), key=lambda r: (r.product, r.lot))


def _received_us(conn: Connection, facility: str, product: str, lot: str) -> int:
    card = inventory.stock_card(conn, facility, product, lot, 0, 1)
    return card.lines[0].occurred_us if card.lines else 0


def _count(
    conn: Connection, column: ColumnElement[Any], condition: ColumnElement[bool]
) -> dict[str, int]:
    query = select(column, func.count()).where(condition).group_by(column)
    return {str(key): int(n) for key, n in conn.execute(query)}
