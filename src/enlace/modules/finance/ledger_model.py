"""What the ledger accepts and returns, and the checks every request passes before any SQL runs.

Money is integer centavos of MXN. A posting's amount is signed: positive debits the account,
negative credits it; a transfer's postings sum to zero. Problems are reported together as a 400
FhirError whose issues name the field (`transfers[2].postings[1].amount`), so an HTTP layer can
return them as an OperationOutcome unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson

from enlace.kernel.errors import FhirError, Issue

CURRENCY = "MXN"
# 10^15 centavos (ten trillion pesos) per posting keeps any sum of postings far inside BIGINT.
MAX_AMOUNT = 10**15
MAX_KEY_LENGTH = 200
MAX_ID_LENGTH = 64
MAX_POSTINGS = 1000
NORMAL_SIDE = {"asset": 1, "expense": 1, "liability": -1, "income": -1, "equity": -1}


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    amount: int  # centavos: debit positive, credit negative


@dataclass(frozen=True, slots=True)
class Transfer:
    """A journal transaction to record (or, given to `place_hold`, to reserve)."""

    postings: tuple[Posting, ...]
    currency: str = CURRENCY
    idempotency_key: str | None = None
    description: str = ""
    reference: str | None = None  # what it is for: Claim/1, MedicationDispense/2 ...

    @classmethod
    def between(
        cls,
        debit: str,
        credit: str,
        amount: int,
        *,
        currency: str = CURRENCY,
        idempotency_key: str | None = None,
        description: str = "",
        reference: str | None = None,
    ) -> Transfer:
        """The common two-legged transfer: `amount` (positive centavos) from `credit` to `debit`."""
        amount = positive_amount(amount, "amount")
        return cls(
            (Posting(debit, amount), Posting(credit, -amount)),
            currency,
            idempotency_key,
            description,
            reference,
        )

    def request_hash(self) -> str:
        """Fingerprint of everything but the key: a replayed key must carry the same request."""
        body = [
            self.currency,
            [[p.account, p.amount] for p in self.postings],
            self.description,
            self.reference,
        ]
        return hashlib.sha256(orjson.dumps(body)).hexdigest()


@dataclass(frozen=True, slots=True)
class Recorded:
    """The outcome of a transfer, reversal or hold post: the transaction that holds it."""

    txn_id: str
    replayed: bool = False  # True when an earlier request with the same key already did it


@dataclass(frozen=True, slots=True)
class HoldPlaced:
    hold_id: str
    replayed: bool = False


@dataclass(slots=True)
class Account:
    id: str
    kind: str
    normal: int
    currency: str
    owner: str | None
    name: str
    floor: int | None
    posted: int = 0  # sum of postings, debit positive
    pending_debits: int = 0
    pending_credits: int = 0
    changed: bool = field(default=False, compare=False)

    @property
    def balance(self) -> int:
        """Posted balance on the account's normal side (a funded wallet is positive)."""
        return self.normal * self.posted

    @property
    def available(self) -> int:
        """Balance less pending holds that would lower it (holds that raise it don't count yet)."""
        held = self.pending_credits if self.normal == 1 else self.pending_debits
        return self.balance - held


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def amount_issues(value: object, where: str, *, allow_zero: bool = False) -> list[Issue]:
    if not _is_int(value):
        return [Issue("value", f"Amount must be whole centavos (an integer), got {value!r}", where)]
    assert isinstance(value, int)
    if value == 0 and not allow_zero:
        return [Issue("value", "Amount must not be zero", where)]
    if abs(value) > MAX_AMOUNT:
        return [Issue("value", f"Amount exceeds {MAX_AMOUNT} centavos", where)]
    return []


def positive_amount(value: object, where: str) -> int:
    """A strictly positive centavo amount, or a 400 naming `where`."""
    issues = amount_issues(value, where)
    if not issues and isinstance(value, int) and value < 0:
        issues = [Issue("value", f"Amount must be positive, got {value}", where)]
    if issues:
        raise FhirError(400, issues)
    assert isinstance(value, int)
    return value


def currency_issues(currency: object, where: str) -> list[Issue]:
    if currency == CURRENCY:
        return []
    return [Issue("not-supported", f"Only {CURRENCY} is supported, got {currency!r}", where)]


def text_issues(value: object, where: str, limit: int, *, optional: bool) -> list[Issue]:
    if value is None and optional:
        return []
    if not isinstance(value, str) or not value or len(value) > limit:
        return [Issue("value", f"Must be a non-empty string of at most {limit} characters", where)]
    return []


def transfer_issues(transfer: Transfer, where: str) -> list[Issue]:
    issues = currency_issues(transfer.currency, f"{where}.currency")
    issues += text_issues(
        transfer.idempotency_key, f"{where}.idempotencyKey", MAX_KEY_LENGTH, optional=True
    )
    postings = transfer.postings
    if not isinstance(postings, Sequence) or not 2 <= len(postings) <= MAX_POSTINGS:
        count = len(postings) if isinstance(postings, Sequence) else postings
        issues.append(
            Issue("value", f"Needs 2 to {MAX_POSTINGS} postings, got {count}", f"{where}.postings")
        )
        return issues
    for n, posting in enumerate(postings):
        at = f"{where}.postings[{n}]"
        issues += text_issues(posting.account, f"{at}.account", MAX_ID_LENGTH, optional=False)
        issues += amount_issues(posting.amount, f"{at}.amount")
    if not issues:
        total = sum(p.amount for p in postings)
        if total != 0:
            issues.append(
                Issue("invariant", f"Postings must sum to zero, they sum to {total}", where)
            )
    return issues


def check_transfer(transfer: Transfer, where: str) -> None:
    issues = transfer_issues(transfer, where)
    if issues:
        raise FhirError(400, issues)


def check_transfers(transfers: Sequence[Transfer], where: str = "transfers") -> None:
    """Raise one 400 listing every problem of every transfer, or return."""
    issues: list[Issue] = []
    for n, transfer in enumerate(transfers):
        if not isinstance(transfer, Transfer):
            issues.append(Issue("structure", "Not a Transfer", f"{where}[{n}]"))
            continue
        issues += transfer_issues(transfer, f"{where}[{n}]")
    if issues:
        raise FhirError(400, issues)
