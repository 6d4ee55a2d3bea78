"""The homecare module's own tables (migration 0025); only this module reads or writes them.

- `homecare_nurses`: a home-care nurse (FHIR Practitioner id), the skills she holds and the
  zones she covers (JSON lists), where her day starts and ends (base) and her shift.
- `homecare_needs`: why a patient is visited at home and how often: a home infusion at the
  prescription's cadence, a nursing visit (wound care), an oral-oncology symptom follow-up. The
  skill the visit needs, the zone and coordinates of the home, the time window and the minutes
  a visit takes; an infusion names the medicine and the facility its lots come from.
- `homecare_visits`: one visit of a need on one day: the nurse and planned start once planned,
  or `unassigned` with the reason; `documented` with the FHIR resources written; `missed` with
  the coordinator's Task. Unique per need and day so scheduling a day twice writes it once; the
  conditional UPDATE on status 'planned' is what escalates a missed visit once. It carries the
  need's patient, leading its keys (a need has one patient), so it distributes by patient.

No foreign keys to other modules; patient and practitioner ids are FHIR ids.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
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

nurses = Table(
    "homecare_nurses",
    metadata,
    Column("id", Id, primary_key=True),  # Practitioner id
    Column("name", String(120), nullable=False),
    Column("skills", Text, nullable=False),  # JSON list
    Column("zones", Text, nullable=False),  # JSON list
    Column("base_latitude", Float, nullable=False),
    Column("base_longitude", Float, nullable=False),
    Column("shift_start", Integer, nullable=False),  # minutes after local midnight
    Column("shift_end", Integer, nullable=False),
)

needs = Table(
    "homecare_needs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("patient", Id, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("skill", String(24), nullable=False),
    Column("zone", String(40), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("address", String(200), nullable=False),
    Column("first_day", Date, nullable=False),
    Column("every_days", Integer, nullable=False),
    Column("last_day", Date),
    Column("visit_minutes", Integer, nullable=False),
    Column("window_start", Integer, nullable=False),
    Column("window_end", Integer, nullable=False),
    Column("medication", String(80)),  # catalog slug, infusions only
    Column("facility", String(80)),  # where the infusion's lots come from
    Column("prescription", Id),  # MedicationRequest id
    CheckConstraint(
        "kind IN ('infusion','nursing','oncology-followup')", name="homecare_need_kind_known"
    ),
    Index("ix_homecare_needs_patient", "patient"),
)

visits = Table(
    "homecare_visits",
    metadata,
    Column("id", Id, nullable=False),
    Column("need", Id, nullable=False),
    Column("day", Date, nullable=False),
    Column("status", String(12), nullable=False),
    Column("nurse", Id),
    Column("planned_start", Integer),  # minutes after local midnight
    Column("sequence", Integer),  # place in the nurse's route
    Column("reason", String(40)),  # unassigned: why
    Column("detail", String(300)),
    Column("window_end_us", BigInteger, nullable=False),  # the window's end as an instant
    Column("documented_us", BigInteger),
    Column("resources", Text),  # JSON list of "Type/id" written when documented
    Column("note", Text),
    Column("task", Id),  # missed: the coordinator's Task
    Column("patient", Id, nullable=False),  # the need's patient (migration 0037)
    CheckConstraint(
        "status IN ('scheduled','planned','unassigned','documented','missed')",
        name="homecare_visit_status_known",
    ),
    PrimaryKeyConstraint("patient", "id"),
    UniqueConstraint("patient", "need", "day", name="uq_homecare_visit_need_day"),
    Index("ix_homecare_visits_id", "id"),  # visits are found by id (one need, one patient)
    Index("ix_homecare_visits_day", "day"),
)

HOMECARE_TABLES: tuple[Table, ...] = (nurses, needs, visits)
