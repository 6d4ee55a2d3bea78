"""The messaging module's own tables (migration 0018); only this module reads or writes them.

- `messaging_preferences`: a patient's chosen channel (sms | whatsapp | voice) and the address
  on it (a phone number), plus the last message the patient sent us (the WhatsApp 24-hour
  window; issue 16's inbound messages fill it).
- `messaging_consents`: one row per (patient, channel): the patient's EXPRESS opt-in naming the
  sender (LFPDPPP treats health data as sensitive), when it was given, and when withdrawn
  (opt-out keeps the row: the record of what was agreed and when it ended).
- `messaging_outbox`: every message a module asked for, queued in the same transaction as the
  action that caused it; `status` queued → delivered, or not-sent (with `outcome` saying why:
  no consent, opted out, frequency cap...) or failed (attempts exhausted). `dedupe_key` makes a
  repeated request (a job run twice) write nothing; it is unique per patient (the key leads with
  `patient`, as the primary key does, so the table distributes by patient: docs/scale.md).
  `not_before_us` holds a message past quiet hours; `next_attempt_us` is the retry backoff;
  `lease_us` the claim of one deliverer.
- `messaging_attempts`: each hand-over to an adapter, with its error if it failed; it carries
  the message's patient (migration 0037) so it lives on the patient's shard with the message.
- `intervention_assignments` (adherence, issue 11): a therapy's arm in a study, recorded once and
  never changed, with the risk stratum it was randomized in.
- `intervention_actions` (adherence): each proactive action taken on a therapy on a day, with
  its reason (rule, probability, features); unique per (study, patient, therapy, day, kind), so
  the daily job run twice does nothing the second time.

No foreign keys to other modules; patient ids are FHIR logical ids.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

Id = String(64)
OUTBOX_DEDUPE = "uq_messaging_outbox_patient_dedupe_key"

preferences = Table(
    "messaging_preferences",
    metadata,
    Column("patient", Id, primary_key=True),
    Column("channel", String(12), nullable=False),
    Column("address", String(64), nullable=False),
    Column("language", String(8), nullable=False, server_default="es-MX"),
    Column("last_inbound_us", BigInteger),  # the WhatsApp customer-service window opens here
    Column("updated_us", BigInteger, nullable=False),
    CheckConstraint("channel IN ('sms','whatsapp','voice')", name="preference_channel_known"),
)

consents = Table(
    "messaging_consents",
    metadata,
    Column("patient", Id, primary_key=True),
    Column("channel", String(12), primary_key=True),
    Column("sender", String(128), nullable=False),  # the organization named in the opt-in
    Column("granted_us", BigInteger, nullable=False),
    Column("withdrawn_us", BigInteger),  # NULL while the consent stands
    Column("evidence", Text, nullable=False),  # how it was given (signed form, SMS "ALTA"...)
)

outbox = Table(
    "messaging_outbox",
    metadata,
    Column("id", Id, nullable=False),
    Column("dedupe_key", String(200), nullable=False),
    Column("patient", Id, nullable=False),
    Column("kind", String(16), nullable=False),  # adherence | care | other (caps count kinds)
    Column("template", String(48), nullable=False),
    Column("channel", String(12)),  # NULL when there was no preference to send on
    Column("address", String(64)),
    Column("language", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("reason", Text, nullable=False),  # JSON: why the message was asked for
    Column("status", String(12), nullable=False),
    Column("outcome", String(64)),  # why not sent / last error, for people
    Column("queued_us", BigInteger, nullable=False),
    Column("not_before_us", BigInteger, nullable=False),
    Column("next_attempt_us", BigInteger, nullable=False),
    Column("lease_us", BigInteger),  # a deliverer holds the message until then
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("delivered_us", BigInteger),
    Column("communication", Id),  # the FHIR Communication that records the sent message
    Column("trace_context", String(64)),  # the queueing request's traceparent (migration 0035)
    CheckConstraint(
        "status IN ('queued','sending','delivered','not-sent','failed')",
        name="outbox_status_known",
    ),
    PrimaryKeyConstraint("patient", "id"),
    UniqueConstraint("patient", "dedupe_key", name=OUTBOX_DEDUPE),  # ON CONFLICT target
    Index("ix_messaging_outbox_id", "id"),  # the deliverer finds a claimed message by id
    Index("ix_messaging_outbox_due", "status", "next_attempt_us"),
    Index("ix_messaging_outbox_patient", "patient", "kind", "not_before_us"),
)

attempts = Table(
    "messaging_attempts",
    metadata,
    Column("message", Id, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("adapter", String(32), nullable=False),
    Column("error", Text),  # NULL: the adapter took the message
    Column("patient", Id, nullable=False),  # the message's patient (migration 0037)
    PrimaryKeyConstraint("patient", "message", "attempt"),
)

assignments = Table(
    "intervention_assignments",
    metadata,
    Column("study", String(64), primary_key=True),
    Column("patient", Id, primary_key=True),
    Column("therapy", String(128), primary_key=True),
    Column("arm", String(12), nullable=False),  # treated | control
    Column("stratum", String(16), nullable=False),  # risk band at assignment
    Column("probability", Float, nullable=False),  # the risk at assignment
    Column("day", String(10), nullable=False),  # ISO date of assignment
    Column("assigned_us", BigInteger, nullable=False),
    CheckConstraint("arm IN ('treated','control')", name="assignment_arm_known"),
)

actions = Table(
    "intervention_actions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("study", String(64), nullable=False),
    Column("patient", Id, nullable=False),
    Column("therapy", String(128), nullable=False),
    Column("day", String(10), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("rule", String(32), nullable=False),
    Column("probability", Float, nullable=False),
    Column("features", Text, nullable=False),  # JSON
    Column("reference", String(128)),  # outbox message id, Task/<id>, Communication/<id>
    Column("created_us", BigInteger, nullable=False),
    UniqueConstraint("study", "patient", "therapy", "day", "kind", name="action_once_a_day"),
    Index("ix_intervention_actions_day", "day"),
)

MESSAGING_TABLES: tuple[Table, ...] = (
    preferences,
    consents,
    outbox,
    attempts,
    assignments,
    actions,
)
