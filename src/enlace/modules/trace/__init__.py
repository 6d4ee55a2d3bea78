"""Medication traceability (issue 6): GS1 pack codes and a verifiable RFC 9162 transparency log.

Public API for other modules (docs/trace.md). So far the pure layer: GS1 codes in every form, the
Merkle math over a `NodeReader`, C2SP tiles, signed-note checkpoints. Storage, EPCIS capture and
the endpoints build on these.
"""

from __future__ import annotations

from enlace.modules.trace.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from enlace.modules.trace.errors import Gs1Error, NoteError, ProofError, TileError, TraceError
from enlace.modules.trace.frontier import Frontier
from enlace.modules.trace.gs1 import GS1Code, datamatrix_content, element_string, hri, parse_scan
from enlace.modules.trace.gs1_link import digital_link, parse_digital_link
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

__all__ = [
    "Checkpoint",
    "Frontier",
    "GS1Code",
    "Gs1Error",
    "NodeReader",
    "NoteError",
    "ProofError",
    "Signer",
    "TileError",
    "TraceError",
    "Verifier",
    "consistency_proof",
    "datamatrix_content",
    "digital_link",
    "element_string",
    "generate_signer",
    "hri",
    "inclusion_proof",
    "leaf_hash",
    "open_checkpoint",
    "parse_digital_link",
    "parse_scan",
    "parse_signer",
    "parse_verifier",
    "root_hash",
    "sign_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]
