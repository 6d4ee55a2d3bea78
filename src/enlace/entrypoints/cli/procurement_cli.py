"""`enlace procurement flags FILE`: Cardinal red flags and medicine prices of OCDS or CompraNet data."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer

from enlace.kernel import jsonutil
from enlace.kernel.settings import Settings
from enlace.modules.procurement import (
    INDICATOR_TITLES,
    ProcurementInputError,
    Report,
    procurement_report,
    save_report,
)

procurement_app = typer.Typer(help="Procurement red flags over OCDS data.", no_args_is_help=True)

BAD_INPUT = 2
TOP = 20  # processes and prices listed in the table


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


@procurement_app.command("flags")
def flags_command(
    file: Path = typer.Argument(
        ..., help="OCDS JSON / JSON Lines, CompraNet CSV, or a folder of them."
    ),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
    indicator: list[str] = typer.Option(
        [], "--indicator", help="Only these indicators (repeatable), e.g. --indicator R003."
    ),
    save: bool = typer.Option(
        False,
        "--save",
        help="Also keep the report for the regulator's page (<var dir>/procurement).",
    ),
) -> None:
    """Flag contracting processes; exit 2 when the input cannot be read."""
    try:
        report = procurement_report(file, indicators=indicator or None)
    except ProcurementInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(BAD_INPUT) from exc
    if output is OutputFormat.json:
        typer.echo(jsonutil.dumps(report.as_dict(), pretty=True).decode())
    else:
        typer.echo(render_table(report))
    if save:
        settings = Settings.from_env()
        saved = save_report(report, settings.var_dir / "procurement", datetime.now(UTC))
        typer.echo(f"saved: {saved}", err=True)
    if report.problems.malformed:
        typer.echo(
            f"warning: {report.problems.malformed} malformed rows or lines skipped", err=True
        )
        for example in report.problems.examples:
            typer.echo(f"  {example}", err=True)


def render_table(report: Report) -> str:
    lines = [
        f"{report.source}: {report.releases} contracting processes, "
        f"{sum(report.excluded.values())} excluded, {report.problems.malformed} malformed",
        "",
        "indicator  flags  title",
    ]
    lines += [
        f"{code:<9}  {count:>5}  {INDICATOR_TITLES[code]}"
        for code, count in report.counts().items()
    ]
    flagged = report.flagged_ocids()
    if flagged:
        lines += ["", f"top flagged processes ({min(TOP, len(flagged))} of {len(flagged)}):"]
        for ocid, flags in flagged[:TOP]:
            lines += [f"  {ocid}"] + [f"    {f.indicator}: {f.explanation}" for f in flags]
    others = [flag for flag in report.flags if flag.group != "OCID"]
    if others:
        lines += ["", "flagged organizations:"]
        lines += [f"  {f.indicator} {f.group} {f.key}: {f.explanation}" for f in others[:TOP]]
    lines += ["", f"medicine prices compared with the formulary: {len(report.prices)}"]
    for price in sorted(report.prices, key=lambda p: -p.ratio)[:TOP]:
        mark = "  OUTLIER" if price.outlier else ""
        lines.append(
            f"  {price.ocid}  {price.medicine_display}: {price.unit_price_centavos / 100:,.2f} MXN"
            f" vs {price.reference_centavos / 100:,.2f} (x{price.ratio:.2f}, {price.matched_by})"
            f"{mark}"
        )
    return "\n".join(lines)
