"""The stored transparency log on SQLite and PostgreSQL: batched appends in the caller's
transaction, proofs equal to the in-memory reference, rollbacks, concurrent appenders,
checkpoints at a cadence."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from enlace.interactions.context import Services
from enlace.modules.trace import open_checkpoint
from enlace.modules.trace.errors import ProofError, TileError
from enlace.modules.trace.log_service import (
    current_checkpoint,
    issue_checkpoint,
    latest_checkpoint,
    log_publisher,
)
from enlace.modules.trace.log_store import (
    StoredNodeReader,
    append_entries,
    read_entries,
    stored_size,
)
from enlace.modules.trace.memory import MemoryLog
from enlace.modules.trace.merkle import consistency_proof, inclusion_proof, root_hash
from enlace.store.database import Database, open_database
from tests.integration.trace_log_support import (
    append_batches,
    empty_log,
    entries,
    memory_nodes,
    stored_nodes,
)


@pytest.fixture
def log(services: Services) -> Iterator[Services]:
    empty_log(services)
    yield services


def test_batches_store_every_node_and_proofs_equal_the_memory_log(log: Services) -> None:
    sizes = [1, 2, 255, 256, 1, 700, 1000, 37]
    batches, start = [], 0
    for size in sizes:
        batches.append(entries(start, size))
        start += size
    assert append_batches(log.db, batches) == list(range(start))
    reference = MemoryLog()
    reference.extend(e for batch in batches for e in batch)
    assert stored_nodes(log.db) == memory_nodes(reference)
    with log.db.read() as conn:
        reader = StoredNodeReader(conn)
        assert stored_size(conn) == start
        for size in (1, 2, 3, 256, 257, 1000, start):
            assert root_hash(reader, size) == reference.root(size)
            for index in {0, size // 2, size - 1}:
                assert inclusion_proof(reader, index, size) == inclusion_proof(
                    reference, index, size
                )
        for old, new in ((1, 2), (3, 7), (256, 1500), (1000, start), (start - 1, start)):
            assert consistency_proof(reader, old, new) == consistency_proof(reference, old, new)
        assert read_entries(conn, 250, 10) == entries(250, 10)


def test_a_rolled_back_transaction_leaves_no_entry_and_no_node(log: Services) -> None:
    append_batches(log.db, [entries(0, 10)])
    with pytest.raises(RuntimeError), log.db.begin() as conn:
        assert append_entries(conn, entries(10, 50, "lost")) == list(range(10, 60))
        raise RuntimeError("the caller's event failed validation")
    with log.db.read() as conn:
        assert stored_size(conn) == 10
        assert conn.exec_driver_sql("SELECT count(*) FROM trace_log_entries").scalar() == 10
    # The next append starts at 10, on the committed frontier (not the rolled-back one).
    append_batches(log.db, [entries(10, 30)])
    reference = MemoryLog()
    reference.extend(entries(0, 40))
    assert stored_nodes(log.db) == memory_nodes(reference)


def test_several_appends_in_one_transaction(log: Services) -> None:
    with log.db.begin() as conn:
        assert append_entries(conn, entries(0, 3)) == [0, 1, 2]
        assert append_entries(conn, entries(3, 5)) == [3, 4, 5, 6, 7]
    append_batches(log.db, [entries(8, 9)])
    reference = MemoryLog()
    reference.extend(entries(0, 17))
    assert stored_nodes(log.db) == memory_nodes(reference)


def test_entries_too_large_or_not_bytes_are_refused_before_any_write(log: Services) -> None:
    with pytest.raises(TileError) as refused, log.db.begin() as conn:
        append_entries(conn, [b"ok", b"x" * 65_536])
    assert refused.value.code == "entry-too-large" and "entry 1" in refused.value.message
    with pytest.raises(TileError), log.db.begin() as conn:
        append_entries(conn, ["text"])
    with log.db.begin() as conn:
        assert append_entries(conn, [b"x" * 65_535, b""]) == [0, 1]
        assert append_entries(conn, []) == []


def test_a_missing_node_is_named(log: Services) -> None:
    append_batches(log.db, [entries(0, 8)])
    with log.db.begin() as conn:
        conn.exec_driver_sql("DELETE FROM trace_log_nodes WHERE level = 1 AND idx = 1")
    with log.db.read() as conn, pytest.raises(ProofError, match=r"\(1, 1\)"):
        inclusion_proof(StoredNodeReader(conn), 0, 8)


def test_two_processes_appending_in_turn_build_one_tree(log: Services) -> None:
    """Each Database stands for another process, with its own cached frontier."""
    other = open_database(log.db.url)
    try:
        for round_ in range(4):
            append_batches(log.db, [entries(round_ * 20, 10)])
            append_batches(other, [entries(round_ * 20 + 10, 10)])
    finally:
        other.dispose()
    reference = MemoryLog()
    reference.extend(entries(0, 80))
    assert stored_nodes(log.db) == memory_nodes(reference)


def test_concurrent_appenders_give_a_consistent_tree(log: Services) -> None:
    other = open_database(log.db.url)
    failures: list[BaseException] = []

    def appender(db: Database, tag: str) -> None:
        try:
            for batch in range(15):
                append_batches(db, [entries(batch * 40, 40, tag)])
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    threads = [
        threading.Thread(target=appender, args=(log.db, "a")),
        threading.Thread(target=appender, args=(other, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.dispose()
    assert not failures
    with log.db.read() as conn:
        stored = read_entries(conn, 0, 1200)
    assert sorted(stored) == sorted(entries(0, 600, "a") + entries(0, 600, "b"))
    reference = MemoryLog()
    reference.extend(stored)  # the log order is the order of acceptance
    assert stored_nodes(log.db) == memory_nodes(reference)


def test_checkpoints_are_signed_stored_and_issued_only_when_the_tree_grew(log: Services) -> None:
    publisher = log_publisher(log.settings)
    verifier = publisher.signer.verifier
    with log.db.begin() as conn:
        empty = issue_checkpoint(conn, publisher, 1_000)
    assert empty.size == 0
    append_batches(log.db, [entries(0, 300)])
    with log.db.begin() as conn:
        first = issue_checkpoint(conn, publisher, 2_000)
        assert issue_checkpoint(conn, publisher, 3_000) == first  # no growth, no new note
    opened = open_checkpoint(first.note, [verifier], publisher.origin)
    reference = MemoryLog()
    reference.extend(entries(0, 300))
    assert (opened.size, opened.root_hash) == (300, reference.root())
    with log.db.read() as conn:
        assert latest_checkpoint(conn) == first


def test_the_served_checkpoint_follows_the_cadence(log: Services) -> None:
    publisher = log_publisher(log.settings)  # cadence 1 s
    first = current_checkpoint(log.db, publisher, 10_000_000)
    append_batches(log.db, [entries(0, 5)])
    assert current_checkpoint(log.db, publisher, 10_500_000) == first  # younger than 1 s
    grown = current_checkpoint(log.db, publisher, 11_000_000)
    assert (grown.size, grown.issued_at_us) == (5, 11_000_000)
    assert current_checkpoint(log.db, publisher, 20_000_000) == grown  # no growth: kept
