"""Medication traceability (issue 6): GS1 pack codes and a verifiable RFC 9162 transparency log.

Public API for other modules (docs/trace.md). So far the pure layer: GS1 codes in every form, the
Merkle math over a `NodeReader`, C2SP tiles, signed-note checkpoints. Storage, EPCIS capture and
the endpoints build on these.
"""

from __future__ import annotations

from enlace.modules.trace.alert_counts import alerts_by_facility
from enlace.modules.trace.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from enlace.modules.trace.dispense_proof import (
    PRESCRIPTION_BTT,
    DispenseRecord,
    canonical_pack,
    dispensing_events,
    known_packs,
    leaf_proofs,
    prescription_transaction,
)
from enlace.modules.trace.epcis_capture import CaptureReport, capture, capture_document
from enlace.modules.trace.epcis_hash import event_hash
from enlace.modules.trace.epcis_leaf import parse_leaf_entry
from enlace.modules.trace.epcis_locations import (
    facility_location_id,
    register_facilities,
    register_location,
)
from enlace.modules.trace.epcis_model import EpcisError
from enlace.modules.trace.epcis_query import EventQuery, find_events, query_events
from enlace.modules.trace.errors import Gs1Error, NoteError, ProofError, TileError, TraceError
from enlace.modules.trace.events_alerts import Alert, list_alerts
from enlace.modules.trace.frontier import Frontier
from enlace.modules.trace.gs1 import GS1Code, datamatrix_content, element_string, hri, parse_scan
from enlace.modules.trace.gs1_link import digital_link, parse_digital_link
from enlace.modules.trace.log_service import (
    LogPublisher,
    issue_checkpoint,
    latest_checkpoint,
    log_publisher,
)
from enlace.modules.trace.log_store import StoredNodeReader, append_entries
from enlace.modules.trace.merkle import (
    NodeReader,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from enlace.modules.trace.note import (
    Signer,
    Verifier,
    generate_signer,
    parse_signer,
    parse_verifier,
)
from enlace.modules.trace.pack_state_recall import RecallReport, recall_lot
from enlace.modules.trace.pack_state_verify import Verdict, verify_pack
from enlace.modules.trace.pack_stock import StockedPack, alert_kinds_by_epc, packs_at
from enlace.modules.trace.public_verify import LeafProof

__all__ = [
    "PRESCRIPTION_BTT",
    "Alert",
    "CaptureReport",
    "Checkpoint",
    "DispenseRecord",
    "EpcisError",
    "EventQuery",
    "Frontier",
    "GS1Code",
    "Gs1Error",
    "LeafProof",
    "LogPublisher",
    "NodeReader",
    "NoteError",
    "ProofError",
    "RecallReport",
    "Signer",
    "StockedPack",
    "StoredNodeReader",
    "TileError",
    "TraceError",
    "Verdict",
    "Verifier",
    "alert_kinds_by_epc",
    "alerts_by_facility",
    "append_entries",
    "canonical_pack",
    "capture",
    "capture_document",
    "consistency_proof",
    "datamatrix_content",
    "digital_link",
    "dispensing_events",
    "element_string",
    "event_hash",
    "facility_location_id",
    "find_events",
    "generate_signer",
    "hri",
    "inclusion_proof",
    "issue_checkpoint",
    "known_packs",
    "latest_checkpoint",
    "leaf_hash",
    "leaf_proofs",
    "list_alerts",
    "log_publisher",
    "open_checkpoint",
    "packs_at",
    "parse_digital_link",
    "parse_leaf_entry",
    "parse_scan",
    "parse_signer",
    "parse_verifier",
    "prescription_transaction",
    "query_events",
    "recall_lot",
    "register_facilities",
    "register_location",
    "root_hash",
    "sign_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_pack",
]
