"""The AGP report's figures as plain geometry (SVG user units, y down), shared by the page
(templates/agp.html draws it as inline SVG) and the PDF (agp_pdf.py draws the same shapes with
reportlab): the time-in-ranges stacked bar, the percentile bands by time of day, and one small
profile per day. Glucose axes span 40-400 mg/dL; the target range 70-180 is shaded."""

from __future__ import annotations

import math
from dataclasses import dataclass

from enlace.modules.monitoring import agp

Y_LOW, Y_HIGH = 40.0, 400.0
TARGET = (70.0, 180.0)
RANGE_KEYS = ("very_high", "high", "in_range", "low", "very_low")  # top to bottom
PROFILE_W, PROFILE_H, PROFILE_PAD = 640.0, 260.0, 36.0
DAY_W, DAY_H = 150.0, 60.0
BAR_W, BAR_H = 60.0, 240.0


@dataclass(frozen=True)
class Segment:
    key: str  # RANGE_KEYS
    y: float
    height: float
    pct: float


@dataclass(frozen=True)
class Profile:
    width: float
    height: float
    outer: str  # polygon points, 5th to 95th percentile
    inner: str  # 25th to 75th
    median: str  # polyline points
    target: tuple[float, float]  # y of 180 and of 70
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[tuple[float, str], ...]


@dataclass(frozen=True)
class Day:
    label: str
    line: str  # polyline points (gaps bridged)
    target: tuple[float, float]


def tir_bar(metrics: agp.Metrics) -> tuple[Segment, ...]:
    """The five ranges stacked top (very high) to bottom (very low), heights by their %."""
    out, y = [], 0.0
    for key in RANGE_KEYS:
        pct = float(getattr(metrics, key))
        height = round(BAR_H * pct / 100.0, 1)
        out.append(Segment(key, round(y, 1), height, pct))
        y += height
    return tuple(out)


def _y(value: float, top: float, height: float) -> float:
    clipped = min(max(value, Y_LOW), Y_HIGH)
    return round(top + height * (Y_HIGH - clipped) / (Y_HIGH - Y_LOW), 1)


def profile(report: agp.AgpReport) -> Profile:
    """The percentile bands by 15-minute bin; bins without enough readings are left out."""
    pad, width, height = PROFILE_PAD, PROFILE_W - 2 * PROFILE_PAD, PROFILE_H - 2 * PROFILE_PAD
    curves = report.percentiles
    bins = [b for b in range(agp.BINS) if not math.isnan(curves[2, b])]

    def x(b: int) -> float:
        return round(pad + width * (b + 0.5) / agp.BINS, 1)

    def line(row: int) -> list[str]:
        return [f"{x(b)},{_y(curves[row, b], pad, height)}" for b in bins]

    return Profile(
        width=PROFILE_W,
        height=PROFILE_H,
        outer=" ".join(line(0) + line(4)[::-1]),
        inner=" ".join(line(1) + line(3)[::-1]),
        median=" ".join(line(2)),
        target=(_y(TARGET[1], pad, height), _y(TARGET[0], pad, height)),
        y_ticks=tuple((_y(v, pad, height), f"{v:.0f}") for v in (54.0, 70.0, 180.0, 250.0, 350.0)),
        x_ticks=tuple((round(pad + width * h / 24, 1), f"{h:02d}:00") for h in range(0, 25, 3)),
    )


def days(report: agp.AgpReport, most: int = 14) -> tuple[Day, ...]:
    """The newest `most` days as small profiles (label: ISO date)."""
    out = []
    for daily in report.daily[-most:]:
        points = [
            f"{round(DAY_W * (b + 0.5) / agp.BINS, 1)},{_y(v, 0.0, DAY_H)}"
            for b, v in enumerate(daily.bin_means)
            if not math.isnan(v)
        ]
        out.append(
            Day(
                daily.day.isoformat(),
                " ".join(points),
                (_y(TARGET[1], 0.0, DAY_H), _y(TARGET[0], 0.0, DAY_H)),
            )
        )
    return tuple(out)
