"""Counting by hand-worked examples: each kind, instant runoff rounds, ties, weights."""

from __future__ import annotations

import numpy as np
import pytest

from enlace.kernel.errors import FhirError
from enlace.modules.voting import ballots, kinds, quorum, tally

OPTIONS = ["ana", "beto", "caro"]


def test_instant_runoff_transfers_the_eliminated_votes() -> None:
    # Round 1: ana 2, beto 1, caro 2 -> beto out; his ballot (beto > ana) goes to ana: 3 of 5.
    rankings = [["ana", "beto"], ["ana"], ["beto", "ana"], ["caro", "beto"], ["caro", "beto"]]
    result = tally.instant_runoff(OPTIONS, tally.rank_matrix(OPTIONS, rankings))
    assert result["rounds"] == [{"ana": 2, "beto": 1, "caro": 2}, {"ana": 3, "caro": 2}]
    assert result["winner"] == "ana"


def test_exhausted_ballots_leave_the_majority_denominator() -> None:
    # Round 1: ana 2, beto 2, caro 1 -> caro out, her ballot ranks no one else: exhausted.
    # Round 2: ana 2, beto 2 of 4 active; tie for last -> beto (later in order) goes; ana wins.
    rankings = [["ana"], ["ana"], ["beto"], ["beto"], ["caro"]]
    result = tally.instant_runoff(OPTIONS, tally.rank_matrix(OPTIONS, rankings))
    assert result["rounds"][1] == {"ana": 2, "beto": 2}
    assert result["winner"] == "ana"


def test_weights_count_in_runoff() -> None:
    matrix = tally.rank_matrix(OPTIONS, [["ana"], ["beto"], ["caro"]])
    result = tally.instant_runoff(OPTIONS, matrix, np.array([1, 3, 1]))
    assert result["rounds"][0] == {"ana": 1, "beto": 3, "caro": 1}
    assert result["winner"] == "beto"  # 3 of 5 is a majority


def test_proposal_block_stops_and_share_excludes_abstentions() -> None:
    passing = tally.count_proposal(["agree", "agree", "disagree", "abstain"], [1, 1, 1, 1], 0.6)
    assert passing["agree_share"] == pytest.approx(2 / 3) and passing["passed"]
    blocked = tally.count_proposal(["agree", "agree", "block"], [1, 1, 1], 0.5)
    assert not blocked["passed"]
    short = tally.count_proposal(["agree", "disagree"], [1, 1], 0.6)
    assert not short["passed"]


def test_single_multiple_score_and_ties() -> None:
    assert tally.count_single(OPTIONS, ["ana", "beto", "ana"], [1, 1, 1])["winner"] == "ana"
    assert tally.count_single(OPTIONS, ["ana", "beto"], [1, 1])["winner"] is None
    multi = tally.count_multiple(OPTIONS, [["ana", "beto"], ["beto"]], [1, 1])
    assert multi["totals"] == {"ana": 1, "beto": 2, "caro": 0}
    scores = tally.count_score(
        OPTIONS, [{"ana": 5, "beto": 1, "caro": 0}, {"ana": 0, "beto": 3, "caro": 2}], [1, 2]
    )
    assert scores["totals"] == {"ana": 5, "beto": 7, "caro": 4}


@pytest.mark.parametrize(
    ("kind", "choice", "where"),
    [
        ("single", "nadie", "choice"),
        ("ranked", ["ana", "ana"], "choice"),
        ("multiple", [], "choice"),
        ("score", {"ana": 9, "beto": 0, "caro": 0}, "choice.ana"),
        ("score", {"ana": 1}, "choice"),
    ],
)
def test_bad_choices_are_400_naming_the_field(kind: str, choice: object, where: str) -> None:
    with pytest.raises(FhirError) as caught:
        kinds.check_choice(kind, OPTIONS, choice)
    assert caught.value.status == 400
    assert caught.value.issues[0].expression == where


def test_quorum_rounds_up() -> None:
    assert quorum.needed(10, 0.5) == 5 and quorum.needed(7, 0.5) == 4
    assert not quorum.quorum_met(3, 7, 0.5) and quorum.quorum_met(4, 7, 0.5)
    assert not quorum.quorum_met(0, 0, 0.0)


def test_merkle_root_binds_content_not_order() -> None:
    box = [("c1", '"ana"', 1), ("c2", '"beto"', 1), ("c3", '"ana"', 1)]
    root = ballots.merkle_root(box)
    assert ballots.merkle_root(list(reversed(box))) == root
    assert ballots.merkle_root([("c1", '"beto"', 1), *box[1:]]) != root
    assert ballots.merkle_root(box[:2]) != root
