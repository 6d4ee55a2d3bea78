"""The care module's own tables (migration 0024); only this module reads or writes them.

Each table is described where it is defined. No foreign keys to other modules. The FHIR resources
(ServiceRequest, Task, Slot, Appointment, Encounter) are the record; these rows are what the
state machines claim with conditional UPDATEs and what worklists and indicators read without
parsing resources.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, MetaData, String, Table, Text

metadata = MetaData()

# `care_referrals`: one row per referral (id = the ServiceRequest id; `task_id` its Task).
# `status` follows referrals.TRANSITIONS: requested -> accepted | rejected -> scheduled ->
# completed. `due_us` is the SLA clock of the current step (requested: answer by; accepted: book
# by), None once scheduled or closed. `breached_us` marks the first escalation of a clock.
# `counter_referral` is the id of the counter-referral (a ServiceRequest back to `from_org`).
referrals = Table(
    "care_referrals",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("task_id", String(64), nullable=False),
    Column("patient", String(64), nullable=False),
    Column("from_org", String(128), nullable=False),  # Organization/... that refers
    Column("to_org", String(128), nullable=False),  # Organization/... asked to see the patient
    Column("service", String(64), nullable=False),  # services.SERVICES code
    Column("urgency", String(8), nullable=False),  # FHIR request-priority
    Column("status", String(12), nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_us", BigInteger, nullable=False),
    Column("answered_us", BigInteger),  # accepted or rejected
    Column("scheduled_us", BigInteger),  # when the appointment was booked
    Column("appointment_us", BigInteger),  # when the appointment takes place
    Column("completed_us", BigInteger),
    Column("due_us", BigInteger),
    Column("breached_us", BigInteger),
    Column("counter_referral", String(64)),
    Column("source", String(128)),  # e.g. "monitoring-alert:<id>"
    Index("ix_care_referrals_to", "to_org", "status"),
    Index("ix_care_referrals_from", "from_org", "status"),
    Index("ix_care_referrals_due", "due_us"),
)

# `care_slots`: one row per bookable Slot (id = the Slot id). `status` free | busy; booking claims
# a slot with UPDATE ... WHERE status = 'free', so of two bookers exactly one gets it.
# `actor` is the Practitioner/... or Organization/... whose time it is; `mode` in-person | virtual.
slots = Table(
    "care_slots",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("schedule_id", String(64), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("organization", String(128), nullable=False),
    Column("mode", String(10), nullable=False),
    Column("start_us", BigInteger, nullable=False),
    Column("end_us", BigInteger, nullable=False),
    Column("status", String(8), nullable=False),
    Column("appointment_id", String(64)),
    Index("ix_care_slots_actor", "actor", "start_us"),
)

# `care_appointments`: one row per Appointment (id = its id): who, when, how, and what became of
# it: booked -> cancelled | arrived -> fulfilled | noshow. `reminded_us` when the reminder was
# queued (messaging outbox); `encounter_id` the teleconsult's Encounter.
appointments = Table(
    "care_appointments",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("slot_id", String(64), nullable=False),
    Column("patient", String(64), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("organization", String(128), nullable=False),
    Column("mode", String(10), nullable=False),
    Column("start_us", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),
    Column("booked_by", String(16), nullable=False),  # patient | staff
    Column("referral_id", String(64)),
    Column("booked_us", BigInteger, nullable=False),
    Column("reminded_us", BigInteger),
    Column("encounter_id", String(64)),
    Index("ix_care_appointments_patient", "patient", "status"),
    Index("ix_care_appointments_actor", "actor", "start_us"),
)

CARE_TABLES: tuple[Table, ...] = (referrals, slots, appointments)
