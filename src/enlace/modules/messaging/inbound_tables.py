"""Two-way messaging's own tables (migration 0029): inbound messages, numbers, conversations,
doses reported by text. Only the messaging module reads or writes them.

- `messaging_inbound`: every text a gateway handed us, once per gateway message id (a repeated
  delivery meets the unique key and is answered from the first). `patient` is NULL for an
  unknown or deactivated number (kept for the log, nothing else written); `intent` what it was
  read as, `outcome` what was done, `reply` the outbox id of the answer (NULL: no answer).
- `messaging_numbers`: phone numbers other than a patient's own preference: a caregiver's
  (replies on behalf of the patient) and any number a caregiver or agent deactivated (a lost
  phone): texts from an inactive number are ignored.
- `messaging_conversations`: what we asked a patient and are waiting for (confirm a reading in
  an odd unit, why a dose was missed, whether to book the offered slot), and whether the opt-out
  confirmation was already sent (once, then silence).
- `messaging_doses`: doses reported by text (TOMÉ / NO), with the reason a dose was missed.

No foreign keys to other modules; ids are FHIR logical ids.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

Id = String(64)
Phone = String(20)  # E.164: + and up to 15 digits

inbound = Table(
    "messaging_inbound",
    metadata,
    Column("id", Id, primary_key=True),
    Column("gateway_id", String(128), nullable=False, unique=True),
    Column("sender", Phone),  # E.164; NULL when the gateway sent something unreadable
    Column("raw_sender", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("received_us", BigInteger, nullable=False),
    Column("patient", Id),  # NULL: unknown or deactivated number
    Column("role", String(12), nullable=False),  # patient | caregiver | unknown | inactive
    Column("intent", String(24), nullable=False),
    Column("outcome", String(200), nullable=False),
    Column("reply", Id),  # messaging_outbox.id of the answer
    Column("communication", Id),  # the FHIR Communication recording the text
    Index("ix_messaging_inbound_patient", "patient", "received_us"),
)

numbers = Table(
    "messaging_numbers",
    metadata,
    Column("number", Phone, primary_key=True),
    Column("patient", Id),  # whose messages it may send (NULL for a deactivated stranger's)
    Column("role", String(12), nullable=False),  # caregiver | patient
    Column("name", String(128)),
    Column("active", Boolean, nullable=False),
    Column("changed_us", BigInteger, nullable=False),
    Column("changed_by", String(128), nullable=False),
    Column("reason", String(200)),
)

conversations = Table(
    "messaging_conversations",
    metadata,
    Column("patient", Id, primary_key=True),
    Column("pending", String(24)),  # confirm-reading | why-missed | book | NULL
    Column("payload", Text),  # JSON of what is pending
    Column("pending_until_us", BigInteger),
    Column("opt_out_confirmed_us", BigInteger),  # the one confirmation after BAJA
)

doses = Table(
    "messaging_doses",
    metadata,
    Column("id", Id, primary_key=True),  # the inbound message that reported it
    Column("patient", Id, nullable=False),
    Column("day", String(10), nullable=False),  # local date
    Column("status", String(8), nullable=False),  # taken | missed
    Column("reason", String(32)),  # why missed (forgot, side-effects, no-medicine, cost)
    Column("reported_us", BigInteger, nullable=False),
    Column("reported_by", Phone, nullable=False),
    Index("ix_messaging_doses_patient", "patient", "day"),
)

MESSAGING_INBOUND_TABLES: tuple[Table, ...] = (inbound, numbers, conversations, doses)
