"""`enlace devices ...`: the home-device registry (docs/monitoring.md, Devices and credentials).

`add` prints the device id and its key: the key is shown this once (only its hash is stored);
`rotate-key` prints a new one. Refusals print `error: ...` and exit 1, nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from sqlalchemy import Connection

from enlace.bootstrap import build
from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant, from_epoch_us
from enlace.kernel.settings import Settings
from enlace.modules.monitoring import DEVICE_KINDS, registry
from enlace.store.repository import FhirRepository

devices_app = typer.Typer(
    help="Home monitoring devices: register, bind, revoke.", no_args_is_help=True
)
T = TypeVar("T")


@devices_app.command("add")
def add_command(
    patient: str = typer.Option("", "--patient", help="Bind to this Patient id (default: none)."),
    kind: str = typer.Option("bp-cuff", "--kind", help=f"One of {', '.join(DEVICE_KINDS)}."),
    serial: str = typer.Option("", "--serial", help="Serial number."),
    firmware: str = typer.Option("", "--firmware", help="Firmware version."),
) -> None:
    """Register a device; print its id and key (the key is shown only now)."""
    device_id, key = _write(
        lambda conn, repo: registry.add_device(
            conn,
            repo,
            kind=kind,
            patient=patient or None,
            serial=serial or None,
            firmware=firmware or None,
        )
    )
    typer.echo(f"device {device_id}")
    typer.echo(f"key    {key}")
    typer.echo(
        "Keep the key now: only its hash is stored. Send it as 'Authorization: Device <key>'."
    )


@devices_app.command("list")
def list_command(
    patient: str = typer.Option("", "--patient", help="Only this patient's devices."),
) -> None:
    """The registered devices: id, kind, status, patient, last seen, battery, firmware."""
    services = build(Settings.from_env())
    with services.db.read() as conn:
        found = registry.list_devices(conn, patient or None)
    for d in found:
        seen = fhir_instant(from_epoch_us(d.last_seen_us)) if d.last_seen_us else "never"
        battery = f"{d.battery}%" if d.battery is not None else "-"
        typer.echo(
            f"{d.id}\t{d.kind}\t{d.status}\t{d.patient or '-'}\t{seen}\t{battery}\t{d.firmware or '-'}"
        )
    typer.echo(f"{len(found)} devices")


@devices_app.command("bind")
def bind_command(
    device: str = typer.Argument(..., help="Device id."),
    patient: str = typer.Option(..., "--patient", help="Patient id."),
) -> None:
    """Hand a device to a patient (one bound to someone else must be unbound first)."""
    _write(lambda conn, repo: registry.bind(conn, repo, device, patient))
    typer.echo(f"device {device} bound to Patient/{patient}")


@devices_app.command("unbind")
def unbind_command(device: str = typer.Argument(..., help="Device id.")) -> None:
    """The device is returned: inactive, bound to nobody; its readings keep their patient."""
    _write(lambda conn, repo: registry.unbind(conn, repo, device))
    typer.echo(f"device {device} unbound")


@devices_app.command("revoke")
def revoke_command(device: str = typer.Argument(..., help="Device id.")) -> None:
    """Lost or stolen: the key stops working for good."""
    _write(lambda conn, repo: registry.revoke(conn, repo, device))
    typer.echo(f"device {device} revoked")


@devices_app.command("rotate-key")
def rotate_command(device: str = typer.Argument(..., help="Device id.")) -> None:
    """A new key for the device (printed); the old one stops working."""
    key = _write(lambda conn, repo: registry.rotate_key(conn, repo, device))
    typer.echo(f"device {device}")
    typer.echo(f"key    {key}")


def _write(work: Callable[[Connection, FhirRepository], T]) -> T:
    services = build(Settings.from_env())
    try:
        with services.db.begin() as conn:
            return work(conn, services.repo)
    except errors.FhirError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    finally:
        services.db.dispose()
