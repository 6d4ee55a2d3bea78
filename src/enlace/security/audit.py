"""Audit entries and their hash chain, pure: no database (storage is enlace.security.audit_log).

Every access is one `AuditEntry`: who (actor, display, FHIR user, role, organization, client,
token), what (action, interaction, resource, whose record), why (purpose, reason), how it ended
(HTTP status) and where from (request id, source address). Its FHIR form is
`audit_fhir.to_audit_event`.

The chain: the sealer gives each stored row a position (`chain_seq` 1, 2, 3, ...), the hash of the
row before it (`prev_hash`) and its own `hash` = SHA-256 over a canonical serialization of
`prev_hash` and every other column, position and `seq` included. Changing any field of a sealed
row changes its hash; deleting, inserting or reordering sealed rows breaks a position or a link.
What a chain alone cannot show is a truncated tail or a tail recomputed by someone with write
access to the database: hence the head each sealing logs (an anchor kept outside the database),
which `verify_rows` checks when given.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import orjson

from .access import Access

if TYPE_CHECKING:
    from .users import LoginAttempt

# C R U D E are FHIR's AuditEvent.action codes; the last three are kinds of E or R (audit_fhir).
ACTIONS = frozenset({"C", "R", "U", "D", "E", "search", "login", "export"})

# The columns an entry fills, in the order they are inserted and hashed.
ENTRY_COLUMNS = (
    "recorded_us",
    "action",
    "interaction",
    "outcome",
    "actor",
    "actor_display",
    "fhir_user",
    "role",
    "organization",
    "client_id",
    "token_id",
    "resource_type",
    "resource_id",
    "patient_id",
    "purpose",
    "reason",
    "query",
    "request_id",
    "source_ip",
)
HASHED_COLUMNS = ("seq", "chain_seq", *ENTRY_COLUMNS)  # every column but prev_hash and hash
CHAIN_VERSION = "enlace-audit-1"  # part of every hash: a new serialization gets a new tag
GENESIS = "0" * 64  # prev_hash of chain position 1

DEFAULT_HORIZON_US = 5_000_000
# A row sealed after rows recorded this much later than it is listed as late (not a break):
# a transaction that ran that long, a buffer that could not flush, or a back-dated insert.
LATE_AFTER_US = 600_000_000
LATE_LISTED = 20


# Not frozen: a frozen dataclass sets each of its 19 fields through object.__setattr__, which
# tripled the cost of building an entry on every read.
@dataclass(slots=True, kw_only=True)
class AuditEntry:
    action: str  # one of ACTIONS
    interaction: str  # FHIR restful-interaction code (read, search-type, ...), login, $export ...
    outcome: int  # HTTP status
    actor: str  # user id or client id; "system" for the platform itself
    recorded_us: int
    actor_display: str | None = None
    fhir_user: str | None = None  # e.g. Practitioner/123
    role: str | None = None
    organization: str | None = None  # Organization id
    client_id: str | None = None
    token_id: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    patient_id: str | None = None  # whose record: what the patient's access log lists
    purpose: str | None = None  # v3 PurposeOfUse: TREAT, ETREAT (break-glass), HPAYMT ...
    reason: str | None = None
    query: str | None = None  # a search's or export's query string
    request_id: str | None = None
    source_ip: str | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"audit action '{self.action}' is not one of {sorted(ACTIONS)}")

    @classmethod
    def of(
        cls,
        access: Access,
        *,
        action: str,
        interaction: str,
        outcome: int,
        recorded_us: int,
        actor_display: str | None = None,
        resource_type: str | None = None,
        resource_id: str | None = None,
        patient_id: str | None = None,
        query: str | None = None,
        request_id: str | None = None,
        source_ip: str | None = None,
    ) -> AuditEntry:
        """An entry for what `access` did: who and why come from it."""
        return cls(
            action=action,
            interaction=interaction,
            outcome=outcome,
            recorded_us=recorded_us,
            actor=access.actor,
            actor_display=actor_display,
            fhir_user=access.fhir_user,
            role=access.role,
            organization=access.organization,
            client_id=access.client_id,
            token_id=access.token_id,
            purpose=access.purpose,
            reason=access.reason,
            resource_type=resource_type,
            resource_id=resource_id,
            patient_id=patient_id,
            query=query,
            request_id=request_id,
            source_ip=source_ip,
        )

    def values(self) -> tuple[Any, ...]:
        """The ENTRY_COLUMNS values, in order, ready to insert."""
        return _entry_values(self)


_entry_values = attrgetter(*ENTRY_COLUMNS)


def hits(search: AuditEntry, found: Iterable[tuple[str, str, str | None]]) -> list[AuditEntry]:
    """One entry per search hit (resource type, id, patient id), each carrying the search."""
    return [replace(search, resource_type=t, resource_id=i, patient_id=p) for t, i, p in found]


def login_entry(
    attempt: LoginAttempt,
    *,
    request_id: str | None = None,
    source_ip: str | None = None,
    client_id: str | None = None,
) -> AuditEntry:
    """A login step (password or TOTP), successful or not, with the reason it failed. An unknown
    username is not recorded: people type their password into that field by mistake."""
    return AuditEntry(
        action="login",
        interaction="login",
        outcome=200 if attempt.succeeded else 401,
        actor=attempt.user_id or "unknown-user",
        recorded_us=attempt.at_us,
        client_id=client_id,
        reason=f"{attempt.step}: {attempt.outcome}",
        request_id=request_id,
        source_ip=source_ip,
    )


def entry_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a row with its predecessor's hash: a JSON array (unambiguous, typed:
    null is not "", 200 is not "200") of the chain version, prev_hash and HASHED_COLUMNS."""
    payload = orjson.dumps([CHAIN_VERSION, prev_hash, *[row[c] for c in HASHED_COLUMNS]])
    return hashlib.sha256(payload).hexdigest()


