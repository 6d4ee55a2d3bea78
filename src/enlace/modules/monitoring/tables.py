"""The monitoring module's own tables (migration 0014); only this module reads or writes them.

- `monitoring_devices`: the device registry. A row per device (also a FHIR Device resource of the
  same id), the patient it is bound to (NULL once returned), its status, the SHA-256 of its API
  key (keys are 256 random bits, so a plain hash is enough), last-seen, battery and firmware.
- `monitoring_readings`: the time series, one compact row per reading in the code's canonical
  UCUM unit (domain.CODES). The primary key (patient, device, code, effective time; migration
  0037) de-duplicates: a replayed or re-sent reading writes nothing, and a device re-bound to
  another patient keeps the two patients' readings apart (the key leads with the patient, so the
  table distributes by patient: docs/scale.md). A blood-pressure panel is one row: systolic in
  `value`, diastolic in `value2`. On PostgreSQL the table is range-partitioned by month of
  `effective_us` (partitions created as readings arrive); on SQLite it is one WITHOUT ROWID table.
  `patient` is the patient the device was bound to when the reading arrived, so unbinding a
  device never moves history to its next user.
- `monitoring_rejects`: every refused reading or message with the reason, its location and the
  raw message, for audit (bad input loses nothing).
- `monitoring_alerts`: one row per alert episode (one episode is one alert: hysteresis keeps it
  open while the condition holds), with the Flag and Task that carry it in FHIR, the readings
  behind it (`evidence`, JSON) and its escalation clock.
- `monitoring_follows`: caregivers following a patient, each under the patient's Consent.

No foreign keys to other modules; patient and device ids are FHIR logical ids.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
)

metadata = MetaData()

Id = String(64)

devices = Table(
    "monitoring_devices",
    metadata,
    Column("id", Id, primary_key=True),
    Column("patient", Id),  # NULL: not bound (in stock, or returned)
    Column("kind", String(24), nullable=False),  # domain.DEVICE_KINDS
    Column("status", String(12), nullable=False),  # active | inactive | revoked
    Column("key_hash", String(64), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("bound_us", BigInteger),
    Column("last_seen_us", BigInteger),
    Column("battery", SmallInteger),  # percent, as last reported
    Column("firmware", String(64)),
    Column("serial", String(64)),
    CheckConstraint("status IN ('active','inactive','revoked')", name="device_status_known"),
    Index("ix_monitoring_devices_patient", "patient"),
)

readings = Table(
    "monitoring_readings",
    metadata,
    Column("device", Id, nullable=False),
    Column("code", String(16), nullable=False),  # LOINC, normalized
    Column("effective_us", BigInteger, nullable=False),
    Column("patient", Id, nullable=False),
    Column("value", Float, nullable=False),  # canonical unit of the code (domain.CODES)
    Column("value2", Float),  # diastolic of a blood-pressure panel (85354-9)
    Column("received_us", BigInteger, nullable=False),
    Column("device_code", String(32)),  # the IEEE 11073 code the device sent, if any
    PrimaryKeyConstraint("patient", "device", "code", "effective_us"),
    Index("ix_monitoring_readings_patient", "patient", "code", "effective_us"),
    sqlite_with_rowid=False,
    postgresql_partition_by="RANGE (effective_us)",
)

rejects = Table(
    "monitoring_rejects",
    metadata,
    Column("id", Id, primary_key=True),
    Column("device", Id),  # NULL when the device itself was unknown or unreadable
    Column("received_us", BigInteger, nullable=False),
    Column("reason", String(40), nullable=False),  # e.g. implausible, unit, malformed, duplicate-id
    Column("location", Text),  # where in the message, FHIRPath-like: readings[3].value
    Column("message", Text, nullable=False),  # human-readable explanation
    Column("raw", Text, nullable=False),  # the message (or the refused reading) as received
    Index("ix_monitoring_rejects_device", "device", "received_us"),
)

alerts = Table(
    "monitoring_alerts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("patient", Id, nullable=False),
    Column("rule", String(40), nullable=False),  # rule id, e.g. hf-weight-gain, bp-crisis
    Column("severity", String(12), nullable=False),  # info | warning | urgent | emergency
    Column("status", String(14), nullable=False),  # open | acknowledged | resolved
    Column("opened_us", BigInteger, nullable=False),
    # When the first reading behind the alert was received: alert latency = opened - received.
    Column("received_us", BigInteger, nullable=False),
    Column("last_evidence_us", BigInteger, nullable=False),
    Column("acknowledged_us", BigInteger),
    Column("acknowledged_by", Text),  # fhirUser reference
    Column("resolved_us", BigInteger),
    Column(
        "escalation_level", SmallInteger, nullable=False, default=0
    ),  # 0 physician, 1 on-call, 2 hospital
    Column("next_escalation_us", BigInteger),  # NULL: no further escalation due
    Column("flag_id", Id),
    Column("task_id", Id),
    Column("service_request_id", Id),  # the referral to the public hospital, when escalated there
    Column("summary", Text, nullable=False),  # one line, Spanish, for the inbox
    Column("evidence", Text, nullable=False),  # JSON: the readings behind it and the rule's figures
    CheckConstraint("status IN ('open','acknowledged','resolved')", name="alert_status_known"),
    CheckConstraint(
        "severity IN ('info','warning','urgent','emergency')", name="alert_severity_known"
    ),
    Index("ix_monitoring_alerts_patient_rule", "patient", "rule", "status"),
    Index("ix_monitoring_alerts_status", "status", "next_escalation_us"),
)

follows = Table(
    "monitoring_follows",
    metadata,
    Column("caregiver", Text, primary_key=True),  # fhirUser reference (RelatedPerson/… or Person/…)
    Column("patient", Id, primary_key=True),
    Column("consent_id", Id, nullable=False),  # the patient's Consent that allows it
    Column("created_us", BigInteger, nullable=False),
    Column("revoked_us", BigInteger),
)

MONITORING_TABLES = (devices, readings, rejects, alerts, follows)
