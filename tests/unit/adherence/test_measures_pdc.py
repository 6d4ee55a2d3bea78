"""PDC against hand-computed cases (PQA method; docs/adherence.md, "Measures").

Dates are 2026 (not a leap year: January 31 days, February 28, March 31, April 30). Each
docstring writes the arithmetic: covered days / days in the period.
"""

from __future__ import annotations

from datetime import date

import pytest

from enlace.modules.adherence.domain import Fill, Interruption
from enlace.modules.adherence.measures import (
    EXCLUDED,
    FEWER_THAN_TWO_FILLS,
    TOO_SHORT,
    TherapyMeasures,
    measure,
)
from enlace.modules.adherence.therapies import assemble


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def fills(*spec: tuple[date, int], therapy: str = "atc:C09AA", med: str = "m1") -> list[Fill]:
    return [
        Fill(f"md-{n}", "p1", med, therapy, day, supply, quantity=float(supply))
        for n, (day, supply) in enumerate(spec)
    ]


def measured(
    spec: list[Fill],
    as_of: date,
    stays: tuple[Interruption, ...] = (),
    *,
    deaths: dict[str, date] | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    excluded: frozenset[str] = frozenset(),
) -> TherapyMeasures:
    (therapy,) = assemble(spec, as_of=as_of, interruptions=stays, deaths=deaths)
    return measure(
        therapy, as_of=as_of, period_start=period_start, period_end=period_end, excluded=excluded
    )


def test_refills_on_time_cover_every_day() -> None:
    """Jan 1 +30 -> Jan 1..30; Jan 31 +30 -> Jan 31..Mar 1; Mar 2 +30 -> Mar 2..31.
    Covered 30+30+30 = 90; period Jan 1..Mar 31 = 31+28+31 = 90; PDC 90/90 = 1.0."""
    m = measured(fills((d(1, 1), 30), (d(1, 31), 30), (d(3, 2), 30)), d(3, 31))
    assert (m.days_covered, m.days_in_period, m.pdc) == (90, 90, 1.0)
    assert m.gaps == () and m.max_gap == 0 and m.adherent is True


def test_overlap_shifting_across_three_fills() -> None:
    """Jan 1 +30 -> Jan 1..30. Jan 21 +30 arrives with 10 days left: shifted to Jan 31..Mar 1.
    Feb 10 +30 arrives with supply to Mar 1: shifted to Mar 2..31. Covered 90; period Jan 1..
    Apr 30 = 31+28+31+30 = 120; PDC 90/120 = 0.75 (without shifting, the union Jan 1..Mar 11
    would be 70 days: 0.583)."""
    m = measured(fills((d(1, 1), 30), (d(1, 21), 30), (d(2, 10), 30)), d(4, 30))
    assert (m.days_covered, m.days_in_period) == (90, 120)
    assert m.pdc == pytest.approx(0.75)
    assert m.mpr == pytest.approx(0.75)  # 90 supplied / 120
    assert m.adherent is False


def test_covered_days_capped_at_the_period_end() -> None:
    """Jan 1 +90 -> Jan 1..Mar 31; Mar 15 +90 shifted to Apr 1..Jun 29. Period ends Apr 30
    (period_end; as_of later): covered Jan 1..Apr 30 = 120 of 120 -> PDC 1.0, never above.
    MPR = 180 supplied / 120 = 1.5 (MPR may exceed 1)."""
    m = measured(fills((d(1, 1), 90), (d(3, 15), 90)), d(6, 30), period_end=d(4, 30))
    assert (m.days_covered, m.days_in_period, m.pdc) == (120, 120, 1.0)
    assert m.mpr == pytest.approx(1.5)
    assert m.period_end == d(4, 30)


def test_supply_past_as_of_is_not_counted() -> None:
    """Jan 1 +30, Jan 31 +90 (Jan 31..Apr 30); as_of Feb 28: period Jan 1..Feb 28 = 59 days,
    all covered: PDC 59/59 = 1.0; MPR 120/59."""
    m = measured(fills((d(1, 1), 30), (d(1, 31), 90)), d(2, 28))
    assert (m.days_covered, m.days_in_period, m.pdc) == (59, 59, 1.0)
    assert m.mpr == pytest.approx(120 / 59)


def test_a_gap_lowers_pdc() -> None:
    """Jan 1 +30 -> Jan 1..30; Mar 2 +30 -> Mar 2..31. Gap Jan 31..Mar 1 = 1+28+1 = 30 days.
    Covered 60 / period 90 = 0.6667."""
    m = measured(fills((d(1, 1), 30), (d(3, 2), 30)), d(3, 31))
    assert m.pdc == pytest.approx(60 / 90)
    assert [(g.start, g.length, g.open) for g in m.gaps] == [(d(1, 31), 30, False)]


def test_a_single_fill_has_no_pdc() -> None:
    """One fill: PDC needs >= 2 fills on different dates -> None with the reason. MPR is still
    30 supplied / (Jan 1..Mar 31 = 90) = 0.3333."""
    m = measured(fills((d(1, 1), 30)), d(3, 31))
    assert m.pdc is None and m.pdc_reason == FEWER_THAN_TWO_FILLS and m.adherent is None
    assert m.mpr == pytest.approx(30 / 90)


def test_two_fills_the_same_day_have_no_pdc_and_count_once() -> None:
    """Two different strengths dispensed on Jan 1 (30 and 60 days): one date only -> no PDC.
    Taken together, the longest supply counts: covered Jan 1..Mar 1 = 60 days."""
    spec = [
        Fill("a", "p1", "m500", "atc:A10BA", d(1, 1), 30),
        Fill("b", "p1", "m850", "atc:A10BA", d(1, 1), 60),
    ]
    m = measured(spec, d(3, 31))
    assert m.pdc is None and m.pdc_reason == FEWER_THAN_TWO_FILLS
    assert m.days_covered == 60 and m.switched is False


