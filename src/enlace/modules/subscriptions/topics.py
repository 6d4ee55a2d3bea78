"""Subscription topics (what the R5 SubscriptionTopic resource says, kept in code as the R4
backport allows): a canonical URL, the resource type it watches, the interactions that trigger
it, an optional test on the resource, and the filters a Subscription may narrow it by
(`backport-filter-criteria`, e.g. `Claim?patient=Patient/p1`).

Other modules add their own topics through `register_topic` (bootstrap wires the registry's);
the built-in ones cover the external systems the platform serves: a payer or public system
receiving new or updated claims, new dispenses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BASE = "http://enlace.mx/fhir/SubscriptionTopic"
INTERACTIONS = ("create", "update", "delete")

Resource = dict[str, Any]
FilterValues = Callable[[Resource], set[str]]


@dataclass(frozen=True)
class Topic:
    url: str
    resource_type: str
    interactions: frozenset[str]
    title: str
    matches: Callable[[Resource], bool] = lambda _resource: True
    # filter name -> the values a resource has for it (a Subscription's filter must be one of them)
    filters: dict[str, FilterValues] = field(default_factory=dict)


def reference_of(element: str) -> FilterValues:
    def values(resource: Resource) -> set[str]:
        found = resource.get(element)
        ref = found.get("reference") if isinstance(found, dict) else None
        return {ref} if isinstance(ref, str) else set()

    return values


def _status(resource: Resource) -> set[str]:
    status = resource.get("status")
    return {status} if isinstance(status, str) else set()


CLAIM = Topic(
    f"{BASE}/claim",
    "Claim",
    frozenset({"create", "update"}),
    "New or updated Claim",
    filters={"patient": reference_of("patient"), "status": _status},
)
DISPENSE = Topic(
    f"{BASE}/medication-dispense",
    "MedicationDispense",
    frozenset({"create"}),
    "New MedicationDispense",
    filters={"subject": reference_of("subject"), "status": _status},
)

_TOPICS: dict[str, Topic] = {t.url: t for t in (CLAIM, DISPENSE)}


def register_topic(topic: Topic) -> None:
    """Offer a topic (idempotent: registering the same URL again replaces it)."""
    _TOPICS[topic.url] = topic


def topic(url: str) -> Topic | None:
    return _TOPICS.get(url)


def all_topics() -> list[Topic]:
    return sorted(_TOPICS.values(), key=lambda t: t.url)


def interaction_of(version: int, deleted: bool) -> str:
    if deleted:
        return "delete"
    return "create" if version == 1 else "update"


def parse_filter(criteria: str) -> tuple[str, dict[str, str]]:
    """`Type?name=value&name=value` -> (type, {name: value}); a bare type has no filters."""
    resource_type, _, query = criteria.partition("?")
    pairs: dict[str, str] = {}
    for part in query.split("&") if query else []:
        name, _, value = part.partition("=")
        pairs[name] = value
    return resource_type, pairs


def passes(chosen: Topic, filters: dict[str, str], resource: Resource) -> bool:
    """The topic's own test and every filter of the Subscription hold for the resource."""
    if not chosen.matches(resource):
        return False
    return all(value in chosen.filters[name](resource) for name, value in filters.items())
