"""Anti-fraud rules, table-tested on small hand-made claim columns: a planted outlier is flagged,
a clean peer is not, MAD = 0 is handled, too few amounts give no Benford verdict, and every
explanation carries its numbers."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from enlace.modules import fraud
from enlace.modules.fraud import ClaimArrays, FraudTruth, MedicineInfo, Settings, detect
from enlace.modules.fraud.benford import EXPECTED, benford, first_digits
from enlace.modules.fraud.outliers import peer_groups, robust_z
from enlace.modules.fraud.rules import capacity, early_refills, two_pharmacies

DAY0 = date(2026, 1, 1).toordinal()
MEDICINES = {
    "cheap": MedicineInfo("A10BA", 3200),
    "pricey": MedicineInfo("A10BA", 4500),
    "alone": MedicineInfo("C09AA", 2900),
}
REASONS = ("", "phantom", "duplicate")


class Lines:
    """Claim lines built one at a time; each line is its own claim unless `claim` is given."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, int, int, int, int, int, int]] = []

    def add(
        self,
        pharmacy: int,
        patient: int,
        medicine: int,
        day: int,
        *,
        packs: int = 1,
        amount: int | None = None,
        reason: int = 0,
        count: int = 1,
    ) -> None:
        for _ in range(count):
            price = (3200, 4500, 2900)[medicine] * packs if amount is None else amount
            self.rows.append((pharmacy, patient, medicine, DAY0 + day, packs, price, reason))

    def arrays(self, pharmacies: int) -> ClaimArrays:
        cols = np.array(self.rows, dtype=np.int64).T
        return ClaimArrays.build(
            [f"ph-{i}" for i in range(pharmacies)],
            ["cheap", "pricey", "alone"],
            REASONS,
            pharmacy=cols[0],
            patient=cols[1],
            medicine=cols[2],
            day=cols[3],
            packs=cols[4],
            submitted=cols[5],
            paid=cols[5],
            reason=cols[6],
            claim=np.arange(cols.shape[1]),
        )


def monthly(
    lines: Lines, pharmacy: int, patients: range, medicine: int = 2, months: int = 3
) -> None:
    for patient in patients:
        for month in range(months):
            lines.add(pharmacy, patient, medicine, 30 * month + patient % 5)


def clean_world(pharmacies: int = 8) -> Lines:
    lines = Lines()
    for p in range(pharmacies):
        monthly(lines, p, range(p * 100, p * 100 + 15))
        monthly(lines, p, range(p * 100 + 50, p * 100 + 55), medicine=p % 2)
    return lines


def flagged(a: ClaimArrays, rule: str) -> set[str]:
    return detect(a, MEDICINES, {}, Settings(min_claims=10)).flagged_by(rule)


def test_a_clean_world_raises_no_rule_flag() -> None:
    report = detect(clean_world().arrays(8), MEDICINES, {}, Settings(min_claims=10))
    assert [f for f in report.flags if f.rule not in (fraud.flags.ZSCORE, fraud.flags.MAD)] == []
    assert report.flags == []


def test_phantom_rate_outlier_is_flagged_by_mad_and_zscore_with_numbers() -> None:
    lines = clean_world(20)  # with 8 peers a z-score cannot pass 3: (n - 1) / sqrt(n) = 2.47
    lines.add(3, 399, 2, 10, reason=1, count=20)
    a = lines.arrays(20)
    report = detect(a, MEDICINES, {}, Settings(min_claims=10))
    mad = [f for f in report.flags if f.rule == "robust-mad" and f.feature == "phantom_rate"]
    assert [f.provider for f in mad] == ["ph-3"]
    assert mad[0].numbers["mad_was_zero"] is True  # every peer has no phantom: MeanAD stands in
    assert "phantom_rate = 0.250" in mad[0].explanation and "peer median of 0" in mad[0].explanation
    z = [f for f in report.flags if f.rule == "zscore" and f.feature == "phantom_rate"]
    assert [f.provider for f in z] == ["ph-3"] and "z = " in z[0].explanation


def test_mad_zero_with_identical_peers_flags_nobody() -> None:
    values = np.array([1.0, 1.0, 1.0, 1.0, 1.0])
    robust = robust_z(values, ["g"] * 5, np.ones(5, dtype=bool))
    assert (robust.z == 0).all() and robust.mad_zero.all()


def test_modified_z_is_0_6745_times_the_distance_over_mad() -> None:
    values = np.array([10.0, 11.0, 12.0, 13.0, 14.0, 40.0])
    robust = robust_z(values, ["g"] * 6, np.ones(6, dtype=bool))
    median, mad = 12.5, 1.5
    assert robust.z[5] == pytest.approx(0.6745 * (40 - median) / mad)
    assert abs(robust.z[0]) < 3.5


def test_small_peer_groups_join_the_institution_then_everyone() -> None:
    facilities = {"a": ("imss", "09"), "b": ("imss", "14"), "c": ("issste", "09")}
    facilities |= {f"i{n}": ("imss", "19") for n in range(5)}
    groups = peer_groups(sorted(facilities), facilities)
    assert groups == ["imss", "imss", "all", *["imss:19"] * 5]


def test_upcoding_flags_the_pharmacy_claiming_the_priciest_presentation() -> None:
    lines = Lines()
    for p in range(8):
        for patient in range(p * 100, p * 100 + 20):
            lines.add(p, patient, 1 if (p == 5 or patient % 5 == 0) else 0, 3)
    report = detect(lines.arrays(8), MEDICINES, {}, Settings(min_claims=10))
    up = [f for f in report.flags if f.rule == "upcoding"]
    assert [f.provider for f in up] == ["ph-5"]
    assert up[0].numbers["priciest_items"] == 20 and up[0].numbers["expected"] == pytest.approx(4.0)
    assert "20 of 20 items" in up[0].explanation


