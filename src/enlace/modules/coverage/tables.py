"""The coverage module's own table (migration 0009): usage accumulators.

One row per (holder, period, bucket): a holder is a Coverage id (one insured person) or a policy
number (Coverage.subscriberId, shared by a family), a period a plan year ("y0") or a usage
window ("w30-4"), a bucket what is counted ("paid", "paid:diabetes", "deductible",
"units:A10BA02", "fills:A10BA02"). Amounts are centavos, dose units or fills. Only
enlace.modules.coverage reads or writes it; adding usage is an upsert that adds.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table

metadata = MetaData()

accumulators = Table(
    "coverage_accumulators",
    metadata,
    Column("holder", String(64), primary_key=True),
    Column("period", String(16), primary_key=True),
    Column("bucket", String(80), primary_key=True),
    Column("amount", BigInteger, nullable=False),
    sqlite_with_rowid=False,  # rows live in the primary key's B-tree: one lookup per holder
)
