"""Manual review of queued claims (`POST [base]/ClaimResponse/$review`).

A claim selected for review (openIMIS sampling, or a dispense that named no prescription) is
answered `queued`: its items are adjudicated and hold their share of the coverage's limits
(`claims_queued_usage`), but nothing is paid. A reviewer (the payer, an administrator) decides:
- **approve**: the adjudication stands; the claim is posted to the ledger as any paid claim;
- **deny** (a note is required): every approved item becomes `denied-on-review` with nothing
  paid, and the usage it held is given back to the coverage (`coverage.release_usage`).
The ClaimResponse and the patient's ExplanationOfBenefit are rewritten (outcome, disposition,
a processNote with the decision and note; on denial the amounts and the item reasons), and the
fact lines and submission follow, all in the operation's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select, update

from enlace.kernel import errors
from enlace.kernel.errors import Issue
from enlace.modules import coverage
from enlace.modules.finance import Ledger
from enlace.store.bulk import PutItem

from .domain import REASON_SYSTEM, ClaimReason, Decision
from .ledger_post import post, transfer
from .tables import lines, queued_usage, submissions

DECISIONS = ("approve", "deny")
WHERE = "Parameters.parameter"
Authorize = Callable[[str, str], None]


@dataclass(frozen=True)
class ReviewRequest:
    response_id: str
    decision: str
    note: str


def hold_usage(conn: Connection, decisions: Sequence[Decision]) -> None:
    """What the queued claims of a batch added to their limits, to give back on denial."""
    rows = [
        {"claim_id": d.claim.claim_id, "holder": h, "period": p, "bucket": b, "amount": a}
        for d in decisions
        if d.outcome == "queued" and d.claim.use == "claim"
        for (h, p, b), a in d.usage.items()
    ]
    if rows:
        conn.execute(queued_usage.insert(), rows)


def parse_request(params: dict[str, Any]) -> ReviewRequest:
    found: dict[str, tuple[int, Any]] = {}
    for n, parameter in enumerate(params.get("parameter", [])):
        value = next((v for k, v in parameter.items() if k.startswith("value")), None)
        found[str(parameter.get("name"))] = (n, value)
    issues: list[Issue] = []
    at, reference = found.get("response", (None, None))
    response_id = _response_id(reference)
    if response_id is None:
        where = WHERE if at is None else f"{WHERE}[{at}].valueReference"
        issues.append(Issue("required", "name the queued ClaimResponse/<id> as 'response'", where))
    at, decision = found.get("decision", (None, None))
    if decision not in DECISIONS:
        where = WHERE if at is None else f"{WHERE}[{at}].valueCode"
        issues.append(Issue("invalid", "'decision' is approve or deny", where))
    at, note = found.get("note", (None, ""))
    if decision == "deny" and not str(note or "").strip():
        where = WHERE if at is None else f"{WHERE}[{at}].valueString"
        issues.append(Issue("required", "a denial needs a 'note' saying why", where))
    if issues:
        raise errors.FhirError(400, issues)
    assert response_id is not None
    return ReviewRequest(response_id, str(decision), str(note or "").strip())


def _response_id(reference: Any) -> str | None:
    text = str(reference.get("reference", "")) if isinstance(reference, dict) else ""
    rid = text.removeprefix("ClaimResponse/")
    return rid if text.startswith("ClaimResponse/") and rid and "/" not in rid else None


def review(
    services: Any, conn: Connection, params: dict[str, Any], authorize: Authorize
) -> dict[str, Any]:
    asked = parse_request(params)
    authorize("ClaimResponse", asked.response_id)  # 404 unless the reviewer may see it
    response = services.repo.read(conn, "ClaimResponse", asked.response_id).resource()
    if response.get("outcome") != "queued" or response.get("use") != "claim":
        raise errors.FhirError(
            409,
            [
                Issue(
                    "conflict",
                    f"ClaimResponse/{asked.response_id} is not a claim queued for review "
                    f"(outcome {response.get('outcome')})",
                    f"{WHERE}[0].valueReference",
                )
            ],
        )
    claim_id = str(response["request"]["reference"]).removeprefix("Claim/")
    if asked.decision == "approve":
        outcome = _approve(services, conn, claim_id)
    else:
        outcome = _deny(conn, claim_id)
    conn.execute(delete(queued_usage).where(queued_usage.c.claim_id == claim_id))
    eob = services.repo.read(conn, "ExplanationOfBenefit", f"eob-{claim_id}").resource()
    decided = [_decided(r, asked, outcome) for r in (response, eob)]
    services.repo.put_many(conn, [PutItem(r) for r in decided])
    return decided[0]


def _approve(services: Any, conn: Connection, claim_id: str) -> str:
    rows = _lines(conn, claim_id)
    approved = [r for r in rows if not r.reason]
    outcome = "complete" if len(approved) == len(rows) else "partial" if approved else "error"
    paid, copay = sum(r.payer_centavos for r in rows), sum(r.patient_centavos for r in rows)
    found = transfer(claim_id, rows[0].pharmacy, rows[0].payer, paid, copay)
    if found is not None:
        post(conn, Ledger(clock=services.repo.clock), [found])
    _settle(conn, claim_id, outcome, paid)
    return outcome


def _deny(conn: Connection, claim_id: str) -> str:
    held = conn.execute(
        select(
            queued_usage.c.holder,
            queued_usage.c.period,
            queued_usage.c.bucket,
            queued_usage.c.amount,
        ).where(queued_usage.c.claim_id == claim_id)
    ).all()
    coverage.release_usage(conn, {(h, p, b): int(a) for h, p, b, a in held})
    conn.execute(
        update(lines)
        .where(lines.c.claim_id == claim_id, lines.c.reason == "")
        .values(reason=str(ClaimReason.DENIED_ON_REVIEW), payer_centavos=0, patient_centavos=0)
    )
    _settle(conn, claim_id, "error", 0)
    return "error"


def _lines(conn: Connection, claim_id: str) -> list[Any]:
    rows = conn.execute(select(lines).where(lines.c.claim_id == claim_id)).all()
    if not rows:
        raise errors.error(409, "conflict", f"Claim/{claim_id} has no adjudicated items")
    return list(rows)


def _settle(conn: Connection, claim_id: str, outcome: str, paid: int) -> None:
    conn.execute(update(lines).where(lines.c.claim_id == claim_id).values(outcome=outcome))
    conn.execute(
        update(submissions)
        .where(submissions.c.claim_id == claim_id)
        .values(outcome=outcome, payer_centavos=paid)
    )


def _decided(body: dict[str, Any], asked: ReviewRequest, outcome: str) -> dict[str, Any]:
    """A ClaimResponse or ExplanationOfBenefit after the decision (both carry the same item
    adjudication rows and totals)."""
    decided = dict(body, outcome=outcome)
    word = "Approved" if asked.decision == "approve" else "Denied"
    note = f"{word} on review" + (f": {asked.note}" if asked.note else "") + "."
    decided["disposition"] = f"{body.get('disposition', '')} {note}".strip()
    decided["processNote"] = [*body.get("processNote", []), {"type": "display", "text": note}]
    if asked.decision == "deny":
        decided["item"] = [_denied_item(item, asked.note) for item in body.get("item", [])]
        decided["total"] = [_zeroed(row) for row in body.get("total", [])]
    return decided


def _denied_item(item: dict[str, Any], note: str) -> dict[str, Any]:
    rows = item.get("adjudication", [])
    if any("reason" in row for row in rows):
        return item  # refused already at adjudication: its reason stands
    reason = {
        "coding": [{"system": REASON_SYSTEM, "code": str(ClaimReason.DENIED_ON_REVIEW)}],
        "text": note,
    }
    adjudication = [_zeroed(row) for row in rows]
    for row in adjudication:
        if _category(row) == "benefit":
            row["reason"] = reason
    return {**{k: v for k, v in item.items() if k != "extension"}, "adjudication": adjudication}


def _zeroed(row: dict[str, Any]) -> dict[str, Any]:
    if _category(row) not in ("benefit", "copay"):
        return dict(row)
    money = {**row.get("amount", {}), "value": 0}
    extension = [
        {**e, "valueInteger": 0} if e.get("url", "").endswith("amount-centavos") else e
        for e in row.get("extension", [])
    ]
    return {**row, "amount": money, **({"extension": extension} if extension else {})}


def _category(row: dict[str, Any]) -> str:
    codings = row.get("category", {}).get("coding", [{}])
    return str(codings[0].get("code", ""))
