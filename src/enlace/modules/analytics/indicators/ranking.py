"""Clinics of excellence (docs/clinics-of-excellence.md): clinics ranked by risk-adjusted
performance and by its improvement over six months, nationally and per state.

Method: for each ranked indicator, each clinic's observed rate is set against the rate expected
from its case mix by indirect standardization — the national rate of each stratum (age band x
sex x multimorbidity) applied to the clinic's own denominator patients. An indicator counts for
a clinic when its denominator reaches MIN_DENOMINATOR; its contribution is weight x (observed -
expected) in percentage points (negated where lower is better); the score is the sum of
contributions over the weights used, and a clinic is ranked when the weights used reach
MIN_WEIGHT. Equal scores (to 0.01 point) share a rank (1, 2, 2, 4); the improvement is the score
now minus the score of the period ending six months earlier, ranked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from enlace.kernel import errors
from enlace.modules.analytics.indicators import frame
from enlace.modules.analytics.indicators import queries as q
from enlace.modules.analytics.indicators.definitions import LOWER
from enlace.modules.analytics.indicators.frame import placeholders
from enlace.modules.analytics.indicators.library import BY_ID
from enlace.modules.analytics.indicators.periods import Period, add_months, parse_period
from enlace.modules.analytics.indicators.ranking_text import sentences
from enlace.modules.analytics.indicators.service import with_views

RANKED_INDICATORS: dict[str, float] = {
    "dm2_hba1c_lt7": 0.25,
    "cms122_hba1c_gt9": 0.15,
    "cms165_bp_controlled": 0.25,
    "labs_complete": 0.10,
    "foot_exam": 0.10,
    "eye_exam": 0.05,
    "bmi_waist_recorded": 0.10,
}
MIN_DENOMINATOR = 20
MIN_WEIGHT = 0.5
NO_PATIENTS, TOO_FEW = "no-patients", "too-few"  # why an indicator did not count (Part.note)
IMPROVEMENT_MONTHS = 6
_GROUPS = (q.DM2, q.HYPERTENSION, q.OBESITY, q.DYSLIPIDEMIA, ("N18",))


@dataclass(frozen=True, slots=True)
class Part:
    indicator: str
    weight: float
    observed: float | None  # percent
    expected: float | None  # percent, from the case mix
    denominator: float
    contribution: float | None  # percentage points x weight; None when not used
    note: str = ""


@dataclass(frozen=True, slots=True)
class ClinicRank:
    clinic: str
    name: str
    state: str
    scope: str  # "MX" or a state
    score: float | None
    rank: int | None
    of: int
    improvement: float | None
    improvement_rank: int | None
    parts: tuple[Part, ...]
    reason: str | None = None  # why not ranked


def _strata_sql() -> str:
    groups = " + ".join(
        f"(CASE WHEN patient_id IN ({q.diagnosed(g)}) THEN 1 ELSE 0 END)" for g in _GROUPS
    )
    band = "CASE WHEN age < 45 THEN 'a<45' WHEN age < 65 THEN 'a45-64' ELSE 'a65+' END"
    return (
        f"CREATE OR REPLACE TEMP TABLE strata AS SELECT patient_id, {band} || '|' || "
        f"coalesce(gender, '?') || '|' || CASE WHEN {groups} >= 2 THEN 'multi' ELSE 'single' "
        "END AS stratum FROM pop"
    )


def observed_expected(
    con: duckdb.DuckDBPyConnection, period: Period
) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Per indicator, per clinic: (numerator, denominator, expected numerator)."""
    frame.ensure_tables(con)
    frame.build(con, period)
    if not frame.window_has_data(con, period):
        return {}  # nothing recorded: no score rather than everyone "uncontrolled"
    fill = placeholders(period)
    con.execute(_strata_sql().format(**fill))
    out: dict[str, dict[str, tuple[float, float, float]]] = {}
    for indicator_id in RANKED_INDICATORS:
        facts = BY_ID[indicator_id].sql or ""
        rows = con.execute(
            f"WITH f AS (SELECT f.num, f.den, p.clinic_id, s.stratum FROM ({facts.format(**fill)}) "
            "f JOIN pop p USING (patient_id) JOIN strata s USING (patient_id)), "
            "r AS (SELECT stratum, sum(num) / sum(den) AS rate FROM f GROUP BY stratum) "
            "SELECT clinic_id, sum(num), sum(den), sum(den * rate) FROM f JOIN r USING (stratum) "
            "GROUP BY clinic_id"
        ).fetchall()
        out[indicator_id] = {c: (float(n), float(d), float(e)) for c, n, d, e in rows}
    return out


