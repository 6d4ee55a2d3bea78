"""The log's size and root, computed twice: from the stored subtree hashes (what proofs are
built from) and again from the entries themselves (re-hashed leaf by leaf). A backup restored
whole gives the same pair; a damaged node or entry table gives two different roots.
Used by `enlace backup verify` and the restore drill (docs/operations.md, "Backup")."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from enlace.modules.trace.frontier import Frontier
from enlace.modules.trace.log_store import StoredNodeReader, read_entries, stored_size
from enlace.modules.trace.merkle import leaf_hash, root_hash

_PAGE = 4096


@dataclass(frozen=True)
class LogState:
    size: int
    root: bytes  # from the stored nodes
    recomputed_root: bytes  # from the entries

    @property
    def consistent(self) -> bool:
        return self.root == self.recomputed_root


def log_state(conn: Connection) -> LogState:
    size = stored_size(conn)
    frontier = Frontier()
    for start in range(0, size, _PAGE):
        entries = read_entries(conn, start, min(_PAGE, size - start))
        frontier.extend(leaf_hash(entry) for entry in entries)
    return LogState(size, root_hash(StoredNodeReader(conn), size), frontier.root())
