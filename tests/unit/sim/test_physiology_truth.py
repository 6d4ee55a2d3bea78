"""The ground-truth file: one line per episode, written once, trimmed when a run resumes, and a
file that is not ours refused with its line number."""

from __future__ import annotations

from pathlib import Path

import pytest

from enlace.sim.devices.common import DAY_US, Episode
from enlace.sim.devices.truth import TruthFileError, TruthWriter, read_truth, truth_path


def episode(patient: str, onset_day: int, kind: str = "hypo") -> Episode:
    return Episode(patient, kind, onset_day * DAY_US, onset_day * DAY_US + 3600, "level1")


def test_episodes_are_written_once_and_trimmed_on_resume(tmp_path: Path) -> None:
    path = truth_path(tmp_path, 42)
    assert path == tmp_path / "sim" / "monitoring-truth-s42.jsonl"
    writer = TruthWriter(path, before_us=0)
    writer.append([episode("a", 1), episode("b", 2)])
    writer.append([episode("a", 1)])  # the same day again: nothing new
    writer.append([episode("c", 5, "bp-crisis")])
    assert read_truth(path) == [episode("a", 1), episode("b", 2), episode("c", 5, "bp-crisis")]
    TruthWriter(path, before_us=2 * DAY_US)  # a run resuming at day 2
    assert read_truth(path) == [episode("a", 1)]


def test_a_file_that_is_not_truth_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "truth.jsonl"
    path.write_bytes(episode("a", 1).line() + b'{"patient": "x"}\n')
    with pytest.raises(TruthFileError, match=r"truth\.jsonl:2"):
        read_truth(path)
    with pytest.raises(TruthFileError, match="cannot read"):
        read_truth(tmp_path / "missing.jsonl")
