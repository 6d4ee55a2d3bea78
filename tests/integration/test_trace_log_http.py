"""The transparency log's public endpoints: checkpoint, key, tiles, entry bundles, proofs, and a
4xx OperationOutcome naming the parameter for every kind of bad input."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.modules.trace import open_checkpoint, parse_verifier
from enlace.modules.trace.memory import MemoryLog
from enlace.modules.trace.merkle import (
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from enlace.modules.trace.tiles import TileNodeReader, decode_bundle, split_hashes
from tests.integration.trace_log_support import append_batches, empty_log, entries

SIZE = 70_000  # a full level-1 tile (65,536 leaves) and partial tiles on both levels


@pytest.fixture
def log_client(services: Services, client: TestClient) -> TestClient:
    empty_log(services)
    append_batches(services.db, [entries(i, 5_000) for i in range(0, SIZE, 5_000)])
    return client


SMALL = 700  # two full level-0 tiles and one of 188; a level-1 tile 2 wide


@pytest.fixture
def small_client(services: Services, client: TestClient) -> TestClient:
    empty_log(services)
    append_batches(services.db, [entries(0, SMALL)])
    client.get("/log/checkpoint")
    return client


def test_checkpoint_verifies_with_the_published_key(log_client: TestClient) -> None:
    key = log_client.get("/log/key")
    assert key.status_code == 200 and key.headers["content-type"].startswith("text/plain")
    verifier = parse_verifier(key.text.strip())
    response = log_client.get("/log/checkpoint")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    checkpoint = open_checkpoint(response.text, [verifier], verifier.name)
    reference = MemoryLog()
    reference.extend(entries(0, SIZE))
    assert (checkpoint.size, checkpoint.root_hash) == (SIZE, reference.root())


def test_tiles_and_bundles_match_the_entries(log_client: TestClient) -> None:
    log_client.get("/log/checkpoint")
    full = log_client.get("/log/tile/0/001")
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert full.headers["content-type"] == "application/octet-stream"
    bundle = log_client.get("/log/tile/entries/001").content
    assert [leaf_hash(e) for e in decode_bundle(bundle)] == split_hashes(full.content, 256)
    partial = log_client.get(f"/log/tile/0/273.p/{SIZE % 256}")
    assert partial.status_code == 200 and "immutable" not in partial.headers["cache-control"]
    assert len(log_client.get("/log/tile/1/000").content) == 256 * 32
    assert len(log_client.get("/log/tile/1/001.p/17").content) == 17 * 32


def test_proofs_verify_against_the_checkpoint(log_client: TestClient) -> None:
    verifier = parse_verifier(log_client.get("/log/key").text.strip())
    checkpoint = open_checkpoint(log_client.get("/log/checkpoint").text, [verifier], verifier.name)
    proof = log_client.get(f"/log/proof/inclusion?index=4242&size={SIZE}").json()
    hashes = [base64.b64decode(h) for h in proof["hashes"]]
    verify_inclusion(leaf_hash(entries(4242, 1)[0]), 4242, SIZE, hashes, checkpoint.root_hash)
    reference = MemoryLog()
    reference.extend(entries(0, SIZE))
    consistency = log_client.get(f"/log/proof/consistency?old=1000&new={SIZE}").json()
    hashes = [base64.b64decode(h) for h in consistency["hashes"]]
    verify_consistency(1000, SIZE, hashes, reference.root(1000), checkpoint.root_hash)
    same = log_client.get(f"/log/proof/consistency?old={SIZE}&new={SIZE}").json()
    assert same["hashes"] == []


def test_tiles_read_by_an_auditor_give_the_root(log_client: TestClient) -> None:
    log_client.get("/log/checkpoint")
    reader = TileNodeReader(lambda tile: log_client.get("/log/" + tile.path).content, SIZE)
    reference = MemoryLog()
    reference.extend(entries(0, SIZE))
    assert root_hash(reader, SIZE) == reference.root()


BAD_TILES = [
    ("tile/0/1", 400),  # index not in three-digit groups
    ("tile/0/x000/001", 400),  # leading zero group
    ("tile/0/000.p/256", 400),  # a partial tile is 1..255 wide
    ("tile/0/000.p/0", 400),
    ("tile/64/000", 400),  # levels go up to 63
    ("tile/-1/000", 400),
    ("tile/entries/abc", 400),
    ("tile/0/000/", 400),
    ("tile/0/" + "x999/" * 12 + "999", 404),  # huge index: past the tree
    ("tile/0/000.p/2", 200),  # the prefix of a full tile is a valid partial tile
    ("tile/0/003", 404),  # past the checkpoint
    ("tile/0/002", 404),  # partial at this size
    ("tile/0/002.p/189", 404),  # wider than the checkpoint's partial tile
    ("tile/entries/003", 404),
    ("tile/entries/002.p/200", 404),
    ("tile/2/000.p/1", 404),  # a level the tree does not reach yet
    ("tile/1/000", 404),  # the level-1 tile is 2 wide at this size
    ("tile/1/000.p/3", 404),
]


@pytest.mark.parametrize(("path", "status"), BAD_TILES)
def test_bad_tile_paths(small_client: TestClient, path: str, status: int) -> None:
    response = small_client.get("/log/" + path)
    assert response.status_code == status, response.text
    if status == 200:
        return
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["path"]


BAD_PROOFS = [
    ("inclusion?index=&size=10", "index"),
    ("inclusion?size=10", "index"),
    ("inclusion?index=1", "size"),
    ("inclusion?index=-1&size=10", "index"),
    ("inclusion?index=1.5&size=10", "index"),
    ("inclusion?index=01&size=10", "index"),
    ("inclusion?index=%201&size=10", "index"),
    ("inclusion?index=1&size=1e3", "size"),
    ("inclusion?index=1&size=" + "9" * 40, "size"),
    ("inclusion?index=" + "9" * 19 + "&size=10", "index"),
    ("inclusion?index=10&size=10", "index"),
    ("inclusion?index=0&size=0", "index"),
    (f"inclusion?index=1&size={SMALL + 1}", "size"),
    ("inclusion?index=1&size=9223372036854775807", "size"),
    ("consistency?old=0&new=10", "old"),
    ("consistency?old=11&new=10", "old"),
    ("consistency?old=x&new=10", "old"),
    ("consistency?old=1", "new"),
    (f"consistency?old=1&new={SMALL + 1}", "new"),
    ("consistency?old=1&new=" + "1" * 25, "new"),
]


@pytest.mark.parametrize(("query", "parameter"), BAD_PROOFS)
def test_bad_proof_parameters(small_client: TestClient, query: str, parameter: str) -> None:
    response = small_client.get("/log/proof/" + query)
    assert response.status_code == 400, response.text
    issue = response.json()["issue"][0]
    assert issue["expression"] == [parameter] and parameter in issue["diagnostics"]


def test_nothing_is_served_past_the_latest_checkpoint(
    services: Services, client: TestClient
) -> None:
    empty_log(services)
    assert client.get("/log/tile/0/000.p/1").status_code == 404  # no checkpoint yet
    assert client.get("/log/checkpoint").text.split("\n")[1] == "0"  # the empty tree
    append_batches(services.db, [entries(0, 3)])
    assert client.get("/log/tile/entries/000.p/3").status_code == 404  # not signed yet
    assert client.get("/log/proof/inclusion?index=0&size=3").status_code == 400
