"""The inventory module's own tables (migrations 0012, 0039); only this module reads or writes
them.

- `inventory_events`: one row per stock event (its kind, facility, reason, counterpart,
  reference, times and idempotency key with the fingerprint of the request). A transfer is two
  events (0039): the out-leg at the origin (kind `transfer`, the request's key) and the in-leg
  at the destination (kind `transfer-in`, no key, `leg_of` = the out-leg's id), so every line
  names an event of its own facility and the two tables can share `facility` as their Citus
  distribution column. The idempotency key is unique per recording facility.
- `inventory_lines`: the stock cards. One row per facility x product x lot touched by an event,
  numbered `seq` 1, 2, 3 … within its card, with the signed quantity and the running balance
  after it. Written once, never changed (corrections are new events).
- `inventory_balances`: one row per facility x product x lot with the lot's expiry, the units on
  hand (CHECK ≥ 0) and the `seq` of the card's last line. The ledger moves it with a conditional
  UPDATE in the same transaction as the line, so two writers of the last unit cannot both win.

Triggers (ddl.py) tie the three together: a line must agree with its balance row and with the
line before it, a balance row may only step to the next line, and (deferred foreign key) a
balance row's `seq` must name a line that exists by commit. No foreign keys to other modules.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

metadata = MetaData()

Id = String(64)
Slug = String(80)
Lot = String(64)
IsoDate = String(10)  # YYYY-MM-DD: compares as text in both stores
_WHOLE = "{col} = CAST({col} AS BIGINT)"

events = Table(
    "inventory_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(12), nullable=False),
    Column("facility", Slug, nullable=False),
    Column("counterpart", Text),  # receipt: source; transfer: destination; in-leg: origin
    Column("reason", String(24)),
    Column("reference", Text),
    Column("occurred_us", BigInteger, nullable=False),
    Column("recorded_us", BigInteger, nullable=False),
    Column("item_count", SmallInteger, nullable=False),
    Column("idempotency_key", Text),
    Column("request_hash", String(64)),
    Column("leg_of", Id),  # a transfer's in-leg: the out-leg's id (at the counterpart facility)
    CheckConstraint(
        "kind IN ('receipt','issue','transfer','transfer-in','adjustment','count')",
        name="kind_known",
    ),
)
_keyed = events.c.idempotency_key.isnot(None)
# A request key is the recording facility's: two facilities' one key are two events.
Index(
    "uq_inventory_events_idempotency_key",
    events.c.facility,
    events.c.idempotency_key,
    unique=True,
    sqlite_where=_keyed,
    postgresql_where=_keyed,
)
_in_leg = events.c.leg_of.isnot(None)
# A replayed transfer finds its in-leg at the destination (one probe, on one shard on Citus).
Index(
    "ix_inventory_events_leg_of",
    events.c.facility,
    events.c.leg_of,
    sqlite_where=_in_leg,
    postgresql_where=_in_leg,
)

lines = Table(
    "inventory_lines",
    metadata,
    Column("facility", Slug, primary_key=True),
    Column("product", Slug, primary_key=True),
    Column("lot", Lot, primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("event_id", Id, nullable=False),  # an event of this line's facility
    # Its place among the event's lines; a transfer's are numbered as one (the in-leg's
    # continue after the out-leg's), so a replay lists both legs in their first order.
    Column("event_line", SmallInteger, nullable=False),
    Column("kind", String(12), nullable=False),  # the event's kind (transfer-in at destination)
    Column("quantity", BigInteger, nullable=False),  # signed units
    Column("balance", BigInteger, nullable=False),  # units of this lot on hand after the line
    Column("expiry", IsoDate, nullable=False),
    Column("occurred_us", BigInteger, nullable=False),
    Column("recorded_us", BigInteger, nullable=False),
    Column("reason", String(24)),
    Column("counterpart", Text),
    Column("reference", Text),
    CheckConstraint("seq >= 1", name="seq_positive"),
    CheckConstraint("balance >= 0", name="balance_not_negative"),
    CheckConstraint("quantity <> 0 OR kind = 'count'", name="quantity_not_zero"),
    CheckConstraint(_WHOLE.format(col="quantity"), name="quantity_whole"),
    CheckConstraint(_WHOLE.format(col="balance"), name="balance_whole"),
    CheckConstraint(
        "kind IN ('receipt','issue','transfer-out','transfer-in','adjustment','count')",
        name="line_kind_known",
    ),
    ForeignKeyConstraint(
        ["event_id"],
        ["inventory_events.id"],
        name="fk_inventory_line_event",
        deferrable=True,
        initially="DEFERRED",
    ),
    sqlite_with_rowid=False,
)
Index("ix_inventory_lines_event", lines.c.event_id, lines.c.event_line)
# Consumption and days out of stock read one facility x product over a period.
Index("ix_inventory_lines_period", lines.c.facility, lines.c.product, lines.c.occurred_us)

balances = Table(
    "inventory_balances",
    metadata,
    Column("facility", Slug, primary_key=True),
    Column("product", Slug, primary_key=True),
    Column("lot", Lot, primary_key=True),
    Column("expiry", IsoDate, nullable=False),
    Column("on_hand", BigInteger, nullable=False, server_default="0"),
    Column("seq", Integer),  # the card's last line; NULL before the first
    Column("updated_us", BigInteger, nullable=False),
    CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    CheckConstraint(_WHOLE.format(col="on_hand"), name="on_hand_whole"),
    CheckConstraint("seq IS NOT NULL OR on_hand = 0", name="stock_has_a_line"),
    # Every balance is the balance of a line that exists (checked at commit).
    ForeignKeyConstraint(
        ["facility", "product", "lot", "seq"],
        [f"inventory_lines.{c}" for c in ("facility", "product", "lot", "seq")],
        name="fk_inventory_balance_line",
        deferrable=True,
        initially="DEFERRED",
    ),
    sqlite_with_rowid=False,
)
Index("ix_inventory_balances_expiry", balances.c.facility, balances.c.expiry)

INVENTORY_TABLES = (events, lines, balances)
