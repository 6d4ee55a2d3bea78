"""An in-memory Merkle log: every complete subtree's hash, kept as the leaves arrive.

The reference `NodeReader` for tests and small tools. A storage-backed log keeps the same nodes in
a table (or as tiles) and answers the same `nodes(ids)` call with one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from enlace.modules.trace.errors import ProofError
from enlace.modules.trace.merkle import NodeId, leaf_hash, node_hash, root_hash


class MemoryLog:
    def __init__(self) -> None:
        self.levels: list[list[bytes]] = [[]]  # levels[h][i]: node (h, i)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append_leaf_hash(self, value: bytes) -> int:
        """Add a leaf; each time it completes a subtree, store that subtree's node too."""
        index = self.size
        self.levels[0].append(value)
        level, position = 0, index
        while position & 1:  # a right child completes its parent
            parent = node_hash(self.levels[level][position - 1], self.levels[level][position])
            level, position = level + 1, position >> 1
            if len(self.levels) == level:
                self.levels.append([])
            self.levels[level].append(parent)
        return index

    def append(self, entry: bytes) -> int:
        return self.append_leaf_hash(leaf_hash(entry))

    def extend(self, entries: Iterable[bytes]) -> None:
        for entry in entries:
            self.append(entry)

    def nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        try:
            return [self.levels[level][index] for level, index in ids]
        except IndexError:
            raise ProofError("node-missing", f"the log of size {self.size} lacks a node") from None

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self, self.size if size is None else size)
