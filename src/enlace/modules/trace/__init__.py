"""Medication traceability (issue 6): GS1 identifiers and a verifiable RFC 9162 transparency log.

The pure parts so far: `gs1` (element strings, DataMatrix, Digital Link), `merkle` (tree hashes and
proofs over a `NodeReader`), `tiles` (C2SP tlog-tiles), `note` and `checkpoint` (C2SP signed notes).
See docs/trace.md.
"""
