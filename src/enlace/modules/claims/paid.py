"""Amounts paid per patient, for per-clinic PMPM (analytics' `claims_pmpm`), summed in the
database from the claim-item fact table."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, func, select

from .tables import lines

# Claims the payer pays: complete or partly approved. Queued ones await review, error ones
# were refused whole.
PAID_OUTCOMES = ("complete", "partial")


def paid_by_patient(conn: Connection, first: date, last: date) -> dict[str, int]:
    """Patient id -> centavos the payer pays for the claim items with service dates in
    [first, last] (inclusive) of paid claims; patients with nothing paid are absent."""
    query = (
        select(lines.c.patient, func.sum(lines.c.payer_centavos))
        .where(lines.c.service_date.between(first, last))
        .where(lines.c.outcome.in_(PAID_OUTCOMES), lines.c.payer_centavos > 0)
        .group_by(lines.c.patient)
    )
    return {str(patient): int(total) for patient, total in conn.execute(query)}
