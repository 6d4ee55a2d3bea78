"""Adherence per clinic for the population indicators (analytics' `pdc_80`): the public,
read-only view of `adherence_therapies` that other modules may use instead of the table."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, case, func, select

from enlace.modules.adherence.tables import therapies

ADHERENT_PDC = 0.8  # PQA's threshold: a therapy is adherent at PDC >= 80 %


def pdc_by_clinic(conn: Connection, as_of: date) -> list[tuple[str, int, int]]:
    """(clinic, therapies with PDC >= 0.8, therapies with a PDC) per clinic, over the therapies
    last measured on or before `as_of`. Therapies without a PDC (fewer than two fills), without
    a clinic, or measured only after `as_of` (the table keeps the latest measure, so the value
    on `as_of` is unknown) are not counted; clinics with none measured give no row."""
    adherent = func.sum(case((therapies.c.pdc >= ADHERENT_PDC, 1), else_=0))
    query = (
        select(therapies.c.clinic, adherent, func.count())
        .where(therapies.c.pdc.is_not(None), therapies.c.clinic.is_not(None))
        .where(therapies.c.as_of <= as_of.isoformat())
        .group_by(therapies.c.clinic)
        .order_by(therapies.c.clinic)
    )
    return [(str(clinic), int(num or 0), int(den)) for clinic, num, den in conn.execute(query)]
