"""The backtest trains before the holdout only, and writes one row per series and month."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from enlace.modules.supply.backtest import backtest, parse_holdout, write_forecasts


def lmis_panel() -> pd.DataFrame:
    months = pd.date_range("2019-01-01", periods=6, freq="MS")
    rows = []
    issued = {"S1|P": [3, 6, 3, 6, 1000, 1000], "S2|P": [2, 2, 2, 4, 0, 0]}
    for uid, values in issued.items():
        site, product = uid.split("|")
        for ds, y in zip(months, values, strict=True):
            rows.append((uid, site, product, ds, float(y), 5.0))
    rows.append(("S3|P", "S3", "P", months[4], 7.0, 5.0))  # first report in the holdout
    return pd.DataFrame(
        rows, columns=["unique_id", "site_code", "product_code", "ds", "y", "stock_end"]
    )


def test_holdout_text() -> None:
    assert parse_holdout("2019-07:2019-09") == (pd.Timestamp("2019-07-01"), 3)
    assert parse_holdout("2019-07") == (pd.Timestamp("2019-07-01"), 1)
    for bad in ("2019-09:2019-07", "July:2019-09", "2019-13:2019-14", ""):
        with pytest.raises(ValueError, match="holdout"):
            parse_holdout(bad)


def test_trained_before_the_holdout_and_scored_by_hand(tmp_path: Path) -> None:
    result = backtest(lmis_panel(), pd.Timestamp("2019-05-01"), 2, ["AMC", "Naive"])
    frame = result.frame.set_index(["unique_id", "ds"])
    # S1: AMC of Feb-Apr = (6 + 3 + 6) / 3 = 5; the 1000s of the holdout are never seen
    assert frame.loc[("S1|P", pd.Timestamp("2019-05-01")), "AMC"] == 5.0
    assert frame.loc[("S3|P", pd.Timestamp("2019-06-01")), "AMC"] == 0.0  # no history
    scores = {s.method: s for s in result.scores}
    # S1 scale = mean(3, 3, 3) = 3: AMC MASE = (995 + 995) / 2 / 3; S2 scale = 2 / 3:
    # AMC = (2 + 2 + 4) / 3 = 8/3, errors 8/3 and 8/3 -> 4; Naive (6: 994 twice; S2: 4 -> 6)
    assert scores["AMC"].mase == pytest.approx(((995 / 3) + 4) / 2)
    assert scores["Naive"].mase == pytest.approx(((994 / 3) + 6) / 2)
    assert scores["AMC"].series == 2  # S3 has no training history: written, not scored

    path = tmp_path / "forecasts.csv"
    assert write_forecasts(result, "AMC", path) == 6  # 3 series x 2 months
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["site_code", "product_code", "year", "month", "forecast"]
    assert rows[1] == ["S1", "P", "2019", "5", "5"]


def test_no_history_before_the_holdout_is_an_error() -> None:
    with pytest.raises(ValueError, match="no report before"):
        backtest(lmis_panel(), pd.Timestamp("2018-01-01"), 2, ["AMC"])
