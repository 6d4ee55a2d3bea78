"""Verification for everyone: what a pack's GS1 Digital Link says about it, with the proof.

`verify_link(db, publisher, uri, now)` answers a patient (or anyone) who scanned the QR code on a
pack: the pharmacist's verdict (`pack_state_verify.verify_pack`), the product, the recall, where
the pack last was — coarsely — and the inclusion proof of the leaf of the event that set the
pack's current state, against the latest signed checkpoint, so the answer can be checked offline
against the log's public key without trusting this server's word.

Privacy: the last custody place is shown as the kind of facility (pharmacy, clinic, distribution
center) and its municipality and state, never the facility's name or GLN: a patient needs to
know the pack passed through the authorized chain, not which pharmacy a neighbour uses. A place
that is not a catalog facility (a manufacturer's plant, a registered warehouse) shows its state.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection

from enlace.kernel.clock import epoch_us
from enlace.modules.catalog import STATES, Facility, Medicine, facilities, medicine_by_gtin
from enlace.modules.trace.checkpoint import Checkpoint, open_checkpoint
from enlace.modules.trace.epcis_locations import facility_location_id
from enlace.modules.trace.errors import Gs1Error, TraceError
from enlace.modules.trace.gs1 import GS1Code
from enlace.modules.trace.gs1_link import digital_link, encode_value, parse_digital_link
from enlace.modules.trace.log_service import LogPublisher, current_checkpoint
from enlace.modules.trace.log_store import StoredNodeReader, read_entries
from enlace.modules.trace.merkle import inclusion_proof, leaf_hash, verify_inclusion
from enlace.modules.trace.pack_state_verify import Verdict, pack_epc, verify_pack
from enlace.store.database import Database

# What the page's colour means; the text always says it too (never colour alone).
SIGNALS = {
    "authentic": "green",
    "already_dispensed": "amber",  # normal in the patient's hand; a warning if sold as new
    "recalled": "red",
    "expired": "red",
    "suspect": "red",
    "unknown": "red",
}
# Genuine packs of the authorized chain, whatever their condition now.
GENUINE = frozenset(("authentic", "already_dispensed", "recalled", "expired"))

_PACK = (
    "SELECT o.location, o.updated_seq, l.region, l.authorized FROM trace_epcis_objects o"
    " LEFT JOIN trace_epcis_locations l ON l.location_id = o.location WHERE o.epc = {p}"
)
_RECALL = "SELECT reason, recalled_us FROM trace_epcis_recalls WHERE gtin = {p} AND lot = {p}"
_SQL = {
    dialect: (_PACK.format(p=p), _RECALL.format(p=p))
    for dialect, p in (("sqlite", "?"), ("postgresql", "%s"))
}


@dataclass(frozen=True, slots=True)
class Custody:
    """Where the pack last was, coarsely (see the module docstring)."""

    facility_kind: str | None  # catalog facility-type code ("pharmacy"), None if not a facility
    municipality: str | None
    state: str | None
    authorized: bool | None  # a registered, authorized place of the chain


@dataclass(frozen=True, slots=True)
class LeafProof:
    """Everything needed to check offline that the pack's latest event is in the signed log."""

    leaf_index: int
    tree_size: int
    entry: str  # the leaf's entry (epcis_leaf format)
    leaf_hash: str  # base64 of SHA-256(0x00 ‖ entry)
    hashes: tuple[str, ...]  # base64, RFC 9162 inclusion proof
    root_hash: str  # base64, the checkpoint's root
    checkpoint: str  # the signed note
    verifier_key: str


@dataclass(frozen=True, slots=True)
class PublicVerification:
    link: str  # the pack's Digital Link, normalised
    code: GS1Code
    verdict: Verdict
    medicine: Medicine | None
    custody: Custody | None
    recall_reason: str | None
    proof: LeafProof | None
    proof_note: str  # why there is no proof, when there is none

    @property
    def signal(self) -> str:
        return SIGNALS.get(self.verdict.status, "red")

    @property
    def genuine(self) -> bool:
        return self.verdict.status in GENUINE

    @property
    def known(self) -> bool:
        return self.verdict.status != "unknown"


def pack_link(gtin: str, lot: str, serial: str, expiry: str | None, resolver: str) -> str:
    """The Digital Link a pack's QR code carries, on `resolver` (this server's public URL).
    Every part is checked the way a scan of it would be (check digit, calendar date, lengths,
    character set): Gs1Error with the parser's reason, so no unverifiable code is ever printed."""
    uri = f"{resolver.rstrip('/')}/01/{gtin}/10/{encode_value(lot)}/21/{encode_value(serial)}"
    code = parse_digital_link(uri + (f"?17={expiry}" if expiry is not None else ""))
    return digital_link(code, resolver)


def read_link(uri: str) -> GS1Code:
    """The pack code of a Digital Link; Gs1Error with the parser's reason when malformed."""
    try:
        return parse_digital_link(uri)
    except Gs1Error:
        raise  # a ValueError too, with the parser's own reason
    except ValueError as exc:  # urlsplit: e.g. an unbalanced "[" in the host
        raise Gs1Error("bad-uri", f"not a URI: {exc}") from None


