"""The supply module's own tables (migration 0019); only this module reads or writes them.

- `supply_requisition_runs`: one row per day the requisitions ran (when, how many lines), so a
  rerun of the day replaces its suggestions and a day without suggestions can be told apart.
- `supply_suggestions`: the day's suggested order lines (kind `order`: from the distribution
  center to a facility, with the SupplyRequest that carries it) and transfers (kind `transfer`:
  from a facility with surplus near expiry to one that will stock out), with the figures behind
  each (on hand, forecast per month, order-up-to level) and the reason.
No foreign keys to other modules.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Integer, MetaData, String, Table

metadata = MetaData()

Slug = String(80)
IsoDate = String(10)  # YYYY-MM-DD: compares as text in both stores

requisition_runs = Table(
    "supply_requisition_runs",
    metadata,
    Column("day", IsoDate, primary_key=True),
    Column("ran_us", BigInteger, nullable=False),
    Column("orders", Integer, nullable=False),
    Column("transfers", Integer, nullable=False),
)

suggestions = Table(
    "supply_suggestions",
    metadata,
    Column("day", IsoDate, primary_key=True),
    Column("line", Integer, primary_key=True),  # position within the day
    Column("kind", String(10), nullable=False),  # order | transfer
    Column("facility", Slug, nullable=False, index=True),  # receives
    Column("source", Slug, nullable=False),  # delivers: distribution center or facility
    Column("product", Slug, nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("on_hand", BigInteger, nullable=False),
    Column("forecast", Float, nullable=False),  # expected demand per month
    Column("order_up_to", Float, nullable=False),
    Column("days_of_stock", Float, nullable=True),  # on hand / daily demand; None: no demand
    Column("reason", String(40), nullable=False),
    Column("request_id", String(64), nullable=True),  # SupplyRequest id (orders)
)

SUPPLY_TABLES: tuple[Table, ...] = (requisition_runs, suggestions)
