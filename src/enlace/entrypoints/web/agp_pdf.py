"""The AGP report as a PDF, drawn natively with reportlab (no browser): the same statistics and
the same figures as the page (agp_figures), on one A4 page. A presentation concern, so it lives
with the pages; the numbers come from enlace.modules.monitoring.agp."""

from __future__ import annotations

import io
from collections.abc import Callable

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from enlace.modules.monitoring import agp

from . import agp_figures as fig

RANGE_COLOURS = {
    "very_high": colors.HexColor("#d97706"),
    "high": colors.HexColor("#fbbf24"),
    "in_range": colors.HexColor("#16a34a"),
    "low": colors.HexColor("#ef4444"),
    "very_low": colors.HexColor("#991b1b"),
}
MARGIN = 40.0


def render(
    report: agp.AgpReport,
    patient_name: str,
    t: Callable[[str], str],
    period: str,
) -> bytes:
    """The PDF bytes; `t` translates the page's string keys, `period` is already formatted."""
    out = io.BytesIO()
    # invariant: the same bytes for the same report; uncompressed: the text stays searchable
    canvas = Canvas(out, pagesize=A4, invariant=True, pageCompression=0)
    canvas.setTitle(f"{t('agp.title')} - {patient_name}")
    width, height = A4
    y = height - MARGIN
    canvas.setFont("Helvetica-Bold", 15)
    canvas.drawString(MARGIN, y, t("agp.title"))
    y -= 18
    canvas.setFont("Helvetica", 10)
    canvas.drawString(MARGIN, y, f"{patient_name} · {period}")
    y -= 22
    y = _statistics(canvas, report, t, y)
    if report.metrics is not None:
        _tir_bar(canvas, report.metrics, t, width - MARGIN - 200, height - MARGIN - 60)
    y = _profile(canvas, report, t, y - 10)
    _days(canvas, report, t, y - 10)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _statistics(canvas: Canvas, report: agp.AgpReport, t: Callable[[str], str], y: float) -> float:
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(MARGIN, y, t("agp.statistics"))
    y -= 15
    canvas.setFont("Helvetica", 9.5)
    rows = [
        (t("agp.readings"), f"{report.readings}"),
        (t("agp.days_worn"), f"{report.days_worn}"),
        (t("agp.active"), f"{report.active_pct:.1f} %"),
    ]
    m = report.metrics
    if m is None:
        text = t("agp.insufficient").replace("{complete}", str(report.complete_days))
        rows.append(("", text[:110]))
        if len(text) > 110:
            rows.append(("", text[110:220]))
    else:
        rows += [
            (t("agp.mean"), f"{m.mean:.0f} mg/dL"),
            (t("agp.gmi"), f"{m.gmi:.1f} %"),
            (t("agp.cv"), f"{m.cv:.1f} %"),
        ]
        for target in m.targets():
            if target.key == "cv":
                continue
            verdict = t("agp.met") if target.met else t("agp.not_met")
            sign = ">" if target.above else "<"
            rows.append(
                (
                    t(f"agp.{target.key}"),
                    f"{target.value:.1f} % ({sign}{target.limit:g} %: {verdict})",
                )
            )
    for label, value in rows:
        canvas.drawString(MARGIN, y, label)
        canvas.drawString(MARGIN + 190, y, value)
        y -= 13
    return y


def _tir_bar(
    canvas: Canvas, metrics: agp.Metrics, t: Callable[[str], str], left: float, top: float
) -> None:
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(left, top + 20, t("agp.ranges"))
    scale = 0.6
    canvas.setFont("Helvetica", 8.5)
    for segment in fig.tir_bar(metrics):
        y = top - (segment.y + segment.height) * scale
        canvas.setFillColor(RANGE_COLOURS[segment.key])
        canvas.rect(left, y, fig.BAR_W * scale, segment.height * scale, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        label_y = top - (segment.y + segment.height / 2) * scale - 3
        canvas.drawString(
            left + fig.BAR_W * scale + 6, label_y, f"{t('agp.' + segment.key)} {segment.pct:.1f} %"
        )


def _points(text: str) -> list[tuple[float, float]]:
    return [(float(a), float(b)) for a, b in (p.split(",") for p in text.split())]


def _polygon(
    canvas: Canvas, points: list[tuple[float, float]], fill: colors.Color, closed: bool
) -> None:
    if len(points) < 2:
        return
    path = canvas.beginPath()
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    if closed:
        path.close()
        canvas.setFillColor(fill)
        canvas.drawPath(path, stroke=0, fill=1)
    else:
        canvas.setStrokeColor(fill)
        canvas.setLineWidth(1.5)
        canvas.drawPath(path, stroke=1, fill=0)


def _profile(canvas: Canvas, report: agp.AgpReport, t: Callable[[str], str], top: float) -> float:
    """The percentile figure, in the figure's SVG units flipped (PDF y grows upwards)."""
    shape = fig.profile(report)
    scale = (A4[0] - 2 * MARGIN) / shape.width
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(MARGIN, top, t("agp.profile"))
    canvas.saveState()
    canvas.translate(MARGIN, top - 8)
    canvas.scale(scale, -scale)
    high, low = shape.target
    canvas.setFillColor(colors.HexColor("#dcfce7"))
    canvas.rect(
        fig.PROFILE_PAD, high, shape.width - 2 * fig.PROFILE_PAD, low - high, stroke=0, fill=1
    )
    _polygon(canvas, _points(shape.outer), colors.HexColor("#bfdbfe"), True)
    _polygon(canvas, _points(shape.inner), colors.HexColor("#60a5fa"), True)
    _polygon(canvas, _points(shape.median), colors.HexColor("#1e3a8a"), False)
    canvas.restoreState()
    canvas.setFont("Helvetica", 7.5)
    canvas.setFillColor(colors.black)
    for y, label in shape.y_ticks:
        canvas.drawRightString(
            MARGIN + (fig.PROFILE_PAD - 4) * scale, top - 8 - y * scale - 2, label
        )
    for x, label in shape.x_ticks:
        canvas.drawCentredString(MARGIN + x * scale, top - 8 - (shape.height - 20) * scale, label)
    return top - 8 - shape.height * scale


def _days(canvas: Canvas, report: agp.AgpReport, t: Callable[[str], str], top: float) -> None:
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(MARGIN, top, t("agp.daily"))
    per_row, scale = 7, 0.48
    for i, day in enumerate(fig.days(report)):
        left = MARGIN + (i % per_row) * (fig.DAY_W * scale + 4)
        box_top = top - 14 - (i // per_row) * (fig.DAY_H * scale + 18)
        canvas.setFont("Helvetica", 6.5)
        canvas.setFillColor(colors.black)
        canvas.drawString(left, box_top - 7, day.label)
        canvas.saveState()
        canvas.translate(left, box_top - 10)
        canvas.scale(scale, -scale)
        canvas.setFillColor(colors.HexColor("#dcfce7"))
        canvas.rect(0, day.target[0], fig.DAY_W, day.target[1] - day.target[0], stroke=0, fill=1)
        _polygon(canvas, _points(day.line) if day.line else [], colors.HexColor("#1e3a8a"), False)
        canvas.restoreState()
