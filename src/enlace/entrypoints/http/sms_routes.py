"""Two-way SMS over HTTP (issue 16, docs/messaging.md). Thin: authenticate, parse, call one use case.

- `POST /messaging/sms/inbound`: an SMS gateway hands over one text (`from`, `text`, `id`;
  form-encoded or JSON), authenticated by the shared secret (messaging.gateway). 200 with what
  was done: `{"id", "duplicate", "role", "intent", "outcome", "reply"}` (an unknown or
  deactivated number: `id` and `reply` null, nothing written). The reply is queued in the same
  transaction and handed to the adapter right after the answer (a background task), so the
  patient hears back in seconds rather than at the next delivery round.
  401 without a valid secret or signature, or with a signature whose `X-Enlace-Timestamp` is
  missing or more than 5 minutes from the server clock (the header is named), 400 naming the missing or bad field, 415 another
  media type: an OperationOutcome each, nothing written.
- `POST /messaging/numbers/deactivate` (`number`, `reason`) and `.../reactivate` (`number`): a
  caregiver's or agent's report of a lost phone, for staff (auth as the rest of the API).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules import messaging
from enlace.modules.messaging import gateway
from enlace.modules.messaging.keywords import load_keywords
from enlace.security.authn import request_access

OUTCOME_TYPE = "application/fhir+json"
FORM = "application/x-www-form-urlencoded"
STAFF_ROLES = frozenset(("administrator", "physician", "nurse"))
REPLY_BATCH = 200  # delivered after a text: the replies due now, not a whole backlog
log = logging.getLogger(__name__)


def register(app: FastAPI, services: Services) -> None:
    secret = gateway.gateway_secret(services.settings.secret_key)
    words = load_keywords()  # ENLACE_SMS_KEYWORDS, read once per process

    @app.post("/messaging/sms/inbound")
    async def inbound(request: Request) -> Response:
        body = await request.body()
        try:
            refused = gateway.refusal(secret, body, request.headers, _now(services) // 1_000_000)
            if refused is not None:
                raise errors.error(401, "login", *refused)
            sms = _sms(body, request.headers.get("content-type", ""), services)
            received = await run_in_threadpool(
                messaging.receive, services.db, services.repo, sms, _now(services), words
            )
        except errors.FhirError as exc:
            return _refusal(exc)
        task = BackgroundTask(_deliver_replies, services) if received.reply else None
        return JSONResponse(_answer(received), background=task)

    @app.post("/messaging/numbers/{action}")
    async def numbers(action: str, request: Request) -> Response:
        try:
            by = _authorize_staff(services, request)
            data = _data(await request.body(), request.headers.get("content-type", ""))
            answer = await run_in_threadpool(_change_number, services, action, data, by)
        except errors.FhirError as exc:
            return _refusal(exc)
        return JSONResponse(answer)


def _now(services: Services) -> int:
    return epoch_us(services.repo.clock())


def _data(body: bytes, content_type: str) -> dict[str, Any]:
    media = content_type.split(";", 1)[0].strip().lower()
    if media == FORM:
        return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    if media in ("application/json", ""):
        try:
            data = orjson.loads(body or b"{}")
        except orjson.JSONDecodeError as exc:
            raise errors.bad_request(f"The body is not JSON: {exc}", "body") from exc
        if not isinstance(data, dict):
            raise errors.bad_request("The body must be a JSON object", "body")
        return data
    raise errors.error(415, "not-supported", f"Send {FORM} or application/json", "Content-Type")


def _sms(body: bytes, content_type: str, services: Services) -> messaging.InboundSms:
    found = gateway.fields(_data(body, content_type))
    sender, text = found["from"], found["text"]
    if not sender:
        raise errors.bad_request("The sender's number is required (from)", "from")
    if text is None:
        raise errors.bad_request("The message text is required (text)", "text")
    message_id = found["id"] or gateway.derived_id(sender, text, _now(services))
    return messaging.InboundSms(message_id, sender, text)


def _deliver_replies(services: Services) -> None:
    try:
        adapter = messaging.default_adapter(services.settings.var_dir)
        messaging.deliver(services.db, services.repo, adapter, _now(services), REPLY_BATCH)
    except Exception:  # the deliverer loop sends it later; the gateway already has its answer
        log.warning("reply delivery after an inbound text failed", exc_info=True)


def _change_number(
    services: Services, action: str, data: dict[str, Any], by: str
) -> dict[str, Any]:
    number = str(data.get("number") or "")
    now = _now(services)
    with services.db.begin() as conn:
        if action == "deactivate":
            owner = messaging.deactivate(conn, number, by, str(data.get("reason") or ""), now)
            return {"number": messaging.e164(number), "active": False, "patient": owner.patient}
        if action == "reactivate":
            changed = messaging.reactivate(conn, number, by, now)
            return {"number": messaging.e164(number), "active": True, "changed": changed}
    raise errors.not_found(f"Unknown action '{action}' (deactivate or reactivate)")


def _authorize_staff(services: Services, request: Request) -> str:
    headers = {k.lower(): v for k, v in request.headers.items()}
    base = str(request.base_url).rstrip("/") + "/fhir"
    access = request_access(services.settings, headers, "messaging", base, services.repo.clock())
    if access.kind == "user" and access.role not in STAFF_ROLES:
        raise errors.error(403, "forbidden", f"Numbers are not open to the role {access.role!r}")
    return f"{access.kind}:{access.actor}"


def _answer(received: messaging.Received) -> dict[str, Any]:
    return {
        "id": received.id,
        "duplicate": received.duplicate,
        "role": received.role,
        "intent": received.intent,
        "outcome": received.outcome,
        "reply": received.reply,
    }


def _refusal(exc: errors.FhirError) -> Response:
    return JSONResponse(exc.outcome(), exc.status, headers=exc.headers, media_type=OUTCOME_TYPE)
