"""Cold chain (issue 12 part 6): temperature loggers in fridges, cold rooms and delivery boxes,
WHO heat and freeze alarms, mean kinetic temperature per lot, quarantine of the lots an
excursion touched and the pharmacist's release or destruction (docs/coldchain.md).

Public API for other modules: `quarantined_lots(conn, facility)` (GTIN, lot) held now — their
units are already out of the inventory ledger's stock on hand; `quarantined_stock`.
"""

from __future__ import annotations

from enlace.modules.coldchain import domain, loggers, quarantine
from enlace.modules.coldchain.loggers import GuardedLot, Logger, add_logger, guarded_lots, retire
from enlace.modules.coldchain.quarantine import DECIDE_ROLES, DECISIONS
from enlace.modules.coldchain.service import (
    Hold,
    decide,
    evaluate,
    on_logger_readings,
    quarantined_lots,
    quarantined_stock,
)

__all__ = [
    "DECIDE_ROLES",
    "DECISIONS",
    "GuardedLot",
    "Hold",
    "Logger",
    "add_logger",
    "decide",
    "domain",
    "evaluate",
    "guarded_lots",
    "loggers",
    "on_logger_readings",
    "quarantine",
    "quarantined_lots",
    "quarantined_stock",
    "retire",
]
