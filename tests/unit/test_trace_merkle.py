"""RFC 9162 Merkle math: the shared conformance vectors, and proofs built from stored nodes."""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enlace.modules.trace import merkle
from enlace.modules.trace.errors import ProofError
from enlace.modules.trace.memory import MemoryLog

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "merkle"
REFERENCE = json.loads((VECTORS / "rfc6962-reference.json").read_text())


def probes(kind: str) -> list[Path]:
    return sorted((VECTORS / "testdata" / kind).rglob("*.json"))


def probe_id(path: Path) -> str:
    return str(path.relative_to(VECTORS / "testdata"))


def b64(value: str | None) -> bytes:
    return base64.b64decode(value or "", validate=True)


def decoded_or_refused(probe: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any] | None:
    """The probe's hashes as bytes; None when one is not even base64 (only in wantErr probes)."""
    try:
        values = {f: b64(probe[f]) for f in fields}
        values["proof"] = [b64(p) for p in probe["proof"] or []]
    except binascii.Error:
        return None
    return values


def test_reference_roots_for_every_size() -> None:
    log = MemoryLog()
    log.extend(bytes.fromhex(h) for h in REFERENCE["leaf_inputs_hex"])
    for size, want in REFERENCE["root_by_tree_size_hex"].items():
        assert log.root(int(size)).hex() == want
        leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in REFERENCE["leaf_inputs_hex"]]
        assert merkle.tree_hash(leaves[: int(size)]).hex() == want


def test_hasher_vectors() -> None:
    for vector in REFERENCE["hasher_vectors"]:
        if "children_ascii" in vector:
            left, right = (c.encode() for c in vector["children_ascii"])
            got = merkle.node_hash(left, right)
        else:
            got = merkle.leaf_hash(vector.get("leaf_ascii", "").encode())
        assert got.hex() == vector["want_hex"]


# Two probes outside happy-path.json are valid proofs too (a one-leaf tree whose root is its leaf,
# equal sizes with an empty proof): each probe's own wantErr is the truth.
@pytest.mark.parametrize("path", probes("inclusion"), ids=probe_id)
def test_inclusion_probe(path: Path) -> None:
    probe = json.loads(path.read_text())
    values = decoded_or_refused(probe, ("root", "leafHash"))
    if values is None:
        assert probe["wantErr"]
        return
    verify = (
        values["leafHash"],
        probe["leafIdx"],
        probe["treeSize"],
        values["proof"],
        values["root"],
    )
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(*verify)
    else:
        merkle.verify_inclusion(*verify)
    assert probe["wantErr"] == (path.name != "happy-path.json" and "matching" not in path.name)


@pytest.mark.parametrize("path", probes("consistency"), ids=probe_id)
def test_consistency_probe(path: Path) -> None:
    probe = json.loads(path.read_text())
    values = decoded_or_refused(probe, ("root1", "root2"))
    if values is None:
        assert probe["wantErr"]
        return
    verify = (probe["size1"], probe["size2"], values["proof"], values["root1"], values["root2"])
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*verify)
    else:
        merkle.verify_consistency(*verify)


def test_happy_path_proofs_are_the_ones_we_build() -> None:
    log = MemoryLog()
    log.extend(bytes.fromhex(h) for h in REFERENCE["leaf_inputs_hex"])
    for path in probes("inclusion"):
        probe = json.loads(path.read_text())
        if path.name == "happy-path.json":
            built = merkle.inclusion_proof(log, probe["leafIdx"], probe["treeSize"])
            assert built == [b64(p) for p in probe["proof"] or []]
    for path in probes("consistency"):
        probe = json.loads(path.read_text())
        if path.name == "happy-path.json" and probe["size1"] > 0:
            built = merkle.consistency_proof(log, probe["size1"], probe["size2"])
            assert built == [b64(p) for p in probe["proof"] or []]


def leaves_of(count: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(count)]


@given(st.integers(1, 600), st.data())
def test_inclusion_proofs_verify_and_have_log_size(size: int, data: st.DataObject) -> None:
    leaves = leaves_of(size)
    log = MemoryLog()
    for leaf in leaves:
        log.append_leaf_hash(leaf)
    index = data.draw(st.integers(0, size - 1))
    proof = merkle.inclusion_proof(log, index, size)
    assert len(proof) == merkle.inclusion_proof_size(index, size) <= size.bit_length()
    merkle.verify_inclusion(leaves[index], index, size, proof, merkle.tree_hash(leaves))
    with pytest.raises(ProofError):
        merkle.verify_inclusion(leaves[index], (index + 1) % size or size, size, proof, log.root())


@given(st.integers(1, 600), st.data())
def test_consistency_proofs_verify(size: int, data: st.DataObject) -> None:
    log = MemoryLog()
    log.extend(i.to_bytes(4, "big") for i in range(size))
    old = data.draw(st.integers(1, size))
    proof = merkle.consistency_proof(log, old, size)
    merkle.verify_consistency(old, size, proof, log.root(old), log.root())
    if proof:
        forged = [*proof[:-1], bytes(32)]
        with pytest.raises(ProofError):
            merkle.verify_consistency(old, size, forged, log.root(old), log.root())


def test_node_reads_are_logarithmic() -> None:
    class CountingLog(MemoryLog):
        reads = 0

        def nodes(self, ids: Any) -> list[bytes]:
            self.reads += len(ids)
            return super().nodes(ids)

    log = CountingLog()
    log.extend(i.to_bytes(4, "big") for i in range(1000))
    for index in (0, 511, 512, 999):
        log.reads = 0
        merkle.inclusion_proof(log, index, 1000)
        assert log.reads <= 2 * 10
    log.reads = 0
    merkle.consistency_proof(log, 333, 1000)
    assert log.reads <= 2 * 10


def test_refusals_name_the_reason() -> None:
    log = MemoryLog()
    log.extend([b"a", b"b", b"c"])
    with pytest.raises(ProofError) as caught:
        merkle.inclusion_proof(log, 3, 3)
    assert caught.value.code == "index-out-of-range"
    proof = merkle.inclusion_proof(log, 0, 3)
    with pytest.raises(ProofError) as caught:
        merkle.verify_inclusion(merkle.leaf_hash(b"a"), 0, 3, proof[:1], log.root())
    assert caught.value.code == "proof-length"
    with pytest.raises(ProofError) as caught:
        merkle.verify_inclusion(merkle.leaf_hash(b"a"), 0, 3, [*proof[:1], b"x"], log.root())
    assert caught.value.code == "bad-hash-size"
    with pytest.raises(ProofError) as caught:
        merkle.verify_inclusion(merkle.leaf_hash(b"z"), 0, 3, proof, log.root())
    assert caught.value.code == "root-mismatch"
    with pytest.raises(ProofError) as caught:
        merkle.consistency_proof(log, 2, 4)
    assert caught.value.code == "node-missing"
