"""Evaluating a logger's readings: faults recorded, WHO alarms opened as excursions (which
quarantine the lots), and what the pages and other modules read (docs/coldchain.md).

`on_logger_readings` is the handler monitoring calls (monitoring.place_devices, registered by
bootstrap) with a logger's new readings, inside the ingest transaction: a reading that opens an
excursion and the quarantine it causes commit together or not at all. It re-reads the logger's
series from LOOKBACK_US before the earliest new reading (or from the start of an excursion still
going on), because a late reading can complete a 10-hour run that began long before it; the
excursion is identified by logger, kind and start, so evaluating the same series twice opens
nothing twice. `evaluate` does the same for every active logger (the CLI; a logger's readings
stored before this module was wired in).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, or_, select, update

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, fhir_instant, from_epoch_us
from enlace.modules import monitoring
from enlace.modules.coldchain import domain, loggers, quarantine
from enlace.modules.coldchain.domain import Point
from enlace.modules.coldchain.loggers import Logger
from enlace.modules.coldchain.tables import excursions, faults, holds
from enlace.store.repository import FhirRepository

# How far before the earliest new reading the series is re-read. A run not yet recorded as an
# excursion is shorter than the heat alarm's 10 h (else it would be one, and an excursion still
# going on moves the start back to its own); a stuck run is flagged once it reaches 12 h. So
# 12 h plus the 2-hour gap that may precede a reading covers both; more only costs reads (48 h
# cost 8.5 ms a one-reading message on SQLite against 1.6 ms for a thermometer's, bench).
LOOKBACK_US = domain.STUCK_US + domain.MAX_GAP_US
END_OF_TIME_US = 2**62
KIND_ES = {domain.HEAT: "calor", domain.FREEZE: "congelación"}


@dataclass(frozen=True, slots=True)
class Hold:
    excursion: str
    facility: str
    product: str
    gtin: str
    lot: str
    units: int
    status: str


def on_logger_readings(
    conn: Connection,
    repo: FhirRepository,
    device: str,
    new: Sequence[monitoring.Reading],
) -> list[str]:
    """The monitoring handler: the excursions the new readings opened or extended."""
    logger = loggers.get(conn, device)
    if logger is None or logger.status != "active":
        message = (
            f"Device/{device} guards no cold-chain place: add it with enlace coldchain loggers add"
        )
        raise errors.error(403, "forbidden", message, "device")
    sent = [Point(r.effective_us, r.value) for r in new]
    start_us = min(p.t_us for p in sent) - LOOKBACK_US
    return evaluate_logger(conn, repo, logger, start_us, domain.clock_jumps(sent))


def evaluate(conn: Connection, repo: FhirRepository) -> dict[str, list[str]]:
    """Every active logger's whole series: {device: excursion ids opened or extended}."""
    found = {}
    for logger in loggers.list_loggers(conn):
        if logger.status == "active":
            found[logger.device] = evaluate_logger(conn, repo, logger, 0)
    return found


def evaluate_logger(
    conn: Connection,
    repo: FhirRepository,
    logger: Logger,
    start_us: int,
    sent_faults: Sequence[domain.Fault] = (),
) -> list[str]:
    ongoing = conn.execute(
        select(func.min(excursions.c.start_us)).where(
            excursions.c.logger == logger.device, excursions.c.end_us.is_(None)
        )
    ).scalar()
    if ongoing is not None:
        start_us = min(start_us, int(ongoing))
    points = series(conn, logger.device, start_us, END_OF_TIME_US)
    stuck = domain.stuck_runs(points)
    _record_faults(conn, repo, logger, [*sent_faults, *stuck, *domain.gaps(points)])
    # A stuck run recorded before may reach into the window only in part (shorter than 12 h
    # here): its readings stay out all the same.
    clean = domain.without_stuck(points, [*stuck, *_stuck_before(conn, logger, start_us)])
    return [_upsert(conn, repo, logger, found) for found in domain.excursions(clean)]


def _stuck_before(conn: Connection, logger: Logger, start_us: int) -> list[domain.Fault]:
    query = select(faults).where(
        faults.c.logger == logger.device,
        faults.c.kind == domain.STUCK,
        faults.c.end_us >= start_us,
    )
    return [domain.Fault(r.kind, r.start_us, r.end_us, r.detail) for r in conn.execute(query)]


def series(conn: Connection, device: str, start_us: int, end_us: int) -> list[Point]:
    readings = monitoring.series.device_readings(
        conn, device, monitoring.STORAGE_TEMPERATURE, start_us, end_us
    )
    return [Point(r.effective_us, r.value) for r in readings]


