"""Follow-up indicators per clinic (docs/screening.md "Follow-up"): of the people referred with a
probable disease, how many were linked to care (the referral decided: confirmed or ruled out at
the clinic — CASALUD's MIDO reached 5.5%), how many confirmed started treatment, the median days
from referral to confirmation and to treatment start, and how many open referrals are overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from sqlalchemy import Connection, select

from enlace.kernel.clock import epoch_us
from enlace.modules.screening.referrals import DAY_US, OPEN, referral_of, referral_tasks
from enlace.modules.screening.tables import followups
from enlace.store.repository import FhirRepository


@dataclass(frozen=True, slots=True)
class ClinicIndicators:
    clinic: str
    referred: int
    open: int
    overdue: int
    confirmed: int
    ruled_out: int
    treated: int
    median_days_to_confirmation: float | None
    median_days_to_treatment: float | None

    @property
    def linked_share(self) -> float | None:
        """Share of referrals decided at the clinic (seen: confirmed or ruled out)."""
        return (self.confirmed + self.ruled_out) / self.referred if self.referred else None

    @property
    def treated_share(self) -> float | None:
        """Share of confirmed diagnoses that started treatment."""
        return self.treated / self.confirmed if self.confirmed else None


def indicators(
    conn: Connection, repo: FhirRepository, clinic: str | None = None, now_us: int | None = None
) -> list[ClinicIndicators]:
    """One line per clinic with referrals (only `clinic` when given), by clinic id."""
    now = now_us if now_us is not None else epoch_us(repo.clock())
    tasks = [referral_of(t) for t in referral_tasks(conn, repo, clinic, open_only=False)]
    query = select(followups)
    if clinic is not None:
        query = query.where(followups.c.clinic == clinic)
    rows = list(conn.execute(query))
    clinics = sorted({t.clinic or "" for t in tasks} | {row.clinic for row in rows})
    out = []
    for name in clinics:
        mine = [t for t in tasks if (t.clinic or "") == name]
        decided = [row for row in rows if row.clinic == name]
        confirmed = [row for row in decided if row.outcome == "confirmed"]
        treated = [row for row in confirmed if row.treated_us is not None]
        out.append(
            ClinicIndicators(
                clinic=name,
                referred=len(mine),
                open=sum(t.status in OPEN for t in mine),
                overdue=sum(t.overdue(now) for t in mine),
                confirmed=len(confirmed),
                ruled_out=len(decided) - len(confirmed),
                treated=len(treated),
                median_days_to_confirmation=_median_days(
                    [r.decided_us - r.opened_us for r in confirmed]
                ),
                median_days_to_treatment=_median_days(
                    [r.treated_us - r.opened_us for r in treated]
                ),
            )
        )
    return out


def _median_days(spans_us: list[int]) -> float | None:
    return round(median(spans_us) / DAY_US, 1) if spans_us else None
