"""Use cases: `submit` (behind `Claim/$submit`) and `adjudicate_batch` (monthly cycles).

Both run in the caller's write transaction: the Claim, its ClaimResponse and
ExplanationOfBenefit, the claimed packs, the coverage usage and the ledger transfer commit
together or not at all. A claim is refused with a 4xx naming the element (before anything is
written) when its patient or coverage is unknown, the coverage is someone else's or not in
force on the service date, the pharmacy is not a catalog facility, or a pack is unknown to the
traceability log. Everything else is an adjudication outcome in the ClaimResponse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, fhir_instant
from enlace.kernel.errors import Issue
from enlace.modules import coverage, trace
from enlace.modules.finance import Ledger
from enlace.store.bulk import PutItem

from . import fhir_out
from .adjudicate import adjudicate, institution_of_facility
from .domain import NO_REVIEW, Decision, ParsedClaim, ReviewPolicy
from .facts import record_lines
from .ledger_post import post_claims
from .parse import WHERE, parse
from .review import hold_usage
from .tables import packs, submissions

Authorize = Callable[[str, str], None]


@dataclass(frozen=True)
class Prepared:
    claim: ParsedClaim
    body: dict[str, Any]
    payer: str  # Organization slug


@dataclass(frozen=True)
class BatchResult:
    responses: list[dict[str, Any]]  # ClaimResponses, in the order of the accepted claims
    refused: dict[int, errors.FhirError]  # index of the claim -> why it was not adjudicated


def submit(
    services: Any, conn: Connection, body: dict[str, Any], authorize: Authorize | None = None
) -> dict[str, Any]:
    """The ClaimResponse for one (structurally valid) Claim; 4xx naming the element else."""
    parsed = parse(body, services.repo.new_id())
    lookups = _lookups(services, conn, [parsed])
    prepared = _prepare(parsed, body, authorize or _anyone, lookups)
    response = _decide(services, conn, [prepared], NO_REVIEW, lookups.coverages)[0]
    _may_have_written(authorize or _anyone, parsed)
    return response


def adjudicate_batch(
    services: Any,
    conn: Connection,
    claims: Sequence[dict[str, Any]],
    policy: ReviewPolicy = NO_REVIEW,
    stored: bool = False,
) -> BatchResult:
    """Adjudicate many claims in one transaction (a monthly cycle). A claim that would be a 4xx
    on its own is set aside with its error; the others are adjudicated together.

    `stored`: the Claims are already in the store (received during the month, adjudicated at
    its end), so they are answered under their own ids and not written again; otherwise each
    is stored under a new id, as `submit` does."""
    parsed, refused = [], {}
    for index, body in enumerate(claims):
        try:
            claim_id = _stored_id(body) if stored else services.repo.new_id()
            parsed.append((index, body, parse(body, claim_id)))
        except errors.FhirError as exc:
            refused[index] = exc
    lookups = _lookups(services, conn, [p for _, _, p in parsed])
    accepted = []
    for index, body, claim in parsed:
        try:
            accepted.append(_prepare(claim, body, _anyone, lookups))
        except errors.FhirError as exc:
            refused[index] = exc
    decided = _decide(services, conn, accepted, policy, lookups.coverages, store_claims=not stored)
    return BatchResult(decided, refused)


def _stored_id(body: dict[str, Any]) -> str:
    if not body.get("id"):
        raise errors.FhirError(400, [Issue("required", "a stored Claim has its id", "Claim.id")])
    return str(body["id"])


def _may_have_written(authorize: Authorize, claim: ParsedClaim) -> None:
    """The stored Claim must be one the asker may see: a pharmacist's grant covers the claims
    of their own pharmacy (`Claim.crs?provider=`), so a claim in another's name raises here
    and the caller's transaction rolls everything back."""
    try:
        authorize("Claim", claim.claim_id)
    except errors.FhirError as exc:
        if exc.status != 404:
            raise
        message = f"Organization/org-{claim.provider_slug} is not the submitter's organization"
        raise errors.FhirError(403, [Issue("forbidden", message, f"{WHERE}.provider")]) from None


def _anyone(kind: str, rid: str) -> None:
    """No asker to check (the platform's own batch)."""


@dataclass
class _Lookups:
    """What checking the claims of a batch reads, read once for all of them."""

    patients: set[str]
    coverages: coverage.CoverageBatch
    known_packs: set[str]


def _lookups(services: Any, conn: Connection, claims: Sequence[ParsedClaim]) -> _Lookups:
    stored = services.repo.current_many(conn, "Patient", {c.patient_id for c in claims})
    patients = {pid for pid, version in stored.items() if not version.deleted}
    coverages = coverage.CoverageBatch(services, conn, {c.coverage_id for c in claims})
    epcs = {e for c in claims for item in c.items for e in item.pack_epcs}
    return _Lookups(patients, coverages, trace.known_packs(conn, epcs))


