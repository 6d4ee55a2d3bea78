"""Stock-out monitoring (issue 8 part 6): AbastoNET / USAID|DELIVER KPIs from the stock ledger.

Public API (docs/supply_kpis.md): the pure KPI functions (`pair_kpis`, `adjusted_consumption`,
`plan_status`, `rate`), the daily snapshot (`take_snapshot`: read the ledger through
inventory's public API, compute per facility x product, roll up per facility, institution,
state and network, write the day's rows in bulk, replacing a rerun's), run-out alerts against
each facility's delivery cycle (`set_cycle`), the unfilled-prescription rate within 24 h / 72 h
(`read_prescriptions`, `unfilled_counts`), and the reads behind the dashboard and the CLI.
"""

from __future__ import annotations

from enlace.modules.supply_kpis.kpis import (
    OVER,
    UNDER,
    UNKNOWN,
    WITHIN,
    PairKpis,
    Plan,
    adjusted_consumption,
    pair_kpis,
    plan_status,
    rate,
)
from enlace.modules.supply_kpis.reads import (
    PairRow,
    Scope,
    Share,
    latest_day,
    lowest_months_of_stock,
    require_snapshot,
    runout_alerts,
    snapshot_days,
    stock_out_series,
    worst_facilities,
    worst_products,
)
from enlace.modules.supply_kpis.runout import DEFAULT_CYCLE, Alert, DeliveryCycle
from enlace.modules.supply_kpis.service import (
    check_filter,
    cycles,
    parse_day,
    set_cycle,
    take_snapshot,
    take_snapshot_read_first,
)
from enlace.modules.supply_kpis.snapshot import Ledger, Rollup, Snapshot, compute
from enlace.modules.supply_kpis.stock_on_hand import OnHand, units_on_hand
from enlace.modules.supply_kpis.tables import SUPPLY_KPI_TABLES
from enlace.modules.supply_kpis.unfilled import (
    WINDOWS_H,
    Prescribed,
    Unfilled,
    read_prescriptions,
    unfilled_counts,
)
from enlace.modules.supply_kpis.writer import write

__all__ = [
    "DEFAULT_CYCLE",
    "OVER",
    "SUPPLY_KPI_TABLES",
    "UNDER",
    "UNKNOWN",
    "WINDOWS_H",
    "WITHIN",
    "Alert",
    "DeliveryCycle",
    "Ledger",
    "OnHand",
    "PairKpis",
    "PairRow",
    "Plan",
    "Prescribed",
    "Rollup",
    "Scope",
    "Share",
    "Snapshot",
    "Unfilled",
    "adjusted_consumption",
    "check_filter",
    "compute",
    "cycles",
    "latest_day",
    "lowest_months_of_stock",
    "pair_kpis",
    "parse_day",
    "plan_status",
    "rate",
    "read_prescriptions",
    "require_snapshot",
    "runout_alerts",
    "set_cycle",
    "snapshot_days",
    "stock_out_series",
    "take_snapshot",
    "take_snapshot_read_first",
    "unfilled_counts",
    "units_on_hand",
    "worst_facilities",
    "worst_products",
    "write",
]
