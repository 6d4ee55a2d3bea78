"""Ground truth of simulated claims fraud (one line per fraudulent pharmacy and scheme) and
detection scored against it at provider level: precision and recall per rule and combined."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from .detect import Report
from .flags import RULES


class TruthFileError(ValueError):
    """The ground-truth file is missing or not JSON Lines of FraudTruth."""


@dataclass(frozen=True)
class FraudTruth:
    pharmacy: str  # catalog facility slug
    scheme: str  # e.g. "phantom", "upcoding"
    first_day: int  # scenario day the scheme starts

    def line(self) -> bytes:
        return orjson.dumps(asdict(self)) + b"\n"


def read_truth(path: Path) -> list[FraudTruth]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TruthFileError(f"cannot read {path}: {exc.strerror}") from None
    out = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(FraudTruth(**orjson.loads(line)))
        except (orjson.JSONDecodeError, TypeError) as exc:
            raise TruthFileError(f"{path}:{number}: not a fraud truth line ({exc})") from None
    return out


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
