"""Chart geometry for server-rendered SVG: time series and bar charts, no JavaScript.

The functions here compute everything a chart shows (scales, ticks, paths, bars, the data table)
as plain values; templates/chart.html draws them. Keeping the arithmetic out of the template
makes it testable without a browser, and the page works with scripts off and on any screen
reader (the same numbers are in a table). Labels are plain text: the template escapes them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from . import i18n

WIDTH, HEIGHT = 480, 220
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 44, 12, 12, 26
MAX_DOTS = 60  # past this many points a series is drawn as a line only: dots would be a smear
DAY = 86400.0
# Day-based tick steps (days), then month-based ones (months); the first giving ≤ 6 ticks wins.
DAY_STEPS = (1, 2, 7, 14)
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)

When = date | datetime


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[When, float]]


@dataclass(frozen=True)
class Band:
    """A target range shaded behind the lines (e.g. a normal range)."""

    low: float
    high: float
    label: str


@dataclass(frozen=True)
class Threshold:
    """A dashed horizontal line (e.g. HbA1c 7 %, systolic 130 mmHg)."""

    value: float
    label: str


@dataclass(frozen=True)
class Tick:
    position: float  # x for the time axis, y for the value axis (SVG units)
    label: str


@dataclass(frozen=True)
class Plotted:
    name: str
    index: int  # picks the series colour (CSS class series-<index>)
    path: str  # SVG path data, "" when the series has no point
    dots: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass(frozen=True)
class Chart:
    """What templates/chart.html needs; `kind` is "time" or "bar"."""

    id: str
    kind: str
    title: str
    unit: str
    columns: tuple[str, ...]  # data table header after the first column
    rows: tuple[tuple[str, ...], ...]  # data table, oldest first
    width: int = WIDTH
    height: int = HEIGHT
    left: float = MARGIN_LEFT
    right: float = WIDTH - MARGIN_RIGHT
    top: float = MARGIN_TOP
    bottom: float = HEIGHT - MARGIN_BOTTOM
    x_ticks: tuple[Tick, ...] = ()
    y_ticks: tuple[Tick, ...] = ()
    series: tuple[Plotted, ...] = ()
    bars: tuple[Bar, ...] = ()
    band: tuple[float, float, str] | None = None  # y of its top, y of its bottom, label
    thresholds: tuple[Tick, ...] = ()
    count: int = 0  # data points
    first: str = ""  # first and last dates (time charts)
    last: str = ""
    latest: str = ""  # the newest value of the first series, with its unit

    @property
    def empty(self) -> bool:
        return self.count == 0


def time_chart(
    chart_id: str,
    title: str,
    unit: str,
    series: Sequence[Series],
    lang: str,
    band: Band | None = None,
    thresholds: Sequence[Threshold] = (),
) -> Chart:
    """Several series over a dated x axis; the y axis spans the data, band and thresholds."""
    points = [sorted(((_instant(w), v) for w, v in s.points), key=lambda p: p[0]) for s in series]
    flat = [p for ps in points for p in ps]
    rows = _time_rows(points, lang)
    names = tuple(s.name for s in series)
    if not flat:
        return Chart(chart_id, "time", title, unit, names, rows)
    base = Chart(chart_id, "time", title, unit, names, rows)
    times = [t for t, _ in flat]
    x_lo, x_hi = _time_domain(min(times), max(times))
    extent = [v for _, v in flat] + [t.value for t in thresholds]
    if band is not None:
        extent += [band.low, band.high]
    ticks, (y_lo, y_hi) = nice_ticks(min(extent), max(extent))
    x = _Scale(x_lo.timestamp(), x_hi.timestamp(), base.left, base.right)
    y = _Scale(y_lo, y_hi, base.bottom, base.top)
    step = max(abs(ticks[1] - ticks[0]), 1e-12) if len(ticks) > 1 else 1.0
    newest = points[0][-1][1] if points and points[0] else flat[-1][1]
    return Chart(
        chart_id,
        "time",
        title,
        unit,
        names,
        rows,
        x_ticks=tuple(Tick(x(t.timestamp()), label) for t, label in date_ticks(x_lo, x_hi, lang)),
        y_ticks=tuple(Tick(y(v), format_number(v, step)) for v in ticks),
        series=tuple(
            _plot(i, s.name, ps, x, y) for i, (s, ps) in enumerate(zip(series, points, strict=True))
        ),
        band=None if band is None else (y(band.high), y(band.low), band.label),
        thresholds=tuple(Tick(y(t.value), t.label) for t in thresholds),
        count=len(flat),
        first=i18n.format_date(min(times), lang),
        last=i18n.format_date(max(times), lang),
        latest=f"{format_value(newest)} {unit}".strip(),
    )


def bar_chart(
    chart_id: str, title: str, unit: str, bars: Sequence[tuple[str, float]], column: str
) -> Chart:
    """One bar per label, in the given order; the value axis starts at zero."""
    rows = tuple((label, format_value(value)) for label, value in bars)
    base = Chart(chart_id, "bar", title, unit, (column,), rows, count=len(bars))
    if not bars:
        return base
    values = [v for _, v in bars]
    ticks, (y_lo, y_hi) = nice_ticks(min(0.0, *values), max(0.0, *values))
    y = _Scale(y_lo, y_hi, base.bottom, base.top)
    slot = (base.right - base.left) / len(bars)
    width = slot * 0.7
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    drawn = []
    for i, (label, value) in enumerate(bars):
        top, bottom = sorted((y(value), y(0.0)))
        x = base.left + i * slot + (slot - width) / 2
        drawn.append(Bar(_r(x), _r(top), _r(width), _r(bottom - top), label, format_value(value)))
    return Chart(
        chart_id,
        "bar",
        title,
        unit,
        (column,),
        rows,
        y_ticks=tuple(Tick(y(v), format_number(v, step)) for v in ticks),
        bars=tuple(drawn),
        count=len(bars),
        latest=f"{format_value(values[-1])} {unit}".strip(),
    )


def nice_ticks(lo: float, hi: float, target: int = 5) -> tuple[list[float], tuple[float, float]]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten apart) covering [lo, hi], and the axis domain
    they span. A flat range (one value, or all equal) is widened so its line sits mid-chart."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(lo / step + 1e-9) * step
    end = math.ceil(hi / step - 1e-9) * step
    count = round((end - start) / step)
    ticks = [_clean(start + i * step) for i in range(count + 1)]
    return ticks, (ticks[0], ticks[-1])


def date_ticks(lo: datetime, hi: datetime, lang: str, most: int = 6) -> list[tuple[datetime, str]]:
    """Tick instants inside [lo, hi] on round dates (days, weeks, first of months or years),
    labelled at the precision their spacing needs."""
    days = (hi - lo).total_seconds() / DAY
    for step in DAY_STEPS:
        if days / step <= most:
            first = datetime(lo.year, lo.month, lo.day, tzinfo=UTC)
            if first < lo:
                first += timedelta(days=1)
            return [
                (
                    first + timedelta(days=step * i),
                    i18n.format_day_month(first + timedelta(days=step * i), lang),
                )
                for i in range(int((hi - first).total_seconds() // (step * DAY)) + 1)
            ]
    months = days / 30.44
    step = next((s for s in MONTH_STEPS if months / s <= most), MONTH_STEPS[-1])
    index = lo.year * 12 + lo.month - 1  # months since year 0; first of the next whole step
    index = -(-index // step) * step
    if datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC) < lo:
        index += step
    out = []
    while (tick := datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)) <= hi:
        label = str(tick.year) if step >= 12 else i18n.format_month(tick, lang)
        out.append((tick, label))
        index += step
    return out


def format_number(value: float, step: float) -> str:
    """A tick label with as many decimals as the tick spacing needs (0.5 → one, 0.25 → two)."""
    decimals = 0
    while decimals < 6 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6:
        decimals += 1
    return f"{value:.{decimals}f}"


def format_value(value: float) -> str:
    """A measured value as written in a record: no trailing zeros, at most two decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _time_rows(
    points: list[list[tuple[datetime, float]]], lang: str
) -> tuple[tuple[str, ...], ...]:
    """One row per instant, one column per series (blank where a series has no value then)."""
    by_time: dict[datetime, list[str]] = {}
    for i, series in enumerate(points):
        for when, value in series:
            by_time.setdefault(when, [""] * len(points))[i] = format_value(value)
    return tuple(
        (i18n.format_datetime(when, lang), *cells) for when, cells in sorted(by_time.items())
    )