def verify_link(
    db: Database, publisher: LogPublisher, uri: str, now: datetime
) -> PublicVerification:
    code = read_link(uri)  # malformed links stop here, with the reason
    checkpoint = current_checkpoint(db, publisher, epoch_us(now))
    with db.read() as conn:
        verdict = verify_pack(conn, uri, now.date())
        found = _pack_row(conn, code) if verdict.status != "unknown" else None
        recall = _recall(conn, verdict) if found is not None else None
        proof, note = _proof(conn, found, checkpoint.note, publisher)
    return PublicVerification(
        link=digital_link(code),
        code=code,
        verdict=verdict,
        medicine=medicine_by_gtin(code.gtin),
        custody=_custody(found) if found is not None else None,
        recall_reason=recall,
        proof=proof,
        proof_note=note,
    )


def _pack_row(conn: Connection, code: GS1Code) -> Any:
    return conn.exec_driver_sql(_SQL[conn.dialect.name][0], (pack_epc(code),)).first()


def _recall(conn: Connection, verdict: Verdict) -> str | None:
    if verdict.gtin is None or verdict.lot is None:
        return None
    row = conn.exec_driver_sql(_SQL[conn.dialect.name][1], (verdict.gtin, verdict.lot)).first()
    return None if row is None else str(row.reason)


@lru_cache(maxsize=1)
def _facilities_by_place() -> dict[str, Facility]:
    return {facility_location_id(f.slug): f for f in facilities()}


def _custody(row: Any) -> Custody | None:
    if row.location is None:
        return None
    place = str(row.location).partition("/254/")[0]  # a sub-location belongs to its GLN
    facility = _facilities_by_place().get(place)
    authorized = None if row.authorized is None else bool(row.authorized)
    if facility is None:
        return Custody(None, None, row.region, authorized)
    state = STATES[facility.state][0]
    return Custody(facility.kind, facility.municipality_name, state, authorized)


def _proof(
    conn: Connection, row: Any, note: str, publisher: LogPublisher
) -> tuple[LeafProof | None, str]:
    if row is None:
        return None, "no event of this pack is in the log"
    index = int(row.updated_seq)
    signed = _opened(note, publisher)
    if index >= signed.size:
        return None, "the pack's latest event is not in a signed checkpoint yet; try again shortly"
    reader = StoredNodeReader(conn)
    try:
        entry = read_entries(conn, index, 1)[0]
        hashes = inclusion_proof(reader, index, signed.size)
        verify_inclusion(leaf_hash(entry), index, signed.size, hashes, signed.root_hash)
    except TraceError as exc:  # the store disagrees with its own signed root: say so, loudly
        return None, f"the log could not prove this event: {exc.message}"
    proof = LeafProof(
        leaf_index=index,
        tree_size=signed.size,
        entry=entry.decode(),
        leaf_hash=_b64(leaf_hash(entry)),
        hashes=tuple(_b64(h) for h in hashes),
        root_hash=_b64(signed.root_hash),
        checkpoint=note,
        verifier_key=publisher.verifier_key,
    )
    return proof, ""


@lru_cache(maxsize=4)
def _opened(note: str, publisher: LogPublisher) -> Checkpoint:
    """The checkpoint of a note this log signed. Cached: the same note serves every request
    until the next is issued, and checking its signature again cost a third of a verification."""
    return open_checkpoint(note, [publisher.signer.verifier], publisher.origin)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def as_json(result: PublicVerification) -> dict[str, Any]:
    """The answer for `Accept: application/json` (camelCase, like the log's endpoints)."""
    verdict, proof, custody = result.verdict, result.proof, result.custody
    return {
        "link": result.link,
        "status": verdict.status,
        "signal": result.signal,
        "genuine": result.genuine,
        "reason": verdict.reason,
        "gtin": result.code.gtin,
        "serial": result.code.serial,
        "lot": verdict.lot,
        "expiry": verdict.expiry,
        "product": result.medicine.display if result.medicine else verdict.product,
        "state": verdict.state,
        "lastCustody": None
        if custody is None
        else {
            "facilityKind": custody.facility_kind,
            "municipality": custody.municipality,
            "state": custody.state,
            "authorized": custody.authorized,
        },
        "recalled": result.recall_reason is not None or verdict.state == "recalled",
        "recallReason": result.recall_reason,
        "inclusionProof": None if proof is None else _proof_json(proof),
        "proofNote": result.proof_note or None,
    }


def _proof_json(proof: LeafProof) -> dict[str, Any]:
    return {
        "leafIndex": proof.leaf_index,
        "treeSize": proof.tree_size,
        "entry": proof.entry,
        "leafHash": proof.leaf_hash,
        "hashes": list(proof.hashes),
        "rootHash": proof.root_hash,
        "checkpoint": proof.checkpoint,
        "verifierKey": proof.verifier_key,
    }
