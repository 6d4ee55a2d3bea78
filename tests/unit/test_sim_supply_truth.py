"""Ground truth of the seeded fraud: kept per day across runs, and detection scored on it."""

from __future__ import annotations

from pathlib import Path

from enlace.sim.supply_fraud import Truth, farthest_pharmacy
from enlace.sim.supply_truth import append_truth, read_truth, score, trim_truth, truth_path

A, B, C = (f"https://id.gs1.org/01/07509000000011/21/{s}" for s in ("1", "2", "3"))


def _truth(epc: str, day: int, kind: str = "clone") -> Truth:
    return Truth(kind, "counterfeit", epc, day, "pharmacy-imss-09015")


def test_a_resumed_run_drops_the_lines_of_the_days_it_runs_again(tmp_path: Path) -> None:
    path = truth_path(tmp_path, 4)
    trim_truth(path, 0)
    append_truth(path, [_truth(A, 1), _truth(B, 5)])
    append_truth(path, [_truth(C, 9)])  # day 9 failed and rolled back
    trim_truth(path, 9)
    assert read_truth(path) == [_truth(A, 1), _truth(B, 5)]
    assert path == tmp_path / "sim" / "trace-s4.jsonl"


def test_score_counts_detection_by_epc_and_every_other_alert_as_false() -> None:
    truth = [_truth(A, 1), _truth(B, 2, "wrong-lot")]
    perfect = score(truth, {A: {"second-dispense"}, B: {"batch-mismatch", "second-dispense"}})
    assert perfect.recall == 1.0 and perfect.missed == [] and perfect.false_alarm_epcs == 0
    assert perfect.by_kind["wrong-lot"] == {"packs": 1, "detected": 1, "expected_alert": 1}
    poor = score(truth, {A: {"outside-chain"}, C: {"impossible-travel"}, None: {"x"}})
    assert poor.recall == 0.5 and poor.missed == [B]
    assert poor.by_kind["clone"]["expected_alert"] == 0
    assert poor.summary()["false_alarms"] == 2
    assert poor.false_alarm_kinds == {"impossible-travel": 1, "x": 1}


def test_the_farthest_pharmacy_is_in_another_state() -> None:
    assert farthest_pharmacy("pharmacy-imss-09015").split("-")[-1][:2] != "09"
    assert farthest_pharmacy("pharmacy-imss-19039").split("-")[-1][:2] != "19"