def test_same_day_fills_do_not_stack() -> None:
    """Jan 1: two medicines of the class, 30 days each (taken together) -> Jan 1..30 once; Jan 31
    +30 -> Jan 31..Mar 1. Covered 60 / 90 = 0.6667 (stacking would give 90/90)."""
    spec = [
        Fill("a", "p1", "m500", "atc:A10BA", d(1, 1), 30),
        Fill("b", "p1", "m850", "atc:A10BA", d(1, 1), 30),
        Fill("c", "p1", "m850", "atc:A10BA", d(1, 31), 30),
    ]
    assert measured(spec, d(3, 31)).pdc == pytest.approx(60 / 90)


def test_hospital_stay_leaves_the_denominator_and_is_no_gap() -> None:
    """Jan 1 +30 -> Jan 1..30; in hospital Jan 31..Feb 9 (10 days); Feb 10 +30 -> Feb 10..Mar 11.
    Period Jan 1..Mar 11 = 31+28+11 = 70 days, less 10 in hospital = 60; covered 60 -> 1.0.
    Without the stay: 60/70 = 0.857 with a 10-day gap."""
    spec = fills((d(1, 1), 30), (d(2, 10), 30))
    stay = (Interruption("p1", d(1, 31), d(2, 9)),)
    m = measured(spec, d(3, 11), stay)
    assert (m.days_covered, m.days_in_period, m.pdc, m.gaps) == (60, 60, 1.0, ())
    without = measured(spec, d(3, 11))
    assert without.pdc == pytest.approx(60 / 70) and without.max_gap == 10


def test_home_supply_waits_during_a_stay() -> None:
    """Jan 1 +30: Jan 1..10 used at home, in hospital Jan 11..20 (the ward gives the medicine),
    the 20 days left cover Jan 21..Feb 9; Feb 10 +30 -> Feb 10..Mar 11. Period 70 - 10 = 60
    days, covered 10 + 20 + 30 = 60 -> PDC 1.0."""
    spec = fills((d(1, 1), 30), (d(2, 10), 30))
    stay = (Interruption("p1", d(1, 11), d(1, 20)),)
    m = measured(spec, d(3, 11), stay)
    assert (m.days_covered, m.days_in_period, m.pdc) == (60, 60, 1.0)


def test_fills_before_the_period_do_not_carry_in() -> None:
    """Period Jan 1..Mar 31; a Dec 1 2025 fill is outside it (PQA: no carry-in). Index date
    Jan 10: period Jan 10..Mar 31 = 22+28+31 = 81 days. Jan 10 +30 -> Jan 10..Feb 8, Feb 9 +30
    -> Feb 9..Mar 10: covered 60. PDC 60/81 = 0.7407."""
    spec = fills((date(2025, 12, 1), 30), (d(1, 10), 30), (d(2, 9), 30))
    m = measured(spec, d(3, 31), period_start=d(1, 1), period_end=d(3, 31))
    assert m.period_start == d(1, 10) and m.first_fill == date(2025, 12, 1)
    assert m.pdc == pytest.approx(60 / 81)


def test_death_ends_the_period() -> None:
    """Jan 1 +30, Jan 31 +30; died Feb 14; as_of Mar 31. Period Jan 1..Feb 14 = 31+14 = 45
    days, all covered -> PDC 1.0; censored, not discontinued; persisted to Feb 15 - Jan 1 = 45
    days; no supply left after death."""
    m = measured(fills((d(1, 1), 30), (d(1, 31), 30)), d(3, 31), deaths={"p1": d(2, 14)})
    assert (m.days_in_period, m.pdc, m.period_end) == (45, 1.0, d(2, 14))
    assert (m.discontinued, m.discontinued_on, m.censored_on) == (False, None, d(2, 14))
    assert (m.persistence_days, m.days_supply_left) == (45, 0)


def test_excluded_patients_have_no_pdc() -> None:
    """Hospice or ESRD (the caller's set): PDC None with the reason; MPR still 60/90."""
    m = measured(fills((d(1, 1), 30), (d(1, 31), 30)), d(3, 31), excluded=frozenset({"p1"}))
    assert (m.pdc, m.pdc_reason, m.adherent) == (None, EXCLUDED, None)
    assert m.mpr == pytest.approx(60 / 90)


def test_threshold_is_per_therapy() -> None:
    """Jan 1 +30, Jan 31 +30; as_of Mar 12: covered 60 / (31+28+12 = 71) = 0.845: adherent for
    an ACE inhibitor (>= 0.80), not for an HIV ARV (>= 0.90)."""
    spec = ((d(1, 1), 30), (d(1, 31), 30))
    ace = measured(fills(*spec), d(3, 12))
    arv = measured(fills(*spec, therapy="atc:J05AR"), d(3, 12))
    assert ace.pdc == pytest.approx(60 / 71) == arv.pdc
    assert (ace.adherent, arv.adherent) == (True, False)


def test_minimum_treatment_period() -> None:
    """Jan 1 +30, Jan 31 +30, as of Mar 31: period Jan 1..Mar 31 = 90 days, covered 60. With a
    91-day minimum (CMS) no PDC; with 90 it is 60/90."""
    (therapy,) = assemble(fills((d(1, 1), 30), (d(1, 31), 30)))
    short = measure(therapy, as_of=d(3, 31), min_days=91)
    assert (short.pdc, short.pdc_reason, short.days_in_period) == (None, TOO_SHORT, 90)
    assert measure(therapy, as_of=d(3, 31), min_days=90).pdc == pytest.approx(60 / 90)
