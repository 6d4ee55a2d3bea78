"""The stock ledger over HTTP (issue 8 part 5). Thin: parse, authorize, call one service, render.

- `POST /inventory/events`: one stock event as JSON (inventory.parse) -> 201 with its lines, or
  200 when it replays an idempotency key (the facility's); a transfer's answer also names its
  in-leg event at the destination (`inLeg`), the event its `transfer-in` lines name;
- `GET /inventory/stock?facility=&product=&byLot=`: stock on hand;
- `GET /inventory/stock-card?facility=&product=&lot=&after=&limit=`: one lot's card, paged (a
  `Link: rel="next"` header while there is more);
- `GET /inventory/expiries?facility=&days=`: lots expiring within `days` and expired on hand.

A bearer token is needed: a backend client, an administrator, or a pharmacist of the facility
(Organization `org-<facility>`); reading is open to regulators and analysts too. Every refusal is
an OperationOutcome naming the field: 400 malformed, 403, 404 unknown facility or product, 409
insufficient stock or idempotency conflict, 422 expired lot issued.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors, jsonutil
from enlace.modules import inventory
from enlace.security.authn import request_access

OUTCOME_TYPE = "application/fhir+json"
WRITE_ROLES = frozenset(("pharmacist", "administrator"))
READ_ROLES = WRITE_ROLES | {"regulator", "analyst"}
MAX_DAYS = 3650
MAX_PARAMETER = 200


def register(app: FastAPI, services: Services) -> None:
    ledger = inventory.StockLedger(clock=services.repo.clock)
    service = inventory.service

    @app.post("/inventory/events")
    async def record(request: Request) -> Response:
        try:
            event = inventory.event_from_json(_json_body(await request.body()))
            _authorize(services, request, WRITE_ROLES, event.facility)
            recorded = await run_in_threadpool(service.record, services.db, ledger, event)
        except errors.FhirError as exc:
            return _refusal(exc)
        return JSONResponse(_recorded(recorded), 200 if recorded.replayed else 201)

    @app.get("/inventory/stock")
    async def stock(request: Request) -> Response:
        try:
            params = _params(request, {"facility", "product", "byLot"}, {"facility"})
            _authorize(services, request, READ_ROLES, params["facility"])
            by_lot = _flag(params.get("byLot", "true"), "byLot")
            levels = await run_in_threadpool(
                service.stock,
                services.db,
                ledger,
                params["facility"],
                params.get("product"),
                by_lot,
            )
        except errors.FhirError as exc:
            return _refusal(exc)
        return JSONResponse({"facility": params["facility"], "stock": [_level(x) for x in levels]})

    @app.get("/inventory/stock-card")
    async def stock_card(request: Request) -> Response:
        names = {"facility", "product", "lot", "after", "limit"}
        try:
            params = _params(request, names, {"facility", "product", "lot"})
            _authorize(services, request, READ_ROLES, params["facility"])
            key = (params["facility"], params["product"], params["lot"])
            after = _number(params.get("after", "0"), "after", 0, 2**31)
            limit = _number(params.get("limit", "100"), "limit", 1, inventory.MAX_PAGE)
            page = await run_in_threadpool(service.card, services.db, ledger, key, after, limit)
        except errors.FhirError as exc:
            return _refusal(exc)
        headers = {}
        if page.next_after is not None:
            query = urlencode({**params, "after": page.next_after, "limit": limit})
            headers["Link"] = f'<{request.url.path}?{query}>; rel="next"'
        body = {"lines": [_line(line) for line in page.lines], "nextAfter": page.next_after}
        return JSONResponse(body, headers=headers)

    @app.get("/inventory/expiries")
    async def expiries(request: Request) -> Response:
        try:
            params = _params(request, {"facility", "days"}, {"facility"})
            _authorize(services, request, READ_ROLES, params["facility"])
            days = _number(params.get("days", "90"), "days", 0, MAX_DAYS)
            today = services.repo.clock().astimezone(UTC).date()
            found = await run_in_threadpool(
                service.expiries, services.db, ledger, params["facility"], today, days
            )
        except errors.FhirError as exc:
            return _refusal(exc)
        return JSONResponse(
            {
                "facility": params["facility"],
                "today": today.isoformat(),
                "nearExpiry": [_level(x) for x in found.near],
                "expired": [_level(x) for x in found.expired],
            }
        )


def _authorize(services: Services, request: Request, roles: frozenset[str], facility: str) -> None:
    """A verified token (401 without): a backend client, or one of `roles`; a pharmacist only
    for their own facility (403 otherwise)."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    base = str(request.base_url).rstrip("/") + "/fhir"
    access = request_access(services.settings, headers, "inventory", base, services.repo.clock())
    if access.kind in ("internal", "client"):
        return
    if access.role not in roles:
        raise errors.error(403, "forbidden", f"Inventory is not open to the role {access.role!r}")
    if access.role == "pharmacist" and access.organization != f"org-{facility}":
        raise errors.error(403, "forbidden", "Another facility's stock", "facility")


def _json_body(body: bytes) -> Any:
    try:
        return jsonutil.loads(body)
    except ValueError:
        raise errors.bad_request("The body is not JSON", "/") from None


def _params(request: Request, allowed: set[str], required: set[str]) -> dict[str, str]:
    pairs = list(request.query_params.multi_items())
    names = [name for name, _ in pairs]
    for name in names:
        if name not in allowed:
            raise errors.bad_request(f"Unknown parameter {name!r}", name)
        if names.count(name) > 1:
            raise errors.bad_request(f"{name} is given twice", name)
    params = dict(pairs)
    for name in sorted(required):
        if not params.get(name):
            raise errors.bad_request(f"{name} is required", name, code="required")
    for name, value in params.items():
        if not inventory.is_text(value, MAX_PARAMETER):
            message = f"{name} is 1 to {MAX_PARAMETER} printable characters"
            raise errors.bad_request(message, name)
    return params


def _number(text: str, name: str, lowest: int, highest: int) -> int:
    if not text.isdigit() or not lowest <= int(text) <= highest:
        raise errors.bad_request(f"{name} is a whole number from {lowest} to {highest}", name)
    return int(text)


def _flag(text: str, name: str) -> bool:
    if text not in ("true", "false"):
        raise errors.bad_request(f"{name} is true or false", name)
    return text == "true"


def _level(level: inventory.StockLevel) -> dict[str, Any]:
    return {
        "product": level.product,
        "lot": level.lot,
        "expiry": level.expiry.isoformat(),
        "onHand": level.on_hand,
    }


def _line(line: inventory.Line) -> dict[str, Any]:
    return {
        "facility": line.facility,
        "product": line.product,
        "lot": line.lot,
        "expiry": line.expiry.isoformat(),
        "seq": line.seq,
        "kind": line.kind,
        "quantity": line.quantity,
        "balance": line.balance,
        "occurredUs": line.occurred_us,
        "event": line.event_id,
        "reason": line.reason,
        "counterpart": line.counterpart,
        "reference": line.reference,
    }


def _recorded(recorded: inventory.Recorded) -> dict[str, Any]:
    body = {
        "id": recorded.event_id,
        "replayed": recorded.replayed,
        "lines": [_line(line) for line in recorded.lines],
    }
    if recorded.in_leg_id is not None:  # a transfer: its receipt at the destination
        body["inLeg"] = recorded.in_leg_id
    return body


def _refusal(exc: errors.FhirError) -> Response:
    return JSONResponse(exc.outcome(), exc.status, headers=exc.headers, media_type=OUTCOME_TYPE)
