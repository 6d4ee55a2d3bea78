"""Chart geometry (scales, ticks, paths, bars) and the chart template's escaping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from jinja2 import Environment, FileSystemLoader, select_autoescape

from enlace.entrypoints.web import charts, i18n
from enlace.entrypoints.web.charts import Band, Series, Threshold, bar_chart, time_chart
from enlace.entrypoints.web.render import TEMPLATES


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0, 10, [0, 2, 4, 6, 8, 10]),
        (6.8, 8.4, [6.5, 7.0, 7.5, 8.0, 8.5]),
        (3, 97, [0, 20, 40, 60, 80, 100]),
        (0.001, 0.009, [0.0, 0.002, 0.004, 0.006, 0.008, 0.01]),
        (-5, 5, [-6, -4, -2, 0, 2, 4, 6]),
    ],
)
def test_nice_ticks_cover_the_range_with_round_steps(
    lo: float, hi: float, expected: list[float]
) -> None:
    ticks, domain = charts.nice_ticks(lo, hi)
    assert ticks == pytest.approx(expected)
    assert domain == (ticks[0], ticks[-1]) and ticks[0] <= lo and ticks[-1] >= hi


def test_a_flat_range_is_widened_around_its_value() -> None:
    ticks, (lo, hi) = charts.nice_ticks(7.0, 7.0)
    assert lo < 7.0 < hi and len(ticks) >= 3
    _, (zlo, zhi) = charts.nice_ticks(0.0, 0.0)
    assert zlo < 0 < zhi


def test_tick_labels_have_the_decimals_their_step_needs() -> None:
    assert charts.format_number(7.0, 0.5) == "7.0"
    assert charts.format_number(7.25, 0.25) == "7.25"
    assert charts.format_number(120.0, 20) == "120"
    assert charts.format_value(6.80) == "6.8" and charts.format_value(-0.001) == "0"


def when(day: int) -> datetime:
    return datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=day)


def test_time_chart_orders_points_and_maps_them_into_the_plot() -> None:
    series = Series("HbA1c", [(when(90), 7.1), (when(0), 8.4), (when(200), 6.8)])
    chart = time_chart("c", "HbA1c", "%", [series], "es-MX", thresholds=[Threshold(7, "meta")])
    plotted = chart.series[0]
    xs = [x for x, _ in plotted.dots]
    assert xs == sorted(xs) and len(xs) == 3
    assert all(chart.left <= x <= chart.right for x in xs)
    assert all(chart.top <= y <= chart.bottom for _, y in plotted.dots)
    ys = dict(zip([8.4, 7.1, 6.8], [y for _, y in plotted.dots], strict=True))
    assert ys[8.4] < ys[7.1] < ys[6.8]  # higher values are higher up (smaller y)
    assert plotted.path.startswith("M") and plotted.path.count("L") == 2
    assert chart.thresholds[0].label == "meta"
    assert ys[7.1] < chart.thresholds[0].position < ys[6.8]
    assert [row[0] for row in chart.rows] == ["1 ene 2025", "1 abr 2025", "20 jul 2025"]
    assert (chart.first, chart.last, chart.latest, chart.count) == (
        "1 ene 2025",
        "20 jul 2025",
        "6.8 %",
        3,
    )


def test_y_axis_spans_band_and_thresholds() -> None:
    series = Series("glucose", [(when(0), 95.0), (when(30), 98.0)])
    chart = time_chart(
        "g", "Glucosa", "mg/dL", [series], "en", Band(70, 100, "normal"), [Threshold(126, "dm")]
    )
    assert chart.band is not None and chart.band[0] < chart.band[1]
    values = [float(tick.label) for tick in chart.y_ticks]
    assert values[0] <= 70 and values[-1] >= 126
    positions = [tick.position for tick in chart.y_ticks]
    assert positions == sorted(positions, reverse=True)


def test_no_points_is_an_empty_chart() -> None:
    chart = time_chart("e", "Peso", "kg", [Series("Peso", [])], "es-MX")
    assert chart.empty and chart.series == () and chart.rows == ()
    assert bar_chart("b", "x", "", [], "n").empty


def test_one_point_sits_inside_a_two_day_axis() -> None:
    chart = time_chart("o", "Peso", "kg", [Series("Peso", [(date(2025, 3, 5), 80.0)])], "en")
    ((x, y),) = chart.series[0].dots
    assert chart.left < x < chart.right and chart.top < y < chart.bottom
    assert chart.x_ticks and [t.label for t in chart.x_ticks][:3] == ["Mar 4", "Mar 5", "Mar 6"]


def test_identical_values_draw_a_flat_line_mid_chart() -> None:
    points = [(when(d), 120.0) for d in range(0, 50, 10)]
    chart = time_chart("f", "PA", "mmHg", [Series("sys", points)], "es-MX")
    ys = {y for _, y in chart.series[0].dots}
    assert len(ys) == 1 and chart.top < ys.pop() < chart.bottom


def test_hundreds_of_points_draw_a_line_without_dots() -> None:
    points = [(when(d), 100 + (d % 17)) for d in range(400)]
    chart = time_chart("h", "Glucosa", "mg/dL", [Series("g", points)], "es-MX")
    assert chart.series[0].dots == () and chart.series[0].path.count("L") == 399
    assert len(chart.rows) == 400 and 2 <= len(chart.x_ticks) <= 7


def test_several_series_share_rows_by_instant() -> None:
    at = datetime(2025, 11, 20, 9, 30, tzinfo=UTC)
    chart = time_chart(
        "bp", "PA", "mmHg", [Series("sys", [(at, 142)]), Series("dia", [(at, 88)])], "es-MX"
    )
    assert chart.rows == (("20 nov 2025 09:30", "142", "88"),)
    assert chart.columns == ("sys", "dia") and [s.index for s in chart.series] == [0, 1]


@pytest.mark.parametrize(
    ("days", "labels"),
    [
        (3, ["2 ene", "3 ene", "4 ene"]),
        (20, ["2 ene", "9 ene", "16 ene"]),
        (200, ["mar 2025", "may 2025", "jul 2025"]),
        (365 * 6, ["2026", "2027", "2028", "2029", "2030"]),
    ],
)
def test_date_ticks_fall_on_round_dates(days: int, labels: list[str]) -> None:
    lo = datetime(2025, 1, 1, 12, tzinfo=UTC)
    ticks = charts.date_ticks(lo, lo + timedelta(days=days), "es-MX")
    assert [label for _, label in ticks] == labels
    assert all(lo <= t <= lo + timedelta(days=days) for t, _ in ticks)


def test_bar_chart_starts_at_zero_in_order() -> None:
    chart = bar_chart("b", "Por año", "", [("2024", 3.0), ("2025", 12.0)], "Mediciones")
    first, second = chart.bars
    assert first.x < second.x and first.height < second.height
    assert first.y + first.height == pytest.approx(second.y + second.height)  # same baseline
    assert float(chart.y_ticks[0].label) == 0
    assert chart.rows == (("2024", "3"), ("2025", "12"))


def test_labels_are_escaped_in_the_svg_and_table() -> None:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html",)))
    macro = env.get_template("chart.html").module.chart  # type: ignore[attr-defined]
    evil = '<script>alert("x")</script>'
    series = Series(evil, [(when(0), 1.0), (when(5), 2.0)])
    chart = time_chart(
        "x", evil, evil, [series, Series("b", [])], "en", None, [Threshold(1.5, evil)]
    )
    html = str(macro(chart, i18n.translator("en")))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'role="img"' in html and 'aria-labelledby="x-title x-desc"' in html
    assert "<details" in html and "<table>" in html