def test_capacity_counts_days_beyond_the_counter() -> None:
    lines = clean_world()
    lines.add(2, 250, 2, 40, count=205)
    a = lines.arrays(8)
    cap = capacity(a, 200)
    assert cap.days_over.tolist() == [0, 0, 1, 0, 0, 0, 0, 0] and cap.peak[2] == 205
    flag = next(f for f in detect(a, MEDICINES, {}).flags if f.rule == "impossible-day-capacity")
    assert flag.provider == "ph-2" and "the busiest had 205" in flag.explanation


def test_same_patient_at_two_pharmacies_blames_the_unusual_one() -> None:
    lines = clean_world()
    for patient in range(0, 10):  # pharmacy 0's patients, claimed at 6 on the same day
        lines.add(6, patient, 2, patient % 5)
    two = two_pharmacies(lines.arrays(8))
    assert two.blamed[6] == 10 and two.blamed[0] == 0
    assert flagged(lines.arrays(8), "impossible-day-two-pharmacies") == {"ph-6"}


def test_early_refill_marks_the_second_claim_within_22_days() -> None:
    lines = Lines()
    lines.add(0, 1, 2, 0)
    lines.add(0, 1, 2, 10)  # early
    lines.add(0, 1, 2, 40)  # 30 days after: on time
    lines.add(0, 2, 2, 41)  # another patient
    assert early_refills(lines.arrays(1)).tolist() == [0, 1, 0, 0]


def test_early_refills_flag_the_splitting_pharmacy() -> None:
    lines = clean_world()
    for patient in range(400, 415):  # pharmacy 4 claims each fill again a week later
        lines.add(4, patient, 2, 7 + patient % 5)
    assert flagged(lines.arrays(8), "early-refill") == {"ph-4"}


def test_benford_needs_enough_unrounded_amounts() -> None:
    assert benford(np.full(500, 4500)) is None  # whole pesos: nothing to say
    assert benford(np.arange(1, 99) * 101 + 7) is None  # 98 amounts < 100


def test_benford_conforming_amounts_pass_and_invented_ones_fail() -> None:
    rng = np.random.default_rng(1)
    genuine = np.rint(10 ** rng.uniform(3, 6, 2000)).astype(np.int64)
    genuine[genuine % 100 == 0] += 1
    result = benford(genuine)
    assert result is not None and not result.flagged and result.mad < 0.012
    invented = rng.integers(5000, 9000, 300) * 10 + 3
    bad = benford(invented)
    assert bad is not None and bad.flagged and bad.conformity == "nonconformity"
    assert bad.observed[0] == 0.0 and bad.chi2 > 20.09


def test_benford_flag_explains_observed_against_expected() -> None:
    lines = clean_world()
    rng = np.random.default_rng(2)
    for n, amount in enumerate(rng.integers(5000, 9000, 150) * 10 + 3):
        lines.add(1, 150 + n % 15, 2, n % 60, amount=int(amount))
    flag = next(f for f in detect(lines.arrays(8), MEDICINES, {}).flags if f.rule == "benford")
    assert flag.provider == "ph-1"
    assert f"1: 0.0% vs {EXPECTED[0]:.1%}" in flag.explanation and "chi-square" in flag.explanation


def test_first_digit_at_powers_of_ten() -> None:
    assert first_digits(np.array([1, 9, 10, 99, 100, 1000, 999999, 1000000])).tolist() == [
        1,
        9,
        1,
        9,
        1,
        1,
        9,
        1,
    ]


def test_isolation_forest_isolates_the_extreme_pharmacy() -> None:
    lines = clean_world(20)
    lines.add(7, 799, 2, 3, reason=1, count=40)
    for patient in range(700, 715):
        lines.add(7, patient, 2, 9 + patient % 5)
    found = flagged(lines.arrays(20), "isolation-forest")
    assert found == {"ph-7"}


def test_score_gives_precision_and_recall_per_rule() -> None:
    lines = clean_world()
    lines.add(2, 250, 2, 40, count=205)
    report = detect(lines.arrays(8), MEDICINES, {})
    truth = [FraudTruth("ph-2", "volume", 0), FraudTruth("ph-5", "phantom", 0)]
    score = fraud.score(report, truth)
    capacity_score = score["by_rule"]["impossible-day-capacity"]
    assert capacity_score == {"flagged": 1, "true_positives": 1, "precision": 1.0, "recall": 0.5}
    assert score["by_rule"]["benford"]["precision"] is None


def test_columns_must_have_one_length() -> None:
    with pytest.raises(ValueError, match="columns missing: medicine"):
        ClaimArrays.build(["a"], ["m"], [""], pharmacy=[0, 0], patient=[0])
    names = ("medicine", "claim", "day", "packs", "submitted", "paid", "reason")
    with pytest.raises(ValueError, match="different lengths"):
        ClaimArrays.build(
            ["a"], ["m"], [""], pharmacy=[0, 0], patient=[0], **{n: [0] for n in names}
        )


def test_no_lines_no_flags() -> None:
    names = ("pharmacy", "patient", "medicine", "claim", "day", "packs", "submitted", "paid")
    empty = ClaimArrays.build([], [], [""], reason=[], **{name: [] for name in names})
    assert detect(empty, MEDICINES, {}).flags == []
