"""The finance module's own tables (migration 0008); only this module reads or writes them.

Ledger: accounts (with their running balances), journal transactions and their postings, holds
and their lines. Postings and hold lines are written once and never changed; the database refuses
UPDATE and DELETE on them and refuses a transaction (or hold) whose lines do not sum to zero
(triggers in `ledger_ddl.py`). Wallet: wallets, members with their caps, and each member's
entries (deposits and charges), which point at ledger transactions and holds.

Amounts are BIGINT centavos. Ids are text chosen by the caller or the injected id factory.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

Id = String(64)
Currency = String(3)
KINDS = ("asset", "liability", "income", "expense", "equity")
HOLD_STATUSES = ("pending", "posted", "voided", "expired")

# Fractional values would be stored as REAL by SQLite's type affinity; PostgreSQL's BIGINT cannot
# hold them, so this check only ever refuses something on SQLite.
_WHOLE = "{col} = CAST({col} AS BIGINT)"

accounts = Table(
    "ledger_accounts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(16), nullable=False),
    # +1: debits raise the balance (asset, expense); -1: credits raise it (liability, income, equity)
    Column("normal", SmallInteger, nullable=False),
    Column("currency", Currency, nullable=False),
    Column("owner", Text),  # a FHIR reference such as Organization/x, Patient/y, or wallet/z
    Column("name", Text, nullable=False, server_default=""),
    # Lowest normal-side available balance allowed; NULL for no limit, 0 for "no overdraft".
    Column("floor", BigInteger),
    # Running balances, kept in the same transaction as the postings and holds that move them.
    Column("posted", BigInteger, nullable=False, server_default="0"),  # sum of postings, debit +
    Column("pending_debits", BigInteger, nullable=False, server_default="0"),
    Column("pending_credits", BigInteger, nullable=False, server_default="0"),
    Column("created_us", BigInteger, nullable=False),
    UniqueConstraint("id", "currency", name="uq_ledger_accounts_id_currency"),
    CheckConstraint("kind IN ('asset','liability','income','expense','equity')", name="kind"),
    CheckConstraint(
        "(normal = 1 AND kind IN ('asset','expense')) OR "
        "(normal = -1 AND kind IN ('liability','income','equity'))",
        name="normal_matches_kind",
    ),
    CheckConstraint("currency = 'MXN'", name="currency_mxn"),
    CheckConstraint("pending_debits >= 0 AND pending_credits >= 0", name="pending_not_negative"),
    # Available = normal-side posted balance less the holds that would lower it.
    CheckConstraint(
        "floor IS NULL OR normal * posted - "
        "(CASE WHEN normal = 1 THEN pending_credits ELSE pending_debits END) >= floor",
        name="available_above_floor",
    ),
)

transactions = Table(
    "ledger_transactions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("currency", Currency, nullable=False),
    Column("posting_count", SmallInteger, nullable=False),
    Column("idempotency_key", Text),
    Column("request_hash", String(64)),
    Column("reverses", Id),  # the transaction this one undoes (at most once)
    Column("hold_id", Id),  # the hold this one posts (at most once)
    Column("description", Text, nullable=False, server_default=""),
    Column("reference", Text),  # what the money is for, e.g. Claim/123 or MedicationDispense/9
    Column("posted_us", BigInteger, nullable=False),
    CheckConstraint("posting_count >= 2", name="two_or_more_postings"),
    ForeignKeyConstraint(["reverses"], ["ledger_transactions.id"], name="fk_reverses"),
)


def _unique_when_set(table: Table, column: str) -> None:
    """Unique among the rows that have a value: the many without one cost no index entry."""
    condition = table.c[column].isnot(None)
    Index(
        f"uq_{table.name}_{column}",
        table.c[column],
        unique=True,
        sqlite_where=condition,
        postgresql_where=condition,
    )


for _column in ("idempotency_key", "reverses", "hold_id"):
    _unique_when_set(transactions, _column)

postings = Table(
    "ledger_postings",
    metadata,
    Column("txn_id", Id, primary_key=True),
    Column("line", SmallInteger, primary_key=True, autoincrement=False),
    Column("account_id", Id, nullable=False),
    Column("currency", Currency, nullable=False),
    Column("amount", BigInteger, nullable=False),  # centavos; debit positive, credit negative
    CheckConstraint("amount <> 0", name="amount_not_zero"),
    CheckConstraint(_WHOLE.format(col="amount"), name="amount_whole"),
    # The account must exist in the posting's currency.
    ForeignKeyConstraint(
        ["account_id", "currency"],
        ["ledger_accounts.id", "ledger_accounts.currency"],
        name="fk_posting_account",
    ),
    # Postings are written before their transaction row (whose insert trigger checks that they
    # balance, in its currency); deferred, so a posting left without its transaction fails the
    # commit.
    ForeignKeyConstraint(
        ["txn_id"],
        ["ledger_transactions.id"],
        name="fk_posting_transaction",
        deferrable=True,
        initially="DEFERRED",
    ),
    sqlite_with_rowid=False,
)
Index("ix_ledger_postings_account", postings.c.account_id)

holds = Table(
    "ledger_holds",
    metadata,
    Column("id", Id, primary_key=True),
    Column("currency", Currency, nullable=False),
    Column("line_count", SmallInteger, nullable=False),
    Column("status", String(8), nullable=False),
    Column("expires_us", BigInteger),  # NULL: held until posted or voided
    Column("idempotency_key", Text),
    Column("request_hash", String(64)),
    Column("description", Text, nullable=False, server_default=""),
    Column("reference", Text),
    Column("created_us", BigInteger, nullable=False),
    Column("resolved_us", BigInteger),
    CheckConstraint("line_count >= 2", name="two_or_more_lines"),
    CheckConstraint("status IN ('pending','posted','voided','expired')", name="status"),
)
Index("ix_ledger_holds_pending_expiry", holds.c.status, holds.c.expires_us)
_unique_when_set(holds, "idempotency_key")

hold_lines = Table(
    "ledger_hold_lines",
    metadata,
    Column("hold_id", Id, primary_key=True),
    Column("line", SmallInteger, primary_key=True, autoincrement=False),
    Column("account_id", Id, nullable=False),
    Column("currency", Currency, nullable=False),
    Column("amount", BigInteger, nullable=False),
    CheckConstraint("amount <> 0", name="amount_not_zero"),
    CheckConstraint(_WHOLE.format(col="amount"), name="amount_whole"),
    ForeignKeyConstraint(
        ["account_id", "currency"],
        ["ledger_accounts.id", "ledger_accounts.currency"],
        name="fk_hold_line_account",
    ),
    ForeignKeyConstraint(
        ["hold_id"],
        ["ledger_holds.id"],
        name="fk_hold_line_hold",
        deferrable=True,
        initially="DEFERRED",
    ),
    sqlite_with_rowid=False,
)
Index("ix_ledger_hold_lines_account", hold_lines.c.account_id)

wallets = Table(
    "finance_wallets",
    metadata,
    Column("id", Id, primary_key=True),
    Column("account_id", Id, nullable=False, unique=True),  # the pooled ledger account
    Column("owner", Text),  # e.g. Group/family-1 or RelatedPerson/x
    Column("created_us", BigInteger, nullable=False),
)

wallet_members = Table(
    "finance_wallet_members",
    metadata,
    Column("wallet_id", Id, primary_key=True),
    Column("member", String(128), primary_key=True),  # Patient/x or RelatedPerson/y
    Column("monthly_cap", BigInteger, nullable=False),  # centavos a member may spend per month
    Column("joined_us", BigInteger, nullable=False),
    CheckConstraint("monthly_cap >= 0", name="cap_not_negative"),
    CheckConstraint(_WHOLE.format(col="monthly_cap"), name="cap_whole"),
)

wallet_entries = Table(
    "finance_wallet_entries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("wallet_id", Id, nullable=False),
    Column("member", String(128), nullable=False),
    Column("kind", String(8), nullable=False),  # deposit | charge
    Column("amount", BigInteger, nullable=False),
    Column("period", String(7), nullable=False),  # YYYY-MM (UTC) the entry counts against
    Column("txn_id", Id),  # a deposit's ledger transaction
    Column("hold_id", Id),  # a charge's ledger hold (its status says pending/posted/voided)
    Column("reference", Text),
    Column("created_us", BigInteger, nullable=False),
    CheckConstraint("kind IN ('deposit','charge')", name="kind"),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint(_WHOLE.format(col="amount"), name="amount_whole"),
)
Index(
    "ix_finance_wallet_entries_member",
    wallet_entries.c.wallet_id,
    wallet_entries.c.member,
    wallet_entries.c.created_us,
    wallet_entries.c.id,
)

LEDGER_TABLES = (accounts, transactions, postings, holds, hold_lines)
WALLET_TABLES = (wallets, wallet_members, wallet_entries)
