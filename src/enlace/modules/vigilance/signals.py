"""Signal detection over the accumulated cases and the signal review workflow.

`detect` reads every case's (drug, event) pair, computes PRR, ROR and IC for all pairs at once
(disproportionality.py) and records each pair flagged by at least one method as a signal: a new
pair starts `new`; a pair already known keeps its review state and gets the latest figures.
`review` moves a signal new -> under_review -> confirmed | refuted (a refuted or confirmed signal
may be reopened to under_review), always with who and why, each change kept in
`vigilance_signal_reviews`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, bindparam, func, insert, select, update

from enlace.kernel import errors
from enlace.modules.vigilance.disproportionality import PairStats, stats_of, tables_from_counts
from enlace.modules.vigilance.tables import cases, signal_reviews, signals

NEW, UNDER_REVIEW, CONFIRMED, REFUTED = "new", "under_review", "confirmed", "refuted"
MOVES = {
    NEW: {UNDER_REVIEW, REFUTED},
    UNDER_REVIEW: {CONFIRMED, REFUTED},
    CONFIRMED: {UNDER_REVIEW},
    REFUTED: {UNDER_REVIEW},
}


@dataclass(frozen=True, slots=True)
class Signal:
    drug: str
    event: str
    status: str
    methods: tuple[str, ...]
    figures: dict[str, Any]
    updated_by: str | None
    reason: str | None


def pair_stats(conn: Connection, min_count: int = 1, flagged_only: bool = False) -> list[PairStats]:
    """Figures for every drug-event pair among the cases (or only the flagged ones). The
    database counts the pairs (GROUP BY): far fewer rows cross than there are cases."""
    c = cases.c
    query = select(c.drug, c.event, func.count()).group_by(c.drug, c.event)
    rows = conn.execute(query).all()
    if not rows:
        return []
    drugs, drug_codes = np.unique(np.array([r[0] for r in rows], dtype=object), return_inverse=True)
    events, event_codes = np.unique(
        np.array([r[1] for r in rows], dtype=object), return_inverse=True
    )
    counts = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows))
    table = tables_from_counts(
        drug_codes.astype(np.int64), event_codes.astype(np.int64), counts, len(drugs), len(events)
    )
    return stats_of(table, list(drugs), list(events), min_count, flagged_only)


def figures_of(stats: PairStats) -> dict[str, Any]:
    names = ("a", "b", "c", "d", "prr", "chi2", "ror", "ror_lower", "ror_upper", "ic", "ic025")
    return {n: _finite(getattr(stats, n)) for n in names}


def _finite(value: float | int) -> float | int | None:
    return None if isinstance(value, float) and not np.isfinite(value) else value


def detect(conn: Connection, now_us: int) -> list[Signal]:
    """Run detection, record flagged pairs (two batched statements), return the flagged pairs
    strongest first (IC025 descending)."""
    known = {(r.drug, r.event) for r in conn.execute(select(signals.c.drug, signals.c.event))}
    fresh: list[dict[str, str]] = []
    again: list[dict[str, str]] = []
    flagged: list[tuple[str, str]] = []
    for stats in pair_stats(conn, flagged_only=True):
        methods = stats.methods
        if not methods:
            continue
        row = {
            "k_drug": stats.drug,
            "k_event": stats.event,
            "methods": ",".join(methods),
            "figures": json.dumps(figures_of(stats)),
        }
        (again if (stats.drug, stats.event) in known else fresh).append(row)
        flagged.append((stats.drug, stats.event))
    if fresh:
        conn.execute(
            insert(signals),
            [
                {
                    "drug": r["k_drug"],
                    "event": r["k_event"],
                    "methods": r["methods"],
                    "figures": r["figures"],
                    "status": NEW,
                    "detected_us": now_us,
                    "updated_us": now_us,
                }
                for r in fresh
            ],
        )
    if again:
        conn.execute(
            update(signals)
            .where(signals.c.drug == bindparam("k_drug"), signals.c.event == bindparam("k_event"))
            .values(methods=bindparam("methods"), figures=bindparam("figures")),
            again,
        )
    current = {(s.drug, s.event): s for s in listing(conn)}
    return [current[key] for key in flagged]


def listing(conn: Connection, status: str | None = None) -> list[Signal]:
    query = select(signals).order_by(signals.c.drug, signals.c.event)
    if status is not None:
        query = query.where(signals.c.status == status)
    return [_signal(row) for row in conn.execute(query)]


def _signal(row: Any) -> Signal:
    methods = tuple(m for m in str(row.methods).split(",") if m)
    return Signal(
        row.drug,
        row.event,
        row.status,
        methods,
        json.loads(row.figures),
        row.updated_by,
        row.reason,
    )


def review(
    conn: Connection, drug: str, event: str, to_status: str, actor: str, reason: str, now_us: int
) -> Signal:
    """Move a signal to `to_status`; refused (4xx, nothing written) when the move is not allowed,
    the signal is unknown, or who/why is missing."""
    if not actor.strip():
        raise errors.bad_request("A review needs who made it", "actor", code="required")
    if not reason.strip():
        raise errors.bad_request("A review needs the reason", "reason", code="required")
    row = conn.execute(
        select(signals).where(signals.c.drug == drug, signals.c.event == event)
    ).first()
    if row is None:
        raise errors.not_found(f"No signal for drug '{drug}' and event '{event}'")
    if to_status not in MOVES.get(row.status, set()):
        allowed = ", ".join(sorted(MOVES.get(row.status, set())))
        raise errors.error(
            409,
            "business-rule",
            f"A {row.status} signal cannot become {to_status} (allowed: {allowed})",
            "status",
        )
    conn.execute(
        update(signals)
        .where(signals.c.drug == drug, signals.c.event == event)
        .values(status=to_status, updated_us=now_us, updated_by=actor, reason=reason)
    )
    conn.execute(
        insert(signal_reviews).values(
            drug=drug,
            event=event,
            from_status=row.status,
            to_status=to_status,
            actor=actor,
            reason=reason,
            at_us=now_us,
        )
    )
    return next(s for s in listing(conn) if (s.drug, s.event) == (drug, event))


def history(conn: Connection, drug: str, event: str) -> list[dict[str, Any]]:
    r = signal_reviews.c
    query = select(signal_reviews).where(r.drug == drug, r.event == event).order_by(r.id)
    return [dict(row._mapping) for row in conn.execute(query)]
