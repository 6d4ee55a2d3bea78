"""The SMS gateway contract (docs/messaging.md "Gateway contract"): how a gateway proves it is
ours and what it sends (pure).

A gateway authenticates each POST to /messaging/sms/inbound with the shared secret, either
- `X-Enlace-Timestamp: <Unix seconds>` and `X-Enlace-Signature: sha256=<hex HMAC-SHA256 of
  timestamp + "." + raw body>` (preferred: the secret never travels, and a captured request
  replayed more than MAX_SKEW_S from the server clock is refused; inside that window the
  gateway's message id, or the derived id below, answers a replay as a duplicate), or
- `X-Enlace-Gateway-Secret: <secret>` (for gateways that can only set a fixed header; no
  timestamp: whoever captures such a request holds the secret itself, so only TLS protects it).
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
TIMESTAMP_HEADER = "x-enlace-timestamp"
MAX_SKEW_S = 300  # a signed request older or newer than this is refused (a replay, or a bad clock)
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


def signature(secret: str, body: bytes, timestamp: str) -> str:
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, now_s: int) -> dict[str, str]:
    """The headers a gateway (or the simulated phone) sends with `body` at `now_s`."""
    stamp = str(now_s)
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature(secret, body, stamp)}


def refusal(
    secret: str, body: bytes, headers: Mapping[str, str], now_s: int
) -> tuple[str, str] | None:
    """Why the request is not the gateway's (what is wrong, the header to name), or None when it
    carries a fresh valid signature or the secret itself (compared in constant time)."""
    signed = headers.get(SIGNATURE_HEADER)
    if signed is None:
        given = headers.get(SECRET_HEADER)
        if given is not None and hmac.compare_digest(given.strip().encode(), secret.encode()):
            return None
        return ("Missing or wrong gateway signature", SIGNATURE_HEADER.title())
    stamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    if not stamp.isdigit():
        return ("The signed request needs its Unix time in seconds", TIMESTAMP_HEADER.title())
    if abs(int(stamp) - now_s) > MAX_SKEW_S:
        return (
            "The request's time is more than 5 minutes from the server's",
            TIMESTAMP_HEADER.title(),
        )
    if not hmac.compare_digest(signed.strip().encode(), signature(secret, body, stamp).encode()):
        return ("Missing or wrong gateway signature", SIGNATURE_HEADER.title())
    return None


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
