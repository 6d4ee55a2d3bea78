"""`enlace relay nats --once` against the real NATS server (skipped when none answers)."""

from __future__ import annotations

import asyncio
import socket
import uuid

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.entrypoints.relay import nats_relay
from enlace.interactions.context import Services
from enlace.store.repository import PutItem


def test_relay_once_publishes_the_backlog(services: Services) -> None:
    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=1).close()
    except OSError:
        pytest.skip("NATS tests skipped: no nats-server with JetStream on 127.0.0.1:4222")
    with services.db.begin() as conn:
        services.repo.put_many(
            conn, [PutItem({"resourceType": "Patient", "id": f"c{n}"}) for n in range(7)]
        )
    tag = uuid.uuid4().hex[:8]
    env = {"ENLACE_DATABASE_URL": services.settings.database_url}
    args = ["relay", "nats", "--once", "--stream", f"CLI_{tag}", "--prefix", f"cli{tag}",
            "--name", tag]  # fmt: skip
    first = CliRunner().invoke(app, args, env=env)
    second = CliRunner().invoke(app, args, env=env)

    async def drop() -> None:
        client, js = await nats_relay.connect(nats_relay.RelayConfig().url)
        await js.delete_stream(f"CLI_{tag}")
        await client.close()

    asyncio.run(drop())
    assert first.exit_code == 0, first.output
    assert "published 7 changes" in first.output
    assert second.exit_code == 0 and "published 0 changes" in second.output


def test_relay_without_a_server_says_so(services: Services) -> None:
    env = {"ENLACE_DATABASE_URL": services.settings.database_url}
    result = CliRunner().invoke(app, ["relay", "nats", "--once", "--url", "nats://127.0.0.1:9"],
                                env=env)  # fmt: skip
    assert result.exit_code == 2
    assert "cannot reach NATS at nats://127.0.0.1:9" in result.output
