"""The change-stream relay against the real NATS JetStream server on 127.0.0.1:4222 (skipped,
with the reason, when none answers), on SQLite and PostgreSQL: docs/scale.md "Outbox relay"."""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, update

from enlace.entrypoints.relay import nats_relay
from enlace.interactions.context import Services
from enlace.store import relay
from enlace.store.relay_tables import relay_cursors, relay_inbox
from enlace.store.repository import PutItem

NATS_URL = "nats://127.0.0.1:4222"


@pytest.fixture(autouse=True)
def nats_server() -> None:
    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=1).close()
    except OSError:
        pytest.skip("NATS tests skipped: no nats-server with JetStream on 127.0.0.1:4222")


def _config(batch: int = 10) -> nats_relay.RelayConfig:
    tag = uuid.uuid4().hex[:10]
    return nats_relay.RelayConfig(
        url=NATS_URL, stream=f"TEST_{tag}", prefix=f"test{tag}", name=tag, batch=batch,
        margin_us=0,
    )  # fmt: skip


def _write_patients(services: Services, count: int, updated: int = 0) -> None:
    people = [{"resourceType": "Patient", "id": f"r{n}", "gender": "female"} for n in range(count)]
    with services.db.begin() as conn:
        services.repo.put_many(conn, [PutItem(p) for p in people])
    changed = [{**p, "gender": "male"} for p in people[:updated]]
    with services.db.begin() as conn:
        services.repo.put_many(conn, [PutItem(p) for p in changed])


async def _drain(services: Services, js: Any, config: nats_relay.RelayConfig) -> list[Any]:
    passes = []
    while True:
        done = await nats_relay.relay_once(services.db, js, config, nats_relay.system_now_us)
        if done.read == 0:
            return passes
        passes.append(done)


def test_each_committed_change_is_in_the_stream_once(services: Services) -> None:
    _write_patients(services, 30, updated=5)
    config = _config(batch=10)

    async def scenario() -> tuple[list[Any], list[Any], int]:
        client, js = await nats_relay.connect(NATS_URL)
        try:
            await nats_relay.ensure_stream(js, config)
            first = await _drain(services, js, config)
            # A relay that crashed after publishing, before its cursor moved, publishes again.
            with services.db.begin() as conn:
                conn.execute(update(relay_cursors).values(watermark_seq=0))
            again = await _drain(services, js, config)
            stored = (await js.stream_info(config.stream)).state.messages
            await js.delete_stream(config.stream)
            return first, again, stored
        finally:
            await client.close()

    first, again, stored = asyncio.run(scenario())
    assert sum(p.read for p in first) == 35 and sum(p.stored for p in first) == 35
    assert len(first) == 4  # batches of 10: the cursor moved after each
    assert sum(p.duplicates for p in again) == 35 and sum(p.stored for p in again) == 0
    assert stored == 35
    with services.db.read() as conn:
        assert relay.cursor(conn, config.name) == max(p.cursor for p in first)


def test_a_consumer_that_crashed_before_acking_applies_each_change_once(
    services: Services,
) -> None:
    _write_patients(services, 20)
    config = _config(batch=50)
    durable = f"worker_{uuid.uuid4().hex[:8]}"
    applied: list[str] = []

    def handler(conn: Any, change: relay.Change) -> None:
        applied.append(change.message_id)

    async def scenario() -> int:
        client, js = await nats_relay.connect(NATS_URL)
        await nats_relay.ensure_stream(js, config)
        await _drain(services, js, config)
        # Node one handles eight messages, commits, and dies before acknowledging them.
        subscription = await js.pull_subscribe(
            f"{config.prefix}.>", durable=durable, stream=config.stream,
            config=nats_relay.api.ConsumerConfig(ack_wait=1.0, max_ack_pending=200),
        )  # fmt: skip
        for message in await subscription.fetch(8, timeout=2):
            change = relay.parse(message.data)
            with services.db.begin() as conn:
                assert relay.claim(conn, durable, change.message_id, 1)
                handler(conn, change)
        await client.close()
        await asyncio.sleep(1.5)  # past ack_wait: the eight are due again
        # Node two takes over the same durable consumer.
        client, js = await nats_relay.connect(NATS_URL)
        try:
            return await nats_relay.consume(
                services.db, js, config, durable, handler, nats_relay.system_now_us,
                ack_wait_s=1.0, idle_timeout_s=1.5,
            )  # fmt: skip
        finally:
            await js.delete_stream(config.stream)
            await client.close()

    second_node = asyncio.run(scenario())
    assert second_node == 12
    assert len(applied) == len(set(applied)) == 20
    with services.db.read() as conn:
        handled = conn.execute(
            select(func.count()).where(relay_inbox.c.consumer == durable)
        ).scalar()
    assert handled == 20


def test_the_cursor_stops_before_changes_younger_than_the_margin() -> None:
    changes = [relay.Change(s, "Patient", f"p{s}", 1, "PUT", False, at) for s, at in
               ((5, 100), (6, 200), (7, 900), (8, 300))]  # fmt: skip
    assert relay.settled(changes, 4, now_us=1000, margin_us=500) == 6
    assert relay.settled(changes, 4, now_us=2000, margin_us=500) == 8
    assert relay.settled([], 4, now_us=2000, margin_us=500) == 4
