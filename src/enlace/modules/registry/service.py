"""Registry use cases: the registry-case topic, connecting a registry's endpoint (a
Subscription on that topic, so each institution's new and updated cases reach it without
manual work), selecting the cases, and completeness and timeliness per institution."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select

from enlace.kernel import errors
from enlace.modules import subscriptions
from enlace.modules.subscriptions import topics as subscription_topics
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

from .domain import REGISTRIES, icd10_codes, institution_of, patient_of, registries_of
from .tables import cases, links

TOPIC_URL = f"{subscription_topics.BASE}/registry-case"
ON_TIME_DAYS = 30  # a case is reported on time within this many days of being recorded
DAY_US = 86_400 * 1_000_000
PAGE = 1000


def _institution(condition: dict[str, Any]) -> set[str]:
    return {institution_of(condition)}


TOPIC = subscriptions.Topic(
    TOPIC_URL,
    "Condition",
    frozenset({"create", "update"}),
    "Registry case (a Condition a disease registry selects)",
    matches=lambda condition: bool(registries_of(condition)),
    filters={"registry": registries_of, "institution": _institution},
)


def registry_subscription(
    registry: str, endpoint: str, heartbeat_s: int | None = None, headers: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The Subscription that delivers a registry's cases (full resources) to its endpoint,
    sending `headers` ("Name: value", e.g. the registry's Authorization) with each post."""
    channel: dict[str, Any] = {
        "type": "rest-hook",
        "endpoint": endpoint,
        "payload": "application/fhir+json",
        "_payload": {
            "extension": [{"url": subscriptions.PAYLOAD_CONTENT, "valueCode": "full-resource"}]
        },
    }
    if headers:
        channel["header"] = list(headers)
    if heartbeat_s:
        channel["extension"] = [{"url": subscriptions.HEARTBEAT, "valueUnsignedInt": heartbeat_s}]
    return {
        "resourceType": "Subscription",
        "meta": {"profile": [subscriptions.PROFILE]},
        "status": "requested",
        "reason": f"Casos del registro '{registry}'",
        "criteria": TOPIC_URL,
        "_criteria": {
            "extension": [
                {
                    "url": subscriptions.FILTER_CRITERIA,
                    "valueString": f"Condition?registry={registry}",
                }
            ]
        },
        "channel": channel,
    }


def connect(
    conn: Connection,
    repo: FhirRepository,
    registry: str,
    endpoint: str,
    allow_http: bool,
    headers: tuple[str, ...] = (),
) -> str:
    """Point a registry at its endpoint: store its Subscription (replacing an earlier one to
    another endpoint or with other headers; the same one is kept, so what it delivered still
    counts) and remember it. The id of the Subscription."""
    if registry not in REGISTRIES:
        raise errors.bad_request(
            f"Unknown registry '{registry}' (known: {', '.join(sorted(REGISTRIES))})", "registry"
        )
    resource = registry_subscription(registry, endpoint, headers=headers)
    problems = subscriptions.subscription_checker(allow_http)(resource)
    if problems:
        raise errors.FhirError(400, problems)
    earlier = conn.execute(
        select(links.c.subscription).where(links.c.registry == registry)
    ).scalar()
    stored = repo.current(conn, "Subscription", earlier) if earlier is not None else None
    if stored is not None and not stored.deleted:
        current = stored.resource()
        if _same_channel(current, resource):
            if current.get("status") == "error":  # ask for a new handshake, keep its history
                current["status"] = "requested"
                current.pop("error", None)
                repo.update(conn, current, str(earlier))
            return str(earlier)
        repo.delete(conn, "Subscription", str(earlier))
    created = repo.create(conn, resource).id
    conn.execute(delete(links).where(links.c.registry == registry))
    conn.execute(insert(links).values(registry=registry, subscription=created))
    return created


def _same_channel(stored: dict[str, Any], wanted: dict[str, Any]) -> bool:
    keys = ("endpoint", "header")
    have, want = stored.get("channel") or {}, wanted["channel"]
    return stored.get("status") != "off" and all(have.get(k) == want.get(k) for k in keys)


def link_of(db: Database, registry: str) -> str | None:
    """The id of the Subscription the registry receives its cases through (None: not connected)."""
    with db.read() as conn:
        found: str | None = conn.execute(
            select(links.c.subscription).where(links.c.registry == registry)
        ).scalar()
    return found


def select_cases(db: Database, repo: FhirRepository, now_us: int) -> int:
    """Record every current Condition a registry selects (and drop those no longer selected)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    with db.read() as conn:
        after = None
        while page := repo.scan(conn, "Condition", after=after, limit=PAGE):
            for version in page:
                condition = orjson.loads(version.content or b"{}")
                for registry in registries_of(condition):
                    found[(registry, version.id)] = _case(registry, version.id, condition, now_us)
            after = page[-1].id
        for key, row in found.items():
            row["recorded_us"] = repo.vread(conn, "Condition", key[1], 1).last_updated_us
    with db.begin() as conn:
        conn.execute(delete(cases))
        if found:
            conn.execute(insert(cases), list(found.values()))
    return len(found)


def _case(
    registry: str, condition_id: str, condition: dict[str, Any], now_us: int
) -> dict[str, Any]:
    codes = [c for c in icd10_codes(condition) if REGISTRIES[registry].selects(c)]
    return {
        "registry": registry,
        "condition": condition_id,
        "patient": patient_of(condition),
        "institution": institution_of(condition),
        "code": codes[0],
        "seen_us": now_us,
    }


@dataclass(frozen=True)
class InstitutionIndicators:
    institution: str
    cases: int
    reported: int
    on_time: int
    median_days_to_report: float | None

    @property
    def completeness(self) -> float:
        return self.reported / self.cases if self.cases else 0.0

    @property
    def timeliness(self) -> float:
        """Share of the cases reported within ON_TIME_DAYS of being recorded."""
        return self.on_time / self.cases if self.cases else 0.0


def indicators(db: Database, registry: str) -> list[InstitutionIndicators]:
    """Completeness and timeliness per institution, from the selected cases and what the
    registry's Subscription delivered (run select_cases first)."""
    with db.read() as conn:
        link = conn.execute(
            select(links.c.subscription).where(links.c.registry == registry)
        ).scalar()
        delivered = subscriptions.first_delivered(conn, link, "Condition") if link else {}
        rows = conn.execute(select(cases).where(cases.c.registry == registry)).all()
    by_institution: dict[str, list[Any]] = {}
    for row in rows:
        by_institution.setdefault(row.institution, []).append(row)
    return [
        _institution_figures(name, group, delivered)
        for name, group in sorted(by_institution.items())
    ]


def _institution_figures(
    name: str, group: list[Any], delivered: dict[str, int]
) -> InstitutionIndicators:
    delays = [
        (delivered[r.condition] - r.recorded_us) / DAY_US for r in group if r.condition in delivered
    ]
    return InstitutionIndicators(
        institution=name,
        cases=len(group),
        reported=len(delays),
        on_time=sum(1 for d in delays if d <= ON_TIME_DAYS),
        median_days_to_report=statistics.median(delays) if delays else None,
    )
