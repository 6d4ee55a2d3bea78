"""An independent audit of the log from its public tlog-tiles endpoints only.

Given a checkpoint saved earlier and a way to fetch public paths, it checks that:
1. the saved checkpoint is signed by the log's key, and so is the current one (same origin);
2. the current tree extends the saved one: a consistency proof computed from the tiles alone
   (`TileNodeReader`) verifies between the two signed roots;
3. every entry up to the current size rehashes to its leaf in the level-0 tiles, the leaves fold
   into every higher tile's hashes, into the saved root at the saved size and into the current
   root at the current size.
4. the server's own consistency proof (`/log/proof/consistency`, built from the nodes it stores
   below the published tile levels) verifies too.
Step 3 streams one tile per level at a time, so memory stays bounded whatever the log's size.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from enlace.kernel.jsonutil import loads
from enlace.modules.trace.checkpoint import Checkpoint, open_checkpoint, parse_body
from enlace.modules.trace.errors import TraceError
from enlace.modules.trace.frontier import Frontier
from enlace.modules.trace.merkle import consistency_proof, leaf_hash, verify_consistency
from enlace.modules.trace.note import Verifier, open_note, parse_verifier, split_note
from enlace.modules.trace.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    Tile,
    TileNodeReader,
    decode_bundle,
    split_hashes,
    width_at,
)

# Fetch a public path below the log's base ("checkpoint", "key", "tile/0/000"): its bytes, or
# AuditProblem naming what the server answered.
Fetch = Callable[[str], bytes]
# Told each entry bundle once its entries match their leaves: (first leaf index, entries).
EntriesSeen = Callable[[int, list[bytes]], None]


class AuditProblem(TraceError):
    """The log is not what it claims: the first problem found (exit status 1)."""


class AuditInputError(TraceError):
    """The saved checkpoint cannot be read as one (exit status 2)."""


@dataclass(frozen=True)
class AuditReport:
    saved_size: int
    current_size: int
    entries_checked: int
    tiles_fetched: int

    def summary(self) -> str:
        return (
            f"ok: the log grew append-only from size {self.saved_size} to {self.current_size}; "
            f"{self.entries_checked} entries match their leaves "
            f"({self.tiles_fetched} tiles and bundles read)"
        )


def read_saved(note: str) -> Checkpoint:
    """The saved checkpoint's body, unverified; AuditInputError if it is not a checkpoint."""
    try:
        text, _signatures = split_note(note)
        return parse_body(text)
    except TraceError as exc:
        raise AuditInputError("not-a-checkpoint", f"not a checkpoint: {exc.message}") from None


def audit(
    saved_note: str,
    fetch: Fetch,
    verifier_key: str | None = None,
    entries_seen: EntriesSeen | None = None,
) -> AuditReport:
    """Audit the log behind `fetch` against `saved_note`; AuditProblem at the first problem.
    `entries_seen` rides along on the checked entries (audit_events: the EPCIS event check)."""
    saved = read_saved(saved_note)
    counter = _Counter(fetch)
    verifier = _verifier(verifier_key or counter.text("key").strip())
    try:
        open_note(saved_note, [verifier])
    except TraceError as exc:
        raise AuditProblem("saved-unsigned", f"the saved checkpoint: {exc.message}") from None
    current = _current(counter, verifier, saved)
    _check_consistency(counter, saved, current)
    checked = _check_entries(counter, saved, current, entries_seen)
    _check_served_proof(counter, saved, current)
    return AuditReport(saved.size, current.size, checked, counter.tiles)


class _Counter:
    def __init__(self, fetch: Fetch) -> None:
        self.fetch = fetch
        self.tiles = 0

    def text(self, path: str) -> str:
        try:
            return self.fetch(path).decode()
        except UnicodeDecodeError:
            raise AuditProblem("not-text", f"/log/{path} is not UTF-8 text") from None

    def tile(self, tile: Tile) -> bytes:
        self.tiles += 1
        return self.fetch(tile.path)


def _verifier(vkey: str) -> Verifier:
    try:
        return parse_verifier(vkey)
    except TraceError as exc:
        raise AuditProblem("bad-key", f"the log's verifier key: {exc.message}") from None


def _current(counter: _Counter, verifier: Verifier, saved: Checkpoint) -> Checkpoint:
    try:
        current = open_checkpoint(counter.text("checkpoint"), [verifier], saved.origin)
    except TraceError as exc:
        raise AuditProblem("current-unsigned", f"the current checkpoint: {exc.message}") from None
    if current.size < saved.size:
        raise AuditProblem(
            "log-shrank",
            f"checkpoint of size {current.size} is smaller than the saved one ({saved.size})",
        )
    return current


