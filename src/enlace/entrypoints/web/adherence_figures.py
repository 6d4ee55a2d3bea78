"""The network adherence page's charts as charts.Chart values (templates/chart.html draws them):
the PDC histogram (a bar chart), the persistence curves by condition (Kaplan-Meier steps over
days since first fill: a chart of kind "time" whose x axis is days, not dates) and the
interventions' PDC by month of assignment, treated vs control (a time chart)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from enlace.modules.adherence.network import Bin
from enlace.modules.adherence.persistence import PersistenceCurve

from . import charts
from .charts import Chart, Plotted, Tick

DAY_TICKS = (0, 30, 60, 90, 180, 270, 365, 540, 730)
SURVIVAL_ROWS = (30, 90, 180, 365)  # the data table's days


def histogram(bins: Sequence[Bin], title: str, column: str, suppressed: str) -> Chart:
    """One bar per 10-point PDC bin; a suppressed bin is drawn empty and labelled so."""
    bars = []
    for b in bins:
        label = f"{b.low * 100:.0f}-{b.high * 100:.0f}"
        bars.append((label if b.count is not None else f"{label} ({suppressed})", b.count or 0))
    return charts.bar_chart("pdc-histogram", title, "%", bars, column)


def persistence(
    curves: Mapping[str, PersistenceCurve],
    title: str,
    unit: str,
    name_of: Callable[[str], str],
) -> Chart:
    """Survival (% still on treatment) against days since first fill, one step line per
    condition; the table gives S(t) at SURVIVAL_ROWS days."""
    names = tuple(name_of(c) for c in curves)
    rows = tuple(
        (f"{day} d", *(f"{curve.survival_at(day) * 100:.0f} %" for curve in curves.values()))
        for day in SURVIVAL_ROWS
    )
    base = Chart("persistence", "time", title, unit, names, rows)
    if not curves or all(c.therapies == 0 for c in curves.values()):
        return base
    last = max((s.day for c in curves.values() for s in c.steps), default=0)
    span = max(last, 30)
    ticks = [d for d in DAY_TICKS if d <= span] + ([span] if span not in DAY_TICKS else [])

    def x(day: float) -> float:
        return round(base.left + (base.right - base.left) * min(day, span) / span, 1)

    def y(survival: float) -> float:
        return round(base.bottom - (base.bottom - base.top) * survival, 1)

    series = tuple(
        Plotted(name_of(name), index, _steps(curve, x, y, span), ())
        for index, (name, curve) in enumerate(curves.items())
    )
    return Chart(
        "persistence",
        "time",
        title,
        unit,
        names,
        rows,
        x_ticks=tuple(Tick(x(d), f"{d}") for d in ticks),
        y_ticks=tuple(Tick(y(v / 100), f"{v}") for v in (0, 25, 50, 75, 100)),
        series=series,
        count=sum(c.therapies for c in curves.values()),
        first="0 d",
        last=f"{span} d",
        latest=f"{next(iter(curves.values())).survival_at(span) * 100:.0f} %",
    )


def _steps(
    curve: PersistenceCurve, x: Callable[[float], float], y: Callable[[float], float], span: int
) -> str:
    """The Kaplan-Meier step path: flat until each event day, then down."""
    path = [f"M{x(0)},{y(1.0)}"]
    survival = 1.0
    for step in curve.steps:
        if step.events and step.survival != survival:
            path.append(f"H{x(step.day)}V{y(step.survival)}")
            survival = step.survival
    path.append(f"H{x(span)}")
    return "".join(path)


def uplift_months(
    uplift: Mapping[str, Any] | None, title: str, treated: str, control: str, lang: str
) -> Chart:
    """PDC over the 90 days after assignment, by month of assignment, treated vs control."""
    months = list((uplift or {}).get("monthly") or ())

    def points(key: str) -> list[tuple[date, float]]:
        return [
            (date.fromisoformat(f"{m['month']}-01"), round(float(m[key]) * 100, 1))
            for m in months
            if m.get(key) is not None
        ]

    return charts.time_chart(
        "uplift",
        title,
        "%",
        [
            charts.Series(treated, points("pdc_treated")),
            charts.Series(control, points("pdc_control")),
        ],
        lang,
    )
