"""The offline-capture upload, parsed: a batch of items a community health worker's device
collected while offline (docs/sync.md). Pure: no database.

Every structural problem of the batch is collected with its location (`items[3].clientId`) and the
whole batch is refused with 400 before anything is written; what can only be judged against the
record (an invalid Patient, an unknown patient, a screening the engine refuses) is refused item by
item later, in enlace.modules.screening.sync.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from enlace.kernel import errors, jsonutil
from enlace.kernel.errors import Issue

REGISTRATION = "patient-registration"
EDIT = "patient-edit"
SCREENING = "screening"
KINDS = (REGISTRATION, EDIT, SCREENING)
MAX_ITEMS = 200  # a day of a CHW's work; larger uploads are split by the client
MAX_DEVICE = 128
CLIENT_REFERENCE = "urn:uuid:"
INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
EXAMPLE = "2026-03-01T09:30:00-06:00"  # a patient the device registered, known by its client id


@dataclass(frozen=True, slots=True)
class Item:
    index: int
    client_id: str
    kind: str
    captured_at: datetime
    payload: dict[str, Any]
    patient: str | None  # server id, or urn:uuid:<client id of a registration>
    base_version: int | None  # edits only: the version the device edited from
    digest: str  # SHA-256 of the item's canonical JSON: same client id, same content

    @property
    def location(self) -> str:
        return f"items[{self.index}]"


@dataclass(frozen=True, slots=True)
class Batch:
    batch_id: str
    device: str
    items: tuple[Item, ...]
    digest: str  # SHA-256 of the canonical JSON of device and items: a reused id is detected


def parse_batch(body: bytes) -> Batch:
    """The batch, or a 400 OperationOutcome listing every problem with its location."""
    try:
        document = jsonutil.loads(body)
    except ValueError as exc:
        raise errors.bad_request(f"The body is not JSON: {exc}", "$", "structure") from exc
    issues: list[Issue] = []
    batch = _batch(document, issues)
    if issues or batch is None:
        raise errors.FhirError(400, issues)
    return batch


def _batch(document: Any, issues: list[Issue]) -> Batch | None:
    if not isinstance(document, dict):
        issues.append(Issue("structure", "A batch is a JSON object", "$"))
        return None
    unknown = sorted(set(document) - {"batchId", "device", "items"})
    for name in unknown:
        issues.append(Issue("structure", f"Unknown batch field '{name}'", name))
    batch_id = _uuid(document.get("batchId"), "batchId", issues)
    device = document.get("device")
    if not isinstance(device, str) or not device.strip() or len(device) > MAX_DEVICE:
        message = f"device must name the device in 1 to {MAX_DEVICE} characters"
        issues.append(Issue("required", message, "device"))
    raw_items = document.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        issues.append(Issue("required", "items must be a non-empty array", "items"))
        return None
    if len(raw_items) > MAX_ITEMS:
        message = f"A batch holds at most {MAX_ITEMS} items, this one {len(raw_items)}"
        issues.append(Issue("too-costly", message, "items"))
        return None
    items = [_item(i, raw, issues) for i, raw in enumerate(raw_items)]
    _unique_client_ids([it for it in items if it is not None], issues)
    if issues or batch_id is None or not isinstance(device, str):
        return None
    parsed = tuple(it for it in items if it is not None)
    return Batch(batch_id, device.strip(), parsed, _digest({"device": device, "items": raw_items}))


def _item(index: int, raw: Any, issues: list[Issue]) -> Item | None:
    where = f"items[{index}]"
    if not isinstance(raw, dict):
        issues.append(Issue("structure", "An item is a JSON object", where))
        return None
    before = len(issues)
    allowed = {"clientId", "kind", "capturedAt", "payload", "patient", "baseVersion"}
    for name in sorted(set(raw) - allowed):
        issues.append(Issue("structure", f"Unknown item field '{name}'", f"{where}.{name}"))
    client_id = _uuid(raw.get("clientId"), f"{where}.clientId", issues)
    kind = raw.get("kind")
    if kind not in KINDS:
        message = f"kind must be one of {', '.join(KINDS)}, not {kind!r}"
        issues.append(Issue("code-invalid", message, f"{where}.kind"))
    captured_at = _instant(raw.get("capturedAt"), f"{where}.capturedAt", issues)
    payload = raw.get("payload")
    if not isinstance(payload, dict):
        issues.append(Issue("required", "payload must be a JSON object", f"{where}.payload"))
    patient = _patient(raw, kind, where, issues)
    base_version = _base_version(raw, kind, where, issues)
    if len(issues) > before or client_id is None or captured_at is None:
        return None
    assert isinstance(kind, str) and isinstance(payload, dict)
    digest = _digest(raw)
    return Item(index, client_id, kind, captured_at, payload, patient, base_version, digest)


def _patient(raw: dict[str, Any], kind: Any, where: str, issues: list[Issue]) -> str | None:
    patient = raw.get("patient")
    if kind not in KINDS:  # already refused: what it needs is unknown
        return None
    if kind == REGISTRATION:
        if patient is not None:
            message = "A registration creates its patient: leave patient out"
            issues.append(Issue("invalid", message, f"{where}.patient"))
        return None
    if not isinstance(patient, str) or not patient.strip():
        message = "patient must be the server id or urn:uuid:<clientId> of a registration"
        issues.append(Issue("required", message, f"{where}.patient"))
        return None
    if patient.startswith(CLIENT_REFERENCE):
        _uuid(patient[len(CLIENT_REFERENCE) :], f"{where}.patient", issues)
    return patient.strip()


def _base_version(raw: dict[str, Any], kind: Any, where: str, issues: list[Issue]) -> int | None:
    base = raw.get("baseVersion")
    if kind not in KINDS:
        return None
    if kind != EDIT:
        if base is not None:
            message = "Only a patient-edit has a baseVersion"
            issues.append(Issue("invalid", message, f"{where}.baseVersion"))
        return None
    if not isinstance(base, int) or isinstance(base, bool) or base < 1:
        message = "baseVersion must be the positive version the edit started from"
        issues.append(Issue("required", message, f"{where}.baseVersion"))
        return None
    return base


def _uuid(value: Any, where: str, issues: list[Issue]) -> str | None:
    """A UUID in its canonical lowercase text form; ids are compared as text afterwards."""
    if not isinstance(value, str):
        issues.append(Issue("required", "A UUID is required", where))
        return None
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        issues.append(Issue("value", f"{value[:64]!r} is not a UUID", where))
        return None
    if str(parsed) != value.lower():  # braces, urn: prefix or no hyphens: not the text form
        issues.append(Issue("value", f"{value[:64]!r} is not a UUID in 8-4-4-4-12 form", where))
        return None
    return str(parsed)


def _instant(value: Any, where: str, issues: list[Issue]) -> datetime | None:
    """A dateTime with seconds and a UTC offset: a phone's local time without one is ambiguous."""
    if not isinstance(value, str):
        issues.append(Issue("required", "capturedAt is required (dateTime with offset)", where))
        return None
    if not INSTANT.fullmatch(value):
        message = f"{value[:64]!r} is not a dateTime with seconds and offset, e.g. {EXAMPLE}"
        issues.append(Issue("value", message, where))
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:  # the right shape, an impossible date (2026-02-30)
        issues.append(Issue("value", f"{value!r} is not a valid date and time", where))
        return None


def _unique_client_ids(items: list[Item], issues: list[Issue]) -> None:
    seen: dict[str, int] = {}
    for item in items:
        if item.client_id in seen:
            message = f"clientId repeats items[{seen[item.client_id]}].clientId"
            issues.append(Issue("duplicate", message, f"{item.location}.clientId"))
        seen.setdefault(item.client_id, item.index)


def _digest(value: Any) -> str:
    return hashlib.sha256(jsonutil.dumps(_sorted(value))).hexdigest()


def _sorted(value: Any) -> Any:
    """Keys in order, so the same content digests the same whatever order the phone wrote."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value
