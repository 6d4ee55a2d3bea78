"""Outbox relay to NATS JetStream (issue 17 part 6, docs/scale.md): how fast committed changes
reach the stream, and how fast a consumer applies them exactly once in effect.

Writes `--changes` Patient versions into a throwaway store, then times the relay draining the
change stream into a new stream (batches of `--batch`, every publish acknowledged before the
cursor moves) and one consumer handling every message (claim in the inbox + commit + ack, per
message). Needs nats-server with JetStream on 127.0.0.1:4222. Prints one JSON line:

    nice -n 10 .venv/bin/python bench/relay_nats.py --db sqlite --changes 20000
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import database, emit
from enlace.bootstrap import build
from enlace.entrypoints.relay import nats_relay
from enlace.kernel.settings import Settings
from enlace.store.repository import PutItem


def seed(services: Any, changes: int) -> None:
    for start in range(0, changes, 5000):
        people = [{"resourceType": "Patient", "id": f"b{n}", "gender": "female"}
                  for n in range(start, min(changes, start + 5000))]  # fmt: skip
        with services.db.begin() as conn:
            services.repo.put_many(conn, [PutItem(p) for p in people])


async def measure(services: Any, batch: int) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    config = nats_relay.RelayConfig(stream=f"BENCH_{tag}", prefix=f"bench{tag}", name=tag,
                                    batch=batch, margin_us=0)  # fmt: skip
    client, js = await nats_relay.connect(config.url)
    try:
        await nats_relay.ensure_stream(js, config)
        began, published = time.perf_counter(), 0
        while (done := await nats_relay.relay_once(services.db, js, config,
                                                   nats_relay.system_now_us)).read:  # fmt: skip
            published += done.stored
        relay_s = time.perf_counter() - began
        began = time.perf_counter()
        applied = await nats_relay.consume(
            services.db, js, config, f"bench_{tag}", lambda conn, change: None,
            nats_relay.system_now_us, batch=256, idle_timeout_s=1.0,
        )  # fmt: skip
        consume_s = time.perf_counter() - began - 1.0  # the last fetch waits out its timeout
        await js.delete_stream(config.stream)
    finally:
        await client.close()
    return {
        "published": published,
        "relay_s": round(relay_s, 2),
        "relay_per_s": round(published / relay_s),
        "applied": applied,
        "consume_s": round(consume_s, 2),
        "consume_per_s": round(applied / consume_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--changes", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        services = build(Settings.from_env(database_url=url, var_dir=Path(tmp) / "var",
                                           log_requests=False))  # fmt: skip
        seed(services, args.changes)
        result: dict[str, Any] = {"bench": "relay_nats", "db": args.db, "changes": args.changes,
                                  "batch": args.batch}  # fmt: skip
        result.update(asyncio.run(measure(services, args.batch)))
        services.db.dispose()
    emit(result)


if __name__ == "__main__":
    main()
