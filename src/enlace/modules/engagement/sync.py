"""The patient app's upload (public API `sync`): a batch of check-offs and readings the phone
kept while offline, each with the client id it got when captured. Like the CHW sync protocol
(docs/sync.md) the batch is a unit of transport: each item is written (or refused) on its own, a
resend is answered from what was written, and an item naming a patient the user does not act for
is refused like an unknown one. Malformed batches are refused whole (400), nothing written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from enlace.kernel import errors
from enlace.kernel.errors import Issue
from enlace.modules.engagement import domain
from enlace.modules.engagement.doses import DoseReport, record_dose
from enlace.modules.engagement.readings import record_reading
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

MAX_ITEMS = 100
CLIENT_ID = re.compile(r"[A-Za-z0-9\-]{8,64}")
SLOT = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
ITEM_FIELDS = {
    "dose": {"clientId", "kind", "patient", "capturedAt", "request", "day", "slot", "status",
             "seen"},
    "reading": {"clientId", "kind", "patient", "capturedAt", "measure", "unit", "value",
                "value2"},
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Actor:
    """Who uploads: their user id, the patients they may act for, and how their reports are
    labelled (`app` for the patient, `caregiver` for a caregiver)."""

    user: str
    patients: tuple[str, ...]
    source: str


def sync(db: Database, repo: FhirRepository, actor: Actor, body: Any) -> dict[str, Any]:
    """Answer `{"items": [{"index", "clientId", "kind", "status", ...}], "counts": {...}}`;
    a malformed batch is a 400 naming every problem."""
    items = _items(body)
    answers = [_one(db, repo, actor, i, item) for i, item in enumerate(items)]
    counts: dict[str, int] = {}
    for answer in answers:
        counts[answer["status"]] = counts.get(answer["status"], 0) + 1
    return {"items": answers, "counts": counts}


def _items(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or set(body) != {"items"}:
        raise errors.bad_request('the body is {"items": [...]}', "$")
    items = body["items"]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        raise errors.bad_request(f"items is a list of 1 to {MAX_ITEMS}", "items")
    issues: list[Issue] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"items[{i}]"
        if not isinstance(item, dict) or item.get("kind") not in ITEM_FIELDS:
            issues.append(Issue("structure", "an item is an object of kind dose or reading",
                                f"{where}.kind"))  # fmt: skip
            continue
        extra = sorted(set(item) - ITEM_FIELDS[item["kind"]])
        if extra:
            issues.append(Issue("structure", f"unknown field {extra[0]}", f"{where}.{extra[0]}"))
        cid = item.get("clientId")
        if not isinstance(cid, str) or not CLIENT_ID.fullmatch(cid) or cid in seen:
            issues.append(Issue("value", "clientId is 8-64 letters, digits or dashes, unique "
                                "in the batch", f"{where}.clientId"))  # fmt: skip
        else:
            seen.add(cid)
    if issues:
        raise errors.FhirError(400, issues)
    return list(items)


def _one(
    db: Database, repo: FhirRepository, actor: Actor, index: int, item: dict[str, Any]
) -> dict[str, Any]:
    head = {"index": index, "clientId": item["clientId"], "kind": item["kind"]}
    where = f"items[{index}]"
    try:
        patient = item.get("patient")
        if patient not in actor.patients:
            raise errors.error(404, "not-found", "no such patient", "patient")
        at = _time(item.get("capturedAt"))
        if item["kind"] == "dose":
            answer = record_dose(db, repo, _dose(item, str(patient), at, actor))
        else:
            entry = domain.entry(str(item.get("measure")), str(item.get("unit")),
                                 item.get("value"), item.get("value2"))  # fmt: skip
            answer = record_reading(db, repo, str(patient), entry, at, item["clientId"])
    except domain.EntryError as bad:
        issue = Issue("value", bad.key, f"{where}.{bad.field}")
        return {**head, "status": "refused", "message": bad.key, "params": bad.params,
                "outcome": _outcome([issue])}  # fmt: skip
    except errors.FhirError as exc:
        located = [Issue(i.code, i.diagnostics, f"{where}.{i.expression or 'kind'}")
                   for i in exc.issues]  # fmt: skip
        return {**head, "status": "refused", "httpStatus": exc.status,
                "outcome": _outcome(located)}  # fmt: skip
    return {**head, **answer}


def _dose(item: dict[str, Any], patient: str, at: datetime, actor: Actor) -> DoseReport:
    request, slot, seen = item.get("request"), item.get("slot"), item.get("seen")
    if not isinstance(request, str) or not 1 <= len(request) <= 64:
        raise errors.bad_request("request is a MedicationRequest id", "request")
    if not isinstance(slot, str) or not SLOT.fullmatch(slot):
        raise errors.bad_request("slot is a time of day HH:MM", "slot")
    if seen is not None and seen not in domain.DOSE_STATUSES:
        raise errors.bad_request("seen is taken, skipped or null", "seen")
    try:
        day = date.fromisoformat(str(item.get("day")))
    except ValueError:
        raise errors.bad_request("day is a date YYYY-MM-DD", "day") from None
    return DoseReport(patient=patient, request=request, day=day, slot=slot,
                      status=str(item.get("status")), at=at, by=actor.user,
                      source=actor.source, seen=seen, client_id=item["clientId"])  # fmt: skip


def _time(text: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise errors.bad_request("capturedAt is a date and time with its UTC offset",
                                 "capturedAt")  # fmt: skip
    return moment


def _outcome(issues: Sequence[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.to_fhir() for i in issues]}
