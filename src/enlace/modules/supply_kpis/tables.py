"""The supply KPI module's own tables (migration 0013); only this module reads or writes them.

- `supply_kpi_pairs`: the day's KPIs of each facility x product expected to stock it.
- `supply_kpi_rollups`: the same counted per facility (all products), per institution, state
  and the whole network (each per product and for all products, product `*`).
- `supply_runout_alerts`: the pairs that will run out before the facility's next delivery.
- `supply_snapshots`: one row per day snapshotted (when, how many pairs), so that an empty
  period can be told from a period without stock-outs.
- `supply_delivery_cycles`: a facility's delivery cycle (every n days from a first delivery);
  facilities without a row are delivered weekly.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
)

metadata = MetaData()

Slug = String(80)
IsoDate = String(10)  # YYYY-MM-DD: compares as text in both stores
ALL = "*"  # the product (or scope) of a row counted over all of them

pairs = Table(
    "supply_kpi_pairs",
    metadata,
    Column("day", IsoDate, primary_key=True),
    Column("facility", Slug, primary_key=True),
    Column("product", Slug, primary_key=True),
    Column("on_hand", BigInteger, nullable=False),
    Column("issued", BigInteger, nullable=False),  # units issued in the AMC window
    Column("days_out", Integer, nullable=False),  # days out of stock in the AMC window
    Column("amc", Float),  # NULL: unknown
    Column("months_of_stock", Float),
    Column("days_of_stock", Float),
    Column("stocked_out", SmallInteger, nullable=False),
    Column("plan", SmallInteger, nullable=False),  # -1 under, 0 within, 1 over, 9 unknown
    Column("reported", SmallInteger, nullable=False),
    sqlite_with_rowid=False,
)

rollups = Table(
    "supply_kpi_rollups",
    metadata,
    Column("day", IsoDate, primary_key=True),
    Column("level", String(12), primary_key=True),  # facility, institution, state, network
    Column("scope", Slug, primary_key=True),  # its slug or code; `*` for the network
    Column("product", Slug, primary_key=True),  # `*`: all products
    Column("pairs", Integer, nullable=False),  # facility x product expected to stock
    Column("stocked_out", Integer, nullable=False),
    Column("assessed", Integer, nullable=False),  # pairs with a known months of stock
    Column("within_plan", Integer, nullable=False),
    Column("facilities", Integer, nullable=False),
    Column("reported", Integer, nullable=False),  # facilities that reported in the period
    Column("days_out", BigInteger, nullable=False),  # days out of stock, summed
    CheckConstraint(
        "level IN ('facility','institution','state','network')", name="rollup_level_known"
    ),
    sqlite_with_rowid=False,
)

alerts = Table(
    "supply_runout_alerts",
    metadata,
    Column("day", IsoDate, primary_key=True),
    Column("facility", Slug, primary_key=True),
    Column("product", Slug, primary_key=True),
    Column("on_hand", BigInteger, nullable=False),
    Column("daily_use", Float, nullable=False),
    Column("days_of_stock", Float, nullable=False),
    Column("next_delivery", IsoDate, nullable=False),
    Column("days_to_delivery", Integer, nullable=False),
    Column("shortfall", BigInteger, nullable=False),  # units short until the delivery
    sqlite_with_rowid=False,
)

snapshots = Table(
    "supply_snapshots",
    metadata,
    Column("day", IsoDate, primary_key=True),
    Column("taken_us", BigInteger, nullable=False),
    Column("pairs", Integer, nullable=False),
    Column("facilities", Integer, nullable=False),
    Column("alerts", Integer, nullable=False),
)

delivery_cycles = Table(
    "supply_delivery_cycles",
    metadata,
    Column("facility", Slug, primary_key=True),
    Column("every_days", Integer, nullable=False),
    Column("first_delivery", IsoDate, nullable=False),
    CheckConstraint("every_days BETWEEN 1 AND 366", name="cycle_days_range"),
)

SUPPLY_KPI_TABLES = (pairs, rollups, alerts, snapshots, delivery_cycles)
