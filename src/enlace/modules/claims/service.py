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
from .ledger_post import post_claims
from .parse import PACK_EXTENSION, WHERE, parse
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
    prepared = prepare(services, conn, body, authorize or (lambda kind, rid: None))
    return _decide(services, conn, [prepared], NO_REVIEW)[0]


def adjudicate_batch(
    services: Any,
    conn: Connection,
    claims: Sequence[dict[str, Any]],
    policy: ReviewPolicy = NO_REVIEW,
) -> BatchResult:
    """Adjudicate many claims in one transaction (a monthly cycle). A claim that would be a 4xx
    on its own is set aside with its error; the others are adjudicated together."""
    accepted, refused = [], {}
    known = _known_packs_of(conn, claims)
    for index, body in enumerate(claims):
        try:
            accepted.append(prepare(services, conn, body, lambda kind, rid: None, known))
        except errors.FhirError as exc:
            refused[index] = exc
    return BatchResult(_decide(services, conn, accepted, policy), refused)


def _known_packs_of(conn: Connection, bodies: Sequence[dict[str, Any]]) -> set[str]:
    """The packs of a batch the log knows, in one query per 500 (what `prepare` would ask one
    claim at a time). A pack code that cannot be read is left to `parse` to report."""
    epcs = set()
    for body in bodies:
        for item in body.get("item", []) if isinstance(body, dict) else ():
            for ext in item.get("extension", []):
                if ext.get("url") == PACK_EXTENSION:
                    try:
                        epcs.add(trace.canonical_pack(str(ext.get("valueString", ""))))
                    except trace.TraceError:
                        continue
    return trace.known_packs(conn, epcs)


def prepare(
    services: Any,
    conn: Connection,
    body: dict[str, Any],
    authorize: Authorize,
    known: set[str] | None = None,
) -> Prepared:
    parsed = parse(body, services.repo.new_id())
    _visible(services, conn, authorize, "Patient", parsed.patient_id, "patient")
    cover = _visible(services, conn, authorize, "Coverage", parsed.coverage_id, "insurance")
    payer = _check_coverage(cover, parsed)
    if institution_of_facility(parsed.provider_slug) is None:
        raise _unprocessable(f"Organization/org-{parsed.provider_slug} is no pharmacy", "provider")
    epcs = [e for item in parsed.items for e in item.pack_epcs]
    unknown = sorted(set(epcs) - (known if known is not None else trace.known_packs(conn, epcs)))
    if unknown:
        where = next(f"item[{n}]" for n, i in enumerate(parsed.items) if unknown[0] in i.pack_epcs)
        raise _unprocessable(f"pack {unknown[0]} is unknown to the traceability log", where)
    return Prepared(parsed, body, payer)


def _visible(
    services: Any, conn: Connection, authorize: Authorize, kind: str, rid: str, where: str
) -> dict[str, Any]:
    """The resource if it exists and the asker may read it: the same 422 either way."""
    try:
        authorize(kind, rid)
    except errors.FhirError as exc:
        if exc.status != 404:
            raise
        raise _unprocessable(f"{kind}/{rid} is not known", where) from None
    stored = services.repo.current(conn, kind, rid)
    if stored is None or stored.deleted:
        raise _unprocessable(f"{kind}/{rid} is not known", where)
    resource: dict[str, Any] = stored.resource()
    return resource


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
    services: Any, conn: Connection, prepared: list[Prepared], policy: ReviewPolicy
) -> list[dict[str, Any]]:
    if not prepared:
        return []
    now = services.repo.clock()
    publisher = trace.log_publisher(services.settings)
    decisions = adjudicate(services, conn, [p.claim for p in prepared], policy, now, publisher)
    created = fhir_instant(now)
    resources, responses = [], []
    for p, decision in zip(prepared, decisions, strict=True):
        insurer = coverage.fhir_map.organization(p.payer)
        cid = p.claim.claim_id
        response = fhir_out.claim_response(decision, f"cr-{cid}", insurer, created)
        eob = fhir_out.explanation_of_benefit(decision, f"eob-{cid}", f"cr-{cid}", insurer, created)
        resources += [{**p.body, "id": cid}, response, eob]
        responses.append(response)
    services.repo.put_many(conn, [PutItem(r) for r in resources])
    _record(conn, decisions, now)
    paid = [(d, p.payer) for p, d in zip(prepared, decisions, strict=True) if _payable(d)]
    post_claims(conn, Ledger(clock=services.repo.clock), paid)
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
