"""Ground truth of simulated claims fraud (one line per fraudulent pharmacy and scheme) and
detection scored against it at provider level: precision and recall per rule and combined."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from enlace.kernel.jsonutil import JsonLinesError, read_json_lines

from .detect import Report
from .flags import RULES

TruthFileError = JsonLinesError  # a truth file that cannot be read


@dataclass(frozen=True)
class FraudTruth:
    pharmacy: str  # catalog facility slug
    scheme: str  # e.g. "phantom", "upcoding"
    first_day: int  # scenario day the scheme starts

    def line(self) -> bytes:
        return orjson.dumps(asdict(self)) + b"\n"


def read_truth(path: Path) -> list[FraudTruth]:
    return read_json_lines(path, lambda line: FraudTruth(**line), "a fraud truth line")


def _pr(flagged: set[str], truth: set[str]) -> dict[str, Any]:
    hits = len(flagged & truth)
    return {
        "flagged": len(flagged),
        "true_positives": hits,
        "precision": round(hits / len(flagged), 4) if flagged else None,
        "recall": round(hits / len(truth), 4) if truth else None,
    }


def score(report: Report, truths: Iterable[FraudTruth]) -> dict[str, Any]:
    """Precision and recall at provider level. Only providers with claims in the report count
    as truth (a scheme that never claimed in the period cannot be found)."""
    present = set(report.providers)
    truth = {t.pharmacy for t in truths if t.pharmacy in present}
    out: dict[str, Any] = {"fraudulent_providers": sorted(truth), "providers": len(present)}
    out["by_rule"] = {rule: _pr(report.flagged_by(rule), truth) for rule in RULES}
    out["any_rule"] = _pr(report.flagged_by(), truth)
    out["two_or_more_rules"] = _pr(report.combined(2), truth)
    return out
