"""The printable monthly indicator report of one clinic or one state, drawn with reportlab:
every indicator's value this month and last month, the change and whether it improved. The
same cells the dashboards show (suppressed "< 11", not computable "no calculable")."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from enlace.modules.analytics.indicators import BY_ID, Comparison

from . import analytics_views as views

MARGIN = 40.0
LINE = 14.0
COLUMNS = (MARGIN, 330.0, 410.0, 490.0)  # indicator, this month, previous, change


def render(
    rows: Sequence[Comparison],
    level: str,
    unit: str,
    period: str,
    lang: str,
    t: Callable[[str], str],
) -> bytes:
    out = io.BytesIO()
    # invariant: the same bytes for the same report; uncompressed: the text stays searchable
    canvas = Canvas(out, pagesize=A4, invariant=True, pageCompression=0)
    name = rows[0].name if rows else unit
    canvas.setTitle(f"{t('analytics.report.title')} - {name} - {period}")
    y = _heading(canvas, t, f"{t('analytics.report.' + level)}: {name} ({unit}) · {period}")
    for row in rows:
        if y < MARGIN + LINE:
            canvas.showPage()
            y = _heading(canvas, t, f"{name} · {period}")
        _row(canvas, row, lang, y)
        y -= LINE
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _heading(canvas: Canvas, t: Callable[[str], str], subtitle: str) -> float:
    y = A4[1] - MARGIN
    canvas.setFont("Helvetica-Bold", 15)
    canvas.drawString(MARGIN, y, t("analytics.report.title"))
    y -= 18
    canvas.setFont("Helvetica", 10)
    canvas.drawString(MARGIN, y, subtitle)
    y -= 24
    canvas.setFont("Helvetica-Bold", 9)
    for x, key in zip(COLUMNS, ("indicator", "current", "previous", "change"), strict=True):
        canvas.drawString(x, y, t(f"analytics.{key}"))
    return y - LINE


def _row(canvas: Canvas, row: Comparison, lang: str, y: float) -> None:
    canvas.setFont("Helvetica", 9)
    canvas.setFillColor(colors.black)
    canvas.drawString(COLUMNS[0], y, BY_ID[row.indicator].title(lang)[:58])
    canvas.drawString(COLUMNS[1], y, views.shown(row.current, lang))
    canvas.drawString(COLUMNS[2], y, views.shown(row.previous, lang))
    if row.change is not None:
        good = row.improved
        colour = colors.black if good is None else (colors.green if good else colors.red)
        canvas.setFillColor(colour)
        canvas.drawString(COLUMNS[3], y, f"{row.change:+g}")
