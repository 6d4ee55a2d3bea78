"""The patient app's own tables (migration 0030): dose check-offs, self-entered readings, sync.

No foreign keys to other modules; ids are FHIR logical ids (patient, MedicationRequest). Each
check-off or reading the app (or an SMS reply) sends carries a client id generated where it was
captured: the log tables are keyed by (patient, client id), so a resend is answered from what was
written, and a patient's entries live with the patient's other rows (Citus-ready, migration 0040).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

# The current state of one dose slot: (patient, prescription, local day, time of day).
engagement_doses = Table(
    "engagement_doses",
    metadata,
    Column("patient", String(64), primary_key=True),
    Column("request", String(64), primary_key=True),  # MedicationRequest id
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD, the patient's local day
    Column("slot", String(5), primary_key=True),  # HH:MM
    Column("status", String(16), nullable=False),  # taken | skipped
    Column("source", String(16), nullable=False),  # app | sms | caregiver | ...
    Column("by_user", String(64), nullable=False),  # who reported it (a user id or a phone)
    Column("at_us", BigInteger, nullable=False),  # when it was reported where it was captured
    Column("recorded_us", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),  # 1, 2, ... per change of status
)

# Every check-off received, by the patient's client id (a resend meets the key): what it asked
# for and what the server answered (created | unchanged | merged | conflict). No index on
# client_id alone: every lookup names the patient (engagement.replay).
engagement_dose_log = Table(
    "engagement_dose_log",
    metadata,
    Column("client_id", String(64), nullable=False),
    Column("patient", String(64), nullable=False),
    Column("digest", String(64), nullable=False),  # SHA-256 of the item's canonical JSON
    Column("received_us", BigInteger, nullable=False),
    Column("answer", Text, nullable=False),  # JSON
    PrimaryKeyConstraint("patient", "client_id"),
)

# Every self-entered reading received, by the patient's client id; the reading itself is in
# monitoring's series (through its ingestion, like a device's), the answer here keeps the
# feedback given.
engagement_readings = Table(
    "engagement_readings",
    metadata,
    Column("client_id", String(64), nullable=False),
    Column("patient", String(64), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("received_us", BigInteger, nullable=False),
    Column("answer", Text, nullable=False),  # JSON
    PrimaryKeyConstraint("patient", "client_id"),
)

ENGAGEMENT_TABLES: tuple[Table, ...] = (engagement_doses, engagement_dose_log, engagement_readings)
