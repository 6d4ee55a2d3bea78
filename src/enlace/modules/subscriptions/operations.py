"""`POST Subscription/$status` and `POST Subscription/$events` (backport IG operations, at the
type level: the router offers module operations there), answered from the delivery state.

$status takes a Parameters with one or more `id` and answers a searchset Bundle of
SubscriptionStatus (type `query-status`); $events takes `id`, optional `eventsSinceNumber` and
`eventsUntilNumber` and answers a `history` Bundle like a notification (type `query-event`)
with those events, delivered or not. For administrators and system clients (a subscriber's own
view needs a Subscription owner the R4 resource lacks)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.security.access import Access
from enlace.store.repository import FhirRepository

from .notify import bundle
from .service import events_of, state_of
from .spec import Spec, read_spec

ROLES = ("administrator",)
JSON = "application/fhir+json"


def status_operation(
    repo: FhirRepository, conn: Connection, body: Any, access: Access
) -> tuple[bytes, str]:
    _allowed(access, "$status")
    entries = []
    for subscription in _values(body, "id", required=True):
        spec, count = _subscription(repo, conn, subscription)
        status = bundle(spec, "query-status", count, _now(repo), "")["entry"][0]["resource"]
        entries.append({"resource": status, "search": {"mode": "match"}})
    result = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(entries),
        "entry": entries,
    }
    return orjson.dumps(result), JSON


def events_operation(
    repo: FhirRepository, conn: Connection, body: Any, access: Access
) -> tuple[bytes, str]:
    _allowed(access, "$events")
    ids = _values(body, "id", required=True)
    if len(ids) != 1:
        raise errors.bad_request("$events takes exactly one 'id'", "Parameters.parameter")
    since = _number(body, "eventsSinceNumber", 1)
    until = _number(body, "eventsUntilNumber", 2**62)
    spec, count = _subscription(repo, conn, ids[0])
    rows = [_Row(r) for r in events_of(conn, spec.id) if since <= int(r["event_number"]) <= until]
    return orjson.dumps(bundle(spec, "query-event", count, _now(repo), "", rows)), JSON


def _now(repo: FhirRepository) -> int:
    return epoch_us(repo.clock())


class _Row:
    def __init__(self, row: dict[str, Any]) -> None:
        self.__dict__.update(row)


def _allowed(access: Access, name: str) -> None:
    if access.kind == "anonymous":
        raise errors.error(401, "login", f"Subscription/{name} needs a signed-in user or client")
    if not (access.unrestricted or access.role in ROLES):
        raise errors.error(403, "forbidden", f"Subscription/{name} is for administrators")


def _subscription(repo: FhirRepository, conn: Connection, subscription: str) -> tuple[Spec, int]:
    version = repo.read(conn, "Subscription", subscription)  # 404 / 410 as for a read
    spec = read_spec(orjson.loads(version.content or b"{}"))
    if spec is None:
        raise errors.bad_request(f"Subscription/{subscription} names no topic offered", "id")
    state = state_of(conn, subscription)
    return spec, int(state["events_since_start"]) if state else 0


def _values(body: Any, name: str, required: bool = False) -> list[str]:
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise errors.bad_request("the operation takes a Parameters resource", "Parameters")
    found = []
    for parameter in body.get("parameter") or []:
        if isinstance(parameter, dict) and parameter.get("name") == name:
            value = next((v for k, v in parameter.items() if k.startswith("value")), None)
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise errors.bad_request(f"'{name}' needs a value", "Parameters.parameter")
            found.append(str(value))
    if required and not found:
        raise errors.bad_request(f"'{name}' is required", "Parameters.parameter")
    return found


def _number(body: Any, name: str, default: int) -> int:
    values = _values(body, name)
    if not values:
        return default
    try:
        return int(values[0])
    except ValueError:
        raise errors.bad_request(f"'{name}' must be an integer", "Parameters.parameter") from None
