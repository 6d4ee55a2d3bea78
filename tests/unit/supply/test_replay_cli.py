"""`enlace supply replay` on a tiny hand-made report (no database): the baseline's fill rate and
months of stock by hand, the JSON's shape, and bad input exiting 2 with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app

HEADER = (
    "year,month,region,district,site_code,product_code,stock_initial,stock_received,"
    "stock_distributed,stock_adjustment,stock_end,average_monthly_consumption,"
    "stock_stockout_days,stock_ordered\n"
)
# demand 10, 10, 10 (warm-up), then 20 and 10; the first replayed month starts with 0 on hand
MONTHS = [(1, 30, 0, 10, 20), (2, 20, 0, 10, 10), (3, 10, 0, 10, 0), (4, 0, 40, 20, 20),
          (5, 20, 0, 10, 10)]  # fmt: skip


def _report(tmp_path: Path, extra: str = "") -> Path:
    lines = [
        f"2019,{m},R,D,S1,P1,{initial},{received},{issued},0,{end},10,0,0\n"
        for m, initial, received, issued, end in MONTHS
    ]
    path = tmp_path / "lmis.csv"
    path.write_text(HEADER + "".join(lines) + extra, encoding="utf-8")
    return path


def test_replay_by_hand(tmp_path: Path) -> None:
    """Max-min 3 x AMC (min 1 x AMC). Month 4: 0 on hand, 20 lost; review: AMC (10, 10, 20) =
    13.33, position 0 <= 13.33 -> order 40. Month 5: 40 arrive, 10 served, 30 left; AMC
    (10, 20, 10) = 13.33 < 30: no order. Fill 10 / 30; end stock 0 and 30: mean 15 over mean
    demand 15 = 1.0 month; stock-out days 30 then 0 -> 15 a month."""
    out = tmp_path / "result.json"
    result = CliRunner().invoke(
        app,
        [
            "supply",
            "replay",
            "--lmis",
            str(_report(tmp_path)),
            "--out",
            str(out),
            "--targets",
            "0.9",
        ],
    )
    assert result.exit_code == 0, result.output
    found = json.loads(out.read_text())
    assert found["baseline"][0] == {"months_of_stock": 1.0, "fill_rate": round(10 / 30, 4)}
    assert found["detail"]["baseline"][0]["stockout_days_per_month"] == 15.0
    assert found["detail"]["baseline"][0]["ordered_units"] == 40
    assert len(found["baseline"]) == 4 and len(found["enlace"]) == 1


def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    runner = CliRunner()
    missing = runner.invoke(app, ["supply", "replay", "--lmis", "/no/such.csv", "--out", str(out)])
    assert missing.exit_code == 2 and "no such file" in missing.output
    negative = _report(tmp_path, "2019,6,R,D,S1,P1,10,0,-5,0,15,10,0,0\n")
    bad = runner.invoke(app, ["supply", "replay", "--lmis", str(negative), "--out", str(out)])
    assert bad.exit_code == 2 and "line 7" in bad.output and "negative" in bad.output
    target = runner.invoke(
        app,
        [
            "supply",
            "replay",
            "--lmis",
            str(_report(tmp_path)),
            "--out",
            str(out),
            "--targets",
            "1.5",
        ],
    )
    assert target.exit_code == 2 and "target" in target.output
    assert not out.exists()


def test_unknown_rule_exits_2_and_fill_rule_still_runs(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    base = ["supply", "replay", "--lmis", str(_report(tmp_path)), "--out", str(out)]
    bad = CliRunner().invoke(app, [*base, "--rule", "median"])
    assert bad.exit_code == 2 and "--rule" in bad.output and not out.exists()
    fill = CliRunner().invoke(app, [*base, "--rule", "fill"])
    assert fill.exit_code == 0, fill.output
    found = json.loads(out.read_text())
    assert found["assumptions"]["enlace_rule"] == "fill"
    assert [p["target"] for p in found["detail"]["enlace"]] == [
        0.80,
        0.85,
        0.90,
        0.95,
        0.98,
        0.99,
        0.995,
        0.999,
    ]
