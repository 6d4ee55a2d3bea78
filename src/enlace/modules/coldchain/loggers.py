"""Which logger guards which place and which lots (docs/coldchain.md, Loggers).

A logger is a monitoring device of kind `temperature-logger` (its key, ingestion over HTTP and
MQTT, de-duplication: monitoring's) plus a `coldchain_loggers` row saying where it is. A fridge
or cold-room logger guards the facility's lots on hand of every medicine the catalog marks
cold-chain; a delivery-box logger guards the lots it was loaded with. Adding one binds the
device to its place in the monitoring registry (it may send from then on); retiring it unbinds
it, and its readings are refused again (403).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import orjson
from sqlalchemy import Connection, select, update

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules import catalog, inventory, monitoring
from enlace.modules.coldchain.tables import loggers
from enlace.store.repository import FhirRepository

PLACE_KINDS = ("fridge", "cold-room", "delivery-box")
LOGGER_KIND = "temperature-logger"
MAX_LABEL = 80
MAX_LOTS = 200


@dataclass(frozen=True, slots=True)
class Logger:
    device: str
    facility: str
    place_kind: str
    label: str
    lots: tuple[tuple[str, str], ...] | None  # delivery box: (product, lot); else None
    status: str
    added_us: int


@dataclass(frozen=True, slots=True)
class GuardedLot:
    product: str  # catalog medicine slug
    gtin: str
    lot: str
    units: int  # on hand at the facility


def add_logger(
    conn: Connection,
    repo: FhirRepository,
    *,
    facility: str,
    place_kind: str,
    label: str,
    lots: list[tuple[str, str]] | None = None,
    serial: str | None = None,
) -> tuple[str, str]:
    """Register a logger at its place: (device id, device key — shown only now)."""
    _check(facility, place_kind, label, lots)
    device, key = monitoring.registry.add_device(conn, repo, kind=LOGGER_KIND, serial=serial)
    monitoring.registry.bind_place(conn, repo, device, f"{facility} / {label}")
    row = {
        "device": device,
        "facility": facility,
        "place_kind": place_kind,
        "label": label,
        "lots": orjson.dumps(lots).decode() if lots is not None else None,
        "status": "active",
        "added_us": epoch_us(repo.clock()),
    }
    conn.execute(loggers.insert(), row)
    return device, key


def retire(conn: Connection, repo: FhirRepository, device: str) -> Logger:
    """Out of service: the device is unbound, its readings refused from now on."""
    found = require(conn, device)
    monitoring.registry.unbind(conn, repo, device)
    conn.execute(update(loggers).where(loggers.c.device == device).values(status="retired"))
    return replace(found, status="retired")


def get(conn: Connection, device: str) -> Logger | None:
    row = conn.execute(select(loggers).where(loggers.c.device == device)).first()
    return _logger(row._mapping) if row else None


def require(conn: Connection, device: str) -> Logger:
    found = get(conn, device)
    if found is None:
        message = f"Device/{device} is not a cold-chain logger bound to a place"
        raise errors.error(404, "not-found", message, "logger")
    return found


def list_loggers(conn: Connection, facility: str | None = None) -> list[Logger]:
    query = select(loggers).order_by(loggers.c.facility, loggers.c.label, loggers.c.device)
    if facility is not None:
        query = query.where(loggers.c.facility == facility)
    return [_logger(row._mapping) for row in conn.execute(query)]


def guarded_lots(conn: Connection, logger: Logger) -> list[GuardedLot]:
    """The lots on hand the logger's place holds (cold-chain medicines; a box: its own lots)."""
    levels = inventory.stock_on_hand(conn, logger.facility)
    wanted = set(logger.lots) if logger.lots is not None else None
    found = []
    for level in levels:
        medicine = catalog.medicine_by_slug(level.product)
        if medicine is None or level.lot is None:
            continue
        if wanted is not None and (level.product, level.lot) not in wanted:
            continue
        if wanted is None and medicine.cold_chain is None:
            continue
        found.append(GuardedLot(level.product, medicine.gtin, level.lot, level.on_hand))
    return found


def _check(facility: str, place_kind: str, label: str, lots: list[tuple[str, str]] | None) -> None:
    problems = []
    if catalog.facility(facility) is None:
        raise errors.error(404, "not-found", f"Unknown facility {facility!r}", "facility")
    if place_kind not in PLACE_KINDS:
        kinds = ", ".join(PLACE_KINDS)
        problems.append(errors.Issue("code-invalid", f"place is one of {kinds}", "place"))
    if not 0 < len(label.strip()) <= MAX_LABEL:
        problems.append(errors.Issue("value", f"label is 1 to {MAX_LABEL} characters", "label"))
    if place_kind == "delivery-box" and not lots:
        message = "A delivery box names the lots it carries (product and lot)"
        problems.append(errors.Issue("required", message, "lots"))
    if place_kind != "delivery-box" and lots:
        message = "A fridge or cold room guards the facility's cold-chain lots: name no lots"
        problems.append(errors.Issue("value", message, "lots"))
    if len(lots or []) > MAX_LOTS:
        problems.append(errors.Issue("too-long", f"At most {MAX_LOTS} lots", "lots"))
    for n, (product, lot) in enumerate((lots or [])[:MAX_LOTS]):
        if catalog.medicine_by_slug(product) is None:
            message = f"Unknown product {product!r}"
            problems.append(errors.Issue("not-found", message, f"lots[{n}].product"))
        if not 0 < len(lot) <= 64:
            problems.append(errors.Issue("value", "lot is 1 to 64 characters", f"lots[{n}].lot"))
    if problems:
        raise errors.FhirError(400, problems)


def _logger(row: Any) -> Logger:
    lots = None
    if row["lots"] is not None:
        lots = tuple((str(p), str(lot)) for p, lot in orjson.loads(row["lots"]))
    return Logger(
        row["device"],
        row["facility"],
        row["place_kind"],
        row["label"],
        lots,
        row["status"],
        row["added_us"],
    )
