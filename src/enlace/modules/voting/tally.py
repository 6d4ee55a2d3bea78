"""Counting a closed ballot box (pure): the five vote kinds, and instant runoff vectorized.

Every counter takes the choices (already validated by `kinds.check_choice`) and their weights
(1 each, or class weights where the bylaws configure them) and returns plain, JSON-ready dicts.
Instant runoff works on an (n ballots x k ranks) integer matrix so 100,000 ballots are a few
numpy passes per round instead of a Python loop per ballot (bench/tally.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

PROPOSAL_OPTIONS = ("agree", "abstain", "disagree", "block")


def count_single(options: Sequence[str], choices: Sequence[Any], weights: Sequence[int]) -> dict:
    totals = dict.fromkeys(options, 0)
    for choice, weight in zip(choices, weights, strict=True):
        totals[choice] += weight
    return {"totals": totals, "winner": _leader(totals)}


def count_multiple(options: Sequence[str], choices: Sequence[Any], weights: Sequence[int]) -> dict:
    totals = dict.fromkeys(options, 0)
    for picked, weight in zip(choices, weights, strict=True):
        for option in picked:
            totals[option] += weight
    return {"totals": totals, "winner": _leader(totals)}


def count_score(options: Sequence[str], choices: Sequence[Any], weights: Sequence[int]) -> dict:
    totals = dict.fromkeys(options, 0)
    for scores, weight in zip(choices, weights, strict=True):
        for option, score in scores.items():
            totals[option] += score * weight
    return {"totals": totals, "winner": _leader(totals)}


def count_proposal(choices: Sequence[Any], weights: Sequence[int], min_share: float) -> dict:
    """Consent decision: any block stops it; otherwise agree must reach `min_share` of the
    agree + disagree votes (abstentions count for quorum, not for the share)."""
    totals = dict.fromkeys(PROPOSAL_OPTIONS, 0)
    for choice, weight in zip(choices, weights, strict=True):
        totals[choice] += weight
    decisive = totals["agree"] + totals["disagree"]
    share = totals["agree"] / decisive if decisive else 0.0
    passed = totals["block"] == 0 and decisive > 0 and share >= min_share
    return {"totals": totals, "agree_share": round(share, 6), "passed": passed}


def _leader(totals: dict[str, int]) -> str | None:
    """The option with most; None on a tie for first or when nobody voted."""
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] == 0 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return None
    return ranked[0][0]


def rank_matrix(options: Sequence[str], rankings: Sequence[Sequence[str]]) -> np.ndarray:
    """Rankings as option indices, one row per ballot, padded with -1 (no further preference)."""
    index = {option: i for i, option in enumerate(options)}
    matrix = np.full((len(rankings), max(1, len(options))), -1, dtype=np.int16)
    for row, ranking in enumerate(rankings):
        matrix[row, : len(ranking)] = [index[option] for option in ranking]
    return matrix


def instant_runoff(
    options: Sequence[str], matrix: np.ndarray, weights: np.ndarray | None = None
) -> dict:
    """Instant runoff: each round every ballot counts for its highest-ranked option still in;
    an option with a majority of the ballots still counting wins, else the last is eliminated
    (ties for last: the one that came first in `options` order stays, so the count is
    reproducible). Exhausted ballots drop out of the majority's denominator."""
    k = len(options)
    weights = np.ones(len(matrix), dtype=np.int64) if weights is None else weights
    eliminated = np.zeros(k + 1, dtype=bool)
    eliminated[k] = True  # column for the -1 padding (index -1 -> last slot)
    rounds: list[dict[str, int]] = []
    while True:
        counts = _round_counts(matrix, weights, eliminated, k)
        standing = [i for i in range(k) if not eliminated[i]]
        rounds.append({options[i]: int(counts[i]) for i in standing})
        active = int(counts[standing].sum())
        best = max(standing, key=lambda i: (counts[i], -i))
        if active == 0:
            return {"rounds": rounds, "winner": None}
        if counts[best] * 2 > active or len(standing) == 1:
            return {"rounds": rounds, "winner": options[best]}
        worst = min(standing, key=lambda i: (counts[i], -i))
        eliminated[worst] = True


def _round_counts(
    matrix: np.ndarray, weights: np.ndarray, eliminated: np.ndarray, k: int
) -> np.ndarray:
    out = eliminated[matrix]  # -1 indexes the padding column, which is always out
    first = np.argmin(out, axis=1)  # first rank still in (0 if all out: checked below)
    rows = np.arange(len(matrix))
    live = ~out[rows, first]
    picks = matrix[rows[live], first[live]]
    return np.bincount(picks, weights=weights[live], minlength=k)[:k].astype(np.int64)
