"""The cds module's own tables (migration 0015); only this module reads or writes them.

Each table is described where it is defined. No foreign keys to other modules.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

Id = String(64)

# Every CDS Hooks card this service issued (docs/cds.md): feedback must name one of these, and
# the rows say which hook call (hookInstance) on which patient produced it. `kind` is the check
# behind the card (interaction, duplicate, renal, pregnancy, coverage, risk, follow-up, gap).
cds_cards = Table(
    "cds_cards",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("service", Id, nullable=False),
    Column("patient", Id, nullable=False),
    Column("hook_instance", String(36), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("indicator", String(8), nullable=False),
    Column("issued_us", BigInteger, nullable=False),
    Index("ix_cds_cards_patient", "patient", "issued_us"),
)

# The feedback on a card (CDS Hooks 2.0 §Feedback): accepted (with the suggestions taken) or
# overridden (with the reason). One row per feedback item received; a card may get several.
cds_feedback = Table(
    "cds_feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("card_uuid", String(36), nullable=False),
    Column("service", Id, nullable=False),
    Column("outcome", String(12), nullable=False),  # accepted | overridden
    Column("accepted_suggestions", Text, nullable=False),  # JSON list of suggestion uuids
    Column("override_code", String(64)),
    Column("override_comment", Text),
    Column("outcome_us", BigInteger, nullable=False),
    Column("received_us", BigInteger, nullable=False),
    Index("ix_cds_feedback_card", "card_uuid"),
)

CDS_TABLES: tuple[Table, ...] = (cds_cards, cds_feedback)