def _check_consistency(counter: _Counter, saved: Checkpoint, current: Checkpoint) -> None:
    reader = TileNodeReader(counter.tile, current.size)
    try:
        proof = (
            consistency_proof(reader, saved.size, current.size)
            if 0 < saved.size < current.size
            else []
        )
        if saved.size:
            verify_consistency(saved.size, current.size, proof, saved.root_hash, current.root_hash)
    except AuditProblem:
        raise  # a tile the server did not serve: named as such
    except TraceError as exc:
        raise AuditProblem(
            "inconsistent",
            f"checkpoint of size {current.size} is not consistent with the saved one "
            f"(size {saved.size}): {exc.message}",
        ) from None


def _check_served_proof(counter: _Counter, saved: Checkpoint, current: Checkpoint) -> None:
    if not 0 < saved.size < current.size:
        return
    path = f"proof/consistency?old={saved.size}&new={current.size}"
    try:
        hashes = [base64.b64decode(h, validate=True) for h in loads(counter.fetch(path))["hashes"]]
        verify_consistency(saved.size, current.size, hashes, saved.root_hash, current.root_hash)
    except AuditProblem:
        raise
    except (TraceError, ValueError, KeyError, TypeError) as exc:
        raise AuditProblem(
            "served-proof",
            f"the server's proof from size {saved.size} to {current.size} fails: {exc}",
        ) from None


def _check_entries(
    counter: _Counter, saved: Checkpoint, current: Checkpoint, seen: EntriesSeen | None
) -> int:
    size = current.size
    frontier = Frontier()
    upper = _UpperTiles(counter, size)
    for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        leaves = _checked_leaves(counter, index, width_at(0, index, size), seen)
        for leaf in leaves:
            for level, node_index, value in frontier.append(leaf)[1:]:
                upper.check(level, node_index, value)
            if frontier.size == saved.size and frontier.root() != saved.root_hash:
                raise AuditProblem(
                    "saved-root", f"the first {saved.size} entries do not give the saved root"
                )
    if frontier.root() != current.root_hash:
        raise AuditProblem(
            "current-root", f"the {size} entries do not give the root of checkpoint {size}"
        )
    return size


def _checked_leaves(
    counter: _Counter, index: int, width: int, seen: EntriesSeen | None = None
) -> list[bytes]:
    """Level-0 tile `index` at `width`, once each of its entries rehashes to its leaf."""
    tile, bundle = Tile(0, index, width), Tile(0, index, width, entries=True)
    try:
        hashes = split_hashes(counter.tile(tile), width)
        entries = decode_bundle(counter.tile(bundle), width)
    except AuditProblem:
        raise
    except TraceError as exc:
        raise AuditProblem(exc.code, f"{tile.path}: {exc.message}") from None
    first = index * TILE_WIDTH
    for position, (entry, expected) in enumerate(zip(entries, hashes, strict=True)):
        if leaf_hash(entry) != expected:
            raise AuditProblem(
                "entry-mismatch", f"leaf {first + position}: entry does not match its hash"
            )
    if seen is not None:
        seen(first, entries)
    return hashes


class _UpperTiles:
    """The tiles above level 0, one per level at a time, checked against the rebuilt nodes."""

    def __init__(self, counter: _Counter, size: int) -> None:
        self.counter = counter
        self.size = size
        self.current: dict[int, tuple[Tile, list[bytes]]] = {}

    def check(self, height: int, index: int, value: bytes) -> None:
        level, rest = divmod(height, TILE_HEIGHT)
        if rest or not level:
            return  # only levels 8, 16, ... are published
        tile_index, position = divmod(index, TILE_WIDTH)
        tile, hashes = self._tile(level, tile_index)
        if hashes[position] != value:
            raise AuditProblem(
                "tile-mismatch",
                f"{tile.path}: hash {position} (node ({height}, {index})) does not match the entries",
            )

    def _tile(self, level: int, index: int) -> tuple[Tile, list[bytes]]:
        held = self.current.get(level)
        if held is None or held[0].index != index:
            tile = Tile(level, index, width_at(level, index, self.size))
            try:
                held = (tile, split_hashes(self.counter.tile(tile), tile.width))
            except AuditProblem:
                raise
            except TraceError as exc:
                raise AuditProblem(exc.code, f"{tile.path}: {exc.message}") from None
            self.current[level] = held
        return held
