"""`enlace ingest mqtt`: the MQTT subscriber that feeds device readings into monitoring, and
`enlace devices mosquitto-config` (registered on the devices CLI in main.py): the broker's
per-device password file and ACL (docs/monitoring.md, MQTT). Bad options exit 2 with the reason.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from types import FrameType

import typer

from enlace.bootstrap import build
from enlace.entrypoints.mqtt.subscriber import BrokerOptions, Handle, Subscriber
from enlace.interactions.context import Services
from enlace.kernel.logging import configure_logging
from enlace.kernel.settings import Settings
from enlace.modules.monitoring import mqtt_credentials
from enlace.modules.monitoring.ingest import ingest
from enlace.modules.monitoring.mqtt_topics import SUBSCRIPTION, valid_subscription

ingest_app = typer.Typer(help="Device readings ingestion (MQTT).", no_args_is_help=True)

BAD_INPUT = 2
MAX_PROCESSES = 16


def _bad_option(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(BAD_INPUT)


@ingest_app.command("mqtt")
def mqtt_command(
    host: str = typer.Option("127.0.0.1", help="Broker host."),
    port: int = typer.Option(1883, help="Broker port."),
    username: str = typer.Option("", help="Broker user (the subscriber's, see mosquitto-config)."),
    password: str = typer.Option("", envvar="ENLACE_MQTT_PASSWORD", help="Broker password."),
    client_id: str = typer.Option("enlace-ingest", help="Fixed id: the broker keeps its session."),
    topic: str = typer.Option(SUBSCRIPTION, help="Topic filter to subscribe to (QoS 1)."),
    processes: int = typer.Option(
        1, help="Ingest on this many worker processes (a device's messages stay on one)."
    ),
) -> None:
    """Subscribe to device readings and ingest them; acks each message after its commit."""
    if not valid_subscription(topic):
        raise _bad_option(f"--topic {topic!r} is not a valid MQTT topic filter")
    if not 0 < port < 65536:
        raise _bad_option(f"--port {port} is not a TCP port")
    if not client_id or len(client_id) > 128:
        raise _bad_option("--client-id must be 1 to 128 characters")
    if not 1 <= processes <= MAX_PROCESSES:
        raise _bad_option(f"--processes must be 1 to {MAX_PROCESSES}")
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    services = build(settings)
    options = BrokerOptions(host, port, username or None, password or None, client_id, topic)
    subscriber = Subscriber(
        options, ingest_handle(services), processes=processes, factory=handle_from_env
    )

    def stop(_signum: int, _frame: FrameType | None) -> None:
        subscriber.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    typer.echo(f"ingesting {topic} from {host}:{port} as {client_id}", err=True)
    try:
        subscriber.run()
    finally:
        services.db.dispose()


def handle_from_env() -> Handle:
    """A worker process's handle: its own services from the environment (picklable by name)."""
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return ingest_handle(build(settings, upgrade=False))


def ingest_handle(services: Services) -> Handle:
    """Ingest one message as the trusted broker's (it authenticated the device: no key here)."""

    def handle(device_id: str, payload: bytes) -> object:
        return ingest(services.db, services.repo, device_id, payload, trusted=True)

    return handle


def mosquitto_config_command(
    out: Path = typer.Option(..., "--out", help="Folder for passwd, acl and enlace.conf."),
    rotate: list[str] = typer.Option([], help="Issue a new MQTT password to this device id."),
    subscriber_user: str = typer.Option(mqtt_credentials.SUBSCRIBER_USER, help="Subscriber user."),
) -> None:
    """Write Mosquitto's password file and ACL for the active devices; print new passwords once.

    Rerunning keeps existing passwords, adds devices registered since and drops devices revoked,
    unbound or deactivated since; send the broker SIGHUP afterwards to apply it.
    """
    if out.exists() and not out.is_dir():
        raise _bad_option(f"--out {out} is not a folder")
    services = build(Settings.from_env())
    with services.db.read() as conn:
        active = mqtt_credentials.active_devices(conn)
    services.db.dispose()
    unknown = sorted(set(rotate) - set(active))
    if unknown:
        raise _bad_option(f"--rotate: not an active, bound device: {', '.join(unknown)}")
    out.mkdir(parents=True, exist_ok=True)
    passwd, acl = out / "passwd", out / "acl"
    existing = mqtt_credentials.parse_password_file(passwd.read_text()) if passwd.exists() else {}
    plan = mqtt_credentials.plan_credentials(
        existing, active, rotate=rotate, subscriber_user=subscriber_user
    )
    _write_private(passwd, plan.password_file())
    _write_private(acl, mqtt_credentials.acl_text(subscriber_user))
    _write_private(out / "enlace.conf", _conf_snippet(passwd, acl))
    for user, secret in plan.issued.items():
        typer.echo(f"{user}\t{secret}")
    typer.echo(
        f"{len(plan.entries) - 1} devices, {len(plan.issued)} passwords issued, "
        f"{len(plan.dropped)} dropped ({', '.join(plan.dropped) or 'none'}); "
        f"include {out / 'enlace.conf'} and send the broker SIGHUP",
        err=True,
    )


def _conf_snippet(passwd: Path, acl: Path) -> str:
    return (
        "# Device authentication for Enlace (include from mosquitto.conf).\n"
        "allow_anonymous false\n"
        f"password_file {passwd.resolve()}\n"
        f"acl_file {acl.resolve()}\n"
    )


def _write_private(path: Path, text: str) -> None:
    """Written whole then renamed, readable by the owner only (it holds password hashes)."""
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(partial, path)