def _prepare(
    parsed: ParsedClaim, body: dict[str, Any], authorize: Authorize, lookups: _Lookups
) -> Prepared:
    _visible(
        authorize, "Patient", parsed.patient_id, "patient", parsed.patient_id in lookups.patients
    )
    cover = lookups.coverages.coverage(parsed.coverage_id)
    _visible(authorize, "Coverage", parsed.coverage_id, "insurance", cover is not None)
    assert cover is not None
    payer = _check_coverage(cover, parsed)
    if institution_of_facility(parsed.provider_slug) is None:
        raise _unprocessable(f"Organization/org-{parsed.provider_slug} is no pharmacy", "provider")
    for n, item in enumerate(parsed.items):
        unknown = [e for e in item.pack_epcs if e not in lookups.known_packs]
        if unknown:
            raise _unprocessable(
                f"pack {unknown[0]} is unknown to the traceability log", f"item[{n}]"
            )
    return Prepared(parsed, body, payer)


def _visible(authorize: Authorize, kind: str, rid: str, where: str, exists: bool) -> None:
    """Refused unless the resource exists and the asker may read it: the same 422 either way."""
    try:
        authorize(kind, rid)
    except errors.FhirError as exc:
        if exc.status != 404:
            raise
        exists = False
    if not exists:
        raise _unprocessable(f"{kind}/{rid} is not known", where)


def _check_coverage(cover: dict[str, Any], claim: ParsedClaim) -> str:
    """The payer's slug, once the coverage is the patient's and in force on the date."""
    if cover.get("beneficiary", {}).get("reference") != f"Patient/{claim.patient_id}":
        raise _unprocessable(f"Coverage/{cover['id']} does not cover this patient", "insurance")
    period = cover.get("period", {})
    start, end = period.get("start"), period.get("end")
    on = claim.service_date
    if (
        start is None
        or on < date.fromisoformat(start[:10])
        or (end is not None and on > date.fromisoformat(end[:10]))
    ):
        raise _unprocessable(
            f"Coverage/{cover['id']} is not in force on {on.isoformat()}", "item[0].servicedDate"
        )
    payor = (cover.get("payor") or [{}])[0].get("reference", "")
    return str(payor).removeprefix("Organization/org-")


def _decide(
    services: Any,
    conn: Connection,
    prepared: list[Prepared],
    policy: ReviewPolicy,
    coverages: coverage.CoverageBatch,
    store_claims: bool = True,
) -> list[dict[str, Any]]:
    if not prepared:
        return []
    now = services.repo.clock()
    publisher = trace.log_publisher(services.settings)
    claims = [p.claim for p in prepared]
    decisions = adjudicate(services, conn, claims, policy, now, publisher, coverages)
    coverages.flush()
    created = fhir_instant(now)
    resources, responses = [], []
    for p, decision in zip(prepared, decisions, strict=True):
        insurer = coverage.fhir_map.organization(p.payer)
        cid = p.claim.claim_id
        response = fhir_out.claim_response(decision, f"cr-{cid}", insurer, created)
        eob = fhir_out.explanation_of_benefit(decision, f"eob-{cid}", f"cr-{cid}", insurer, created)
        resources += [{**p.body, "id": cid}, response, eob] if store_claims else [response, eob]
        responses.append(response)
    services.repo.put_many(conn, [PutItem(r) for r in resources])
    _record(conn, decisions, now)
    with_payer = [(d, p.payer) for p, d in zip(prepared, decisions, strict=True)]
    record_lines(conn, with_payer, now)
    hold_usage(conn, decisions)
    post_claims(conn, Ledger(clock=services.repo.clock), [x for x in with_payer if _payable(x[0])])
    return responses


def _payable(decision: Decision) -> bool:
    return decision.claim.use == "claim" and decision.outcome in ("complete", "partial")


def _record(conn: Connection, decisions: list[Decision], now: Any) -> None:
    """The claims and proven packs, so a second claim of either is a duplicate."""
    rows, pack_rows, keys = [], [], set()
    for d in decisions:
        claim = d.claim
        if claim.use != "claim" or any(i.reason == "duplicate" for i in d.items):
            continue
        if claim.claim_key not in keys:
            keys.add(claim.claim_key)
            rows.append(
                {
                    "patient": claim.patient_id,
                    "claim_key": claim.claim_key,
                    "claim_id": claim.claim_id,
                    "outcome": d.outcome,
                    "payer_centavos": d.payer_centavos,
                    "created_us": epoch_us(now),
                }
            )
        proven = {i.sequence for i in d.items if i.leaf_indexes}
        pack_rows += [
            {"epc": e, "claim_id": claim.claim_id}
            for item in claim.items
            if item.sequence in proven
            for e in item.pack_epcs
        ]
    if rows:
        conn.execute(submissions.insert(), rows)
    if pack_rows:
        conn.execute(packs.insert(), pack_rows)


def _unprocessable(diagnostics: str, path: str) -> errors.FhirError:
    return errors.FhirError(422, [Issue("business-rule", diagnostics, f"{WHERE}.{path}")])
