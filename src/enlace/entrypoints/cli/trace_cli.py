"""`enlace trace qr`: a pack's GS1 Digital Link and its QR code, for printing on the pack.

The link points at this server's public verification page (`--base`, or ENLACE_PUBLIC_URL), so a
patient who scans the code sees the verdict. Bad input (a wrong GTIN check digit, a date that is
not a calendar date, a lot or serial over 20 characters or outside GS1's character set) exits
with status 2 and the GS1 parser's reason; nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import segno
import typer

from enlace.modules.trace import Gs1Error
from enlace.modules.trace.public_verify import pack_link

trace_app = typer.Typer(help="Medication traceability: pack codes.", no_args_is_help=True)

FORMATS = ("png", "svg")
# Level M (15 % recovery) keeps a ~100-character link at version 6: small enough for a pack.
ERROR_LEVEL = "m"
PNG_SCALE = 8  # pixels per module: ~400 px for a version-6 code with its quiet zone


@trace_app.command("qr")
def qr_command(
    gtin: str = typer.Option(..., help="GTIN-14 (or 8/12/13 digits), check digit included."),
    lot: str = typer.Option(..., help="Lot or batch number (AI 10), up to 20 characters."),
    serial: str = typer.Option(..., help="Serial number (AI 21), up to 20 characters."),
    expiry: str | None = typer.Option(None, help="Expiry as printed, YYMMDD (AI 17)."),
    base: str = typer.Option(
        "http://127.0.0.1:8000", envvar="ENLACE_PUBLIC_URL", help="The server's public URL."
    ),
    image_format: str | None = typer.Option(
        None, "--format", help="png or svg (default: from --out's suffix, else png)."
    ),
    out: Path | None = typer.Option(None, help="Write the QR code here (else: draw it here)."),
) -> None:
    """Print the pack's Digital Link and render its QR code."""
    kind = _format(image_format, out) if out is not None else "terminal"
    try:
        link = pack_link(gtin, lot, serial, expiry, base)
    except Gs1Error as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    code = segno.make(link, error=ERROR_LEVEL, boost_error=False)
    typer.echo(link)
    if out is None:
        code.terminal(compact=True)
        return
    try:
        if kind == "png":
            code.save(str(out), kind="png", scale=PNG_SCALE)
        else:
            code.save(str(out), kind="svg", scale=PNG_SCALE, title=link)
    except OSError as exc:
        typer.echo(f"error: cannot write {out}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {kind.upper()} QR code (version {code.version}) to {out}", err=True)


def _format(chosen: str | None, out: Path) -> str:
    kind = (chosen or out.suffix.lstrip(".") or "png").lower()
    if kind not in FORMATS:
        typer.echo(f"error: --format is png or svg, not {kind!r}", err=True)
        raise typer.Exit(2)
    return kind
