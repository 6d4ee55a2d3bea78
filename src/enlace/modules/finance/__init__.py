"""Finance (issue 7): a double-entry ledger and the financing built on it.

Public API for other modules (docs/finance.md): the `Ledger` (accounts, transfers, reversals,
holds) and its reports, installment plans with their CAT, the family wallet, sliding-scale fees.
"""

from __future__ import annotations

from enlace.modules.finance.installment_booking import (
    PlanAccounts,
    book_plan,
    record_installment,
)
from enlace.modules.finance.installments import Installment, InstallmentPlan, plan
from enlace.modules.finance.ledger import Ledger
from enlace.modules.finance.ledger_model import Account, HoldPlaced, Posting, Recorded, Transfer
from enlace.modules.finance.ledger_reports import (
    Page,
    StatementLine,
    TrialBalance,
    account_statement,
    trial_balance,
)
from enlace.modules.finance.ledger_views import (
    AGEING_LIMITS,
    Ageing,
    Membership,
    accounts_with_prefix,
    ageing,
    member_wallets,
    recent_statement,
)
from enlace.modules.finance.sliding_scale import (
    CURRENT_LINE,
    DEFAULT_TIERS,
    PovertyLine,
    SlidingFee,
    Tier,
    sliding_fee,
)
from enlace.modules.finance.wallet import Wallets
from enlace.modules.finance.wallet_statement import MemberStatement, member_statement

__all__ = [
    "AGEING_LIMITS",
    "CURRENT_LINE",
    "DEFAULT_TIERS",
    "Account",
    "Ageing",
    "HoldPlaced",
    "Installment",
    "InstallmentPlan",
    "Ledger",
    "MemberStatement",
    "Membership",
    "Page",
    "PlanAccounts",
    "Posting",
    "PovertyLine",
    "Recorded",
    "SlidingFee",
    "StatementLine",
    "Tier",
    "Transfer",
    "TrialBalance",
    "Wallets",
    "account_statement",
    "accounts_with_prefix",
    "ageing",
    "book_plan",
    "member_statement",
    "member_wallets",
    "plan",
    "recent_statement",
    "record_installment",
    "sliding_fee",
    "trial_balance",
]