def _upsert(conn: Connection, repo: FhirRepository, logger: Logger, found: domain.Excursion) -> str:
    """The stored excursion this alarm is (extended to it), or a new one, quarantining."""
    c = excursions.c
    same = conn.execute(
        select(c.id, c.start_us, c.last_us, c.peak_c).where(
            c.logger == logger.device,
            c.kind == found.kind,
            c.start_us <= found.last_us,
            or_(c.end_us.is_(None), c.end_us >= found.start_us),
        )
    ).first()
    worst = max if found.kind == domain.HEAT else min
    if same is not None:
        values = {
            "start_us": min(same.start_us, found.start_us),
            "end_us": found.end_us,
            "last_us": max(same.last_us, found.last_us),
            "peak_c": worst(same.peak_c, found.peak_c),
        }
        conn.execute(update(excursions).where(c.id == same.id).values(**values))
        return str(same.id)
    excursion_id = repo.new_id()
    row = {
        "id": excursion_id,
        "logger": logger.device,
        "facility": logger.facility,
        "kind": found.kind,
        "start_us": found.start_us,
        "end_us": found.end_us,
        "last_us": found.last_us,
        "peak_c": found.peak_c,
        "opened_us": epoch_us(repo.clock()),
        "status": "open",
    }
    conn.execute(excursions.insert(), row)
    lots = loggers.guarded_lots(conn, logger)
    task = quarantine.quarantine(conn, repo, excursion_id, logger, lots, _summary(logger, found))
    conn.execute(update(excursions).where(c.id == excursion_id).values(task_id=task))
    return excursion_id


def _summary(logger: Logger, found: domain.Excursion) -> str:
    hours = found.duration_us / 3_600_000_000
    since = fhir_instant(from_epoch_us(found.start_us))
    return (
        f"Excursión de {KIND_ES[found.kind]} en {logger.label} ({logger.facility}):"
        f" {found.peak_c:g} °C, {hours:.1f} h desde {since}"
    )


def _record_faults(
    conn: Connection, repo: FhirRepository, logger: Logger, found: Sequence[domain.Fault]
) -> None:
    if not found:
        return
    known = {
        (row.kind, row.start_us)
        for row in conn.execute(
            select(faults.c.kind, faults.c.start_us).where(faults.c.logger == logger.device)
        )
    }
    now_us = epoch_us(repo.clock())
    rows = {}
    for fault in found:
        if (fault.kind, fault.start_us) not in known:
            rows[(fault.kind, fault.start_us)] = {
                "logger": logger.device,
                "kind": fault.kind,
                "start_us": fault.start_us,
                "end_us": fault.end_us,
                "detail": fault.detail,
                "detected_us": now_us,
            }
    if rows:
        conn.execute(faults.insert(), list(rows.values()))


def quarantined_lots(conn: Connection, facility: str) -> set[tuple[str, str]]:
    """(GTIN, lot) of the lots held in quarantine at the facility. Their units are already off
    the shelf in the inventory ledger (a `quarantine` adjustment): stock on hand excludes them,
    so do not subtract them again."""
    query = select(holds.c.gtin, holds.c.lot).where(
        holds.c.facility == facility, holds.c.status == "held"
    )
    return {(row.gtin, row.lot) for row in conn.execute(query)}


def quarantined_stock(conn: Connection, facility: str | None = None) -> list[Hold]:
    query = select(holds).where(holds.c.status == "held").order_by(holds.c.facility, holds.c.lot)
    if facility is not None:
        query = query.where(holds.c.facility == facility)
    return [
        Hold(r.excursion, r.facility, r.product, r.gtin, r.lot, r.units, r.status)
        for r in conn.execute(query)
    ]


def decide(
    conn: Connection,
    repo: FhirRepository,
    excursion_id: str,
    decision: str,
    reason: str,
    who: str,
    roles: frozenset[str] | set[str],
    facility: str | None = None,
) -> dict[str, object]:
    """The pharmacist's decision (403 for any other role, or for a pharmacist of another
    facility than `facility` when given); see quarantine.decide."""
    if not set(roles) & quarantine.DECIDE_ROLES:
        message = "Only a pharmacist decides what becomes of quarantined lots"
        raise errors.error(403, "forbidden", message, "decision")
    if facility is not None:
        found = conn.execute(
            select(excursions.c.facility).where(excursions.c.id == excursion_id)
        ).scalar()
        if found is not None and found != facility:
            message = f"Excursion {excursion_id} is at another facility than yours"
            raise errors.error(403, "forbidden", message, "decision")
    return quarantine.decide(conn, repo, excursion_id, decision, reason, who)
