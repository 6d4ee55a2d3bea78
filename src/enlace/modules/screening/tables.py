"""The screening module's own tables (migration 0016); only this module reads or writes them.

Each table is described where it is defined. No foreign keys to other modules.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# -- offline capture (docs/sync.md) ------------------------------------------------------------
# `screening_sync_batches`: one row per batch id a device uploaded, written once its items were
# handled: the digest of its content (a reused id with other content is refused) and the answer
# (JSON) given, so the same batch again, or GET /sync/batches/{id}, gets the same answer.
sync_batches = Table(
    "screening_sync_batches",
    metadata,
    Column("batch_id", String(36), primary_key=True),
    Column("device", String(128), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("received_us", BigInteger, nullable=False),
    Column("answer", Text, nullable=False),
)

# `screening_sync_items`: one row per item that wrote, inserted in the item's own transaction: the
# primary key on the client id is what makes an item write once, even from two batches at once.
# `result` is the item's answer (JSON: server ids); `patient` the patient it concerns, so a later
# screening can name a registration by its client id (id mapping).
sync_items = Table(
    "screening_sync_items",
    metadata,
    Column("client_id", String(36), primary_key=True),
    Column("batch_id", String(36), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("patient", String(64)),
    Column("captured_us", BigInteger, nullable=False),
    Column("stored_us", BigInteger, nullable=False),
    Column("result", Text, nullable=False),
    Index("ix_screening_sync_items_batch", "batch_id"),
)

# `screening_sync_conflicts`: an edit that overlapped another device's edit of the same patient.
# Both versions are in the Patient's history (`server_version`, `device_version`); the merged
# version kept the server's values for `fields` (JSON: path, base, server, device values) until a
# reviewer chooses per field (`resolution`, `resolved_version`).
sync_conflicts = Table(
    "screening_sync_conflicts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("patient", String(64), nullable=False),
    Column("client_id", String(36), nullable=False),
    Column("device", String(128), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("base_version", Integer, nullable=False),
    Column("server_version", Integer, nullable=False),
    Column("device_version", Integer, nullable=False),
    Column("merged_version", Integer, nullable=False),
    Column("fields", Text, nullable=False),
    Column("status", String(12), nullable=False),  # open | resolved
    Column("created_us", BigInteger, nullable=False),
    Column("resolved_us", BigInteger),
    Column("resolved_by", String(128)),
    Column("resolution", Text),
    Column("resolved_version", Integer),
    Index("ix_screening_sync_conflicts_status", "status", "created_us"),
    Index("ix_screening_sync_conflicts_patient", "patient"),
)

SYNC_TABLES = (sync_batches, sync_items, sync_conflicts)

# -- follow-up of probable disease (docs/screening.md "Follow-up") -----------------------------
# `screening_followups`: one row per referral Task (probable disease -> confirm or rule out) once
# the clinic decided it: the outcome, when (decided_us), the Condition written, and the first
# treatment (treated_us, the MedicationRequest). Open referrals are read from the Task indexes;
# this table answers the indicators (time to confirmation and to treatment) per clinic without
# reading every Task's history.
followups = Table(
    "screening_followups",
    metadata,
    Column("task_id", String(64), primary_key=True),
    Column("patient", String(64), nullable=False),
    Column("clinic", String(64), nullable=False),  # Organization id of the Task's owner
    Column("condition", String(24), nullable=False),  # ICD-10 code confirmed or ruled out
    Column("opened_us", BigInteger, nullable=False),  # Task.authoredOn
    Column("due_us", BigInteger),
    Column("outcome", String(12), nullable=False),  # confirmed | ruled-out
    Column("decided_us", BigInteger, nullable=False),
    Column("condition_id", String(64), nullable=False),
    Column("treated_us", BigInteger),
    Column("medication_request", String(64)),
    Index("ix_screening_followups_clinic", "clinic", "decided_us"),
)

SCREENING_TABLES: tuple[Table, ...] = (*SYNC_TABLES, followups)
