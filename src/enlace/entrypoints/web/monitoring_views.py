"""What the monitoring templates show, as plain values: the timeline's charts (charts.time_chart
over the downsampled means), summary rows, recent readings and devices; the AGP page's
statistics, targets and figures (agp_figures)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np

from enlace.modules import monitoring
from enlace.modules.monitoring import agp, reports, summaries
from enlace.modules.monitoring.downsample import Buckets

from . import agp_figures, charts, i18n

LOCAL = timezone(timedelta(hours=-6))  # Mexico City (reports.py, agp.py)
MEASURES = {  # chart key -> (title key, unit, series name keys)
    "bp": ("monitoring.bp", "mm[Hg]", ("monitoring.systolic", "monitoring.diastolic")),
    "glucose": ("monitoring.glucose", "mg/dL", ("monitoring.glucose",)),
    "weight": ("monitoring.weight", "kg", ("monitoring.weight",)),
    "spo2": ("monitoring.spo2", "%", ("monitoring.spo2",)),
}


def local(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, UTC).astimezone(LOCAL)


def _points(buckets: Buckets) -> list[tuple[datetime, float]]:
    return [
        (local(int(t)), float(v))
        for t, v in zip(buckets.times_us, buckets.mean, strict=True)
        if not np.isnan(v)
    ]


def timeline_view(
    drawn: dict[str, list[Buckets]],
    vitals: reports.VitalsReport,
    recent: list[monitoring.Reading],
    devices: list[Any],
    lang: str,
) -> dict[str, Any]:
    t = i18n.translator(lang)
    made = []
    for key, series_list in drawn.items():
        title, unit, names = MEASURES[key]
        band = thresholds = None
        if key == "glucose":
            band = charts.Band(70, 180, t("monitoring.target_range"))
        if key == "bp":
            target = vitals.bp[0].target
            thresholds = [charts.Threshold(target[0], f"{t('monitoring.bp_target')} {target[0]:g}")]
        made.append(
            charts.time_chart(
                f"chart-{key}",
                t(title),
                unit,
                [
                    charts.Series(t(name), _points(b))
                    for name, b in zip(names, series_list, strict=True)
                ],
                lang,
                band=band,
                thresholds=thresholds or (),
            )
        )
    return {
        "charts": made,
        "bp_rows": [_bp_row(s) for s in vitals.bp],
        "weight_rows": [_weight_row(s) for s in vitals.weight],
        "recent": [_recent_row(r, lang) for r in recent],
        "devices": [_device_row(d, lang) for d in devices],
    }


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _bp_row(s: summaries.BpSummary) -> dict[str, Any]:
    def pair(p: tuple[float, float] | None) -> str:
        return "—" if p is None else f"{p[0]:.0f}/{p[1]:.0f}"

    sy, di = s.systolic, s.diastolic
    return {
        "days": s.days,
        "count": s.count,
        "mean": "—" if sy.mean is None else f"{sy.mean:.0f}/{di.mean:.0f}",
        "sd": "—" if sy.sd is None else f"{sy.sd:.1f}/{di.sd:.1f}",
        "range": "—"
        if sy.low is None
        else f"{sy.low:.0f}-{sy.high:.0f} / {di.low:.0f}-{di.high:.0f}",
        "above": _number(s.above_target_pct),
        "target": f"{s.target[0]:g}/{s.target[1]:g}",
        "morning": pair(s.morning),
        "evening": pair(s.evening),
    }


def _weight_row(s: summaries.WeightSummary) -> dict[str, Any]:
    w = s.weight
    return {
        "days": s.days,
        "count": s.count,
        "mean": _number(w.mean),
        "sd": _number(w.sd),
        "range": "—" if w.low is None else f"{w.low:.1f}-{w.high:.1f}",
        "trend": _number(s.trend_kg_per_week, 2),
        "change": _number(s.change_kg),
    }


def _recent_row(r: monitoring.Reading, lang: str) -> dict[str, str]:
    measure = monitoring.CODES[r.code]
    value = f"{r.value:g}/{r.value2:g}" if r.value2 is not None else f"{r.value:g}"
    return {
        "when": i18n.format_datetime(local(r.effective_us), lang),
        "measure": measure.display,
        "value": f"{value} {measure.unit}",
        "device": r.device,
    }


def _device_row(device: Any, lang: str) -> dict[str, str]:
    seen = device.last_seen_us
    return {
        "id": device.id,
        "kind": device.kind,
        "status": device.status,
        "last_seen": "" if seen is None else i18n.format_datetime(local(seen), lang),
        "battery": "" if device.battery is None else f"{device.battery} %",
    }


def period_text(report: agp.AgpReport, lang: str) -> str:
    t = i18n.translator(lang)
    start = local(report.start_us).date()
    end = local(report.end_us - 1).date()
    return (
        t("agp.period")
        .replace("{start}", i18n.format_date(start, lang))
        .replace("{end}", i18n.format_date(end, lang))
        .replace("{days}", str(report.days))
    )


def agp_view(view: dict[str, Any], lang: str) -> dict[str, Any]:
    report: agp.AgpReport = view["report"]
    m = report.metrics
    targets = []
    if m is not None:
        for target in m.targets():
            sign = ">" if target.above else ("≤" if target.inclusive else "<")
            targets.append(
                {
                    "key": target.key,
                    "value": f"{target.value:.1f} %",
                    "limit": f"{sign}{target.limit:g} %",
                    "met": target.met,
                }
            )
    return {
        **view,
        "period": period_text(report, lang),
        "metrics": m,
        "targets": targets,
        "bar": agp_figures.tir_bar(m) if m is not None else (),
        "bar_size": (agp_figures.BAR_W, agp_figures.BAR_H),
        "profile": agp_figures.profile(report) if report.readings else None,
        "daily": agp_figures.days(report),
        "day_size": (agp_figures.DAY_W, agp_figures.DAY_H),
    }
