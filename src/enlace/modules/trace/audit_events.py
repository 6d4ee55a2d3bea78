"""The audit's event check: every EPCIS event the server serves is the event its leaf records.

The log audit (`audit.audit`) streams every entry bundle up to the current checkpoint and checks
each entry against its leaf hash. `EventMatcher.entries` rides along on those same entries (so
the entries compared are exactly the ones the audit bound to the signed root), walking them in
step with the events of `GET /epcis/events` (log order, each carrying its `enlace:leafIndex`):
- a served event's recomputed GS1 event hash, eventID and recordTime must be its leaf's;
- a leaf that records an EPCIS event must have its event served (a deleted event is caught);
- an event must claim a leaf that records an EPCIS event, each leaf once, in order.
Events captured after the checkpoint (leaf index ≥ its size) are counted, not checked: no signed
root covers them yet. Memory stays bounded: one bundle and one page of events at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from enlace.modules.trace.audit import AuditProblem
from enlace.modules.trace.epcis_hash import event_hash, namespaces
from enlace.modules.trace.epcis_leaf import LeafEvent, parse_leaf_entry
from enlace.modules.trace.epcis_query import LEAF_INDEX
from enlace.modules.trace.errors import TraceError

# One page of `GET /epcis/events`: an EPCISQueryDocument, as JSON.
QueryPage = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ServedEvent:
    leaf_index: int
    event: dict[str, Any]  # as served, without the leaf index
    namespaces: dict[str, str]  # the query document's prefixes

    @property
    def name(self) -> str:
        return str(self.event.get("eventID") or f"at leaf {self.leaf_index}")


def served_events(pages: Iterable[QueryPage]) -> Iterator[ServedEvent]:
    """The events of query pages, in order, each with its leaf index and its page's prefixes."""
    for page in pages:
        try:
            ns = namespaces(page.get("@context"))
            found = page["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        except (KeyError, TypeError, AttributeError):
            raise AuditProblem(
                "bad-query-page", "GET /epcis/events: not a query document"
            ) from None
        for event in found:
            yield _served(event, ns)


def _served(event: Any, ns: dict[str, str]) -> ServedEvent:
    if not isinstance(event, dict):
        raise AuditProblem("bad-event", "GET /epcis/events: an event that is not an object")
    index = event.get(LEAF_INDEX)
    rest = {k: v for k, v in event.items() if k != LEAF_INDEX}
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        name = rest.get("eventID", "?")
        raise AuditProblem("no-leaf-index", f"event {name}: no {LEAF_INDEX} in the query answer")
    return ServedEvent(index, rest, ns)


class EventMatcher:
    """Feed it every entry bundle in log order (`entries`), then call `finish`."""

    def __init__(self, events: Iterable[ServedEvent]) -> None:
        self._events = iter(events)
        self._next: ServedEvent | None = None
        self._started = False
        self.checked = 0
        self.size = 0

    def entries(self, first: int, entries: list[bytes]) -> None:
        for offset, entry in enumerate(entries):
            self._leaf(first + offset, entry)
        self.size = first + len(entries)

    def finish(self) -> int:
        """The number of events served beyond the audited size (captured since the checkpoint).
        Raises AuditProblem if an event claims a leaf the walk passed without finding it."""
        newer = 0
        while (event := self._peek()) is not None:
            if event.leaf_index < self.size:
                raise _claims_nothing(event)
            newer += 1
            self._advance()
        return newer

    def _peek(self) -> ServedEvent | None:
        if not self._started:
            self._started = True
            self._advance()
        return self._next

    def _advance(self) -> None:
        previous = self._next
        self._next = next(self._events, None)
        following = self._next
        if previous is not None and following is not None:
            _check_order(previous, following)

    def _leaf(self, index: int, entry: bytes) -> None:
        leaf = _epcis_leaf(entry)
        event = self._peek()
        if event is not None and event.leaf_index < index:
            raise _claims_nothing(event)
        if event is None or event.leaf_index > index:
            if leaf is not None:
                raise AuditProblem(
                    "event-missing",
                    f"leaf {index} records event {leaf.event_id}, which the server does not serve",
                )
            return
        if leaf is None:
            raise AuditProblem(
                "not-an-event-leaf",
                f"event {event.name} claims leaf {index}, which records no EPCIS event",
            )
        _compare(event, leaf)
        self.checked += 1
        self._advance()


def _check_order(previous: ServedEvent, following: ServedEvent) -> None:
    if following.leaf_index <= previous.leaf_index:
        raise AuditProblem(
            "event-order",
            f"event {following.name} claims leaf {following.leaf_index}, "
            f"not after leaf {previous.leaf_index} of the event before it",
        )


def _epcis_leaf(entry: bytes) -> LeafEvent | None:
    try:
        return parse_leaf_entry(entry)
    except TraceError:
        return None  # another kind of leaf (a dispense, say): no event to match


def _claims_nothing(event: ServedEvent) -> AuditProblem:
    return AuditProblem(
        "no-such-leaf",
        f"event {event.name} claims leaf {event.leaf_index}, which the walk did not match",
    )


def _compare(served: ServedEvent, leaf: LeafEvent) -> None:
    where = f"event {served.name} (leaf {served.leaf_index})"
    if served.event.get("eventID") != leaf.event_id:
        raise AuditProblem(
            "event-id-mismatch", f"{where}: the leaf records eventID {leaf.event_id}"
        )
    if served.event.get("recordTime") != leaf.record_time:
        raise AuditProblem(
            "record-time-mismatch", f"{where}: the leaf records recordTime {leaf.record_time}"
        )
    try:
        recomputed = event_hash(served.event, served.namespaces)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise AuditProblem("event-unhashable", f"{where}: cannot hash it ({exc})") from None
    if recomputed != leaf.event_hash:
        raise AuditProblem(
            "event-hash-mismatch",
            f"{where}: the served event hashes to {recomputed}, its leaf records {leaf.event_hash}",
        )
