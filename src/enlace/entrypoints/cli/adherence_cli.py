"""`enlace adherence`: train the abandonment model and score a dispense file (issue 11;
docs/adherence-model-card.md)."""

from __future__ import annotations

import typer

from enlace.entrypoints.cli.adherence_run_cli import run_command

adherence_app = typer.Typer(help="Adherence: abandonment model and daily run.", no_args_is_help=True)
adherence_app.command("run")(run_command)  # the daily job (helper D's adherence_run_cli.py)
