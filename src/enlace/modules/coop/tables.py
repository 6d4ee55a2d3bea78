"""The coop module's own tables (migration 0027); only this module reads or writes them.

- `coop_members`: one person's membership: class (patient/family, physician, worker), current
  status, household income (centavos a month) and size for the sliding-scale fee tier, and the
  links to the person's FHIR Patient/Practitioner and user account.
- `coop_member_history`: every status change with when, why and who decided; eligibility at a
  past moment (votes, assemblies) is read from here, not from the current status.
- `coop_obligations`: what a member owes the cooperative (unpaid fees); a withdrawal is refused
  while any is open.
- `coop_patronage`: per member and year, the units of patronage (care used for patient members,
  hours worked for worker members) the surplus is shared by.
- `coop_surplus_runs`: one distribution per fiscal year (unique: a second run is a 409).
- `coop_surplus_shares`: each member's share of a run, the statement line.

No foreign keys to other modules; patient, practitioner and user ids are other modules' ids.
Capital certificates live in the finance ledger (accounts `coop:capital:<member>`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

metadata = MetaData()

Id = String(64)
STATUSES = ("applied", "active", "suspended", "withdrawn", "refused")

members = Table(
    "coop_members",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(160), nullable=False),
    Column("member_class", String(24), nullable=False),
    Column("status", String(16), nullable=False),
    Column("household_income", BigInteger, nullable=False),  # centavos a month
    Column("household_size", Integer, nullable=False),
    Column("area", String(8), nullable=False),  # urban | rural (poverty line)
    Column("patient", Id),
    Column("practitioner", Id),
    Column("user_id", String(120)),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        "status IN ('applied','active','suspended','withdrawn','refused')",
        name="coop_member_status_known",
    ),
    Index("ix_coop_members_user", "user_id"),
)

member_history = Table(
    "coop_member_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Id, nullable=False),
    Column("status", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("reason", String(400), nullable=False),
    Column("decided_by", String(120), nullable=False),
    Index("ix_coop_member_history_member_at", "member_id", "at"),
)

obligations = Table(
    "coop_obligations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Id, nullable=False),
    Column("description", String(200), nullable=False),
    Column("amount", BigInteger, nullable=False),  # centavos
    Column("paid", Integer, nullable=False, default=0),  # 0/1
    Index("ix_coop_obligations_member", "member_id"),
)

patronage = Table(
    "coop_patronage",
    metadata,
    Column("member_id", Id, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("units", BigInteger, nullable=False),
)

surplus_runs = Table(
    "coop_surplus_runs",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("surplus", BigInteger, nullable=False),
    Column("reserve", BigInteger, nullable=False),
    Column("education", BigInteger, nullable=False),
    Column("to_members", BigInteger, nullable=False),
    Column("distributed_at", DateTime(timezone=True), nullable=False),
)

surplus_shares = Table(
    "coop_surplus_shares",
    metadata,
    Column("year", Integer, nullable=False),
    Column("member_id", Id, nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
    UniqueConstraint("year", "member_id", name="uq_coop_share_year_member"),
)

COOP_TABLES: tuple[Table, ...] = (
    members,
    member_history,
    obligations,
    patronage,
    surplus_runs,
    surplus_shares,
)
