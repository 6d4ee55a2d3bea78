"""`enlace adherence`: train the abandonment model and score a dispense file (issue 11;
docs/adherence-model-card.md)."""

from __future__ import annotations

import typer

adherence_app = typer.Typer(help="Adherence: abandonment model and daily run.", no_args_is_help=True)
