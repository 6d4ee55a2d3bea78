"""MASE per series over the training naive MAE, mean over series; bias per product."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from enlace.modules.supply.metrics import bias_by_product, naive_scale, scales, score


def test_naive_scale_skips_pairs_broken_by_a_missing_month() -> None:
    # pairs (1, 3) and (6, 2): changes 2 and 4; the gap is not read as zero
    assert naive_scale(np.array([1, 3, np.nan, 6, 2])) == 3.0
    assert math.isnan(naive_scale(np.array([4.0])))
    wide = np.array([[1, 3, np.nan, 6, 2], [5, 5, 5, 5, 5]], dtype=float)
    assert list(scales(wide)) == [3.0, 0.0]


def scored() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": ["A", "A", "B", "C"],
            "product_code": ["P", "P", "P", "Q"],
            "y": [2.0, 4.0, 0.0, 1.0],
            "scale": [2.0, 2.0, 1.0, 0.0],
            "m": [3.0, 3.0, 3.0, 1.0],
        }
    )


def test_mase_is_the_mean_over_series_of_their_scaled_errors() -> None:
    (only,) = score(scored(), ["m"])
    # A: (|3-2| + |3-4|) / 2 / 2 = 0.5; B: |3-0| / 1 = 3; C has scale 0: not scored
    assert only.mase == 1.75
    assert (only.series, only.unscaled) == (2, 1)


def test_bias_is_relative_to_the_actual_total_per_product() -> None:
    bias = bias_by_product(scored(), ["m"])
    assert bias.loc["P", "m"] == 0.5  # (9 - 6) / 6
    assert "Q" not in bias.index  # its only series has no scale
