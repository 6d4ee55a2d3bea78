"""`enlace delivery plan FILE.json`: the day's delivery routes per depot (docs/delivery.md)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import typer

from enlace.kernel import errors, jsonutil
from enlace.modules.delivery import parse_request, plan_as_json, plan_day

delivery_app = typer.Typer(help="Home delivery route planning.", no_args_is_help=True)

BAD_INPUT = 2


@delivery_app.command("plan")
def plan_command(
    file: Path = typer.Argument(
        ..., help="Planning request (JSON): date, depots, vehicles, orders."
    ),
    seconds: float = typer.Option(
        0, "--seconds", help="Solver time limit (default: the file's or 10)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
) -> None:
    """Plan the routes and print them with the orders that could not be placed; exit 2 on bad input."""
    try:
        request = parse_request(orjson.loads(file.read_bytes()))
        settings = request.settings
        if seconds > 0:
            settings = replace(settings, time_limit_seconds=seconds)
        plan = plan_day(request.orders, request.depots, request.vehicles, request.day, settings)
    except (OSError, orjson.JSONDecodeError) as exc:
        typer.echo(f"error: cannot read {file}: {exc}", err=True)
        raise typer.Exit(BAD_INPUT) from exc
    except errors.FhirError as exc:
        for issue in exc.issues:
            typer.echo(f"error: {issue.diagnostics}", err=True)
        raise typer.Exit(BAD_INPUT) from exc
    out = plan_as_json(plan)
    typer.echo(jsonutil.dumps(out, pretty=True).decode() if as_json else render(out))


def render(plan: dict[str, Any]) -> str:
    lines = []
    for route in plan["routes"]:
        lines.append(
            f"{route['vehicle']} ({route['depot']}): leaves {route['depart']}, back {route['return']}, "
            f"{route['load']} packs, {route['distanceKm']:.1f} km, {len(route['stops'])} stops"
        )
        lines += [
            f"  {s['eta']}  {s['order']}"
            + (f" (waits to {s['serviceStart']})" if s["serviceStart"] != s["eta"] else "")
            + f"  {s['loadAfter']} packs left"
            for s in route["stops"]
        ]
    lines.append(
        f"placed {plan['placed']}, {plan['distanceKm']:.1f} km, solved in {plan['solveSeconds']} s"
    )
    if plan["unplaced"]:
        lines.append(f"unplaced {len(plan['unplaced'])}:")
        lines += [f"  {u['order']}: {u['reason']} - {u['detail']}" for u in plan["unplaced"]]
    if plan["later"]:
        lines.append(f"due later: {', '.join(plan['later'])}")
    return "\n".join(lines)
