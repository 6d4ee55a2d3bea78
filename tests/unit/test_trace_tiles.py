"""C2SP tlog-tiles: paths, widths, tile contents, entry bundles, proofs rebuilt from tiles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enlace.modules.trace import merkle
from enlace.modules.trace.errors import TileError
from enlace.modules.trace.frontier import Frontier
from enlace.modules.trace.memory import MemoryLog
from enlace.modules.trace.tiles import (
    TILE_WIDTH,
    Tile,
    TileNodeReader,
    check_tile_exists,
    decode_bundle,
    encode_bundle,
    encode_index,
    parse_tile_path,
    partial_tiles,
    tile_content,
    width_at,
)


@pytest.mark.parametrize(
    ("index", "encoded"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_index_encoding(index: int, encoded: str) -> None:
    assert encode_index(index) == encoded
    assert parse_tile_path(f"tile/2/{encoded}") == Tile(2, index)


@given(st.integers(0, 10**15), st.integers(0, 63), st.integers(1, 256), st.booleans())
def test_paths_round_trip(index: int, level: int, width: int, entries: bool) -> None:
    tile = Tile(0 if entries else level, index, width, entries)
    assert parse_tile_path(tile.path) == tile


def test_path_spellings() -> None:
    assert Tile(0, 273, 112).path == "tile/0/273.p/112"
    assert Tile(0, 5, entries=True).path == "tile/entries/005"
    assert Tile(0, 1, 3, entries=True).path == "tile/entries/001.p/3"


@pytest.mark.parametrize(
    "path",
    [
        "tile/00/000",  # level with a leading zero
        "tile/0/1",  # index group not three digits
        "tile/0/x000/001",  # a leading zero group
        "tile/0/001/002",  # inner groups start with x
        "tile/0/x001",  # the last group has no x
        "tile/0/000.p/256",  # a full tile is never partial
        "tile/0/000.p/0",
        "tile/0/000.p/08",
        "tile/64/000",  # levels go to 63
        "tile/entries/000.p/",
        "/tile/0/000",
        "tile/0/000/",
    ],
)
def test_non_canonical_paths_are_refused(path: str) -> None:
    with pytest.raises(TileError) as caught:
        parse_tile_path(path)
    assert caught.value.code == "bad-path"


def test_the_spec_example_of_70000_leaves() -> None:
    assert [t.path for t in partial_tiles(70_000)] == [
        "tile/0/273.p/112",
        "tile/1/001.p/17",
        "tile/2/000.p/1",
    ]
    assert width_at(0, 272, 70_000) == TILE_WIDTH  # 273 full level-0 tiles
    assert width_at(1, 0, 70_000) == TILE_WIDTH
    assert partial_tiles(256) == [Tile(1, 0, 1)]
    check_tile_exists(Tile(0, 273, 112), 70_000)
    with pytest.raises(TileError):
        check_tile_exists(Tile(0, 273), 70_000)
    with pytest.raises(TileError):
        check_tile_exists(Tile(0, 274, 1), 70_000)


_LOG: list[MemoryLog] = []


def _shared_log() -> MemoryLog:
    """One 70,000-leaf log for the module (hypothesis tests cannot take a function fixture)."""
    if not _LOG:
        _LOG.append(MemoryLog())
        _LOG[0].extend(i.to_bytes(4, "big") for i in range(70_000))
    return _LOG[0]


@pytest.fixture
def log() -> MemoryLog:
    return _shared_log()


def test_tile_contents_are_the_nodes(log: MemoryLog) -> None:
    level0 = tile_content(log, Tile(0, 3))
    assert len(level0) == 256 * 32
    assert level0[:32] == merkle.leaf_hash((3 * 256).to_bytes(4, "big"))
    level1 = tile_content(log, Tile(1, 1, 17))
    first_leaf_tile = tile_content(log, Tile(0, 256))
    leaves = [first_leaf_tile[i : i + 32] for i in range(0, len(first_leaf_tile), 32)]
    assert level1[:32] == merkle.tree_hash(leaves)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 70_000), st.data())
def test_proofs_from_tiles_match_proofs_from_nodes(size: int, data: st.DataObject) -> None:
    log = _shared_log()
    fetched: list[Tile] = []

    def fetch(tile: Tile) -> bytes:
        check_tile_exists(tile, size)
        fetched.append(tile)
        return tile_content(log, tile)

    tiles = TileNodeReader(fetch, size)
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size))
    assert merkle.root_hash(tiles, size) == log.root(size)
    assert merkle.inclusion_proof(tiles, index, size) == merkle.inclusion_proof(log, index, size)
    assert merkle.consistency_proof(tiles, old, size) == merkle.consistency_proof(log, old, size)
    assert len(fetched) == len(set(fetched))  # each tile once


def test_a_wrong_size_tile_is_refused(log: MemoryLog) -> None:
    tiles = TileNodeReader(lambda tile: tile_content(log, tile)[:-1], 1000)
    with pytest.raises(TileError) as caught:
        merkle.root_hash(tiles, 1000)
    assert caught.value.code == "tile-size"


@given(st.lists(st.binary(max_size=300), max_size=256))
def test_bundles_round_trip(entries: list[bytes]) -> None:
    assert decode_bundle(encode_bundle(entries), len(entries)) == entries


def test_bundle_refusals() -> None:
    bundle = encode_bundle([b"abc", b"de"])
    for data, width, code in [
        (bundle[:-1], 2, "truncated-bundle"),
        (bundle + b"\x00", 2, "truncated-bundle"),
        (bundle, 3, "bundle-width"),
    ]:
        with pytest.raises(TileError) as caught:
            decode_bundle(data, width)
        assert caught.value.code == code
    with pytest.raises(TileError) as caught:
        encode_bundle([bytes(70_000)])
    assert caught.value.code == "entry-too-large"
    assert decode_bundle(encode_bundle([bytes(65_535)]), 1) == [bytes(65_535)]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 3000), st.integers(0, 600))
def test_frontier_extends_a_stored_tree(start: int, more: int) -> None:
    log = _shared_log()
    frontier = Frontier.load(log, start)
    assert frontier.root() == log.root(start)
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(start, start + more)]
    created = frontier.extend(leaves)
    assert frontier.root() == log.root(start + more)
    assert all(log.nodes([(level, index)]) == [value] for level, index, value in created)
    assert len(created) == sum(((start + more) >> h) - (start >> h) for h in range(64))