def _plot(
    index: int, name: str, points: list[tuple[datetime, float]], x: _Scale, y: _Scale
) -> Plotted:
    xy = [(x(t.timestamp()), y(v)) for t, v in points]
    path = " ".join(f"{'M' if i == 0 else 'L'}{px},{py}" for i, (px, py) in enumerate(xy))
    # A lone point has no line: it keeps its dot however many points the others have.
    dots = tuple(xy) if len(xy) <= MAX_DOTS else ()
    return Plotted(name, index, path, dots)


def _time_domain(lo: datetime, hi: datetime) -> tuple[datetime, datetime]:
    """The x domain: the data's span with a little air, at least two days around one instant."""
    span = hi - lo
    if span < timedelta(days=1):
        middle = lo + span / 2
        return middle - timedelta(days=1), middle + timedelta(days=1)
    pad = span * 0.03
    return lo - pad, hi + pad


class _Scale:
    """A linear map from a data domain to SVG coordinates, rounded to 0.1 unit."""

    def __init__(self, d0: float, d1: float, r0: float, r1: float) -> None:
        self.d0, self.r0 = d0, r0
        self.ratio = (r1 - r0) / (d1 - d0) if d1 != d0 else 0.0

    def __call__(self, value: float) -> float:
        return _r(self.r0 + (value - self.d0) * self.ratio)


def _instant(when: When) -> datetime:
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime(when.year, when.month, when.day, tzinfo=UTC)


def _clean(value: float) -> float:
    return round(value, 9) + 0.0  # 0.30000000000000004 → 0.3; -0.0 → 0.0


def _r(value: float) -> float:
    return round(value, 1)
