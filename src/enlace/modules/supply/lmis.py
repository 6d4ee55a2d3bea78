"""Reader of an LMIS monthly stock report CSV with the columns of the Côte d'Ivoire data set
(../shared/data/lmis-cotedivoire/contraceptive_logistics_data.csv, USAID's 2020 contraceptive
forecasting competition) as they are.

`read_lmis(path, product_map=..., tolerance=...) -> (rows, problems)`:
- `rows`: one `LmisRow` per accepted line, in file order; product codes renamed through
  `product_map` (old code -> current code, for a product whose code changed) so that the old and
  the new code form one series.
- `problems`: one `Problem` per bad line or suspicious series, with the line number and column,
  severity `error` (the line is dropped) or `warning` (the line is kept):
  * unreadable values (not an integer, month outside 1..12, blank required field) — error;
  * negative stock counts (initial, received, distributed, end, AMC, stock-out days) — error;
  * more than 31 stock-out days in a month (the real file has 50 and 300) — warning, read as 30
    (the line's consumption is still a good observation);
  * a stock balance that does not add up: |initial + received - distributed + adjustment - end|
    beyond `tolerance` units — error (an impossible record teaches a forecaster nothing);
  * the same site, product, year and month twice (also after renaming a changed code) — the
    first is kept, the duplicate is an error;
  * a missing month inside a series (a gap between its first and last report) — warning: the
    month stays missing (never zero), `monthly_panel` gives it NaN;
  * a series with no history (a single report) — warning.
A file without the required header raises `FhirError` (400) naming the missing columns.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from enlace.kernel import errors

KEY_COLUMNS = ("year", "month", "region", "district", "site_code", "product_code")
STOCK_COLUMNS = (
    "stock_initial",
    "stock_received",
    "stock_distributed",
    "stock_adjustment",
    "stock_end",
    "average_monthly_consumption",
    "stock_stockout_days",
)
OPTIONAL_COLUMNS = ("stock_ordered",)  # blank in 2 % of the real rows: None, not a problem
COLUMNS = (*KEY_COLUMNS, *STOCK_COLUMNS, *OPTIONAL_COLUMNS)
NON_NEGATIVE = (
    "stock_initial",
    "stock_received",
    "stock_distributed",
    "stock_end",
    "average_monthly_consumption",
    "stock_stockout_days",
)
DAYS = 30  # OpenLMIS's month
MONTH_DAYS = 31  # more stock-out days than that is a typing slip
ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class LmisRow:
    year: int
    month: int
    region: str
    district: str
    site_code: str
    product_code: str
    stock_initial: int
    stock_received: int
    stock_distributed: int
    stock_adjustment: int
    stock_end: int
    average_monthly_consumption: int
    stock_stockout_days: int
    stock_ordered: int | None

    @property
    def period(self) -> int:
        """Months since year 0: consecutive months differ by 1."""
        return self.year * 12 + self.month - 1

    @property
    def series(self) -> tuple[str, str]:
        return (self.site_code, self.product_code)


@dataclass(frozen=True, slots=True)
class Problem:
    line: int  # 1 = the header; 0 = a whole series (no single line)
    column: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "series"
        return f"{self.severity}: {where}, {self.column}: {self.message}"


def read_lmis(
    path: str | Path, product_map: Mapping[str, str] | None = None, tolerance: int = 0
) -> tuple[list[LmisRow], list[Problem]]:
    """Read the CSV at `path`: accepted rows and the problems found (see module docstring)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise errors.bad_request(
                f"{path}: missing column(s) {', '.join(missing)}", "line 1", code="structure"
            )
        return parse_records(reader, product_map or {}, tolerance)


def parse_records(
    records: Iterable[Mapping[str, str]], product_map: Mapping[str, str], tolerance: int = 0
) -> tuple[list[LmisRow], list[Problem]]:
    """Lines 2.. of the file as dicts: the accepted rows and every problem, then series checks."""
    rows: list[LmisRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str, int], int] = {}
    for line, record in enumerate(records, start=2):
        row = _parse_line(line, record, product_map, tolerance, problems)
        if row is None:
            continue
        key = (row.site_code, row.product_code, row.period)
        if key in seen:
            problems.append(
                Problem(line, "product_code", f"duplicate of line {seen[key]} (same site, month)")
            )
            continue
        seen[key] = line
        rows.append(row)
    problems.extend(series_problems(rows))
    return rows, problems


