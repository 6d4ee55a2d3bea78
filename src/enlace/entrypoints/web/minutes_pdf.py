"""An assembly's signed minutes as a PDF: the text, then the signature line to check it with."""

from __future__ import annotations

import io
import textwrap

from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

MARGIN = 60
LINE = 14
WIDTH = 90  # characters a line at 10 pt Helvetica on Letter


def render(title: str, minutes: str, signature: str) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=LETTER, invariant=True)
    canvas.setTitle(title)
    _, height = LETTER
    y = height - MARGIN
    lines = [w for line in minutes.splitlines() for w in textwrap.wrap(line, WIDTH) or [""]]
    lines += ["", "Firma (nota firmada Ed25519, clave de la bitácora):"]
    lines += textwrap.wrap(signature.strip(), WIDTH)
    canvas.setFont("Helvetica", 10)
    for line in lines:
        if y < MARGIN:
            canvas.showPage()
            canvas.setFont("Helvetica", 10)
            y = height - MARGIN
        canvas.drawString(MARGIN, y, line)
        y -= LINE
    canvas.save()
    return out.getvalue()
