"""Outcome, CMS165-like and process indicators on one hand-made clinic (September 2026; the
12-month window starts 2025-10-01). Every expected figure is counted by hand below.

h1 HTN 50: 2026-09-01 two readings 150/85 and 135/95 -> lowest of the latest day 135/85:
   controlled (an older 120/70 does not matter); BMI and waist; encounters 2x Sept, 2025-06.
h2 HTN 60: 2026-09-02 systolic only; 2026-08-01 145/80 -> latest day with both: not controlled.
h3 HTN 86: 120/70 -> controlled for "adults with hypertension", outside CMS165's 18-85.
h4 HTN + N18.5 50: 120/70 -> controlled; excluded from CMS165 (end-stage renal disease).
h5 HTN 40: no BP (not controlled); encounter 2025-05 and 2026-08 (seen: not abandoned).
h6 HTN 55: no BP; only an encounter 2025-07 -> abandoned.
d1 DM2 50: prescription 2026-09-15 dispensed the same day.
s1 30: BMI 27 (at risk). s2 30: BMI 22, fasting glucose 90, BP 118/76 (healthy, screened).
s3 30: nothing recorded. s4 15: BMI 30 (under 20: in no adult population).
"""

from __future__ import annotations

import pytest

from enlace.modules.analytics import indicators
from tests.unit.analytics.indicator_population import Population

SEPT = indicators.parse_period("2026-09")
BORN = {"h1": "1976-01-01", "h2": "1966-01-01", "h3": "1940-01-01", "h4": "1976-01-01",
        "h5": "1986-01-01", "h6": "1971-01-01", "d1": "1976-01-01", "s1": "1996-01-01",
        "s2": "1996-01-01", "s3": "1996-01-01", "s4": "2011-01-01"}  # fmt: skip


@pytest.fixture(scope="module")
def clinic() -> Population:
    pop = Population()
    pop.organization("inst", "IMSS")
    pop.organization("c1", "UMF 1", "inst", "14")
    for pid, born in BORN.items():
        pop.patient(pid, "c1", born=born)
    for pid in ("h1", "h2", "h3", "h4", "h5", "h6"):
        pop.condition(pid, "I10")
    pop.condition("h4", "N18.5")
    pop.condition("d1", "E11.9")
    pop.blood_pressure("h1", 150, 85, "2026-09-01T08:00:00Z")
    pop.blood_pressure("h1", 135, 95, "2026-09-01T09:00:00Z")
    pop.blood_pressure("h1", 120, 70, "2026-07-01")
    pop.observation("h1", "39156-5", 31, "2026-09-01")
    pop.observation("h1", "8280-0", 101, "2026-09-01")
    pop.observation("h2", "8480-6", 130, "2026-09-02")
    pop.blood_pressure("h2", 145, 80, "2026-08-01")
    pop.blood_pressure("h3", 120, 70, "2026-09-03")
    pop.blood_pressure("h4", 120, 70, "2026-09-03")
    pop.observation("s1", "39156-5", 27, "2026-06-01")
    pop.observation("s2", "39156-5", 22, "2026-06-01")
    pop.observation("s2", "1558-6", 90, "2026-06-01")
    pop.blood_pressure("s2", 118, 76, "2026-06-01")
    pop.observation("s4", "39156-5", 30, "2026-06-01")
    for pid, day, status in (("h1", "2026-09-02", "finished"), ("h1", "2026-09-20", "finished"),
                             ("h1", "2025-06-01", "finished"), ("h2", "2026-09-02", "finished"),
                             ("h3", "2026-09-03", "cancelled"), ("h5", "2025-05-01", "finished"),
                             ("h5", "2026-08-01", "finished"), ("h6", "2025-07-01", "finished")):  # fmt: skip
        pop.encounter(pid, day, status)
    pop.dispense("h1", pop.prescription("h1", "2026-09-05"), "2026-09-06")
    pop.dispense("h2", pop.prescription("h2", "2026-09-10"), "2026-09-14")  # after 3 days
    pop.prescription("h3", "2026-09-12")  # never dispensed
    pop.prescription("h4", "2026-08-30")  # outside the period
    pop.dispense("d1", pop.prescription("d1", "2026-09-15"), "2026-09-15")
    return pop