def _parse_line(
    line: int,
    record: Mapping[str, str],
    product_map: Mapping[str, str],
    tolerance: int,
    problems: list[Problem],
) -> LmisRow | None:
    numbers: dict[str, int | None] = {}
    found: list[Problem] = []
    for column in ("year", "month", *STOCK_COLUMNS, *OPTIONAL_COLUMNS):
        numbers[column] = _integer(line, column, record.get(column), found)
    texts = {c: (record.get(c) or "").strip() for c in KEY_COLUMNS[2:]}
    found += [Problem(line, c, "blank") for c, v in texts.items() if not v]
    found += _impossible(line, numbers, tolerance) if not found else []
    days_out = numbers["stock_stockout_days"] or 0
    if not found and days_out > MONTH_DAYS:
        problems.append(
            Problem(
                line,
                "stock_stockout_days",
                f"{days_out} > {MONTH_DAYS} days: read as {DAYS} (whole month)",
                WARNING,
            )
        )
    if days_out > DAYS:  # 31 in a 31-day month is the whole month, as 30 is in OpenLMIS's
        numbers["stock_stockout_days"] = DAYS
    problems.extend(found)
    if found:
        return None
    whole = {c: v or 0 for c, v in numbers.items()}  # all present: blanks were problems
    return LmisRow(
        year=whole["year"],
        month=whole["month"],
        region=texts["region"],
        district=texts["district"],
        site_code=texts["site_code"],
        product_code=product_map.get(texts["product_code"], texts["product_code"]),
        stock_initial=whole["stock_initial"],
        stock_received=whole["stock_received"],
        stock_distributed=whole["stock_distributed"],
        stock_adjustment=whole["stock_adjustment"],
        stock_end=whole["stock_end"],
        average_monthly_consumption=whole["average_monthly_consumption"],
        stock_stockout_days=whole["stock_stockout_days"],
        stock_ordered=numbers["stock_ordered"],
    )


def _integer(line: int, column: str, raw: str | None, found: list[Problem]) -> int | None:
    text = (raw or "").strip()
    if not text:
        if column not in OPTIONAL_COLUMNS:
            found.append(Problem(line, column, "blank"))
        return None
    try:
        value = float(text)
    except ValueError:
        found.append(Problem(line, column, f"not a number: {text!r}"))
        return None
    if value != int(value):
        found.append(Problem(line, column, f"not a whole number: {text!r}"))
        return None
    return int(value)


def _impossible(line: int, n: Mapping[str, int | None], tolerance: int) -> list[Problem]:
    found = [Problem(line, c, f"negative: {n[c]}") for c in NON_NEGATIVE if (n[c] or 0) < 0]
    if not 1 <= (n["month"] or 0) <= 12:
        found.append(Problem(line, "month", f"not a month: {n['month']}"))
    expected = (
        (n["stock_initial"] or 0)
        + (n["stock_received"] or 0)
        - (n["stock_distributed"] or 0)
        + (n["stock_adjustment"] or 0)
    )
    if abs(expected - (n["stock_end"] or 0)) > tolerance:
        found.append(
            Problem(
                line,
                "stock_end",
                f"balance does not add up: initial + received - distributed + adjustment = "
                f"{expected}, stock_end = {n['stock_end']}",
            )
        )
    return found


def series_problems(rows: Iterable[LmisRow]) -> list[Problem]:
    """Warnings per series: months missing between its first and last report; no history."""
    periods: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        periods.setdefault(row.series, []).append(row.period)
    found: list[Problem] = []
    for (site, product), months in sorted(periods.items()):
        name = f"{site} x {product}"
        if len(months) == 1:
            found.append(Problem(0, "series", f"{name}: no history (one month)", WARNING))
            continue
        gaps = (max(months) - min(months) + 1) - len(months)
        if gaps:
            found.append(
                Problem(0, "series", f"{name}: {gaps} missing month(s), kept missing", WARNING)
            )
    return found


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]
