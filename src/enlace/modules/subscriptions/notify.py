"""Notification bundles of the R4 backport: a `history` Bundle whose first entry is the
SubscriptionStatus (a Parameters with the backport-subscription-status-r4 profile), then one
entry per event focus (id-only: fullUrl and request; full-resource: the resource too; empty:
no focus at all). Handshakes and heartbeats carry the status only."""

from __future__ import annotations

import uuid
from typing import Any

from enlace.kernel.clock import fhir_instant, from_epoch_us

from .spec import BACKPORT, Spec

STATUS_PROFILE = f"{BACKPORT}/backport-subscription-status-r4"


def bundle(
    spec: Spec,
    kind: str,
    events_since_start: int,
    now_us: int,
    base: str,
    events: list[Any] = (),  # type: ignore[assignment]
    resources: dict[tuple[str, str, int], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A notification of `kind` (handshake | heartbeat | event-notification)."""
    status = {
        "resourceType": "Parameters",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [STATUS_PROFILE]},
        "parameter": [
            {
                "name": "subscription",
                "valueReference": {"reference": _url(base, f"Subscription/{spec.id}")},
            },
            {"name": "topic", "valueCanonical": spec.topic.url},
            {"name": "status", "valueCode": "requested" if kind == "handshake" else spec.status},
            {"name": "type", "valueCode": kind},
            {"name": "events-since-subscription-start", "valueString": str(events_since_start)},
            *[_event_parameter(spec, e) for e in events],
        ],
    }
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": f"urn:uuid:{status['id']}",
            "resource": status,
            "request": {"method": "GET", "url": _url(base, f"Subscription/{spec.id}/$status")},
            "response": {"status": "200"},
        }
    ]
    if spec.content != "empty":
        entries += [_focus_entry(spec, e, base, resources or {}) for e in events]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "history",
        "timestamp": fhir_instant(from_epoch_us(now_us)),
        "entry": entries,
    }


def _event_parameter(spec: Spec, event: Any) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"name": "event-number", "valueString": str(event.event_number)},
        {"name": "timestamp", "valueInstant": fhir_instant(from_epoch_us(event.changed_us))},
    ]
    if spec.content != "empty":
        parts.append(
            {
                "name": "focus",
                "valueReference": {"reference": f"{event.resource_type}/{event.resource_id}"},
            }
        )
    return {"name": "notification-event", "part": parts}


def _focus_entry(
    spec: Spec, event: Any, base: str, resources: dict[tuple[str, str, int], dict[str, Any]]
) -> dict[str, Any]:
    path = f"{event.resource_type}/{event.resource_id}"
    method, status = {
        "create": ("POST", "201"),
        "update": ("PUT", "200"),
        "delete": ("DELETE", "204"),
    }[event.interaction]
    entry: dict[str, Any] = {
        "fullUrl": _url(base, path),
        "request": {"method": method, "url": event.resource_type if method == "POST" else path},
        "response": {"status": status},
    }
    found = resources.get((event.resource_type, event.resource_id, event.version))
    if spec.content == "full-resource" and found is not None:
        entry["resource"] = found
    return entry


def _url(base: str, path: str) -> str:
    return f"{base}/{path}" if base else path
