"""Relay of the committed change stream to NATS JetStream, and consumers on other nodes.

The relay (`relay_once`, `relay_forever`) publishes `enlace.store.relay.pending` changes to
`<prefix>.<ResourceType>` with the `Nats-Msg-Id` header set to `Type/id/_history/version`; the
stream drops a repeat of an id inside its duplicate window, so a relay that crashed after
publishing and before moving its cursor publishes again without duplicating anything. The
cursor moves only after every publish of the batch was acknowledged (stored by the stream).

A consumer (`consume`) pulls batches from a durable consumer, runs its handler and records each
message id in `relay_inbox` in one transaction per batch, and acknowledges after the commit. A crash before the
ack redelivers the message; the inbox makes the second delivery a no-op: exactly once in effect.
docs/scale.md, "Outbox relay".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError
from opentelemetry.trace import Span, SpanKind
from sqlalchemy import Connection

from enlace.kernel import tracing
from enlace.kernel.clock import epoch_us
from enlace.store import relay
from enlace.store.database import Database

MSG_ID = "Nats-Msg-Id"
Handler = Callable[[Connection, relay.Change], None]


@dataclass(frozen=True)
class RelayConfig:
    url: str = "nats://127.0.0.1:4222"
    stream: str = "ENLACE_CHANGES"
    prefix: str = "enlace.fhir"
    name: str = "nats"  # the relay's cursor
    batch: int = 1000
    margin_us: int = 2_000_000  # PostgreSQL commit-order margin (module docstring of store.relay)
    duplicate_window_s: float = 120.0


async def connect(url: str) -> tuple[nats.NATS, JetStreamContext]:
    client = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=3)
    return client, client.jetstream()


async def ensure_stream(js: JetStreamContext, config: RelayConfig) -> None:
    """The stream of changes, created on first use (file storage, the duplicate window)."""
    try:
        await js.stream_info(config.stream)
    except NotFoundError:
        await js.add_stream(
            api.StreamConfig(
                name=config.stream,
                subjects=[f"{config.prefix}.>"],
                storage=api.StorageType.FILE,
                duplicate_window=config.duplicate_window_s,
            )
        )


@dataclass
class Pass:
    read: int
    stored: int  # new in the stream
    duplicates: int  # dropped by the stream as repeats
    cursor: int


async def relay_once(
    db: Database, js: JetStreamContext, config: RelayConfig, now_us: Callable[[], int]
) -> Pass:
    """Publish one batch past the cursor, wait for every acknowledgement, move the cursor."""
    with db.read() as conn:
        after = relay.cursor(conn, config.name)
        changes = relay.pending(conn, after, config.batch)
    if not changes:
        return Pass(0, 0, 0, after)
    acks = await asyncio.gather(*(_publish(js, config, c) for c in changes))
    duplicates = sum(1 for ack in acks if ack.duplicate)
    mark = relay.settled(changes, after, now_us(), config.margin_us)
    with db.begin() as conn:
        relay.advance(conn, config.name, mark, len(changes) - duplicates, now_us())
    return Pass(len(changes), len(changes) - duplicates, duplicates, mark)


async def _publish(js: JetStreamContext, config: RelayConfig, change: relay.Change) -> api.PubAck:
    """One change, in a producer span continuing the writer's trace; the span's own context
    goes out as the `traceparent` header for the consumer to continue."""
    with tracing.continued_span(
        "relay.publish",
        change.trace_context,
        SpanKind.PRODUCER,
        f"change {change.message_id}",
        {"messaging.system": "nats", "messaging.message.id": change.message_id},
    ):
        headers = {MSG_ID: change.message_id}
        if context := tracing.traceparent():
            headers[tracing.TRACEPARENT] = context
        return await js.publish(change.subject(config.prefix), change.payload(), headers=headers)


async def relay_forever(
    db: Database,
    config: RelayConfig,
    now_us: Callable[[], int],
    idle_s: float = 0.5,
    stop: asyncio.Event | None = None,
) -> None:
    """The relay process: publish while there is a backlog, poll every `idle_s` otherwise."""
    client, js = await connect(config.url)
    try:
        await ensure_stream(js, config)
        previous = -1
        while stop is None or not stop.is_set():
            done = await relay_once(db, js, config, now_us)
            if done.read < config.batch or done.cursor == previous:  # caught up, or all young
                await asyncio.sleep(idle_s)
            previous = done.cursor
    finally:
        await client.close()


async def consume(
    db: Database,
    js: JetStreamContext,
    config: RelayConfig,
    durable: str,
    handler: Handler,
    now_us: Callable[[], int],
    batch: int = 256,
    limit: int | None = None,
    idle_timeout_s: float = 1.0,
    ack_wait_s: float = 30.0,
    filter_subject: str | None = None,
) -> int:
    """Handle messages of the durable consumer `durable` until none arrive for
    `idle_timeout_s` (or `limit` were handled); the number whose effect ran (repeats skipped)."""
    subscription = await js.pull_subscribe(
        filter_subject or f"{config.prefix}.>",
        durable=durable,
        stream=config.stream,
        config=api.ConsumerConfig(ack_wait=ack_wait_s, max_ack_pending=batch * 4),
    )
    applied = seen = 0
    while limit is None or seen < limit:
        try:
            messages = await subscription.fetch(batch, timeout=idle_timeout_s)
        except (TimeoutError, NatsTimeout):  # fetch raises either when idle
            break
        # One transaction per fetched batch: every effect and its inbox row commit together,
        # then the batch is acknowledged; a crash in between redelivers it, and the inbox
        # turns the repeats into no-ops.
        parsed = [relay.parse(message.data) for message in messages]
        ids = [
            (m.headers or {}).get(MSG_ID, c.message_id)
            for m, c in zip(messages, parsed, strict=True)
        ]
        with db.begin() as conn:
            fresh = relay.claim_many(conn, durable, ids, now_us())
            for message, message_id, change in zip(messages, ids, parsed, strict=True):
                if message_id in fresh:
                    fresh.discard(message_id)  # a repeat inside one batch runs once
                    with _consumer_span(durable, message_id, message.headers):
                        handler(conn, change)
                    applied += 1
        await asyncio.gather(*(message.ack() for message in messages))
        seen += len(messages)
    await subscription.unsubscribe()
    return applied


def _consumer_span(
    durable: str, message_id: str, headers: dict[str, str] | None
) -> AbstractContextManager[Span]:
    """A handler's run, continuing the trace the relay's publish carried (a new trace without
    the header, e.g. a message published by an older relay)."""
    return tracing.continued_span(
        "relay.consume",
        (headers or {}).get(tracing.TRACEPARENT),
        SpanKind.CONSUMER,
        f"message {message_id} to {durable}",
        {"messaging.system": "nats", "messaging.message.id": message_id},
    )


def system_now_us() -> int:
    return epoch_us(datetime.now(UTC))
