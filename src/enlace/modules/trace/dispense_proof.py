"""Proof of dispense for claims: the dispensing events of packs, and their leaves' proofs.

A payer asks two things of the log: was this pack dispensed (where, when, against which
prescription), and can you prove that event is in the signed log. `dispensing_events` answers
the first for many packs in one query per 500 packs; `leaf_proofs` the second (RFC 9162
inclusion proofs against one checkpoint, one node query per proof).

The prescription travels in the dispensing event as a bizTransaction of the private type
`PRESCRIPTION_BTT` whose value is `urn:enlace:MedicationRequest:<id>` (CBV has no type for a
prescription; EPCIS allows a private URI). `prescription_transaction(id)` builds it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from enlace.kernel import jsonutil
from enlace.modules.trace.checkpoint import open_checkpoint
from enlace.modules.trace.epcis_ids import canonical_epc, is_pack_epc
from enlace.modules.trace.epcis_model import ROLE_EPC
from enlace.modules.trace.epcis_tables import event_epcs, events, objects
from enlace.modules.trace.errors import ProofError, TraceError
from enlace.modules.trace.gs1 import parse_scan
from enlace.modules.trace.gs1_link import digital_link
from enlace.modules.trace.log_service import LogPublisher
from enlace.modules.trace.log_store import StoredNodeReader
from enlace.modules.trace.merkle import NodeId, inclusion_plan, leaf_hash, resolve, verify_inclusion
from enlace.modules.trace.public_verify import LeafProof
from enlace.modules.trace.tables import log_entries

PRESCRIPTION_BTT = "https://enlace.health/epcis/btt/prescription"
PRESCRIPTION_PREFIX = "urn:enlace:MedicationRequest:"
DISPENSE_STEPS = ("dispensing", "retail_selling")
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class DispenseRecord:
    epc: str  # canonical Digital Link of the pack
    leaf_index: int  # the event's leaf in the transparency log (its seq)
    event_time_us: int
    biz_location: str | None  # canonical location id
    prescriptions: tuple[str, ...]  # MedicationRequest ids the event names


def prescription_transaction(medication_request_id: str) -> dict[str, str]:
    """The bizTransactionList entry naming the prescription a pack is dispensed against."""
    return {"type": PRESCRIPTION_BTT, "bizTransaction": PRESCRIPTION_PREFIX + medication_request_id}


def canonical_pack(code: str) -> str:
    """The canonical EPC of a pack from any GS1 form (Digital Link, HRI, DataMatrix content);
    TraceError when it is not a readable code of a serialized pack."""
    if code.startswith(("https://", "http://")):
        epc = canonical_epc(code)
    else:
        epc = canonical_epc(digital_link(parse_scan(code), "https://id.gs1.org"))
    if not is_pack_epc(epc):
        raise TraceError("not-a-pack", f"{code[:80]!r} does not name a serialized pack")
    return epc


def dispensing_events(conn: Connection, epcs: Iterable[str]) -> dict[str, list[DispenseRecord]]:
    """Every dispensing event naming each pack (canonical EPCs), in log order."""
    wanted = sorted(set(epcs))
    found: dict[str, list[DispenseRecord]] = {}
    for start in range(0, len(wanted), _CHUNK):
        statement = (
            select(
                event_epcs.c.epc,
                events.c.seq,
                events.c.event_time_us,
                events.c.biz_location,
                events.c.raw,
            )
            .join(events, events.c.seq == event_epcs.c.seq)
            .where(event_epcs.c.epc.in_(wanted[start : start + _CHUNK]))
            .where(event_epcs.c.role == ROLE_EPC)
            .where(events.c.biz_step.in_(DISPENSE_STEPS))
            .order_by(events.c.seq)
        )
        for row in conn.execute(statement):
            record = DispenseRecord(
                row.epc,
                int(row.seq),
                int(row.event_time_us),
                row.biz_location,
                _prescriptions(row.raw),
            )
            found.setdefault(row.epc, []).append(record)
    return found


def known_packs(conn: Connection, epcs: Iterable[str]) -> set[str]:
    """The packs (canonical EPCs) some captured event has named."""
    wanted = sorted(set(epcs))
    known: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        known.update(conn.execute(select(objects.c.epc).where(objects.c.epc.in_(chunk))).scalars())
    return known


def _prescriptions(raw: str) -> tuple[str, ...]:
    event = jsonutil.loads(raw)
    return tuple(
        str(t["bizTransaction"]).removeprefix(PRESCRIPTION_PREFIX)
        for t in event.get("bizTransactionList", ())
        if t.get("type") == PRESCRIPTION_BTT
        and str(t.get("bizTransaction", "")).startswith(PRESCRIPTION_PREFIX)
    )


def leaf_proofs(
    conn: Connection, leaf_indexes: Iterable[int], note: str, publisher: LogPublisher
) -> dict[int, LeafProof]:
    """Inclusion proofs of the leaves the signed checkpoint `note` covers (each verified before
    it is returned); leaves past the checkpoint are left out. Every node all the proofs need
    is read in one query per `_NODE_CHUNK` nodes, every entry in one per `_CHUNK` leaves."""
    signed = open_checkpoint(note, [publisher.signer.verifier], publisher.origin)
    wanted = sorted(i for i in set(leaf_indexes) if i < signed.size)
    plans = {index: inclusion_plan(index, signed.size) for index in wanted}
    reader = _PrefetchedNodes(conn, [n for plan in plans.values() for e in plan for n in e])
    entries = _entries(conn, wanted)
    root = _b64(signed.root_hash)
    proofs: dict[int, LeafProof] = {}
    for index, plan in plans.items():
        entry = entries[index]
        hashes = resolve(reader, plan)
        leaf = leaf_hash(entry)
        verify_inclusion(leaf, index, signed.size, hashes, signed.root_hash)
        proofs[index] = LeafProof(
            leaf_index=index,
            tree_size=signed.size,
            entry=entry.decode(),
            leaf_hash=_b64(leaf),
            hashes=tuple(_b64(h) for h in hashes),
            root_hash=root,
            checkpoint=note,
            verifier_key=publisher.verifier_key,
        )
    return proofs


_NODE_CHUNK = 4000


class _PrefetchedNodes:
    """A NodeReader over the nodes read up front (the proofs of a batch share most of them)."""

    def __init__(self, conn: Connection, ids: list[NodeId]) -> None:
        unique = list(dict.fromkeys(ids))
        stored = StoredNodeReader(conn)
        self.found: dict[NodeId, bytes] = {}
        for start in range(0, len(unique), _NODE_CHUNK):
            chunk = unique[start : start + _NODE_CHUNK]
            self.found.update(zip(chunk, stored.nodes(chunk), strict=True))

    def nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        return [self.found[node] for node in ids]


def _entries(conn: Connection, indexes: list[int]) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    for start in range(0, len(indexes), _CHUNK):
        chunk = indexes[start : start + _CHUNK]
        rows = conn.execute(
            select(log_entries.c.idx, log_entries.c.entry).where(log_entries.c.idx.in_(chunk))
        )
        found.update((int(idx), bytes(entry)) for idx, entry in rows)
    missing = [i for i in indexes if i not in found]
    if missing:
        raise ProofError("entry-missing", f"entry {missing[0]} is not in the log")
    return found


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()
