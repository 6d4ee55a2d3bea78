"""The LMIS CSV reader: good lines become rows, every bad line or series is a named problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from enlace.kernel import errors
from enlace.modules.supply.lmis import COLUMNS, ERROR, WARNING, errors_only, read_lmis

HEADER = ",".join(f'"{c}"' for c in COLUMNS)


def line(
    year: int = 2019,
    month: int = 1,
    site: str = "C4001",
    product: str = "AS27134",
    stock: tuple[object, ...] = (75, 0, 21, -54, 0, 18, 0, 100),
) -> str:
    cells = [year, month, '"R"', '"D"', f'"{site}"', f'"{product}"', *stock]
    return ",".join(str(c) for c in cells)


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "lmis.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_a_good_line_is_read_with_every_column(tmp_path: Path) -> None:
    rows, problems = read_lmis(write(tmp_path, line(), line(month=2)))
    assert problems == []
    first = rows[0]
    assert (first.year, first.month, first.site_code, first.product_code) == (
        2019,
        1,
        "C4001",
        "AS27134",
    )
    assert (first.stock_initial, first.stock_distributed, first.stock_adjustment) == (75, 21, -54)
    assert (first.stock_end, first.average_monthly_consumption, first.stock_ordered) == (0, 18, 100)
    assert rows[1].period - first.period == 1


def test_blank_ordered_quantity_is_none_not_a_problem(tmp_path: Path) -> None:
    rows, problems = read_lmis(write(tmp_path, line(stock=(75, 0, 21, -54, 0, 18, 0, ""))))
    assert rows[0].stock_ordered is None
    assert errors_only(problems) == []


def test_negative_distributed_is_an_error_and_the_line_is_dropped(tmp_path: Path) -> None:
    # 10 + 0 - (-5) + 0 = 15 = end: the balance adds up, only the sign is impossible
    rows, problems = read_lmis(write(tmp_path, line(stock=(10, 0, -5, 0, 15, 3, 0, 0))))
    assert rows == []
    assert [(p.line, p.column, p.severity) for p in problems] == [(2, "stock_distributed", ERROR)]


def test_a_balance_that_does_not_add_up_is_an_error_beyond_the_tolerance(tmp_path: Path) -> None:
    # 10 + 5 - 3 + 0 = 12, reported 14: off by 2
    bad = line(stock=(10, 5, 3, 0, 14, 3, 0, 0))
    rows, problems = read_lmis(write(tmp_path, bad))
    assert rows == [] and problems[0].column == "stock_end" and "= 12" in problems[0].message
    rows, problems = read_lmis(write(tmp_path, bad), tolerance=2)
    assert len(rows) == 1 and errors_only(problems) == []


def test_unreadable_values_name_line_and_column(tmp_path: Path) -> None:
    rows, problems = read_lmis(
        write(
            tmp_path,
            line(stock=("x", 0, 21, -54, 0, 18, 0, 100)),
            line(month=13, stock=(1, 0, 1, 0, 0, 1, 0, 0)),
            line(site=""),
            line(stock=(1.5, 0, 1, 0, 0.5, 1, 0, 0)),
        )
    )
    assert rows == []
    found = {(p.line, p.column) for p in problems}
    assert found == {
        (2, "stock_initial"),
        (3, "month"),
        (4, "site_code"),
        (5, "stock_initial"),
        (5, "stock_end"),
    }


def test_duplicates_keep_the_first_and_report_the_second(tmp_path: Path) -> None:
    rows, problems = read_lmis(write(tmp_path, line(), line(stock=(75, 0, 20, -55, 0, 18, 0, 1))))
    assert len(rows) == 1 and rows[0].stock_distributed == 21
    assert [(p.line, p.severity) for p in errors_only(problems)] == [(3, ERROR)]
    assert "duplicate of line 2" in problems[0].message


def test_a_changed_product_code_joins_the_old_series_and_its_duplicates(tmp_path: Path) -> None:
    old, new = line(month=1, product="OLD1"), line(month=2, product="AS27134")
    rows, problems = read_lmis(write(tmp_path, old, new), product_map={"OLD1": "AS27134"})
    assert [r.product_code for r in rows] == ["AS27134", "AS27134"]
    assert problems == []
    again = line(month=2, product="OLD1")
    rows, problems = read_lmis(write(tmp_path, new, again), product_map={"OLD1": "AS27134"})
    assert len(rows) == 1 and "duplicate" in problems[0].message


def test_missing_months_are_a_warning_and_stay_missing(tmp_path: Path) -> None:
    rows, problems = read_lmis(write(tmp_path, line(month=1), line(month=4)))
    assert len(rows) == 2  # nothing invented for February and March
    assert [(p.severity, p.message) for p in problems] == [
        (WARNING, "C4001 x AS27134: 2 missing month(s), kept missing")
    ]


def test_a_series_with_no_history_is_a_warning(tmp_path: Path) -> None:
    rows, problems = read_lmis(write(tmp_path, line()))
    assert len(rows) == 1
    assert [p.message for p in problems] == ["C4001 x AS27134: no history (one month)"]


def test_impossible_stock_out_days_are_read_as_a_whole_month(tmp_path: Path) -> None:
    rows, problems = read_lmis(
        write(tmp_path, line(stock=(0, 0, 0, 0, 0, 0, 300, 0)), line(month=2))
    )
    assert rows[0].stock_stockout_days == 30
    assert [(p.column, p.severity) for p in problems] == [("stock_stockout_days", WARNING)]


def test_a_file_without_the_columns_is_a_bad_request(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("year,month\n2019,1\n", encoding="utf-8")
    with pytest.raises(errors.FhirError) as caught:
        read_lmis(path)
    assert caught.value.status == 400 and "stock_distributed" in caught.value.message


def test_31_stock_out_days_is_a_whole_month_without_a_warning(tmp_path: Path) -> None:
    rows, problems = read_lmis(
        write(tmp_path, line(stock=(0, 0, 0, 0, 0, 0, 31, 0)), line(month=2))
    )
    assert rows[0].stock_stockout_days == 30 and problems == []
