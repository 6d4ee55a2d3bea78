"""The right frontier of a log: what an appender keeps in memory to extend a stored tree.

The frontier of a tree of n leaves is its largest complete subtrees, one per set bit of n
(`range_node_ids(0, n)`), at most 64 hashes. Appending a leaf hash merges equal-sized subtrees at
the right edge, exactly like a binary counter carries; each merge is a new complete node to store.
A storage-backed log loads the frontier once (one batched read), then appends a batch in memory
and writes the batch's entries and new nodes in one transaction, so appends never read the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from enlace.modules.trace.merkle import (
    EMPTY_ROOT,
    NodeReader,
    fold_right,
    node_hash,
    range_node_ids,
)

StoredNode = tuple[int, int, bytes]  # (level, index, hash)


@dataclass
class Frontier:
    size: int = 0
    hashes: list[bytes] = field(default_factory=list)  # the complete subtrees, largest first

    @classmethod
    def load(cls, reader: NodeReader, size: int) -> Frontier:
        return cls(size, list(reader.nodes(range_node_ids(0, size))))

    def append(self, leaf: bytes) -> list[StoredNode]:
        """Add one leaf hash; the nodes it completes (the leaf itself first), to be stored."""
        index = self.size
        created = [(0, index, leaf)]
        self.hashes.append(leaf)
        level = 0
        while index >> level & 1:  # the new subtree has a left sibling of the same size: merge
            right = self.hashes.pop()
            merged = node_hash(self.hashes.pop(), right)
            level += 1
            created.append((level, index >> level, merged))
            self.hashes.append(merged)
        self.size += 1
        return created

    def extend(self, leaves: Iterable[bytes]) -> list[StoredNode]:
        created: list[StoredNode] = []
        for leaf in leaves:
            created.extend(self.append(leaf))
        return created

    def root(self) -> bytes:
        return fold_right(self.hashes) if self.hashes else EMPTY_ROOT
