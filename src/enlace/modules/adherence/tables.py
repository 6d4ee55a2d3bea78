"""The adherence module's own tables (migration 0017); only this module reads or writes them.

Each table is described where it is defined. No foreign keys to other modules: patients,
clinics, pharmacies and payers are kept as their FHIR ids (the keys the rollups group by).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# `adherence_therapies`: one row per patient x therapy (domain.therapy_key), the latest measures
# the daily job computed (as_of). Rewritten whole for a therapy on every run, so a rerun of a
# day gives the same rows. `pdc` is None until the PQA method allows it (>= 2 fills); `mpr` may
# exceed 1. `supply_left` is the days' supply still covered on as_of (0 once it ran out).
# `clinic`, `pharmacy`, `payer`, `state` are the rollup keys (Organization ids, the payer's
# Organization id, the INEGI state name as in Patient.address.state); `practitioner` is the
# last prescriber (the physician panel's key); `condition` the therapy's condition group
# (diabetes, hypertension...) for the curves by condition.
therapies = Table(
    "adherence_therapies",
    metadata,
    Column("patient", String(64), primary_key=True),
    Column("therapy", String(96), primary_key=True),
    Column("as_of", String(10), nullable=False),  # YYYY-MM-DD
    Column("medication", String(128), nullable=False),  # the last fill's medication
    Column("condition", String(32)),
    Column("fills", Integer, nullable=False),
    Column("first_fill", String(10), nullable=False),
    Column("last_fill", String(10), nullable=False),
    Column("pdc", Float),
    Column("mpr", Float),
    Column("supply_left", Integer, nullable=False),
    Column("covered_until", String(10), nullable=False),
    Column("discontinued_on", String(10)),
    Column("persistence_days", Integer, nullable=False),  # first fill -> stop or censoring
    Column("switched", Boolean, nullable=False, default=False),
    Column("clinic", String(64)),
    Column("pharmacy", String(64)),
    Column("payer", String(64)),
    Column("state", String(64)),
    Column("practitioner", String(64)),
    Index("ix_adherence_therapies_practitioner", "practitioner"),
    Index("ix_adherence_therapies_clinic", "clinic"),
)

# `adherence_scores`: the model's probability that a therapy is discontinued 28-42 days after
# `as_of`, one row per therapy per day (a rerun of the day replaces it); `band` is high | medium
# | low; `reasons` the top contributing features as JSON ([{"feature", "value",
# "contribution"}]); `model` the model's version.
scores = Table(
    "adherence_scores",
    metadata,
    Column("patient", String(64), primary_key=True),
    Column("therapy", String(96), primary_key=True),
    Column("as_of", String(10), primary_key=True),
    Column("probability", Float, nullable=False),
    Column("band", String(8), nullable=False),
    Column("reasons", Text, nullable=False),
    Column("model", String(64), nullable=False),
    Index("ix_adherence_scores_day", "as_of", "probability"),
)

# `adherence_runs`: one row per day the job ran (rerun: replaced): what it found and did, and
# how long it took, for the pages ("measured on ...") and operators.
runs = Table(
    "adherence_runs",
    metadata,
    Column("as_of", String(10), primary_key=True),
    Column("started_us", BigInteger, nullable=False),
    Column("finished_us", BigInteger, nullable=False),
    Column("dispenses", Integer, nullable=False),
    Column("therapies", Integer, nullable=False),
    Column("scored", Integer, nullable=False),
    Column("interventions", Integer, nullable=False),
    Column("model", String(64)),
    Column("summary", Text, nullable=False),  # JSON: counts by step, problems skipped
)

ADHERENCE_TABLES: tuple[Table, ...] = (therapies, scores, runs)
