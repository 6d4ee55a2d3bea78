"""Refill gaps, discontinuation (60 vs 90 days), supply left and persistence days, by hand.

2026: January 31 days, February 28, March 31, April 30, May 31, June 30, July 31.
"""

from __future__ import annotations

from datetime import date

from enlace.modules.adherence.domain import AdherenceSettings, Fill, Interruption
from enlace.modules.adherence.measures import (
    Discontinuation,
    TherapyMeasures,
    discontinuation,
    measure,
)
from enlace.modules.adherence.therapies import assemble


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def measured(
    spec: list[tuple[date, int]],
    as_of: date,
    *,
    therapy: str = "atc:C09AA",
    stays: tuple[Interruption, ...] = (),
    deaths: dict[str, date] | None = None,
    settings: AdherenceSettings | None = None,
) -> TherapyMeasures:
    fills = [Fill(f"md-{n}", "p1", "m1", therapy, day, s) for n, (day, s) in enumerate(spec)]
    (one,) = assemble(fills, as_of=as_of, interruptions=stays, deaths=deaths)
    return measure(one, as_of=as_of, settings=settings)


# Jan 1 +30 -> Jan 1..30; gap Jan 31..Apr 15 = 1+28+31+15 = 75 days; Apr 16 +30 -> Apr 16..May 15.
GAP_75 = [(d(1, 1), 30), (d(4, 16), 30)]


def test_a_75_day_gap_is_discontinuation_at_60_not_at_90() -> None:
    """With the default 60-day setting the 75-day gap ends the therapy on Jan 31 (the first day
    without supply), even though it restarted on Apr 16: persisted Jan 1..30 = 30 days."""
    m = measured(GAP_75, d(6, 30))
    assert (m.discontinued, m.discontinued_on, m.persistence_days) == (True, d(1, 31), 30)
    assert [(g.start, g.length, g.open) for g in m.gaps] == [
        (d(1, 31), 75, False),
        (d(5, 16), 46, True),  # May 16..Jun 30 = 16 + 30
    ]
    assert m.max_gap == 75


def test_insulin_waits_90_days() -> None:
    """Insulin (atc:A10AE, 90 days by default): the 75-day gap is not a discontinuation; the
    trailing gap from May 16 is 46 days on Jun 30 (< 90): not yet, the supply ran out May 16.
    Persistence censored at May 16: Jan 1 -> May 1 is 31+28+31+30 = 120 days, + 15 = 135."""
    m = measured(GAP_75, d(6, 30), therapy="atc:A10AE")
    assert (m.discontinued, m.discontinued_on, m.supply_runs_out) == (False, None, d(5, 16))
    assert m.persistence_days == (d(5, 16) - d(1, 1)).days == 135


def test_insulin_discontinued_once_the_trailing_gap_reaches_90() -> None:
    """As of Aug 13 the gap May 16..Aug 13 = 16+30+31+13 = 90 days: discontinued on May 16;
    one day earlier (89 days) it is not."""
    m = measured(GAP_75, d(8, 13), therapy="atc:A10AE")
    assert m.discontinued_on == d(5, 16)
    assert measured(GAP_75, d(8, 12), therapy="atc:A10AE").discontinued_on is None


def test_per_drug_setting_overrides_the_default() -> None:
    """A setting of 80 days for ACE inhibitors (atc:C09): the 75-day gap does not count."""
    settings = AdherenceSettings(gap_days={"atc:C09": 80})
    assert measured(GAP_75, d(6, 30), settings=settings).discontinued_on is None


def test_discontinuation_observed_only_after_the_gap() -> None:
    """One fill Jan 1 +30: on Mar 1 the gap Jan 31..Mar 1 is 30 days (not yet, persistence
    censored at Jan 31: 30 days); on Mar 31 it is 1+28+31 = 60: discontinued on Jan 31."""
    early = measured([(d(1, 1), 30)], d(3, 1))
    assert (early.discontinued_on, early.supply_runs_out, early.persistence_days) == (
        None,
        d(1, 31),
        30,
    )
    late = measured([(d(1, 1), 30)], d(3, 31))
    assert (late.discontinued_on, late.persistence_days) == (d(1, 31), 30)


def test_death_in_a_gap_is_censoring() -> None:
    """Jan 1 +30; died Mar 15 with the gap at Jan 31..Mar 15 = 1+28+15 = 44 days (< 60): never
    discontinued, even as of Jun 30; persistence censored at Jan 31: 30 days."""
    m = measured([(d(1, 1), 30)], d(6, 30), deaths={"p1": d(3, 15)})
    assert (m.discontinued, m.censored_on, m.persistence_days) == (False, d(3, 15), 30)


def test_a_hospital_stay_shortens_the_gap() -> None:
    """Jan 1 +30, in hospital Feb 1..Feb 20 (20 days), as of Mar 31: the gap from Jan 31 is
    60 days on the calendar but 60 - 20 = 40 outside hospital: not discontinued."""
    stay = (Interruption("p1", d(2, 1), d(2, 20)),)
    m = measured([(d(1, 1), 30)], d(3, 31), stays=stay)
    assert m.discontinued_on is None
    assert [(g.start, g.length) for g in m.gaps] == [(d(1, 31), 40)]


def test_days_supply_left_counts_from_as_of() -> None:
    """Mar 1 +90 covers Mar 1..May 29; as of Mar 31 the days Mar 31..May 29 = 1+30+29 = 60 are
    left. Persistence is censored the day after as_of: Apr 1 - Mar 1 = 31 days."""
    m = measured([(d(3, 1), 90)], d(3, 31))
    assert (m.days_supply_left, m.supply_runs_out, m.persistence_days) == (60, d(5, 30), 31)
    assert measured([(d(1, 1), 30)], d(3, 31)).days_supply_left == 0


def test_early_refills_build_up_supply_left() -> None:
    """Mar 1 +30 and Mar 11 +30 (shifted to Mar 31..Apr 29): as of Mar 21 the days Mar 21..Apr
    29 = 11 + 29 = 40 are left."""
    assert measured([(d(3, 1), 30), (d(3, 11), 30)], d(3, 21)).days_supply_left == 40


def test_discontinuation_date_and_whether_observed() -> None:
    """Jan 1 +30: as of Mar 1 the supply ran out Jan 31, 30 days ago (< 60): (Jan 31, not yet);
    as of Mar 31, 60 days: (Jan 31, observed). Jan 1 +30 then Mar 1 +90 (after a 29-day gap):
    as of Mar 31 the supply runs out May 30: (May 30, not yet)."""
    one = [Fill("a", "p1", "m1", "atc:C09AA", d(1, 1), 30)]
    (therapy,) = assemble(one)
    assert discontinuation(therapy, as_of=d(3, 1)) == Discontinuation(d(1, 31), False)
    assert discontinuation(therapy, as_of=d(3, 31)) == Discontinuation(d(1, 31), True)
    (refilled,) = assemble([*one, Fill("b", "p1", "m1", "atc:C09AA", d(3, 1), 90)])
    assert discontinuation(refilled, as_of=d(3, 31)) == Discontinuation(d(5, 30), False)
