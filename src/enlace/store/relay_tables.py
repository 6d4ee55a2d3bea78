"""The broker relay's own tables (migration 0034, docs/scale.md "Outbox relay").

`relay_cursors`: how far each relay has published the committed change stream
(`resource_history.seq`). `relay_inbox`: the messages each consumer has handled, written in the
same transaction as the handler's effect, so a redelivered message does nothing twice.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table

metadata = MetaData()

relay_cursors = Table(
    "relay_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("watermark_seq", BigInteger, nullable=False),
    Column("published", BigInteger, nullable=False),  # messages the broker acknowledged
    Column("updated_us", BigInteger, nullable=False),
)

relay_inbox = Table(
    "relay_inbox",
    metadata,
    Column("consumer", String(64), primary_key=True),
    Column("message_id", String(200), primary_key=True),
    Column("handled_us", BigInteger, nullable=False),
)

RELAY_TABLES = (relay_cursors, relay_inbox)
