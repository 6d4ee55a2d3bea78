"""Clinics of excellence on a hand-made network whose right answer is known.

Only diabetes indicators have patients: HbA1c 6.5 (controlled) or 8.0 (not: neither < 7 nor
> 9). Strata differ only by age band (all women, one diagnosis). September 2026:
- A: 40 patients aged 30, 28 controlled (70 %);
- B: 40 patients aged 70, 24 controlled (60 %);
- C (state 15): 20 aged 30 with 16 controlled + 20 aged 70 with 10 controlled (65 %).
National rates: young 44/60 = 73.33 %, old 34/60 = 56.67 %. Expected: A 73.33, B 56.67,
C (20 x 73.33 + 20 x 56.67) / 40 = 65. Crude order A > C > B; risk-adjusted B (+3.33 points)
> C (0) > A (-3.33). Weights used: HbA1c < 7 (0.25), CMS122 (0.15, 0 everywhere), labs (0.10),
foot (0.10), eye (0.05), BMI/waist (0.10) = 0.75 (no hypertension: CMS165 unused), so B's score
is 0.25 x 3.333 / 0.75 = 1.11.
March 2026 (six months before): A 20/40, B 24/40, C 10/20 + 10/20: young 30/60 = 50 %, old
56.67 %: A 0, B +1.11, C (50 - 53.33) x 0.25 / 0.75 = -1.11. Improvement: C +1.11, B 0, A -1.11.
- D: 15 men aged 50 (a stratum of their own): under the minimum denominator, not ranked.
"""

from __future__ import annotations

import pytest

from enlace.kernel import errors
from enlace.modules.analytics import indicators
from enlace.modules.analytics.indicators.ranking import competition_ranks
from tests.unit.analytics.indicator_population import Population

SEPT = indicators.parse_period("2026-09")


def _group(pop: Population, clinic: str, born: str, total: int, now: int, before: int,
           gender: str = "female") -> None:  # fmt: skip
    for i in range(total):
        pid = f"{clinic}-{born[:4]}-{i}"
        pop.patient(pid, clinic, born=born, gender=gender)
        pop.condition(pid, "E11.9")
        pop.observation(pid, "4548-4", 6.5 if i < before else 8.0, "2026-03-15")
        pop.observation(pid, "4548-4", 6.5 if i < now else 8.0, "2026-09-15")


@pytest.fixture(scope="module")
def network() -> Population:
    pop = Population()
    pop.organization("inst", "IMSS")
    for clinic, state in (("A", "14"), ("B", "14"), ("C", "15"), ("D", "14")):
        pop.organization(clinic, f"Clínica {clinic}", "inst", state)
    _group(pop, "A", "1996-01-01", 40, 28, 20)
    _group(pop, "B", "1956-01-01", 40, 24, 24)
    _group(pop, "C", "1996-01-01", 20, 16, 10)
    _group(pop, "C", "1956-01-01", 20, 10, 10)
    _group(pop, "D", "1976-01-01", 15, 15, 15, gender="male")
    return pop


def test_national_rank_is_risk_adjusted(network: Population) -> None:
    ranking = indicators.rank_on(network.con, SEPT)
    assert [(r.clinic, r.rank, r.score) for r in ranking] == [
        ("B", 1, 1.11), ("C", 2, 0.0), ("A", 3, -1.11), ("D", None, None),
    ]  # fmt: skip
    assert ranking[0].of == 3
    assert ranking[-1].reason is not None


def test_improvement_over_six_months(network: Population) -> None:
    gains = {r.clinic: (r.improvement, r.improvement_rank)
             for r in indicators.rank_on(network.con, SEPT)}  # fmt: skip
    assert gains == {"C": (1.11, 1), "B": (0.0, 2), "A": (-1.11, 3), "D": (None, None)}


def test_state_ranking_uses_national_expected_rates(network: Population) -> None:
    ranking = indicators.rank_on(network.con, SEPT, state="14")
    assert [(r.clinic, r.rank, r.scope) for r in ranking] == [
        ("B", 1, "14"), ("A", 2, "14"), ("D", None, "14"),
    ]  # fmt: skip


def test_explain_gives_observed_expected_and_contribution(network: Population) -> None:
    ranking = indicators.rank_on(network.con, SEPT)
    why = indicators.explain(ranking, "B")
    lt7 = next(p for p in why["parts"] if p["indicator"] == "dm2_hba1c_lt7")
    assert (lt7["observed"], lt7["expected"], lt7["denominator"]) == (60.0, 56.67, 40)
    assert lt7["contribution"] == pytest.approx(0.8333, abs=1e-4)  # 0.25 x 3.333
    cms165 = next(p for p in why["parts"] if p["indicator"] == "cms165_bp_controlled")
    assert cms165["contribution"] is None
    assert why["text"][0].startswith("Lugar 1 de 3 (MX)")
    spanish = indicators.explain(ranking, "D")["text"]
    assert "% DM2 con HbA1c < 7 %: no cuenta (menos de 20 pacientes)." in spanish
    english = indicators.explain(ranking, "D", language="en")["text"]
    assert english[0].startswith("Not ranked (MX)")
    with pytest.raises(errors.FhirError):
        indicators.explain(ranking, "Z")


def test_ties_share_the_better_rank() -> None:
    assert competition_ranks({"a": 2.0, "b": 1.0, "c": 2.0, "d": None, "e": 0.5}) == {
        "a": 1, "c": 1, "b": 3, "e": 4, "d": None,
    }  # fmt: skip
