"""The monitoring ground truth on disk: `$ENLACE_VAR_DIR/sim/monitoring-truth-s{seed}.jsonl`, one
line per true episode (patient, kind, onset, event, severity, observed), written on the day the
episode begins, like the claims-fraud truth (sim/claims_fraud.py). A run that resumes at day d
first drops the lines of episodes that began on or after d, so the file always says what the
simulated days hold; writing is idempotent (a line already there is not written twice).
"""

from __future__ import annotations

import os
from pathlib import Path

from enlace.kernel.jsonutil import JsonLinesError, read_json_lines
from enlace.sim.devices.common import Episode

TruthFileError = JsonLinesError  # a truth file that cannot be read


def truth_path(var_dir: str | Path, seed: int) -> Path:
    return Path(var_dir) / "sim" / f"monitoring-truth-s{seed}.jsonl"


def read_truth(path: Path) -> list[Episode]:
    return read_json_lines(path, Episode.from_json, "a monitoring truth line")


def trim_truth(path: Path, before_us: int) -> list[Episode]:
    """Keep the episodes that began before `before_us` (written beside, then renamed)."""
    kept = [e for e in read_truth(path) if e.onset_us < before_us] if path.exists() else []
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".jsonl.partial")
    partial.write_bytes(b"".join(e.line() for e in kept))
    os.replace(partial, path)
    return kept


class TruthWriter:
    """Appends episodes to the truth file, each at most once."""

    def __init__(self, path: Path, before_us: int) -> None:
        self.path = path
        self.seen = {e.line() for e in trim_truth(path, before_us)}

    def append(self, episodes: list[Episode]) -> None:
        lines = [e.line() for e in episodes if e.line() not in self.seen]
        if lines:
            with self.path.open("ab") as out:
                out.write(b"".join(lines))
            self.seen.update(lines)
