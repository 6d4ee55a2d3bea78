"""The claim-item fact table (`claims_lines`): written with each adjudication, read in bulk.

One row per item of every `use=claim` claim, refused ones included, so the payer dashboard
and the anti-fraud analytics aggregate plain columns instead of parsing ClaimResponses.
Preauthorizations and predeterminations are questions, not claims: they leave no row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, select, tuple_

from enlace.kernel.clock import epoch_us

from .domain import Decision
from .tables import lines


@dataclass(frozen=True, slots=True)
class ClaimLine:
    claim_id: str
    sequence: int
    service_date: date
    payer: str
    pharmacy: str
    patient: str
    coverage: str
    prescription: str | None
    diagnosis: str | None
    medication: str
    packs: int
    unit_centavos: int
    submitted_centavos: int
    payer_centavos: int
    patient_centavos: int
    reason: str  # ClaimReason code; '' when approved
    outcome: str  # the claim's RemittanceOutcome
    created_us: int


COLUMNS: tuple[str, ...] = tuple(ClaimLine.__slots__)


def record_lines(conn: Connection, decided: Sequence[tuple[Decision, str]], now: datetime) -> None:
    """The items of the (decision, payer slug) pairs that are claims, in one insert."""
    created = epoch_us(now)
    rows = [
        _row(decision, payer, item_index, created)
        for decision, payer in decided
        if decision.claim.use == "claim"
        for item_index in range(len(decision.items))
    ]
    if rows:
        conn.execute(lines.insert(), rows)


def _row(decision: Decision, payer: str, index: int, created_us: int) -> dict[str, object]:
    claim, item = decision.claim, decision.items[index]
    claimed = claim.items[index]
    return {
        "claim_id": claim.claim_id,
        "sequence": item.sequence,
        "service_date": claim.service_date,
        "payer": payer,
        "pharmacy": claim.provider_slug,
        "patient": claim.patient_id,
        "coverage": claim.coverage_id,
        "prescription": claim.prescription_id,
        "diagnosis": claim.diagnosis,
        "medication": claimed.medication_slug,
        "packs": claimed.packs,
        "unit_centavos": claimed.unit_price_centavos,
        "submitted_centavos": item.submitted_centavos,
        "payer_centavos": item.payer_centavos,
        "patient_centavos": item.patient_centavos,
        "reason": str(item.reason or ""),
        "outcome": decision.outcome,
        "created_us": created_us,
    }


def claim_lines(
    conn: Connection,
    since: date | None = None,
    until: date | None = None,
    payer: str | None = None,
    batch: int = 50_000,
) -> Iterator[ClaimLine]:
    """Claim items with service dates in [since, until] (inclusive; open ends when None), of
    one payer or all, in pages of `batch` rows by primary key (keyset, so a million rows never
    sit in one list and no server-side cursor is needed outside a transaction)."""
    query = select(*(lines.c[name] for name in COLUMNS))
    if since is not None:
        query = query.where(lines.c.service_date >= since)
    if until is not None:
        query = query.where(lines.c.service_date <= until)
    if payer is not None:
        query = query.where(lines.c.payer == payer)
    key = tuple_(lines.c.claim_id, lines.c.sequence)
    query = query.order_by(lines.c.claim_id, lines.c.sequence).limit(batch)
    after: tuple[str, int] | None = None
    while True:
        page = conn.execute(query if after is None else query.where(key > tuple_(*after))).all()
        for row in page:
            yield ClaimLine(*row)
        if len(page) < batch:
            return
        after = (page[-1][0], page[-1][1])
