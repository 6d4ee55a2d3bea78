"""The synthetic population: distributions within tolerance of the targets at n = 20,000 (census
age pyramid and sex ratio, ENSANUT-like prevalences by age band, affiliation shares), comorbidity,
the synthetic CURP's format and check digit, determinism and bad input."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from enlace.sim import curp
from enlace.sim.distributions import AFFILIATIONS, AGE_PYRAMID, CONDITIONS, MALE_SHARE, STATES
from enlace.sim.population import Population, band_index, generate

N = 20_000
CURP_PATTERN = re.compile(r"^[A-Z][AEIOUX][A-Z]{2}\d{6}[HM][A-Z]{2}[B-DF-HJ-NP-TV-Z]{3}[0-9A-Z]\d$")


@pytest.fixture(scope="module")
def population() -> Population:
    return generate(N, seed=2026)


def test_age_pyramid_and_sex_ratio(population: Population) -> None:
    on = population.reference_date
    total = sum(share for *_, share in AGE_PYRAMID)
    counts = Counter(
        next(i for i, (lo, hi, _) in enumerate(AGE_PYRAMID) if lo <= p.age(on) <= hi)
        for p in population.people
    )
    for i, (_, _, share) in enumerate(AGE_PYRAMID):
        assert abs(counts[i] / N - share / total) < 0.006, AGE_PYRAMID[i]
    males = sum(p.sex == "male" for p in population.people) / N
    assert abs(males - MALE_SHARE) < 0.012


def test_adult_prevalences_overall_and_by_band(population: Population) -> None:
    on = population.reference_date
    adults = [p for p in population.people if p.age(on) >= 20]
    targets = {"obesity": 0.36, "diabetes": 0.18, "hypertension": 0.30, "copd": 0.055}
    for key, target in targets.items():
        share = sum(key in p.conditions for p in adults) / len(adults)
        assert abs(share - target) < 0.02, (key, share)
    for key in ("hiv", "ra"):  # ≈0.2%: a few dozen cases at this size
        share = sum(key in p.conditions for p in adults) / len(adults)
        assert 0.0008 < share < 0.0040, (key, share)
    # rising with age, each band near its table value
    for cond in CONDITIONS[:4]:
        for band, expected in enumerate(cond.bands):
            group = [p for p in adults if band_index(p.age(on)) == band]
            share = sum(cond.key in p.conditions for p in group) / len(group)
            assert abs(share - expected / 100) < 0.03, (cond.key, band, share)
    children = [p for p in population.people if p.age(on) < 20]
    assert all(not p.conditions and p.baseline is None for p in children)


def test_comorbidity_and_sex_split(population: Population) -> None:
    adults = [p for p in population.people if p.baseline is not None]
    obese = [p for p in adults if "obesity" in p.conditions]
    lean = [p for p in adults if "obesity" not in p.conditions]
    for key in ("diabetes", "hypertension"):
        rate_obese = sum(key in p.conditions for p in obese) / len(obese)
        rate_lean = sum(key in p.conditions for p in lean) / len(lean)
        assert rate_obese > 1.6 * rate_lean, key
    hiv = [p for p in adults if "hiv" in p.conditions]
    assert sum(p.sex == "male" for p in hiv) / len(hiv) > 0.6


def test_baseline_values_agree_with_the_conditions(population: Population) -> None:
    for p in population.people:
        b = p.baseline
        if b is None:
            continue
        assert (b.bmi >= 30) == ("obesity" in p.conditions)
        assert abs(b.weight_kg / (b.height_cm / 100) ** 2 - b.bmi) < 0.2
        if "diabetes" in p.conditions:
            assert b.hba1c >= 6.5 and b.fasting_glucose >= 126
        else:
            assert b.hba1c < 6.5 and b.fasting_glucose < 126
        hypertensive = b.systolic >= 140 or b.diastolic >= 90
        assert hypertensive == ("hypertension" in p.conditions)
        assert 8 <= b.egfr <= 140


def test_affiliation_shares_by_state(population: Population) -> None:
    by_state: dict[str, Counter[str]] = {}
    for p in population.people:
        by_state.setdefault(p.state, Counter())[p.affiliation] += 1
    for iso in ("MEX", "CMX", "JAL", "VER"):  # the largest states: enough people to compare
        counts = by_state[iso]
        size = sum(counts.values())
        for name, share in zip(AFFILIATIONS, STATES[iso].shares, strict=True):
            assert abs(counts[name] / size - share / 100) < 0.05, (iso, name)
    weights = {iso: s.population_k for iso, s in STATES.items()}
    total = sum(weights.values())
    for iso, counts in by_state.items():
        assert abs(sum(counts.values()) / N - weights[iso] / total) < 0.01


def test_curp_format_and_check_digit(population: Population) -> None:
    assert curp.check_digit("HEGG560427MVZRRL0") == "4"  # RENAPO's published example
    for p in population.people[:2000]:
        assert CURP_PATTERN.match(p.curp), p.curp
        assert curp.is_valid(p.curp)
        assert p.curp[4:10] == p.birth_date.strftime("%y%m%d")
        assert p.curp[10] == ("H" if p.sex == "male" else "M")
        assert p.curp[11:13] == STATES[p.state].renapo
        assert p.curp[16].isdigit() == (p.birth_date.year < 2000)
    assert not curp.is_valid(population.people[0].curp[:17] + "X")


def test_curp_rules() -> None:
    born = date(1985, 3, 9)
    key = curp.build("María Guadalupe", "De la Cruz", "Núñez", born, "female", "DF", 3)
    # particles skipped (CRUZ), MARÍA skipped for the second given name, Ñ keyed as X
    assert key == "CUNG850309MDFRXD3" + curp.check_digit("CUNG850309MDFRXD3")
    rude = curp.build("Ana", "Calderón", "Campos", born, "female", "JC", 0)
    assert rude[:4] == "CXCA"  # CACA is on RENAPO's list: second letter becomes X
    no_second = curp.build("Ana", "Pérez", "", date(2005, 3, 9), "female", "DF", 3)
    assert no_second[:4] == "PEXA" and no_second[16] == "D" and curp.is_valid(no_second)


@pytest.mark.parametrize("bad", [0, -5, 1.5, "10", True])
def test_bad_sizes_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        generate(bad, seed=1)  # type: ignore[arg-type]


def test_bad_seed_and_unknown_state_are_refused() -> None:
    with pytest.raises(ValueError, match="seed"):
        generate(5, seed="abc")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="below 2\\^63"):
        generate(5, seed=2**63)
    with pytest.raises(ValueError, match="unknown state XYZ"):
        generate(5, seed=1, states=["JAL", "xyz"])


def test_same_seed_same_people_and_a_larger_population_extends_a_smaller_one() -> None:
    small = generate(50, seed=9, states=["jal", "NLE"])
    again = generate(50, seed=9, states=["JAL", "NLE"])
    assert small == again
    assert generate(80, seed=9, states=["JAL", "NLE"]).people[:50] == small.people
    assert generate(50, seed=10, states=["JAL", "NLE"]).people != small.people
    assert {p.state for p in small.people} == {"JAL", "NLE"}
