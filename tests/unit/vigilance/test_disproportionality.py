"""PRR, Yates χ², ROR with 95% CI and IC/IC025 on 2x2 tables worked by hand (REFERENCE §9)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from enlace.modules.vigilance.disproportionality import analyse, figures, tables


def one(a: int, b: int, c: int, d: int) -> dict[str, float]:
    f = figures(*(np.array([x]) for x in (a, b, c, d)))
    return {
        k: float(getattr(f, k)[0])
        for k in ("prr", "chi2", "ror", "ror_lower", "ror_upper", "ic", "ic025")
    }


def test_strong_association_by_hand() -> None:
    # a=20 b=80 c=100 d=9800, N=10000.
    # PRR = (20/100)/(100/9900) = 19.8
    # Yates chi2 = 10000 (|196000-8000| - 5000)^2 / (100*9900*120*9880) = 285.318
    # ROR = 20*9800/(80*100) = 24.5; SE = sqrt(1/20+1/80+1/100+1/9800) = 0.269448
    #   CI = 24.5 exp(-/+1.96*0.269448) = 14.448 .. 41.546
    # E = 100*120/10000 = 1.2; IC = log2(20.5/1.7) = 3.5920; IC025 = IC - 3.3/sqrt(20.5)
    #   - 2/20.5^1.5 = 2.8416
    f = one(20, 80, 100, 9800)
    assert f["prr"] == pytest.approx(19.8)
    assert f["chi2"] == pytest.approx(285.318, abs=1e-3)
    assert f["ror"] == pytest.approx(24.5)
    assert f["ror_lower"] == pytest.approx(14.448, abs=2e-3)
    assert f["ror_upper"] == pytest.approx(41.546, abs=5e-3)
    assert f["ic"] == pytest.approx(3.5920, abs=1e-4)
    assert f["ic025"] == pytest.approx(2.8416, abs=1e-3)


def test_borderline_three_reports_by_hand() -> None:
    # a=3 b=7 c=30 d=960, N=1000: PRR = 0.3/(30/990) = 9.9; chi2 = 1000(|2880-210|-500)^2
    # /(10*990*33*970) = 14.905; ROR = 2880/210 = 13.714, lower 3.380;
    # E = 10*33/1000 = 0.33, IC = log2(3.5/0.83) = 2.0762, IC025 = 2.0762 - 1.7639 - 0.3054 = 0.0068
    f = one(3, 7, 30, 960)
    assert f["prr"] == pytest.approx(9.9)
    assert f["chi2"] == pytest.approx(14.905, abs=1e-3)
    assert f["ror"] == pytest.approx(13.714, abs=1e-3)
    assert f["ror_lower"] == pytest.approx(3.380, abs=1e-3)
    assert f["ic025"] == pytest.approx(0.0068, abs=1e-4)


def test_independent_table_has_no_disproportion() -> None:
    # a=1 b=99 c=99 d=9801: a/(a+b) = c/(c+d) = 0.01, so PRR = ROR = 1, E = 1, IC = 0.
    f = one(1, 99, 99, 9801)
    assert f["prr"] == pytest.approx(1.0)
    assert f["ror"] == pytest.approx(1.0)
    assert f["ic"] == pytest.approx(0.0)
    assert f["chi2"] == 0.0  # |ad-bc| = 0 < N/2: the Yates term floors at 0
    assert f["ror_lower"] < 1 and f["ic025"] < 0


def test_zero_cell_leaves_ror_undefined_not_infinite() -> None:
    f = one(5, 0, 10, 100)
    assert math.isnan(f["ror"]) and math.isnan(f["ror_lower"])


def test_tables_from_report_rows() -> None:
    # rows: (drug, event) codes; drug 0 with event 0 twice, drug 0 event 1 once, drug 1 event 0 once,
    # drug 1 event 1 twice -> pair (0,0): a=2, b=1, c=1, d=2
    drugs = np.array([0, 0, 0, 1, 1, 1])
    events = np.array([0, 0, 1, 0, 1, 1])
    pd_, pe, a, b, c, d = tables(drugs, events, 2, 2)
    got = {
        (int(x), int(y)): (int(p), int(q), int(r), int(s))
        for x, y, p, q, r, s in zip(pd_, pe, a, b, c, d, strict=True)
    }
    assert got[(0, 0)] == (2, 1, 1, 2)
    assert got[(1, 1)] == (2, 1, 1, 2)
    assert got[(0, 1)] == (1, 2, 2, 1)


def test_analyse_flags_by_all_three_and_respects_a_min() -> None:
    rows = (
        [("x", "rash")] * 3 + [("x", "nausea")] * 7 + [("y", "rash")] * 30 + [("y", "nausea")] * 960
    )
    stats = {(s.drug, s.event): s for s in analyse(rows)}
    assert stats[("x", "rash")].methods == ("PRR", "ROR", "IC")
    # two reports only: PRR rule needs a >= 3 even though PRR is high
    rows2 = (
        [("x", "rash")] * 2 + [("x", "nausea")] * 8 + [("y", "rash")] * 30 + [("y", "nausea")] * 960
    )
    s2 = {(s.drug, s.event): s for s in analyse(rows2)}[("x", "rash")]
    assert s2.prr > 2 and not s2.prr_signal


def test_seeded_association_is_found_by_all_three_methods_unrelated_mostly_not() -> None:
    from enlace.modules.vigilance.disproportionality import analyse_codes
    from enlace.sim.actors.vigilance import Seed, seeded_reports

    seed = Seed("enalapril", "10011224", 5.0)
    drugs, events, drug_names, event_names = seeded_reports(20_000, seed, random_seed=7)
    stats = analyse_codes(drugs, events, drug_names, event_names)
    seeded = next(s for s in stats if (s.drug, s.event) == ("enalapril", "10011224"))
    assert seeded.methods == ("PRR", "ROR", "IC")
    others = [s for s in stats if (s.drug, s.event) != ("enalapril", "10011224")]
    flagged = [s for s in others if s.methods]
    assert len(others) == 8 * 12 - 1
    assert len(flagged) <= 0.1 * len(others)
    assert not [s for s in others if len(s.methods) == 3]
