"""Education's own tables (migration 0031): patient education deliveries and clinician courses.

No foreign keys to other modules; ids are FHIR logical ids (Patient, Practitioner, Organization).
The content itself (items, courses) is data in the package (content.py), not in tables: a table
row names an item or course by its id. Patient-keyed rows carry the patient (Citus-ready).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

# One education item for one patient, from one cause: scheduled by the care plan (a condition's
# sequence) or triggered by an event (a hypoglycaemia alert, a first insulin prescription, a
# home infusion booked). The id hashes (patient, item, cause), so a job run twice adds nothing.
# Keyed by (patient, id) (migration 0040: Citus-ready); the link a patient opens names the
# delivery by id alone, hence the index on id.
education_deliveries = Table(
    "education_deliveries",
    metadata,
    Column("id", String(40), nullable=False),
    Column("patient", String(64), nullable=False),
    Column("item", String(64), nullable=False),
    Column("trigger", String(24), nullable=False),  # care-plan | hypoglycaemia | insulin | infusion
    Column("cause", String(160), nullable=False),  # what caused it (Condition/…, Flag/…, …)
    Column("due_us", BigInteger, nullable=False, index=True),
    Column("status", String(16), nullable=False),  # scheduled | queued | not-sent | skipped
    Column("message_id", String(64)),  # the messaging outbox's message, once queued
    Column("outcome", String(64)),  # why not sent (messaging's reason: consent, cap, ...)
    Column("created_us", BigInteger, nullable=False),
    Column("opened_us", BigInteger),
    Column("finished_us", BigInteger),
    Column("quiz_correct", Boolean),
    PrimaryKeyConstraint("patient", "id"),
    Index("ix_education_deliveries_id", "id"),
)

# A clinician enrolled in a course; completed when every module is passed, and then the
# certificate is the Practitioner.qualification identified by `certificate`.
education_enrolments = Table(
    "education_enrolments",
    metadata,
    Column("practitioner", String(64), primary_key=True),
    Column("course", String(64), primary_key=True),
    Column("role", String(16), nullable=False),  # doctor | nurse | pharmacist | chw
    Column("clinic", String(64), nullable=False, index=True),  # Organization id
    Column("enrolled_us", BigInteger, nullable=False),
    Column("completed_us", BigInteger),
    Column("certificate", String(64)),
)

# Every graded attempt at a module's quiz: the best passing one marks the module done.
education_attempts = Table(
    "education_attempts",
    metadata,
    Column("practitioner", String(64), primary_key=True),
    Column("course", String(64), primary_key=True),
    Column("module", String(64), primary_key=True),
    Column("number", Integer, primary_key=True),  # 1, 2, ... up to the module's max attempts
    Column("score", Integer, nullable=False),  # percent right
    Column("passed", Boolean, nullable=False),
    Column("answers", Text, nullable=False),  # JSON list of chosen option indexes
    Column("at_us", BigInteger, nullable=False),
)

EDUCATION_TABLES: tuple[Table, ...] = (
    education_deliveries,
    education_enrolments,
    education_attempts,
)
