"""C2SP tlog-tiles: tile coordinates and paths, tile contents, entry bundles (pure).

A tile at level L, index N holds the Merkle nodes at tree level 8L with indexes N*256 ... N*256+W-1
(W = 256 for a full tile, 1..255 for the partial tile at the right edge of a checkpoint's tree).
Level-0 tiles are leaf hashes; an entry bundle holds the same leaves' entries, each prefixed by its
length as a big-endian uint16. Any proof can be computed from tiles, so `TileNodeReader` lets an
independent auditor answer `NodeReader` calls from public tiles alone.

Spec: https://c2sp.org/tlog-tiles
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from enlace.modules.trace.errors import TileError
from enlace.modules.trace.merkle import HASH_SIZE, NodeId, NodeReader, node_hash

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF  # the uint16 length prefix of an entry bundle

_NUMBER = r"(?:0|[1-9][0-9]*)"
_INDEX = r"(?:x\d{3}/)*\d{3}"
_TILE_PATH = re.compile(
    rf"tile/(?P<level>{_NUMBER}|entries)/(?P<index>{_INDEX})(?:\.p/(?P<w>{_NUMBER}))?"
)


@dataclass(frozen=True, slots=True)
class Tile:
    """A hash tile (`level` 0..63) or, with `entries`, the entry bundle beside level-0 tile `index`."""

    level: int
    index: int
    width: int = TILE_WIDTH
    entries: bool = False

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        kind = "entries" if self.entries else str(self.level)
        suffix = f".p/{self.width}" if self.is_partial else ""
        return f"tile/{kind}/{encode_index(self.index)}{suffix}"

    def node_ids(self) -> list[NodeId]:
        level = self.level * TILE_HEIGHT
        first = self.index * TILE_WIDTH
        return [(level, first + i) for i in range(self.width)]


def encode_index(index: int) -> str:
    """1234067 -> "x001/x234/067": three-digit groups, all but the last starting with x."""
    if index < 0:
        raise TileError("bad-index", f"a tile index is not negative, got {index}")
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def parse_tile_path(path: str) -> Tile:
    """`tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, refusing every non-canonical spelling."""
    match = _TILE_PATH.fullmatch(path)
    if not match:
        raise TileError("bad-path", f"{path[:80]!r} is not tile/<L>/<N>[.p/<W>]")
    index_text = match["index"]
    if index_text.startswith("x000"):
        raise TileError("bad-path", f"{path!r}: a tile index has no leading zero groups")
    index = int(index_text.replace("x", "").replace("/", ""))
    width = int(match["w"]) if match["w"] is not None else TILE_WIDTH
    if match["w"] is not None and not 1 <= width < TILE_WIDTH:
        raise TileError("bad-path", f"{path!r}: a partial tile is 1 to 255 wide, got {width}")
    entries = match["level"] == "entries"
    level = 0 if entries else int(match["level"])
    if level > MAX_LEVEL:
        raise TileError("bad-path", f"{path!r}: tile levels go up to {MAX_LEVEL}")
    return Tile(level, index, width, entries)


def width_at(level: int, index: int, size: int) -> int:
    """How many hashes tile (level, index) holds in a tree of `size` leaves (0: not there yet)."""
    hashes_at_level = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, hashes_at_level - index * TILE_WIDTH))


def check_tile_exists(tile: Tile, size: int) -> None:
    """Refuse a tile that a tree of `size` leaves does not have (past its edge, or wider than it)."""
    available = width_at(tile.level, tile.index, size)
    if tile.width > available:
        raise TileError(
            "tile-not-found",
            f"{tile.path} is not in a tree of size {size} (it has {available} hashes there)",
        )


def partial_tiles(size: int) -> list[Tile]:
    """The partial tiles a checkpoint of `size` requires, one per level at most (hash tiles)."""
    tiles, level = [], 0
    while size >> (TILE_HEIGHT * level):
        hashes = size >> (TILE_HEIGHT * level)
        if hashes % TILE_WIDTH:
            tiles.append(Tile(level, hashes // TILE_WIDTH, hashes % TILE_WIDTH))
        level += 1
    return tiles


def tile_content(reader: NodeReader, tile: Tile) -> bytes:
    """A hash tile's bytes: its nodes, concatenated (one batched read)."""
    return b"".join(reader.nodes(tile.node_ids()))


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    parts = []
    for position, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise TileError(
                "entry-too-large", f"entry {position} has {len(entry)} bytes (max 65535)"
            )
        parts.append(len(entry).to_bytes(2, "big") + entry)
    return b"".join(parts)


def decode_bundle(data: bytes, width: int = TILE_WIDTH) -> list[bytes]:
    """Exactly `width` entries, or TileError naming where the bundle breaks."""
    entries: list[bytes] = []
    at = 0
    while at < len(data):
        if at + 2 > len(data):
            raise TileError("truncated-bundle", f"entry {len(entries)}: length cut at byte {at}")
        length = int.from_bytes(data[at : at + 2], "big")
        if at + 2 + length > len(data):
            raise TileError("truncated-bundle", f"entry {len(entries)} runs past the bundle")
        entries.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    if len(entries) != width:
        raise TileError("bundle-width", f"the bundle holds {len(entries)} entries, not {width}")
    return entries


def split_hashes(data: bytes, width: int) -> list[bytes]:
    if len(data) != width * HASH_SIZE:
        raise TileError(
            "tile-size", f"a tile {width} wide is {width * HASH_SIZE} bytes, got {len(data)}"
        )
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


TileFetcher = Callable[[Tile], bytes]


class TileNodeReader:
    """Answers `nodes(ids)` for a tree of `size` leaves from its tiles, as an auditor would.

    Node (h, i) lies in the level h // 8 tile; below that tile's own level it is rebuilt by hashing
    2 ** (h % 8) consecutive tile hashes. Each tile is fetched once, at its width in this tree.
    """

    def __init__(self, fetch: TileFetcher, size: int) -> None:
        self.fetch = fetch
        self.size = size
        self.cache: dict[tuple[int, int], list[bytes]] = {}

    def nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        return [self._node(level, index) for level, index in ids]

    def _tile_hashes(self, level: int, index: int) -> list[bytes]:
        key = (level, index)
        if key not in self.cache:
            width = width_at(level, index, self.size)
            if width == 0:
                raise TileError("tile-not-found", f"tile {level}/{index} is past size {self.size}")
            self.cache[key] = split_hashes(self.fetch(Tile(level, index, width)), width)
        return self.cache[key]

    def _node(self, height: int, index: int) -> bytes:
        level, rise = divmod(height, TILE_HEIGHT)
        first = index << rise  # the node's first hash at the tile's own level
        hashes = self._tile_hashes(level, first // TILE_WIDTH)
        offset = first % TILE_WIDTH
        layer = hashes[offset : offset + (1 << rise)]
        if len(layer) != 1 << rise:
            raise TileError(
                "node-missing", f"node ({height}, {index}) is not complete at this size"
            )
        while len(layer) > 1:
            layer = [node_hash(layer[i], layer[i + 1]) for i in range(0, len(layer), 2)]
        return layer[0]
