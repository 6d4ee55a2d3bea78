"""`enlace claims fraud`: the anti-fraud flags over adjudicated claims (docs/fraud.md), scored
against the simulator's ground truth when given one. Read-only; exit 2 on bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from enlace.bootstrap import build
from enlace.kernel import jsonutil
from enlace.kernel.settings import Settings
from enlace.modules import fraud
from enlace.modules.catalog import INSTITUTIONS

claims_app = typer.Typer(help="Claims: anti-fraud analytics.", no_args_is_help=True)

BAD_INPUT = 2


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _bad(f"{option} must be a date YYYY-MM-DD, not {value!r}")
    return None


def _bad(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(BAD_INPUT)


@claims_app.command("fraud")
def fraud_command(
    since: str | None = typer.Option(None, "--since", help="First service date, YYYY-MM-DD."),
    until: str | None = typer.Option(None, "--until", help="Last service date, YYYY-MM-DD."),
    payer: str | None = typer.Option(None, "--payer", help="Only this payer (e.g. imss)."),
    truth: Path | None = typer.Option(
        None, "--truth", help="Ground truth (claims-fraud-s<seed>.jsonl) to score the flags on."
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text."),
) -> None:
    """Flag pharmacies whose claims stand out (peers, rules, isolation forest, Benford)."""
    first, last = _day(since, "--since"), _day(until, "--until")
    if first and last and first > last:
        _bad(f"--since {first} is after --until {last}")
    if payer is not None and payer not in {i.slug for i in INSTITUTIONS}:
        _bad(f"--payer {payer!r} is not a payer of the catalog")
    truths = None
    if truth is not None:
        try:
            truths = fraud.read_truth(truth)
        except fraud.TruthFileError as exc:
            _bad(str(exc))
    services = build(Settings.from_env())
    with services.db.read() as conn:
        report = fraud.analyse(conn, first, last, payer)
    result: dict[str, Any] = fraud.report_dict(report)
    if truths is not None:
        result["score"] = fraud.score(report, truths)
    if as_json:
        typer.echo(jsonutil.dumps(result, pretty=True).decode())
        return
    typer.echo(f"{result['claims']} claims at {result['providers']} pharmacies")
    for flag in report.flags:
        typer.echo(f"{flag.provider}  [{flag.rule}]  {flag.explanation}")
    if truths is not None:
        typer.echo(_score_text(result["score"]))


def _score_text(score: dict[str, Any]) -> str:
    lines = [f"fraudulent pharmacies with claims: {', '.join(score['fraudulent_providers'])}"]
    rows = [
        *score["by_rule"].items(),
        ("any rule", score["any_rule"]),
        ("2+ rules", score["two_or_more_rules"]),
    ]
    for rule, pr in rows:
        lines.append(
            f"{rule:<32} flagged {pr['flagged']:>4}  precision {pr['precision']}  "
            f"recall {pr['recall']}"
        )
    return "\n".join(lines)