def _cell(pop: Population, indicator: str) -> tuple[object, object, object]:
    cells = indicators.compute_on(pop.con, [indicators.BY_ID[indicator]], SEPT, "national",
                                  identities=True)  # fmt: skip
    return cells[0].numerator, cells[0].denominator, cells[0].value


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        ("htn_bp_lt_140_90", (3, 6, 50.0)),  # h1 h3 h4 of h1-h6
        ("cms165_bp_controlled", (1, 4, 25.0)),  # h1 of h1 h2 h5 h6
        ("status_diseased", (7, 9, 77.78)),  # h1-h6 d1 of those + s1 s2
        ("status_at_risk", (1, 9, 11.11)),  # s1
        ("status_healthy", (1, 9, 11.11)),  # s2
        ("screened", (1, 3, 33.33)),  # s2 of s1 s2 s3
        ("consultations_per_patient", (3, 7, 0.429)),  # h1 x2, h2 of 7 chronic
        ("abandonment", (1, 3, 33.33)),  # h6 of h1 h5 h6
        ("unfilled_rx", (2, 4, 50.0)),  # h2 (late) h3 of h1 h2 h3 d1
        ("bmi_waist_recorded", (1, 7, 14.29)),  # h1
        ("dispensed_units", (90.0, 3, 90.0)),  # 30 units x 3 dispenses in September
    ],
)
def test_hand_counted(clinic: Population, indicator: str, expected: tuple[float, ...]) -> None:
    assert _cell(clinic, indicator) == expected


def test_treated_against_expected_prevalence(clinic: Population) -> None:
    num, den, value = _cell(clinic, "treated_vs_expected")
    # d1 treated; 10 adults of 20+ (all but s4) x 0.103 = 1.03 expected
    assert (num, round(float(den), 3), value) == (1, 1.03, 0.971)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def metabolic() -> Population:
    """l1 E78 TC 190 LDL 95 (controlled); l2 E78 TC 190 LDL 120; l3 E78 no labs.
    o1 E66 BMI 29; o2 E66 BMI 28 in May then 32 in August (latest counts).
    m1 E11: HbA1c, total cholesterol, foot exam (procedure), eye exam (observation);
    m2 E11: HbA1c only, eye exam procedure in 2025-09 (before the 12-month window)."""
    pop = Population()
    pop.organization("c1", "UMF 1", None, "14")
    for pid in ("l1", "l2", "l3", "o1", "o2", "m1", "m2"):
        pop.patient(pid, "c1", born="1970-01-01")
    for pid, code in (("l1", "E78"), ("l2", "E78"), ("l3", "E78.5"), ("o1", "E66"),
                      ("o2", "E66.9"), ("m1", "E11"), ("m2", "E11.9")):  # fmt: skip
        pop.condition(pid, code)
    for pid, code, value, day in (
        ("l1", "2093-3", 190, "2026-09-01"), ("l1", "13457-7", 95, "2026-09-01"),
        ("l2", "2093-3", 190, "2026-09-01"), ("l2", "18262-6", 120, "2026-09-01"),
        ("o1", "39156-5", 29, "2026-09-01"), ("o2", "39156-5", 28, "2026-05-01"),
        ("o2", "39156-5", 32, "2026-08-01"), ("m1", "4548-4", 7.5, "2026-09-01"),
        ("m1", "2093-3", 180, "2026-09-01"), ("m1", "134395001", None, "2026-09-01"),
        ("m2", "4548-4", 6.5, "2026-09-01"),
    ):  # fmt: skip
        pop.observation(pid, code, value, day)
    pop.procedure("m1", "401191002", "2026-02-01")
    pop.procedure("m2", "410451008", "2025-09-01")
    return pop


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        ("dyslipidemia_controlled", (1, 3, 33.33)),  # l1
        ("obesity_bmi_lt30", (1, 2, 50.0)),  # o1
        ("labs_complete", (1, 2, 50.0)),  # m1
        ("foot_exam", (1, 2, 50.0)),  # m1
        ("eye_exam", (1, 2, 50.0)),  # m1 (m2's is too old)
        ("dm2_hba1c_lt7", (1, 2, 50.0)),  # m2
    ],
)
def test_metabolic_hand_counted(
    metabolic: Population, indicator: str, expected: tuple[float, ...]
) -> None:
    assert _cell(metabolic, indicator) == expected
