"""Claims as plain values, the reasons an item is refused, and review sampling (pure).

Money is integer MXN centavos throughout. The reasons mirror openIMIS's claim rejection
reasons and add the two proof-of-dispense ones (phantom, duplicate); each is a code of the
CodeSystem `REASON_SYSTEM` (docs/claims.md lists them with their meaning).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

REASON_SYSTEM = "https://enlace.health/fhir/CodeSystem/claim-adjudication-reason"
REVIEW_SYSTEM = "https://enlace.health/fhir/CodeSystem/claim-review-reason"
PRE_AUTH_DAYS = 180  # how long an approved preauthorization can be cited (its preAuthPeriod)


class ClaimReason(StrEnum):
    NOT_COVERED = "not-covered"  # no formulary tier of the plan lists it
    EXCLUDED = "excluded"
    NOT_IN_PRICE_LIST = "not-in-price-list"  # not a medicine of the catalog's price list
    NO_POLICY = "no-policy"
    NO_COVERAGE_ON_DATE = "no-coverage-on-date"
    WAITING_PERIOD = "waiting-period"
    CATEGORY_LIMIT = "category-limit"
    CEILING = "ceiling"
    FREQUENCY = "frequency"
    QUANTITY = "quantity"
    OUT_OF_NETWORK = "out-of-network"
    VISIT_MAXIMUM = "visit-maximum"  # reserved: visit/admission claims (none yet)
    PHANTOM = "phantom"  # no matching dispensing event in the transparency log
    DUPLICATE = "duplicate"  # the claim, or one of its packs, was claimed before
    PRIOR_AUTHORIZATION = "prior-authorization"  # the plan requires one; none valid was cited
    DENIED_ON_REVIEW = "denied-on-review"  # a reviewer denied a claim queued for review


class ReviewReason(StrEnum):
    RANDOM = "random"
    VALUE = "value"
    VARIANCE = "variance"
    PATIENT_UNPROVEN = "patient-unproven"  # the dispensing event named no prescription


@dataclass(frozen=True, slots=True)
class ClaimItem:
    sequence: int
    medication_slug: str
    packs: int
    unit_price_centavos: int
    pack_epcs: tuple[str, ...]  # canonical EPCs, one per pack

    @property
    def submitted_centavos(self) -> int:
        return self.packs * self.unit_price_centavos


@dataclass(frozen=True)
class ParsedClaim:
    claim_id: str
    claim_key: str  # identifier system|value, else Claim/<id>: what duplicates are keyed on
    use: str
    patient_id: str
    coverage_id: str
    provider_slug: str  # the pharmacy (Organization org-<slug>)
    prescription_id: str | None
    service_date: date
    diagnosis: str | None  # first diagnosis code, for the variance review
    items: tuple[ClaimItem, ...]
    pre_auth_refs: tuple[str, ...] = ()  # the focal insurance's preAuthRef values

    @property
    def submitted_centavos(self) -> int:
        return sum(i.submitted_centavos for i in self.items)


@dataclass(frozen=True, slots=True)
class ItemDecision:
    sequence: int
    submitted_centavos: int
    eligible_centavos: int = 0
    payer_centavos: int = 0
    patient_centavos: int = 0
    reason: ClaimReason | None = None
    detail: str = ""
    leaf_indexes: tuple[int, ...] = ()  # the dispensing events that prove it

    @property
    def approved(self) -> bool:
        return self.reason is None


Usage = dict[tuple[str, str, str], int]  # coverage accumulator (holder, period, bucket) -> added


@dataclass(frozen=True)
class Decision:
    claim: ParsedClaim
    items: tuple[ItemDecision, ...]
    review: tuple[ReviewReason, ...] = ()
    review_detail: str = ""
    proofs: dict[int, object] = field(default_factory=dict)  # leaf index -> trace LeafProof
    usage: Usage = field(default_factory=dict)  # what the claim added to the coverage limits

    @property
    def payer_centavos(self) -> int:
        return sum(i.payer_centavos for i in self.items)

    @property
    def patient_centavos(self) -> int:
        return sum(i.patient_centavos for i in self.items)

    @property
    def outcome(self) -> str:
        """R4 RemittanceOutcome: queued while a reviewer must look; complete when every item is
        approved; error when none is; partial otherwise."""
        if self.review:
            return "queued"
        approved = sum(1 for i in self.items if i.approved)
        if approved == len(self.items):
            return "complete"
        return "error" if approved == 0 else "partial"


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    """openIMIS-style review selection: a random share, every claim above a value, and claims
    whose value exceeds their diagnosis's average by more than `variance_percent`."""

    random_percent: float = 0.0
    value_threshold_centavos: int | None = None
    variance_percent: int | None = None
    seed: int = 0


NO_REVIEW = ReviewPolicy()


def review_reasons(
    policy: ReviewPolicy,
    claim_id: str,
    amount_centavos: int,
    diagnosis_average: int | None,
) -> tuple[ReviewReason, ...]:
    """Why a claim goes to manual review (empty: it does not). The random draw is a hash of the
    seed and the claim id, so a rerun selects the same claims."""
    reasons = []
    if policy.random_percent > 0 and _draw(policy.seed, claim_id) < policy.random_percent / 100:
        reasons.append(ReviewReason.RANDOM)
    threshold = policy.value_threshold_centavos
    if threshold is not None and amount_centavos > threshold:
        reasons.append(ReviewReason.VALUE)
    variance = policy.variance_percent
    over_average = diagnosis_average and amount_centavos * 100 > diagnosis_average * (
        100 + (variance or 0)
    )
    if variance is not None and over_average:
        reasons.append(ReviewReason.VARIANCE)
    return tuple(reasons)


def diagnosis_averages(claims: Sequence[tuple[str | None, int]]) -> dict[str, int]:
    """Average claimed amount per diagnosis over (diagnosis, amount) pairs (integer centavos)."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for diagnosis, amount in claims:
        if diagnosis is not None:
            sums[diagnosis][0] += amount
            sums[diagnosis][1] += 1
    return {d: total // count for d, (total, count) in sums.items()}


def _draw(seed: int, claim_id: str) -> float:
    digest = hashlib.blake2b(f"{seed}:{claim_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64
