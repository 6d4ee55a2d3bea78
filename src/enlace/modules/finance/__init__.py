"""Finance (issue 7): a double-entry ledger and the financing built on it.

Public API for other modules (docs/finance.md): the `Ledger` (accounts, transfers, reversals,
holds, reports), installment plans with their CAT, the family wallet, and sliding-scale fees.
"""

from __future__ import annotations

from enlace.modules.finance.ledger import Ledger
from enlace.modules.finance.ledger_model import Account, HoldPlaced, Posting, Recorded, Transfer

__all__ = ["Account", "HoldPlaced", "Ledger", "Posting", "Recorded", "Transfer"]
