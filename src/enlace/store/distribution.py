"""Where every table goes on a Citus cluster: the classification as data (docs/scale.md).

Four kinds:
- `distributed`: hash-distributed by `column`, colocated with the other tables of `group`
  (group "patient": every patient-compartment table, so one patient's rows share a shard and a
  patient's reads, writes and joins are shard-local). Citus needs the column in the primary key
  and in every unique constraint; `tests/integration/test_distribution.py` checks it on the
  migrated schema.
- `pending`: belongs distributed by `column` but is not ready; `why` says what must change
  (a missing column, a unique key that would have to widen). The test checks that a pending
  table really still has the gap, so this list cannot go stale in either direction.
- `reference`: small, read on hot paths by every shard, rarely written: copied to every node.
- `local`: stays on the coordinator (a Citus local table): global sequences and hash chains,
  facility- or network-scale operational tables, jobs; `why` says why it is not distributed.

A table the migrations create but this map does not name fails the test, and so does any table
with a patient column that is neither distributed by it nor given a reason here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["distributed", "pending", "reference", "local"]

# Columns that name a patient (a Patient logical id) in the platform's own tables.
PATIENT_COLUMNS = frozenset({"patient", "patient_id", "patient_key"})


@dataclass(frozen=True)
class Placement:
    kind: Kind
    column: str | None = None  # the distribution column (distributed, pending)
    group: str | None = None  # colocation group (distributed, pending)
    why: str = ""


def by_patient(column: str = "patient", why: str = "") -> Placement:
    return Placement("distributed", column, "patient", why)


def pending(column: str, why: str, group: str = "patient") -> Placement:
    return Placement("pending", column, group, why)


def reference(why: str) -> Placement:
    return Placement("reference", why=why)


def local(why: str) -> Placement:
    return Placement("local", why=why)


# The store's patient key (migration 0038, store/patient_key.py): written by the repository on
# every version and index row. The index tables have no primary key, so they are ready now.
_STORE_WIDEN = (
    "primary key and unique keys must widen to lead with patient_key (cut-over DDL: "
    "enlace.store.citus); reads by Type/id then go through a resource_keys router table, and "
    "an update that moves a resource to another patient becomes a delete and an insert "
    "(docs/scale.md §1)"
)
_WIDEN = "primary key must widen to lead with {col} (cut-over DDL: enlace.store.citus)"
_FACILITY = "facility-scale operational table (thousands of facilities, not millions of patients)"
_GOVERNANCE = "cooperative governance: thousands of rows, read together"

STORE = {
    "resources": pending("patient_key", _STORE_WIDEN),
    "resource_history": pending("patient_key", _STORE_WIDEN),
    **{
        name: by_patient("patient_key", why="search index rows live on their resource's shard")
        for name in (
            "token_index",
            "string_index",
            "date_index",
            "number_index",
            "quantity_index",
            "reference_index",
            "uri_index",
        )
    },
    "search_index_state": local("one row per index configuration"),
    "reindex_jobs": local("background jobs, a handful of rows"),
    "export_jobs": local("background jobs; owner is a user, not a patient"),
    "alembic_version": local("migration bookkeeping"),
    "relay_cursors": local("one row per broker relay"),
    "relay_inbox": local(
        "message ids per consumer; the consumer's node, not the patient, owns the row"
    ),
}

SECURITY = {
    "audit_log": local(
        "one global hash chain (chain_seq, prev_hash): a single ordered sequence cannot span "
        "shards; at national scale it moves to its own node, partitioned by month"
    ),
    "arco_requests": pending("patient_id", _WIDEN.format(col="patient_id")),
    "blocked_resources": reference(
        "checked on every read and joined into searches on every shard; tiny (ARCO blocks)"
    ),
    "security_users": local("people who sign in: tens of thousands"),
    "security_clients": reference("read on every token check, written when a client registers"),
    "security_sessions": local("web sessions, written on every page"),
    "security_authorization_codes": local("short-lived OAuth codes; patient is the launch context"),
    "security_refresh_tokens": local("OAuth tokens; patient is the launch context"),
    "security_used_assertions": local("replay cache of client assertions"),
}

MODULES = {
    # adherence
    "adherence_runs": local("one row per daily job run"),
    "adherence_scores": by_patient(),
    "adherence_therapies": by_patient(),
    "intervention_actions": pending("patient", _WIDEN.format(col="patient")),
    "intervention_assignments": by_patient(),
    # analytics
    "analytics_refresh_state": local("refresh marks, one row per view and target"),
    "analytics_views": reference("view definitions, read by every worker"),
    # care
    "care_appointments": pending("patient", _WIDEN.format(col="patient")),
    "care_referrals": pending("patient", _WIDEN.format(col="patient")),
    "care_slots": local("a practitioner's calendar, booked across patients"),
    # cds
    "cds_cards": pending("patient", _WIDEN.format(col="patient")),
    "cds_feedback": local("feedback on a card, keyed by the card only; low volume"),
    # claims and coverage
    "claims_lines": pending("patient", _WIDEN.format(col="patient")),
    "claims_packs": Placement(
        "distributed", "epc", "pack", "one claim per pack, enforced by epc across the network"
    ),
    "claims_queued_usage": Placement(
        "distributed", "holder", "patient", "the coverage holder is a Patient id"
    ),
    "claims_submissions": by_patient(
        why="the duplicate check finds a claim by claim_key on any shard (ix on claim_key)"
    ),
    "coverage_accumulators": Placement(
        "distributed", "holder", "patient", "the coverage holder is a Patient id"
    ),
    # cold chain
    **{
        name: local(_FACILITY)
        for name in (
            "coldchain_excursions",
            "coldchain_faults",
            "coldchain_holds",
            "coldchain_loggers",
        )
    },
    # cooperative and voting
    **{
        name: local(_GOVERNANCE)
        for name in (
            "coop_member_history",
            "coop_members",
            "coop_obligations",
            "coop_patronage",
            "coop_surplus_runs",
            "coop_surplus_shares",
            "voting_agenda",
            "voting_assemblies",
            "voting_attendance",
            "voting_ballots",
            "voting_bylaws",
            "voting_comments",
            "voting_proposals",
            "voting_proxies",
            "voting_proxy_audit",
            "voting_roll",
        )
    },
    # education (issue 16): staff courses are per practitioner; deliveries per patient
    "education_attempts": local("staff training: practitioners, not patients"),
    "education_enrolments": local("staff training: practitioners, not patients"),
    "education_deliveries": by_patient(
        why="primary key (patient, id) (0040); a delivery link names the id alone (ix on id)"
    ),
    # engagement (the patient app's dose log and self-reported readings)
    "engagement_doses": by_patient(),
    "engagement_dose_log": by_patient(why="primary key (patient, client_id) (0040)"),
    "engagement_readings": by_patient(why="primary key (patient, client_id) (0040)"),
    # finance: the ledger's invariants are triggers over postings that join accounts of
    # different owners (a patient's wallet and a pharmacy's receivable) in one transaction.
    **{
        name: local("double-entry ledger: one posting spans owners; partitioned by time instead")
        for name in (
            "finance_wallet_entries",
            "finance_wallet_members",
            "finance_wallets",
            "ledger_accounts",
            "ledger_hold_lines",
            "ledger_holds",
            "ledger_postings",
            "ledger_transactions",
        )
    },
    # home care
    "homecare_needs": pending("patient", _WIDEN.format(col="patient")),
    "homecare_visits": by_patient(),
    "homecare_nurses": reference("the nurses a route is planned over; small"),
    # inventory (by facility: a dispense writes the patient's shard and the facility's)
    "inventory_balances": Placement("distributed", "facility", "facility", _FACILITY),
    # Ready for the cut-over since migration 0039 (a transfer's in-leg is its own event at the
    # destination, so every line names an event of its own facility): cutover_ddl widens the
    # events' key and the lines' foreign key as a pair. Kept narrow on one node, like the other
    # keys that only widen (docs/scale.md §1): the event id stays unique in the database.
    "inventory_lines": pending(
        "facility",
        "foreign key (event_id) to inventory_events widens to (facility, event_id) -> "
        "(facility, id) with the events' key (cut-over DDL: enlace.store.citus)",
        "facility",
    ),
    "inventory_events": pending(
        "facility",
        "primary key (id) widens to (facility, id) with inventory_lines' foreign key (cut-over "
        "DDL: enlace.store.citus); the idempotency key is unique per facility (0039)",
        "facility",
    ),
    # messaging
    "messaging_attempts": by_patient(),
    "messaging_consents": by_patient(),
    "messaging_outbox": by_patient(why="ON CONFLICT (patient, dedupe_key): migration 0037"),
    "messaging_preferences": by_patient(),
    "messaging_conversations": by_patient(),
    "messaging_doses": pending("patient", _WIDEN.format(col="patient")),
    "messaging_inbound": local(
        "inbound SMS before the sender is matched to a patient (patient NULL); unique gateway id"
    ),
    "messaging_numbers": Placement(
        "distributed", "number", "phone", "inbound SMS find their patient by number (millions)"
    ),
    # monitoring
    "monitoring_alerts": pending("patient", _WIDEN.format(col="patient")),
    "monitoring_devices": Placement(
        "distributed", "id", "device", "patient is NULL while a device is in stock"
    ),
    "monitoring_follows": by_patient(),
    "monitoring_readings": by_patient(
        why="primary key (patient, device, code, effective_us) is the de-duplication (0037)"
    ),
    "monitoring_rejects": local("refused before a patient is known; kept 90 days"),
    # registries
    "registry_cases": pending("patient", _WIDEN.format(col="patient")),
    "registry_links": local("one row per registry"),
    # screening
    "screening_followups": pending("patient", _WIDEN.format(col="patient")),
    "screening_sync_batches": local("offline sync batches of a device; no patient"),
    "screening_sync_conflicts": pending("patient", _WIDEN.format(col="patient")),
    "screening_sync_items": local(
        "idempotency of offline captures; patient is NULL until the capture names one"
    ),
    # subscriptions
    "subscription_cursor": local("one watermark"),
    "subscription_events": local("per-subscription delivery queue, not per patient"),
    "subscription_state": local("one row per subscription"),
    # supply
    **{
        name: local(_FACILITY)
        for name in (
            "supply_delivery_cycles",
            "supply_kpi_pairs",
            "supply_kpi_rollups",
            "supply_requisition_runs",
            "supply_runout_alerts",
            "supply_snapshots",
            "supply_suggestions",
        )
    },
    # traceability: per pack; the transparency log is one Merkle tree, so one writer
    "trace_checkpoints": local("signed checkpoints of the one transparency log"),
    "trace_log_entries": local("the transparency log is one append-only Merkle tree"),
    "trace_log_nodes": local("the transparency log is one append-only Merkle tree"),
    "trace_epcis_objects": Placement("distributed", "epc", "pack", "a pack's current state"),
    "trace_epcis_event_epcs": Placement("distributed", "epc", "pack", "a pack's events"),
    "trace_epcis_events": local(
        "events name many packs and are found through event_epcs; unique event_id is global"
    ),
    "trace_epcis_alerts": local("traceability alerts for the regulator; low volume"),
    "trace_epcis_locations": reference("GLNs of the network's sites; read on every capture"),
    "trace_epcis_recalls": reference("read on every dispense verification; tiny"),
    # vigilance
    "vigilance_cases": pending("patient", _WIDEN.format(col="patient")),
    "vigilance_signal_reviews": local("drug-event signal reviews; not per patient"),
    "vigilance_signals": local("drug-event pairs; not per patient"),
}

PLACEMENTS: dict[str, Placement] = {**STORE, **SECURITY, **MODULES}


# Families of tables placed by their name's prefix (their owners add tables often).
PREFIXES: dict[str, Placement] = {
    "job_": local("scheduled jobs' leases, runs and heartbeats: a few rows per job"),
}


def placement(table: str, placements: dict[str, Placement] | None = None) -> Placement | None:
    found = (PLACEMENTS if placements is None else placements).get(table)
    if found is not None:
        return found
    return next((p for prefix, p in PREFIXES.items() if table.startswith(prefix)), None)


def of_kind(kind: Kind) -> list[str]:
    return sorted(name for name, p in PLACEMENTS.items() if p.kind == kind)
