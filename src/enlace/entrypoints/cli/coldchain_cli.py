"""`enlace coldchain ...`: temperature loggers, evaluation, excursions and decisions
(docs/coldchain.md). Refusals print one `error: <where>: <problem>` line per problem on stderr
and exit 2, nothing written.

    enlace coldchain loggers add --facility F --place fridge --label "Refrigerador 1"
    enlace coldchain loggers add --facility F --place delivery-box --label "Caja 3" --lot insulin-nph-100-vial:L1
    enlace coldchain loggers list [--facility F]
    enlace coldchain loggers retire DEVICE
    enlace coldchain evaluate
    enlace coldchain excursions [--facility F] [--status open]
    enlace coldchain decide EXCURSION release|destroy --reason "..." --by Practitioner/ID
    enlace coldchain lots --facility F          # MKT and time outside 2-8 °C per lot
"""

from __future__ import annotations

from typing import TypeVar

import typer

from enlace.bootstrap import build
from enlace.entrypoints.cli.bad_input import run_in_transaction
from enlace.kernel.clock import epoch_us, fhir_instant, from_epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import coldchain
from enlace.modules.coldchain import loggers, views

coldchain_app = typer.Typer(
    help="Cold chain: temperature loggers, excursions, quarantine decisions.",
    no_args_is_help=True,
)
loggers_app = typer.Typer(
    help="Temperature loggers and the places they guard.", no_args_is_help=True
)
coldchain_app.add_typer(loggers_app, name="loggers")
T = TypeVar("T")


@loggers_app.command("add")
def add_command(
    facility: str = typer.Option(..., "--facility", help="Catalog facility slug."),
    place: str = typer.Option(..., "--place", help=f"One of {', '.join(loggers.PLACE_KINDS)}."),
    label: str = typer.Option(..., "--label", help="Which fridge, cold room or box."),
    lot: list[str] = typer.Option([], "--lot", help="A delivery box's lot, PRODUCT:LOT."),
    serial: str = typer.Option("", "--serial", help="The logger's serial number."),
) -> None:
    """Register a logger at its place; print its device id and key (shown only now)."""
    lots = [_lot(text) for text in lot] or None
    device, key = run_in_transaction(
        lambda conn, repo: coldchain.add_logger(
            conn,
            repo,
            facility=facility,
            place_kind=place,
            label=label,
            lots=lots,
            serial=serial or None,
        )
    )
    typer.echo(f"device {device}")
    typer.echo(f"key    {key}")
    typer.echo("It sends storage-temp readings (Cel) to POST /devices/<id>/readings or MQTT.")


@loggers_app.command("list")
def list_command(
    facility: str = typer.Option("", "--facility", help="Only this facility."),
) -> None:
    """Loggers: device, facility, place, label, state, last reading."""
    services = build(Settings.from_env())
    now_us = epoch_us(services.repo.clock())
    with services.db.read() as conn:
        states = views.logger_states(conn, now_us, facility or None)
    for s in states:
        last = "never" if s.last_us is None else f"{s.last_c:g} Cel at {_instant(s.last_us)}"
        typer.echo(
            f"{s.logger.device}\t{s.logger.facility}\t{s.logger.place_kind}\t"
            f"{s.logger.label}\t{s.state}\t{last}"
        )
    typer.echo(f"{len(states)} loggers")


@loggers_app.command("retire")
def retire_command(device: str = typer.Argument(..., help="Logger device id.")) -> None:
    """Take a logger out of service: its readings are refused from now on."""
    run_in_transaction(lambda conn, repo: coldchain.retire(conn, repo, device))
    typer.echo(f"logger {device} retired")


@coldchain_app.command("evaluate")
def evaluate_command() -> None:
    """Re-evaluate every active logger's whole series (ingestion does it as readings arrive)."""
    found = run_in_transaction(lambda conn, repo: coldchain.evaluate(conn, repo))
    for device, touched in found.items():
        typer.echo(f"{device}\t{len(touched)} excursions")
    typer.echo(f"{len(found)} loggers evaluated")


@coldchain_app.command("excursions")
def excursions_command(
    facility: str = typer.Option("", "--facility", help="Only this facility."),
    status: str = typer.Option("", "--status", help="open, released or destroyed."),
) -> None:
    """Excursions, newest first."""
    services = build(Settings.from_env())
    with services.db.read() as conn:
        found = views.list_excursions(conn, facility or None, status or None)
    for e in found:
        end = _instant(e.end_us) if e.end_us is not None else "ongoing"
        typer.echo(
            f"{e.id}\t{e.facility}\t{e.kind}\t{_instant(e.start_us)}\t{end}\t"
            f"{e.peak_c:g} Cel\t{e.status}"
        )
    typer.echo(f"{len(found)} excursions")


@coldchain_app.command("decide")
def decide_command(
    excursion: str = typer.Argument(..., help="Excursion id."),
    decision: str = typer.Argument(..., help="release or destroy."),
    reason: str = typer.Option(..., "--reason", help="Why (kept with the decision)."),
    by: str = typer.Option(..., "--by", help="The deciding pharmacist, e.g. Practitioner/123."),
) -> None:
    """The pharmacist's decision on the lots an excursion quarantined."""
    decided = run_in_transaction(
        lambda conn, repo: coldchain.decide(
            conn, repo, excursion, decision, reason, by, coldchain.DECIDE_ROLES
        )
    )
    typer.echo(f"excursion {excursion} {decided['status']}")


@coldchain_app.command("lots")
def lots_command(facility: str = typer.Option(..., "--facility", help="Facility slug.")) -> None:
    """Mean kinetic temperature and time outside 2-8 °C of every guarded lot since receipt."""
    services = build(Settings.from_env())
    now_us = epoch_us(services.repo.clock())
    with services.db.read() as conn:
        found = views.lot_reports(conn, facility, now_us)
    for r in found:
        mkt = "-" if r.mkt_c is None else f"{r.mkt_c:.2f} Cel"
        typer.echo(
            f"{r.product}\t{r.lot}\t{r.units}\tMKT {mkt}\toutside {r.outside_us / 3.6e9:.1f} h"
        )
    typer.echo(f"{len(found)} lots")


def _lot(text: str) -> tuple[str, str]:
    product, sep, lot = text.partition(":")
    if not sep or not product or not lot:
        typer.echo(f"error: --lot: {text!r} is PRODUCT:LOT", err=True)
        raise typer.Exit(2)
    return product, lot


def _instant(us: int) -> str:
    return fhir_instant(from_epoch_us(us))
