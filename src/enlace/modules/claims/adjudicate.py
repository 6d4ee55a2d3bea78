"""Adjudicating parsed claims in the caller's transaction: duplicates, proof of dispense,
coverage (the coverage module's rules and accumulators), review sampling, log proofs.

Per item, in this order: the price list (a medicine of the catalog), duplicates (the claim or
a pack claimed before, in the store or earlier in the batch), proof of dispense (proof.py),
then coverage: only items that passed are checked, so a phantom never uses up a limit, and
`coverage.record_usage` counts a paid claim's items at once (a later claim of the same
coverage in the batch sees them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from enlace.kernel.clock import epoch_us
from enlace.modules import coverage, trace
from enlace.modules.catalog import facility

from . import preauth
from .domain import (
    ClaimItem,
    ClaimReason,
    Decision,
    ItemDecision,
    ParsedClaim,
    ReviewPolicy,
    ReviewReason,
    Usage,
    diagnosis_averages,
    review_reasons,
)
from .proof import match_pack
from .tables import packs, submissions


@dataclass
class BatchState:
    """What a batch has claimed so far (in the store and in this batch)."""

    claimed_keys: set[str]
    claimed_packs: set[str]
    dispenses: dict[str, list[trace.DispenseRecord]]
    authorizations: preauth.Authorizations = field(default_factory=dict)


def load_state(conn: Connection, claims: Sequence[ParsedClaim]) -> BatchState:
    keys = sorted({c.claim_key for c in claims})
    epcs = sorted({e for c in claims for i in c.items for e in i.pack_epcs})
    claimed_keys = set(_existing(conn, submissions.c.claim_key, keys))
    claimed_packs = set(_existing(conn, packs.c.epc, epcs))
    return BatchState(claimed_keys, claimed_packs, trace.dispensing_events(conn, epcs))


def _existing(conn: Connection, column: Any, values: list[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        found.extend(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def adjudicate(
    services: Any,
    conn: Connection,
    claims: Sequence[ParsedClaim],
    policy: ReviewPolicy,
    now: datetime,
    publisher: trace.LogPublisher,
    coverages: coverage.CoverageBatch,
) -> list[Decision]:
    state = load_state(conn, claims)
    state.authorizations = preauth.load(services, conn, claims)
    subject_of = _subjects(services, conn, state)
    averages = diagnosis_averages([(c.diagnosis, c.submitted_centavos) for c in claims])
    decisions = []
    for claim in claims:
        items, unproven, usage = _claim_items(coverages, claim, state, subject_of)
        reasons = review_reasons(
            policy, claim.claim_id, claim.submitted_centavos, averages.get(claim.diagnosis or "")
        )
        if unproven:
            reasons = (*reasons, ReviewReason.PATIENT_UNPROVEN)
        decisions.append(Decision(claim, tuple(items), reasons, usage=usage))
    return _with_proofs(conn, decisions, now, publisher)


def _claim_items(
    coverages: coverage.CoverageBatch,
    claim: ParsedClaim,
    state: BatchState,
    subject_of: Any,
) -> tuple[list[ItemDecision], bool, Usage]:
    duplicate_claim = claim.claim_key in state.claimed_keys
    decided: dict[int, ItemDecision] = {}
    proven: list[tuple[ClaimItem, tuple[int, ...]]] = []
    unproven = False
    for item in claim.items:
        refused, leaves, patient_ok = _pre_checks(claim, item, state, duplicate_claim, subject_of)
        if refused is not None:
            decided[item.sequence] = refused
        else:
            proven.append((item, leaves))
            unproven = unproven or not patient_ok
    covered, usage = _covered(coverages, claim, proven, state.authorizations)
    decided.update(covered)
    if claim.use == "claim":
        state.claimed_keys.add(claim.claim_key)
        state.claimed_packs.update(e for item, _ in proven for e in item.pack_epcs)
    return [decided[i.sequence] for i in claim.items], unproven, usage


def _pre_checks(
    claim: ParsedClaim,
    item: ClaimItem,
    state: BatchState,
    duplicate_claim: bool,
    subject_of: Any,
) -> tuple[ItemDecision | None, tuple[int, ...], bool]:
    submitted = item.submitted_centavos
    if claim.use != "claim" and not item.pack_epcs:
        return None, (), True  # a question before dispensing: nothing to prove yet
    if not item.medication_slug:
        detail = "the medicine is not in the price list (catalog formulary)"
        return (
            ItemDecision(
                item.sequence, submitted, reason=ClaimReason.NOT_IN_PRICE_LIST, detail=detail
            ),
            (),
            False,
        )
    if duplicate_claim:
        detail = f"claim {claim.claim_key} was submitted before"
        return (
            ItemDecision(item.sequence, submitted, reason=ClaimReason.DUPLICATE, detail=detail),
            (),
            False,
        )
    claimed = [e for e in item.pack_epcs if e in state.claimed_packs]
    if claimed:
        detail = f"pack {claimed[0]} was claimed before"
        return (
            ItemDecision(item.sequence, submitted, reason=ClaimReason.DUPLICATE, detail=detail),
            (),
            False,
        )
    leaves, patient_ok = [], True
    for epc in item.pack_epcs:
        match = match_pack(
            epc,
            state.dispenses.get(epc, ()),
            claim.provider_slug,
            claim.service_date,
            claim.patient_id,
            subject_of,
        )
        if match.record is None:
            return (
                ItemDecision(
                    item.sequence, submitted, reason=ClaimReason.PHANTOM, detail=match.problem
                ),
                (),
                False,
            )
        leaves.append(match.record.leaf_index)
        patient_ok = patient_ok and match.patient_proven
    return None, tuple(leaves), patient_ok


def _covered(
    coverages: coverage.CoverageBatch,
    claim: ParsedClaim,
    proven: list[tuple[ClaimItem, tuple[int, ...]]],
    authorizations: preauth.Authorizations,
) -> tuple[dict[int, ItemDecision], Usage]:
    """Coverage of the proven items. An item the plan puts under prior authorization is refused
    unless the claim cites a valid one for it (a preauthorization asks for exactly that, so it
    is not refused); the rest are checked again without it, so it uses up no limit."""
    if not proven:
        return {}, {}
    network = institution_of_facility(claim.provider_slug)
    asked = [_coverage_item(item, network) for item, _ in proven]
    result = coverages.check(claim.coverage_id, asked, claim.service_date, record=False)
    unauthorized = {
        item.sequence
        for (item, _), checked in zip(proven, result.items, strict=True)
        if claim.use != "preauthorization"
        and checked.covered
        and checked.prior_authorization
        and not preauth.cited(authorizations, claim, item)
    }
    decided = {
        item.sequence: ItemDecision(
            item.sequence,
            item.submitted_centavos,
            reason=ClaimReason.PRIOR_AUTHORIZATION,
            detail=preauth.missing(claim, item),
        )  # no leaves: its packs stay claimable once the authorization is obtained
        for item, _ in proven
        if item.sequence in unauthorized
    }
    if unauthorized:
        proven = [(item, leaves) for item, leaves in proven if item.sequence not in unauthorized]
        asked = [_coverage_item(item, network) for item, _ in proven]
        result = coverages.check(claim.coverage_id, asked, claim.service_date, record=False)
    usage = coverages.record(result) if claim.use == "claim" else {}
    for (item, leaves), checked, wanted in zip(proven, result.items, asked, strict=True):
        reason = result.reason or checked.reason
        decided[item.sequence] = ItemDecision(
            item.sequence,
            item.submitted_centavos,
            eligible_centavos=wanted.amount_centavos,
            payer_centavos=checked.payer_centavos if checked.covered else 0,
            patient_centavos=checked.patient_centavos if checked.covered else 0,
            reason=None if checked.covered else ClaimReason(str(reason)),
            detail="" if checked.covered else f"coverage: {reason}",
            leaf_indexes=leaves,
        )
    return decided, usage


def _coverage_item(item: ClaimItem, network: str | None) -> coverage.Item:
    """The item at the lower of the claimed and the price-list price (openIMIS adjusts a claimed
    price down to the price list)."""
    listed = coverage.item(item.medication_slug, item.packs, network)
    price = min(item.unit_price_centavos, listed.unit_price_centavos)
    return replace(listed, unit_price_centavos=price)


def institution_of_facility(slug: str) -> str | None:
    """The institution (network member) a pharmacy belongs to, for the plan's network."""
    found = facility(slug)
    return found.institution if found else None


def _subjects(services: Any, conn: Connection, state: BatchState) -> Callable[[str], str | None]:
    """The subject of every prescription the batch's dispensing events name, read at once."""
    ids = {rx for records in state.dispenses.values() for r in records for rx in r.prescriptions}
    stored = services.repo.current_many(conn, "MedicationRequest", ids)
    subjects = {
        rid: str(v.resource().get("subject", {}).get("reference") or "")
        for rid, v in stored.items()
        if not v.deleted
    }
    return subjects.get


def _with_proofs(
    conn: Connection, decisions: list[Decision], now: datetime, publisher: trace.LogPublisher
) -> list[Decision]:
    """One checkpoint for the batch (issued now if the log grew past the latest), then an
    inclusion proof for every leaf an approved item rests on."""
    leaves = {leaf for d in decisions for i in d.items for leaf in i.leaf_indexes if i.approved}
    if not leaves:
        return decisions
    signed = trace.issue_checkpoint(conn, publisher, epoch_us(now))
    proofs = trace.leaf_proofs(conn, leaves, signed.note, publisher)
    return [
        replace(
            d,
            proofs={
                leaf: proofs[leaf] for i in d.items for leaf in i.leaf_indexes if leaf in proofs
            },
        )
        for d in decisions
    ]
