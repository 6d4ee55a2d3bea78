"""The claims module's own tables (migration 0010): what has been claimed, for duplicates.

`claims_submissions` holds one row per adjudicated claim, keyed by the submitter's identifier
(`Claim.identifier` system|value, else the Claim id), so the same claim sent twice is found
with one primary-key lookup. `claims_packs` holds one row per pack (canonical EPC) a claim was
paid or pended for: a pack can be claimed once. Only enlace.modules.claims reads or writes them.
No foreign keys (written in bulk; Citus-ready).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table, Text

metadata = MetaData()

submissions = Table(
    "claims_submissions",
    metadata,
    Column("claim_key", String(300), primary_key=True),
    Column("claim_id", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),  # complete | error | partial
    Column("payer_centavos", BigInteger, nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

packs = Table(
    "claims_packs",
    metadata,
    Column("epc", Text, primary_key=True),
    Column("claim_id", String(64), nullable=False),
)

CLAIMS_TABLES = (submissions, packs)
