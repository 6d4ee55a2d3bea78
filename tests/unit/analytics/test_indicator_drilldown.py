"""Time series by month, this period against the previous one, and module-sourced rows per
clinic, on hand-made populations."""

from __future__ import annotations

from enlace.modules.analytics import indicators
from enlace.modules.analytics.indicators.compute import PER_CLINIC_ONLY
from tests.unit.analytics.indicator_population import Population


def _clinic_with_history() -> Population:
    """12 diabetics in c1: HbA1c 8.0 for all in July; in August 6 drop to 6.5; in September
    6 more. A plain month in between keeps every month 'with data'."""
    pop = Population()
    pop.organization("inst", "IMSS")
    pop.organization("c1", "UMF 1", "inst", "14")
    for i in range(12):
        pid = f"p{i}"
        pop.patient(pid, "c1")
        pop.condition(pid, "E11")
        pop.observation(pid, "4548-4", 8.0, "2026-07-05")
        if i < 6:
            pop.observation(pid, "4548-4", 6.5, "2026-08-05")
        pop.observation(pid, "4548-4", 6.5, "2026-09-05")
    return pop


def test_series_by_month_reports_each_month_as_of_its_end() -> None:
    pop = _clinic_with_history()
    cells = indicators.series(pop.con, ["dm2_hba1c_lt7"], indicators.parse_period("2026-Q3"),
                              "clinic", identities=True)  # fmt: skip
    assert [(c.period, c.numerator, c.value) for c in cells] == [
        ("2026-07", 0, 0.0), ("2026-08", 6, 50.0), ("2026-09", 12, 100.0),
    ]  # fmt: skip


def test_compare_with_the_previous_period() -> None:
    pop = _clinic_with_history()
    pairs = indicators.compare(pop.con, ["dm2_hba1c_lt7", "cms122_hba1c_gt9"],
                               indicators.parse_period("2026-09"), "clinic", identities=True)  # fmt: skip
    by_id = {p.indicator: p for p in pairs}
    lt7 = by_id["dm2_hba1c_lt7"]
    assert (lt7.previous.value, lt7.current.value, lt7.change, lt7.improved) == (
        50.0, 100.0, 50.0, True,
    )  # fmt: skip
    gt9 = by_id["cms122_hba1c_gt9"]  # none above 9 in either month: no change
    assert (gt9.change, gt9.improved) == (0.0, None)


def test_compare_with_a_period_without_data() -> None:
    pop = _clinic_with_history()
    pairs = indicators.compare(pop.con, ["dm2_hba1c_lt7"], indicators.parse_period("2026-Q3"),
                               "clinic", identities=True)  # fmt: skip
    assert pairs[0].previous.reason == "not computable: no data recorded in the period"
    assert pairs[0].change is None and pairs[0].improved is None


def test_module_rows_per_clinic_roll_up_and_stop_at_the_clinic() -> None:
    pop = Population()
    pop.organization("inst", "IMSS")
    for clinic in ("c1", "c2"):
        pop.organization(clinic, clinic, "inst", "14")
        pop.patient(f"{clinic}-p", clinic)
    external = {"followup_linked": [("c1", 12.0, 20.0), ("c2", 15.0, 30.0)]}
    wanted = [indicators.BY_ID["followup_linked"]]
    period = indicators.parse_period("2026-09")
    clinics = indicators.compute_on(pop.con, wanted, period, "clinic", None, True, external)
    assert [(c.unit, c.value) for c in clinics] == [("c1", 60.0), ("c2", 50.0)]
    state = indicators.compute_on(pop.con, wanted, period, "state", None, True, external)
    assert [(c.numerator, c.denominator, c.value) for c in state] == [(27.0, 50.0, 54.0)]
    doctors = indicators.compute_on(pop.con, wanted, period, "physician", None, True, external)
    assert {c.reason for c in doctors} == {PER_CLINIC_ONLY}
    missing = indicators.compute_on(pop.con, wanted, period, "clinic", None, True, {})
    assert all(c.value is None and "was not read" in (c.reason or "") for c in missing)


def test_periods() -> None:
    quarter = indicators.parse_period("2026-Q3")
    assert (quarter.start.isoformat(), quarter.end.isoformat()) == ("2026-07-01", "2026-10-01")
    assert quarter.previous().label == "2026-Q2"
    assert indicators.parse_period("2026-01").previous().label == "2025-12"
    assert indicators.parse_period("2026-H2").months == 6
    assert [m.label for m in indicators.parse_period("2026").month_list()][-1] == "2026-12"
