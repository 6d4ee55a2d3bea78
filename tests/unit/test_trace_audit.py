"""The audit's logic over an in-memory log served as tiles (no server, no database)."""

from __future__ import annotations

import base64

import pytest

from enlace.kernel.jsonutil import dumps
from enlace.modules.trace import Checkpoint, Signer, generate_signer, sign_checkpoint
from enlace.modules.trace.audit import AuditInputError, AuditProblem, audit
from enlace.modules.trace.memory import MemoryLog
from enlace.modules.trace.merkle import consistency_proof
from enlace.modules.trace.tiles import encode_bundle, parse_tile_path, tile_content

ORIGIN = "audit.test/log"


class ServedLog:
    """What the public endpoints would serve for a MemoryLog, with hooks to tamper."""

    def __init__(self, signer: Signer, entries: list[bytes]) -> None:
        self.signer = signer
        self.entries = list(entries)
        self.log = MemoryLog()
        self.log.extend(entries)

    def checkpoint(self, size: int | None = None) -> str:
        size = self.log.size if size is None else size
        head = Checkpoint(ORIGIN, size, self.log.root(size))
        return sign_checkpoint(head, [self.signer])

    def __call__(self, path: str) -> bytes:
        if path == "key":
            return self.signer.verifier.vkey.encode()
        if path == "checkpoint":
            return self.checkpoint().encode()
        if path.startswith("proof/consistency?"):
            query = dict(pair.split("=") for pair in path.split("?")[1].split("&"))
            proof = consistency_proof(self.log, int(query["old"]), int(query["new"]))
            return dumps({"hashes": [base64.b64encode(h).decode() for h in proof]})
        tile = parse_tile_path(path)
        if tile.entries:
            first = tile.index * 256
            return encode_bundle(self.entries[first : first + tile.width])
        return tile_content(self.log, tile)


def entries(count: int, tag: str = "e") -> list[bytes]:
    return [f"{tag}{i}".encode() for i in range(count)]


@pytest.fixture
def signer() -> Signer:
    return generate_signer(ORIGIN)


def test_growth_passes_and_reports(signer: Signer) -> None:
    served = ServedLog(signer, entries(1000))
    saved = served.checkpoint(300)
    report = audit(saved, served)
    assert (report.saved_size, report.current_size, report.entries_checked) == (300, 1000, 1000)
    assert "from size 300 to 1000" in report.summary()
    assert audit(served.checkpoint(), served).current_size == 1000  # same size
    assert audit(served.checkpoint(0), served).saved_size == 0


def test_an_edited_entry_is_named(signer: Signer) -> None:
    served = ServedLog(signer, entries(600))
    saved = served.checkpoint(100)
    served.entries[517] = b"forged"
    with pytest.raises(AuditProblem, match="leaf 517: entry does not match its hash"):
        audit(saved, served)


def test_a_rewritten_history_is_inconsistent(signer: Signer) -> None:
    saved = ServedLog(signer, entries(300)).checkpoint()
    rewritten = ServedLog(signer, entries(300, "x") + entries(100))
    with pytest.raises(AuditProblem, match="size 400 is not consistent with the saved one"):
        audit(saved, rewritten)


def test_a_shrunk_log_is_named(signer: Signer) -> None:
    saved = ServedLog(signer, entries(300)).checkpoint()
    with pytest.raises(AuditProblem, match="smaller than the saved one"):
        audit(saved, ServedLog(signer, entries(200)))


def test_another_key_and_a_bad_pinned_key(signer: Signer) -> None:
    served = ServedLog(signer, entries(10))
    other = ServedLog(generate_signer(ORIGIN), entries(10))
    with pytest.raises(AuditProblem, match="the saved checkpoint"):
        audit(other.checkpoint(), served)
    with pytest.raises(AuditProblem, match="the saved checkpoint"):
        audit(served.checkpoint(), served, other.signer.verifier.vkey)
    with pytest.raises(AuditProblem, match="verifier key"):
        audit(served.checkpoint(), served, "nonsense")


def test_not_a_checkpoint_is_bad_input(signer: Signer) -> None:
    served = ServedLog(signer, entries(10))
    for text in ("", "hello\n", served.checkpoint().replace("\n10\n", "\n010\n")):
        with pytest.raises(AuditInputError):
            audit(text, served)


def test_a_wrong_node_below_the_tiles_shows_in_the_servers_proof(signer: Signer) -> None:
    """Levels 1-7 are in no tile; the server's own consistency proof uses them."""
    served = ServedLog(signer, entries(1000))
    saved = served.checkpoint(300)
    served.log.levels[3][36] = bytes(32)  # node (3, 36): leaves 288..295, in the proof
    with pytest.raises(AuditProblem, match="the server's proof from size 300 to 1000 fails"):
        audit(saved, served)
