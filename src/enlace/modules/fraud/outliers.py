"""Outliers among peers: the classic z-score, the robust modified z (MAD), isolation forest.

Modified z (Iglewicz and Hoaglin, 1993): 0.6745 * (x - median) / MAD, an outlier when |z| > 3.5.
When more than half the peers share one value the MAD is 0; then the mean absolute deviation
stands in (z = (x - median) / (1.253314 * MeanAD), as IBM SPSS Modeler does), and when that is 0
too every peer has the same value and nobody is an outlier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .features import FloatArray

MAD_Z = 3.5
CLASSIC_Z = 3.0
MIN_PEERS = 5  # a smaller peer group joins its institution's, then everyone's


@dataclass(frozen=True)
class Robust:
    z: FloatArray
    median: FloatArray  # each provider's peer median
    spread: FloatArray  # the MAD (or the MeanAD stand-in) of its peers
    mad_zero: np.ndarray  # True where the MeanAD stood in


def peer_groups(providers: Sequence[str], facility_of: Mapping[str, tuple[str, str]]) -> list[str]:
    """Institution x state when at least MIN_PEERS share it, else institution, else "all"."""
    keys = [facility_of.get(p, ("other", "")) for p in providers]
    by_state: dict[tuple[str, str], int] = {}
    by_institution: dict[str, int] = {}
    for institution, state in keys:
        by_state[(institution, state)] = by_state.get((institution, state), 0) + 1
        by_institution[institution] = by_institution.get(institution, 0) + 1
    groups = []
    for institution, state in keys:
        if by_state[(institution, state)] >= MIN_PEERS:
            groups.append(f"{institution}:{state}")
        elif by_institution[institution] >= MIN_PEERS:
            groups.append(institution)
        else:
            groups.append("all")
    return groups


def robust_z(values: FloatArray, groups: Sequence[str], judged: np.ndarray) -> Robust:
    """Modified z of each provider against the `judged` providers of its peer group."""
    z, median, spread = (np.zeros(values.size) for _ in range(3))
    mad_zero = np.zeros(values.size, dtype=bool)
    labels = np.asarray(groups)
    for group in set(groups):
        members = labels == group
        peers = values[members & judged]
        if peers.size == 0:
            continue
        med = float(np.median(peers))
        mad = float(np.median(np.abs(peers - med)))
        median[members] = med
        if mad > 0:
            spread[members], z[members] = mad, 0.6745 * (values[members] - med) / mad
            continue
        mean_ad = float(np.mean(np.abs(peers - med)))
        mad_zero[members] = True
        spread[members] = mean_ad
        if mean_ad > 0:
            z[members] = (values[members] - med) / (1.253314 * mean_ad)
    return Robust(z, median, spread, mad_zero)


def classic_z(
    values: FloatArray, groups: Sequence[str], judged: np.ndarray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(z, peer mean, peer standard deviation); z = 0 where the peers do not vary."""
    z, mean, sd = (np.zeros(values.size) for _ in range(3))
    labels = np.asarray(groups)
    for group in set(groups):
        members = labels == group
        peers = values[members & judged]
        if peers.size == 0:
            continue
        mean[members], sd[members] = float(peers.mean()), float(peers.std())
        if peers.std() > 0:
            z[members] = (values[members] - peers.mean()) / peers.std()
    return z, mean, sd


FOREST_THRESHOLD = -0.6  # score_samples below this is anomalous (sklearn's "auto" is -0.5)


def forest_scores(matrix: FloatArray, random_state: int = 0) -> FloatArray:
    """Isolation forest anomaly scores (lower = more anomalous), fixed seed, 200 trees."""
    if matrix.shape[0] < 2:
        return np.zeros(matrix.shape[0])
    # Imported here: scikit-learn takes seconds to import, and every `enlace` command and the
    # simulator import this package (the CLI registers `claims fraud`, the sim its truth type).
    from sklearn.ensemble import IsolationForest

    forest = IsolationForest(n_estimators=200, random_state=random_state, contamination="auto")
    forest.fit(matrix)
    return np.asarray(forest.score_samples(matrix), dtype=np.float64)
