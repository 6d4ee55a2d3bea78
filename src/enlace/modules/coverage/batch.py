"""Eligibility for many requests in one transaction (claims adjudicated in monthly cycles).

`CoverageBatch` reads every Coverage of the batch and their accumulators once, checks each
request with the same `check_eligibility` as `service.check`, keeps the usage of what it
records in memory (so a later request of the same coverage or family policy in the batch sees
it), and writes all of it with one upsert in `flush`. It locks its coverages' and policies'
usage first (`store.lock_usage`), so a concurrent batch or dispense on the same policy waits
for this transaction instead of reading accumulators about to change. Per request this saves the Coverage read,
the accumulator read and the usage write that `check` + `record_usage` cost one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection

from . import fhir_map, store
from .domain import CoverageFacts, EligibilityResult, Item, Network, Plan
from .eligibility import check_eligibility, stored_usage

_NO_PLAN = Plan("", "", "", "", (), Network(()))
_USAGE_OF = "SELECT holder, period, bucket, amount FROM coverage_accumulators WHERE holder IN ({})"


class CoverageBatch:
    def __init__(self, services: Any, conn: Connection, coverage_ids: Iterable[str]) -> None:
        self.services, self.conn = services, conn
        stored = services.repo.current_many(conn, "Coverage", coverage_ids)
        self.resources = {cid: v.resource() for cid, v in stored.items() if not v.deleted}
        self.facts: dict[str, CoverageFacts | None] = {
            cid: _facts(resource) for cid, resource in self.resources.items()
        }
        holders = {h for f in self.facts.values() if f for h in (f.coverage_id, f.policy_id)}
        store.lock_usage(conn, holders)  # held to the end of the caller's transaction
        self.usage = _read_usage(conn, sorted(holders))
        self.delta: dict[tuple[str, str, str], int] = {}

    def coverage(self, coverage_id: str) -> dict[str, Any] | None:
        """The stored Coverage resource (None when absent or deleted)."""
        return self.resources.get(coverage_id)

    def check(
        self, coverage_id: str, items: Sequence[Item], on_date: date, record: bool
    ) -> EligibilityResult:
        """As `service.check`; with `record`, the covered items count at once (as
        `record_usage` would) and are written by `flush`."""
        facts = self.facts.get(coverage_id)
        plan = store.plan(self.services.repo, self.conn, facts.plan_id) if facts else None
        if facts is None or plan is None:
            facts = CoverageFacts(coverage_id, coverage_id, "", False, on_date, None)
            return check_eligibility(_NO_PLAN, facts, {}, items, on_date)
        result = check_eligibility(plan, facts, self.usage, items, on_date, store.products())
        if record:
            self.record(result)
        return result

    def record(self, result: EligibilityResult) -> dict[tuple[str, str, str], int]:
        """Count a checked result's covered items (for a caller that looked at the answer
        before deciding to record it); written by `flush`. Returns what it added, so a caller
        can give it back later (`release_usage`)."""
        added = stored_usage(result)
        for key, amount in added.items():
            self.usage[key] = self.usage.get(key, 0) + amount
            self.delta[key] = self.delta.get(key, 0) + amount
        return added

    def flush(self) -> None:
        store.add_usage(self.conn, self.delta)
        self.delta = {}


def _facts(resource: dict[str, Any]) -> CoverageFacts | None:
    try:
        return fhir_map.coverage_facts(resource)
    except ValueError:
        return None


def _read_usage(conn: Connection, holders: list[str]) -> dict[tuple[str, str, str], int]:
    usage: dict[tuple[str, str, str], int] = {}
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    for start in range(0, len(holders), 500):
        chunk = holders[start : start + 500]
        statement = _USAGE_OF.format(", ".join([mark] * len(chunk)))
        for h, p, b, a in conn.exec_driver_sql(statement, tuple(chunk)):
            usage[(h, p, b)] = int(a)
    return usage
