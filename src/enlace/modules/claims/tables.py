"""The claims module's own tables (migration 0010): what has been claimed, for duplicates.

`claims_submissions` holds one row per adjudicated claim, keyed by its patient and the
submitter's identifier (`Claim.identifier` system|value, else the Claim id); the same claim sent
twice is found by the identifier alone (an index lookup), whichever patient it names, and the
patient leading the key places the row on the patient's shard (docs/scale.md). `claims_packs`
holds one row per pack (canonical EPC) a claim was paid or pended for: a pack can be claimed
once. Only enlace.modules.claims reads or writes them.
No foreign keys (written in bulk; Citus-ready).

`claims_lines` (migration 0011) is the fact table of adjudicated claim items, one row per item
of every `use=claim` claim, refused ones included (a pharmacy's refusals are a signal): what
the payer dashboard aggregates and the anti-fraud analytics read, without parsing resources;
`claims_queued_usage` (same migration) what a claim queued for review holds of its limits.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

submissions = Table(
    "claims_submissions",
    metadata,
    Column("claim_key", String(300), nullable=False),
    Column("claim_id", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),  # complete | error | partial
    Column("payer_centavos", BigInteger, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("patient", String(64), nullable=False),  # the Claim's patient (migration 0037)
    PrimaryKeyConstraint("patient", "claim_key"),
    # The duplicate check looks a claim up by its key alone, whoever the patient.
    Index("ix_claims_submissions_claim_key", "claim_key"),
)

packs = Table(
    "claims_packs",
    metadata,
    Column("epc", Text, primary_key=True),
    Column("claim_id", String(64), nullable=False),
)

lines = Table(
    "claims_lines",
    metadata,
    Column("claim_id", String(64), primary_key=True),
    Column("sequence", Integer, primary_key=True),
    Column("service_date", Date, nullable=False, index=True),
    Column("payer", String(64), nullable=False, index=True),  # Organization slug
    Column("pharmacy", String(64), nullable=False),  # catalog facility slug
    Column("patient", String(64), nullable=False),
    Column("coverage", String(64), nullable=False),
    Column("prescription", String(64)),  # MedicationRequest id, when the claim names it
    Column("diagnosis", String(64)),
    Column("medication", String(128), nullable=False),  # catalog medication slug
    Column("packs", Integer, nullable=False),
    Column("unit_centavos", BigInteger, nullable=False),  # as claimed
    Column("submitted_centavos", BigInteger, nullable=False),
    Column("payer_centavos", BigInteger, nullable=False),
    Column("patient_centavos", BigInteger, nullable=False),
    Column("reason", String(32), nullable=False),  # ClaimReason code, '' when approved
    Column("outcome", String(16), nullable=False),  # the claim's: complete|partial|error|queued
    Column("created_us", BigInteger, nullable=False),
)

# What a claim queued for review added to its coverage's limits, so a reviewer's denial can
# give it back (coverage.release_usage). Rows go when the claim is decided.
queued_usage = Table(
    "claims_queued_usage",
    metadata,
    Column("claim_id", String(64), primary_key=True),
    Column("holder", String(64), primary_key=True),
    Column("period", String(16), primary_key=True),
    Column("bucket", String(80), primary_key=True),
    Column("amount", BigInteger, nullable=False),
)

CLAIMS_TABLES = (submissions, packs)
LINES_TABLES = (lines, queued_usage)
