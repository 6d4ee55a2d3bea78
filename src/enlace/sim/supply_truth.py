"""Ground truth of the seeded fraud, on disk beside the population's, and detection scored on it.

`$ENLACE_VAR_DIR/sim/trace-s{seed}.jsonl` holds one line per fraudulent pack (kind, category,
EPC, day, pharmacy); never the record, which holds only what a real chain would see (the
events). A run appends each day's lines as the day runs; a run starting on day `first` first
drops lines of days ≥ `first` (left by a day that failed and rolled back), so the file always
matches the days the record holds once the run ends.

`score(truth, alerts)` compares them: a fraudulent pack is detected when any alert names its
EPC; every alert naming another EPC (or none) is a false alarm on legitimate packs.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from enlace.sim.supply_fraud import Truth


def truth_path(var_dir: str | Path, seed: int) -> Path:
    return Path(var_dir) / "sim" / f"trace-s{seed}.jsonl"


def read_truth(path: Path) -> list[Truth]:
    if not path.exists():
        return []
    return [Truth(**orjson.loads(line)) for line in path.read_bytes().splitlines() if line]


def trim_truth(path: Path, first_day: int) -> None:
    """Keep only the lines of days before `first_day` (atomically: written beside, renamed)."""
    kept = [t for t in read_truth(path) if t.day < first_day]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".jsonl.partial")
    partial.write_bytes(b"".join(_line(t) for t in kept))
    os.replace(partial, path)


def append_truth(path: Path, truths: Iterable[Truth]) -> None:
    lines = b"".join(_line(t) for t in truths)
    if lines:
        with path.open("ab") as out:
            out.write(lines)


def _line(truth: Truth) -> bytes:
    return orjson.dumps(asdict(truth)) + b"\n"


@dataclass(frozen=True)
class Score:
    fraudulent: int
    detected: int
    missed: list[str]  # EPCs of undetected fraudulent packs
    by_kind: dict[str, dict[str, int]]  # kind -> fraudulent, detected, expected alert raised
    false_alarm_epcs: int  # EPCs with an alert that are not in the ground truth
    false_alarm_kinds: dict[str, int]
    alerts_without_epc: int

    @property
    def recall(self) -> float:
        return 1.0 if self.fraudulent == 0 else self.detected / self.fraudulent

    def summary(self) -> dict[str, Any]:
        return {
            "fraudulent_packs": self.fraudulent,
            "detected": self.detected,
            "recall": round(self.recall, 4),
            "false_alarms": self.false_alarm_epcs + self.alerts_without_epc,
            "false_alarm_kinds": self.false_alarm_kinds,
            "fraud_by_kind": self.by_kind,
        }


def score(truth: list[Truth], alerts: dict[str | None, set[str]]) -> Score:
    """Detection of `truth` by `alerts` (alert kinds by EPC, `trace.alert_kinds_by_epc`)."""
    fraudulent = {t.epc for t in truth}
    by_kind: dict[str, dict[str, int]] = {}
    for t in truth:
        raised = alerts.get(t.epc, set())
        row = by_kind.setdefault(t.kind, {"packs": 0, "detected": 0, "expected_alert": 0})
        row["packs"] += 1
        row["detected"] += bool(raised)
        row["expected_alert"] += t.expected_alert in raised
    false_kinds: Counter[str] = Counter()
    for epc, kinds in alerts.items():
        if epc not in fraudulent:
            false_kinds.update(kinds)
    return Score(
        fraudulent=len(fraudulent),
        detected=sum(bool(alerts.get(epc)) for epc in fraudulent),
        missed=sorted(epc for epc in fraudulent if not alerts.get(epc)),
        by_kind=dict(sorted(by_kind.items())),
        false_alarm_epcs=sum(1 for epc in alerts if epc is not None and epc not in fraudulent),
        false_alarm_kinds=dict(sorted(false_kinds.items())),
        alerts_without_epc=len(alerts.get(None, ())),
    )
