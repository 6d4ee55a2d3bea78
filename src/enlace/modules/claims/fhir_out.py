"""A decision as FHIR: the ClaimResponse answered to the submitter (Da Vinci PAS style) and the
patient-facing ExplanationOfBenefit stored beside it.

Per item: adjudication amounts with the categories of
`http://terminology.hl7.org/CodeSystem/adjudication` (submitted, eligible, benefit = what the
payer pays, copay = what the patient pays), a refused item's reason as `adjudication.reason`
and as `ClaimResponse.error` (codes of `REASON_SYSTEM`), and each dispensing event's
inclusion proof as the extension `PROOF_EXTENSION`. Exact centavos travel beside the decimal
Money as integer extensions.
"""

from __future__ import annotations

from typing import Any

from enlace.modules.trace import LeafProof

from . import preauth
from .domain import REASON_SYSTEM, REVIEW_SYSTEM, Decision, ItemDecision

SD = "https://enlace.health/fhir/StructureDefinition/"
PROOF_EXTENSION = SD + "claim-dispense-proof"
REVIEW_EXTENSION = SD + "claim-review-reason"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
CLAIM_TYPE = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "pharmacy"}]
}


def money(centavos: int) -> dict[str, Any]:
    return {"value": centavos / 100, "currency": "MXN"}


def claim_response(decision: Decision, response_id: str, insurer: str, created: str) -> dict:
    claim = decision.claim
    body: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": response_id,
        "status": "active",
        "type": CLAIM_TYPE,
        "use": claim.use,
        "patient": {"reference": f"Patient/{claim.patient_id}"},
        "created": created,
        "insurer": {"reference": insurer},
        "requestor": {"reference": f"Organization/org-{claim.provider_slug}"},
        "request": {"reference": f"Claim/{claim.claim_id}"},
        "outcome": decision.outcome,
        "disposition": disposition(decision),
        "item": [_item(i, decision.proofs) for i in decision.items],
        "total": _totals(decision),
    }
    errors = [_error(i) for i in decision.items if not i.approved]
    if errors:
        body["error"] = errors
    if decision.review:
        body["extension"] = [_review(r) for r in decision.review]
    if claim.use == "preauthorization" and decision.outcome in ("complete", "partial"):
        body["preAuthRef"] = preauth.reference(claim.claim_id)
        body["preAuthPeriod"] = preauth.period(claim.service_date)
    return body


def explanation_of_benefit(
    decision: Decision, eob_id: str, response_id: str, insurer: str, created: str
) -> dict[str, Any]:
    claim = decision.claim
    return {
        "resourceType": "ExplanationOfBenefit",
        "id": eob_id,
        "status": "active",
        "type": CLAIM_TYPE,
        "use": claim.use,
        "patient": {"reference": f"Patient/{claim.patient_id}"},
        "created": created,
        "insurer": {"reference": insurer},
        "provider": {"reference": f"Organization/org-{claim.provider_slug}"},
        "claim": {"reference": f"Claim/{claim.claim_id}"},
        "claimResponse": {"reference": f"ClaimResponse/{response_id}"},
        "outcome": decision.outcome,
        "disposition": disposition(decision),
        "insurance": [{"focal": True, "coverage": {"reference": f"Coverage/{claim.coverage_id}"}}],
        "item": [
            {
                "sequence": i.sequence,
                "productOrService": _product(claim, i.sequence),
                "adjudication": _adjudication(i),
            }
            for i in decision.items
        ],
        "total": _totals(decision),
    }


def disposition(decision: Decision) -> str:
    refused = [i for i in decision.items if not i.approved]
    text = (
        "Approved: every item is covered and proven dispensed."
        if not refused
        else "; ".join(f"item {i.sequence}: {i.reason} ({i.detail})" for i in refused)
    )
    if decision.review:
        text += " Selected for manual review: " + ", ".join(decision.review) + "."
    return text


def _product(claim: Any, sequence: int) -> dict[str, Any]:
    item = next(i for i in claim.items if i.sequence == sequence)
    return {"text": f"Medication/med-{item.medication_slug}" if item.medication_slug else "?"}


def _item(item: ItemDecision, proofs: dict[int, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"itemSequence": item.sequence, "adjudication": _adjudication(item)}
    shown = [proofs[leaf] for leaf in item.leaf_indexes if leaf in proofs]
    if shown and item.approved:
        entry["extension"] = [proof_extension(p) for p in shown]
    return entry


def _adjudication(item: ItemDecision) -> list[dict[str, Any]]:
    rows = [
        _amount("submitted", item.submitted_centavos),
        _amount("eligible", item.eligible_centavos),
        _amount("benefit", item.payer_centavos),
        _amount("copay", item.patient_centavos),
    ]
    if item.reason is not None:
        rows[2]["reason"] = _reason(item)
    return rows


def _amount(category: str, centavos: int) -> dict[str, Any]:
    return {
        "category": {"coding": [{"system": ADJUDICATION, "code": category}]},
        "amount": money(centavos),
        "extension": [{"url": SD + "amount-centavos", "valueInteger": centavos}],
    }


def _reason(item: ItemDecision) -> dict[str, Any]:
    return {"coding": [{"system": REASON_SYSTEM, "code": str(item.reason)}], "text": item.detail}


def _error(item: ItemDecision) -> dict[str, Any]:
    return {"itemSequence": item.sequence, "code": _reason(item)}


def _review(reason: str) -> dict[str, Any]:
    return {"url": REVIEW_EXTENSION, "valueCoding": {"system": REVIEW_SYSTEM, "code": reason}}


def _totals(decision: Decision) -> list[dict[str, Any]]:
    submitted = sum(i.submitted_centavos for i in decision.items)
    eligible = sum(i.eligible_centavos for i in decision.items)
    return [
        {"category": {"coding": [{"system": ADJUDICATION, "code": code}]}, "amount": money(value)}
        for code, value in (
            ("submitted", submitted),
            ("eligible", eligible),
            ("benefit", decision.payer_centavos),
            ("copay", decision.patient_centavos),
        )
    ]


def proof_extension(proof: LeafProof) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"url": "leafIndex", "valueInteger": proof.leaf_index},
        {"url": "treeSize", "valueInteger": proof.tree_size},
        {"url": "entry", "valueString": proof.entry},
        {"url": "leafHash", "valueBase64Binary": proof.leaf_hash},
        *({"url": "hash", "valueBase64Binary": h} for h in proof.hashes),
        {"url": "rootHash", "valueBase64Binary": proof.root_hash},
        {"url": "checkpoint", "valueString": proof.checkpoint},
        {"url": "verifierKey", "valueString": proof.verifier_key},
    ]
    return {"url": PROOF_EXTENSION, "extension": parts}