@dataclass(frozen=True)
class Link:
    seq: int
    chain_seq: int
    prev_hash: str
    hash: str


def chain_links(
    head_position: int, head_hash: str, rows: Sequence[Mapping[str, Any]]
) -> list[Link]:
    """The chain positions and hashes of unsealed rows appended, in the given order, after the
    head (position 0 and GENESIS for an empty chain)."""
    links = []
    prev_hash = head_hash
    for position, row in enumerate(rows, start=head_position + 1):
        digest = entry_hash(prev_hash, {**row, "chain_seq": position})
        links.append(Link(row["seq"], position, prev_hash, digest))
        prev_hash = digest
    return links


@dataclass
class VerifyReport:
    checked: int = 0  # sealed rows walked
    unsealed: int = 0
    head_position: int = 0  # chain_seq of the last sealed row walked
    head_hash: str = GENESIS
    broken_seq: int | None = None  # seq of the first row where the chain breaks
    broken_position: int | None = None
    problem: str | None = None
    late_count: int = 0
    late: list[int] = field(default_factory=list)  # seqs, the first LATE_LISTED

    @property
    def ok(self) -> bool:
        return self.problem is None


class ChainWalk:
    """`verify`'s state, fed sealed rows in chain_seq order, batch by batch."""

    def __init__(self, anchors: Mapping[int, str] | None = None) -> None:
        self.report = VerifyReport()
        self.anchors = dict(anchors or {})
        self.newest_us: int | None = None

    def feed(self, rows: Iterable[Mapping[str, Any]]) -> bool:
        """Walk rows; False once the chain is found broken (the report says where and why)."""
        report = self.report
        for row in rows:
            problem = self._problem(row)
            if problem is not None:
                report.problem = problem
                report.broken_seq = row["seq"]
                report.broken_position = row["chain_seq"]
                return False
            report.checked += 1
            report.head_position = row["chain_seq"]
            report.head_hash = row["hash"]
            self._note_late(row)
        return True

    def finish(self) -> VerifyReport:
        """Anchors past the walked head mean the chain lost its tail."""
        report = self.report
        missing = [p for p in self.anchors if p > report.head_position]
        if report.ok and missing:
            report.problem = (
                f"chain ends at position {report.head_position}, but position {min(missing)} "
                "was sealed and anchored: rows were deleted from the end"
            )
            report.broken_position = min(missing)
        return report

    def _problem(self, row: Mapping[str, Any]) -> str | None:
        report = self.report
        expected = report.head_position + 1
        position = row["chain_seq"]
        if position != expected:
            return (
                f"chain position {position} follows {report.head_position}: "
                f"position {expected} is missing (row deleted or renumbered)"
            )
        if row["prev_hash"] != report.head_hash:
            return (
                f"prev_hash does not match the hash of position {report.head_position} "
                "(a row inserted, deleted or moved)"
            )
        if entry_hash(report.head_hash, row) != row["hash"]:
            return "the row's contents changed after it was sealed (hash mismatch)"
        anchored = self.anchors.get(position)
        if anchored is not None and anchored != row["hash"]:
            return f"hash differs from the anchor logged for position {position} (chain rewritten)"
        return None

    def _note_late(self, row: Mapping[str, Any]) -> None:
        recorded = row["recorded_us"]
        if self.newest_us is not None and recorded < self.newest_us - LATE_AFTER_US:
            self.report.late_count += 1
            if len(self.report.late) < LATE_LISTED:
                self.report.late.append(row["seq"])
        if self.newest_us is None or recorded > self.newest_us:
            self.newest_us = recorded


def verify_rows(
    rows: Iterable[Mapping[str, Any]], anchors: Mapping[int, str] | None = None
) -> VerifyReport:
    """Check sealed rows given in chain_seq order (the whole chain, from position 1)."""
    walk = ChainWalk(anchors)
    walk.feed(rows)
    return walk.finish()


def parse_anchor(text: str) -> tuple[int, str]:
    """`POSITION:HASH`, as the sealer logs it."""
    position, colon, digest = text.partition(":")
    if not colon or not position.isdigit() or len(digest) != 64:
        raise ValueError(f"an anchor is POSITION:SHA256HEX, not '{text}'")
    return int(position), digest.lower()
