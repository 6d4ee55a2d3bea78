"""`enlace relay nats`: publish the committed change stream to NATS JetStream (docs/scale.md)."""

from __future__ import annotations

import asyncio

import typer
from nats.errors import NoServersError

from enlace.entrypoints.relay import nats_relay
from enlace.kernel.settings import Settings
from enlace.store import migrate
from enlace.store.database import Database, open_database

relay_app = typer.Typer(help="Relay committed changes to a message broker.", no_args_is_help=True)


@relay_app.command("nats")
def nats_command(
    url: str = typer.Option("nats://127.0.0.1:4222", help="NATS server"),
    stream: str = typer.Option("ENLACE_CHANGES", help="JetStream stream (created if missing)"),
    prefix: str = typer.Option("enlace.fhir", help="subjects are PREFIX.<ResourceType>"),
    name: str = typer.Option("nats", help="the relay's cursor name"),
    batch: int = typer.Option(1000, min=1, max=10_000),
    once: bool = typer.Option(False, "--once", help="publish the backlog, then exit"),
) -> None:
    """Publish every committed resource change with a Nats-Msg-Id, moving the cursor after the
    stream's acknowledgements; runs until stopped (Ctrl-C / SIGTERM) unless --once."""
    db = open_database(Settings.from_env().resolved_database_url, pool_size=2)
    migrate.upgrade(db)
    config = nats_relay.RelayConfig(url=url, stream=stream, prefix=prefix, name=name, batch=batch)
    try:
        if once:
            stored, duplicates = asyncio.run(_drain(db, config))
            typer.echo(f"published {stored} changes ({duplicates} repeats dropped by the stream)")
        else:
            asyncio.run(nats_relay.relay_forever(db, config, nats_relay.system_now_us))
    except (OSError, NoServersError) as exc:  # no server: a clear message, not a traceback
        typer.echo(f"cannot reach NATS at {url}: {exc}", err=True)
        raise typer.Exit(2) from exc
    except KeyboardInterrupt:
        pass
    finally:
        db.dispose()


async def _drain(db: Database, config: nats_relay.RelayConfig) -> tuple[int, int]:
    client, js = await nats_relay.connect(config.url)
    stored = duplicates = 0
    try:
        await nats_relay.ensure_stream(js, config)
        while True:
            done = await nats_relay.relay_once(db, js, config, nats_relay.system_now_us)
            stored, duplicates = stored + done.stored, duplicates + done.duplicates
            if done.read < config.batch:
                return stored, duplicates
    finally:
        await client.close()
