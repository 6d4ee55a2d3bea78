"""Claims (issue 7 part 3): pharmacy claims adjudicated against proof of dispense.

Public API (docs/claims.md): `submit` behind `Claim/$submit` (a ClaimResponse in the same
exchange; the Claim, ClaimResponse and a patient-facing ExplanationOfBenefit stored; usage
and ledger postings in the same transaction), `adjudicate_batch` for monthly cycles with
`ReviewPolicy` sampling, the codes of the reasons an item is refused, and `claim_lines`: the
adjudicated items as plain rows (the fact table the dashboard and anti-fraud analytics read).
"""

from __future__ import annotations

from enlace.modules.claims.domain import (
    NO_REVIEW,
    REASON_SYSTEM,
    REVIEW_SYSTEM,
    ClaimReason,
    ReviewPolicy,
    ReviewReason,
    diagnosis_averages,
    review_reasons,
)
from enlace.modules.claims.facts import ClaimLine, claim_lines
from enlace.modules.claims.fhir_out import PROOF_EXTENSION
from enlace.modules.claims.paid import paid_by_patient
from enlace.modules.claims.parse import PACK_EXTENSION
from enlace.modules.claims.review import review
from enlace.modules.claims.service import BatchResult, adjudicate_batch, submit

# Who may submit a claim (besides system clients and the platform): the dispensing pharmacy
# and administrators.
SUBMIT_ROLES = ("pharmacist", "administrator")
# Who may decide a queued claim (besides system clients and the platform).
REVIEW_ROLES = ("payer", "administrator")

__all__ = [
    "NO_REVIEW",
    "PACK_EXTENSION",
    "PROOF_EXTENSION",
    "REASON_SYSTEM",
    "REVIEW_ROLES",
    "REVIEW_SYSTEM",
    "SUBMIT_ROLES",
    "BatchResult",
    "ClaimLine",
    "ClaimReason",
    "ReviewPolicy",
    "ReviewReason",
    "adjudicate_batch",
    "claim_lines",
    "diagnosis_averages",
    "paid_by_patient",
    "review",
    "review_reasons",
    "submit",
]