def _parts(clinic: str, oe: dict[str, dict[str, tuple[float, float, float]]]) -> list[Part]:
    parts = []
    for indicator_id, weight in RANKED_INDICATORS.items():
        num, den, expected = oe.get(indicator_id, {}).get(clinic, (0.0, 0.0, 0.0))
        if den == 0:
            parts.append(Part(indicator_id, weight, None, None, 0, None, NO_PATIENTS))
            continue
        observed_pct, expected_pct = 100 * num / den, 100 * expected / den
        if den < MIN_DENOMINATOR:
            parts.append(Part(indicator_id, weight, None, None, den, None, TOO_FEW))
            continue
        sign = -1 if BY_ID[indicator_id].direction == LOWER else 1
        gain = sign * weight * (observed_pct - expected_pct)
        parts.append(Part(indicator_id, weight, round(observed_pct, 2), round(expected_pct, 2),
                          den, round(gain, 4)))  # fmt: skip
    return parts


def score_of(parts: list[Part]) -> float | None:
    used = [p for p in parts if p.contribution is not None]
    weight = sum(p.weight for p in used)
    if weight + 1e-9 < MIN_WEIGHT:
        return None
    return round(sum(p.contribution or 0 for p in used) / weight, 2)


def competition_ranks(scores: dict[str, float | None]) -> dict[str, int | None]:
    """1, 2, 2, 4: equal scores share the better rank; unranked clinics get None."""
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    return {c: (ordered.index(s) + 1 if s is not None else None) for c, s in scores.items()}


def rank_on(
    con: duckdb.DuckDBPyConnection, period: Period | str, state: str | None = None
) -> list[ClinicRank]:
    """Every clinic (of `state`, or national), best first, then those not ranked."""
    when = parse_period(period) if isinstance(period, str) else period
    before = Period(when.label, add_months(when.start, -IMPROVEMENT_MONTHS),
                    add_months(when.end, -IMPROVEMENT_MONTHS))  # fmt: skip
    earlier = observed_expected(con, before)
    now = observed_expected(con, when)  # leaves `units` built for `when`
    clinics = con.execute(
        "SELECT clinic_id, clinic_name, state FROM units"
        + (" WHERE state = $s" if state is not None else "")
        + " ORDER BY clinic_id",
        {"s": state} if state is not None else {},
    ).fetchall()
    parts = {c: _parts(c, now) for c, _, _ in clinics}
    scores = {c: score_of(parts[c]) for c in parts}
    gains = {c: _gain(scores[c], score_of(_parts(c, earlier))) for c in parts}
    ranks, gain_ranks = competition_ranks(scores), competition_ranks(gains)
    ranked = sum(s is not None for s in scores.values())
    out = [
        ClinicRank(c, name, st, state or "MX", scores[c], ranks[c], ranked, gains[c],
                   gain_ranks[c], tuple(parts[c]),
                   None if scores[c] is not None else "indicators with enough patients weigh "
                   f"less than {MIN_WEIGHT}")
        for c, name, st in clinics
    ]  # fmt: skip
    return sorted(out, key=lambda r: (r.rank is None, r.rank or 0, r.clinic))


def _gain(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 2)


def explain(ranking: list[ClinicRank], clinic: str, language: str = "es") -> dict[str, Any]:
    """Why `clinic` has its rank: its score, and each indicator's observed vs expected rate and
    contribution, as data and as sentences (es-MX default, en)."""
    found = next((r for r in ranking if r.clinic == clinic), None)
    if found is None:
        raise errors.not_found(f"clinic {clinic} is not in this ranking")
    return {
        "clinic": found.clinic, "name": found.name, "scope": found.scope, "rank": found.rank,
        "of": found.of, "score": found.score, "improvement": found.improvement,
        "improvement_rank": found.improvement_rank, "reason": found.reason,
        "parts": [_part_dict(p) for p in found.parts],
        "text": sentences(found, language, MIN_DENOMINATOR),
    }  # fmt: skip


def _part_dict(part: Part) -> dict[str, object]:
    return {field: getattr(part, field) for field in Part.__dataclass_fields__}


def rank(services: object, period: Period | str, state: str | None = None) -> list[ClinicRank]:
    """`rank_on` over the platform's materialized views."""
    return with_views(services, lambda con: rank_on(con, period, state))
