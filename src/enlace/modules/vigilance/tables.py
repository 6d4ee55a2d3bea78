"""The vigilance module's own tables (migration 0023); only this module reads or writes them.

Each table is described where it is defined. No foreign keys to other modules.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# `vigilance_cases`: one row per AdverseEvent captured (the FHIR resource is the record; this row
# is what signal detection, deadlines and the line listing read without parsing every resource).
# `drug` is the suspect drug's code (catalog slug, ATC or the text as given), `event` the reaction's
# MedDRA code when mapped, else the reporter's words lower-cased (`event_coded` says which).
# `due_us` is the reporting deadline (deadlines.py), `submitted_us` when the ICSR was sent.
cases = Table(
    "vigilance_cases",
    metadata,
    Column("id", String(64), primary_key=True),  # the AdverseEvent id
    Column("patient", String(64), nullable=False),
    Column("reporter_kind", String(12), nullable=False),  # patient | clinician
    Column("reporter", String(128), nullable=False),
    Column("drug", String(128), nullable=False),
    Column("drug_display", String(256), nullable=False),
    Column("event", String(128), nullable=False),
    Column("event_display", String(256), nullable=False),
    Column("event_coded", Boolean, nullable=False),
    Column("serious", Boolean, nullable=False),
    Column("unexpected", Boolean, nullable=False),
    Column("onset", String(10)),  # YYYY-MM-DD as reported
    Column("received_us", BigInteger, nullable=False),
    Column("due_us", BigInteger, nullable=False),
    Column("rule", String(64), nullable=False),  # which deadline rule applied
    Column("submitted_us", BigInteger),
    Index("ix_vigilance_cases_pair", "drug", "event"),
    Index("ix_vigilance_cases_due", "submitted_us", "due_us"),
)

# `vigilance_signals`: one row per drug-event pair a detection run flagged by at least one method,
# with the figures of the last run (JSON) and its review state: new -> under_review ->
# confirmed | refuted (signals.py). A later run updates the figures, never the state.
signals = Table(
    "vigilance_signals",
    metadata,
    Column("drug", String(128), primary_key=True),
    Column("event", String(128), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("methods", String(32), nullable=False),  # e.g. "PRR,ROR,IC"
    Column("figures", Text, nullable=False),
    Column("detected_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    Column("updated_by", String(128)),
    Column("reason", Text),
    Index("ix_vigilance_signals_status", "status"),
)

# `vigilance_signal_reviews`: every state change of a signal, who and why (append only).
signal_reviews = Table(
    "vigilance_signal_reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("drug", String(128), nullable=False),
    Column("event", String(128), nullable=False),
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Index("ix_vigilance_signal_reviews_pair", "drug", "event"),
)

VIGILANCE_TABLES: tuple[Table, ...] = (cases, signals, signal_reviews)
