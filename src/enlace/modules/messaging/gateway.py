"""The SMS gateway contract (docs/messaging.md "Gateway contract"): how a gateway proves it is
ours and what it sends (pure).

A gateway authenticates each POST to /messaging/sms/inbound with the shared secret, either
- `X-Enlace-Signature: sha256=<hex HMAC-SHA256 of the raw request body>` (preferred: the secret
  never travels), or
- `X-Enlace-Gateway-Secret: <secret>` (for gateways that can only set a fixed header).
The secret is ENLACE_SMS_GATEWAY_SECRET; unset, it is derived from ENLACE_SECRET_KEY (so a
development server and the simulated phone agree with no setup, and a production server, whose
secret key is its own, has an unguessable one — set it explicitly to share it with a gateway).

Fields, form-encoded or JSON (the names of common gateways are accepted too): `from` (From,
msisdn), `text` (Text, Body), `id` (MessageSid, messageId, message_id). A message without an id
gets one from its sender, text and minute of arrival: a gateway that sends no id and delivers
the same text twice within a minute is answered once.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any

GATEWAY_SECRET_ENV = "ENLACE_SMS_GATEWAY_SECRET"
SIGNATURE_HEADER = "x-enlace-signature"
SECRET_HEADER = "x-enlace-gateway-secret"
FIELDS = {
    "from": ("from", "From", "msisdn", "sender"),
    "text": ("text", "Text", "Body", "body", "message"),
    "id": ("id", "MessageSid", "messageId", "message_id", "SmsSid"),
}


def gateway_secret(secret_key: str, env: Mapping[str, str] = os.environ) -> str:
    configured = env.get(GATEWAY_SECRET_ENV, "").strip()
    if configured:
        return configured
    return hmac.new(secret_key.encode(), b"enlace-sms-gateway", hashlib.sha256).hexdigest()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def authentic(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether the request carries a valid signature or the secret itself (constant time)."""
    signed = headers.get(SIGNATURE_HEADER)
    if signed is not None:
        return hmac.compare_digest(signed.strip().encode(), signature(secret, body).encode())
    given = headers.get(SECRET_HEADER)
    return given is not None and hmac.compare_digest(given.strip().encode(), secret.encode())


def fields(data: Mapping[str, Any]) -> dict[str, str | None]:
    """`from`, `text` and `id` under whichever name the gateway used (None when absent)."""
    found: dict[str, str | None] = {}
    for name, aliases in FIELDS.items():
        value = next((data[a] for a in aliases if data.get(a) is not None), None)
        found[name] = None if value is None else str(value)
    return found


def derived_id(sender: str, text: str, received_us: int) -> str:
    minute = received_us // 60_000_000
    return "derived-" + hashlib.sha256(f"{sender}|{text}|{minute}".encode()).hexdigest()[:40]
