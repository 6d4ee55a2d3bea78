"""Messaging (issue 11 part 3; issue 16 extends it): patient messages with express per-channel
consent, quiet hours and frequency caps, queued in the causing transaction (outbox) and
delivered after commit through pluggable adapters; each sent message is a FHIR Communication.

Public API (docs/messaging.md): `enqueue` / `enqueue_many` + `MessageRequest` (inside your transaction),
`deliver` / `deliver_due` (after commit), `set_preference`, `grant`, `withdraw`,
`delivered_between`, `status_counts`, the `Adapter` protocol and its `FileAdapter` /
`ConsoleAdapter`, `TEMPLATES` and `render`; two-way (issue 16): `receive` + `InboundSms` (a text
a gateway hands over), `doses_taken` (doses reported by text), `add_caregiver`, `deactivate` /
`reactivate` (a lost phone), `e164`.
"""

from __future__ import annotations

from enlace.modules.messaging import gateway
from enlace.modules.messaging.adapters import (
    Adapter,
    ConsoleAdapter,
    FileAdapter,
    OutgoingMessage,
    default_adapter,
)
from enlace.modules.messaging.consent import (
    consent_of,
    grant,
    preference_of,
    set_preference,
    withdraw,
)
from enlace.modules.messaging.domain import CHANNELS, DEFAULT_POLICY, Policy
from enlace.modules.messaging.inbound import InboundSms, Received, receive, receive_in
from enlace.modules.messaging.inbound_actions import DoseReport
from enlace.modules.messaging.inbound_actions import doses_reported as doses_taken
from enlace.modules.messaging.lag import outbox_lag_us
from enlace.modules.messaging.numbers import add_caregiver, deactivate, reactivate
from enlace.modules.messaging.outbox import DeliveryReport, deliver
from enlace.modules.messaging.phones import e164
from enlace.modules.messaging.queueing import (
    MessageRequest,
    Queued,
    enqueue,
    enqueue_many,
    message_id,
)
from enlace.modules.messaging.service import (
    Sent,
    adapters_named,
    deliver_due,
    delivered_between,
    start_deliverer,
    status_counts,
)
from enlace.modules.messaging.templates import TEMPLATES, render

__all__ = [
    "CHANNELS",
    "DEFAULT_POLICY",
    "TEMPLATES",
    "Adapter",
    "ConsoleAdapter",
    "DeliveryReport",
    "DoseReport",
    "FileAdapter",
    "InboundSms",
    "MessageRequest",
    "OutgoingMessage",
    "Policy",
    "Queued",
    "Received",
    "Sent",
    "adapters_named",
    "add_caregiver",
    "consent_of",
    "deactivate",
    "default_adapter",
    "deliver",
    "deliver_due",
    "delivered_between",
    "doses_taken",
    "e164",
    "enqueue",
    "enqueue_many",
    "gateway",
    "grant",
    "message_id",
    "outbox_lag_us",
    "preference_of",
    "reactivate",
    "receive",
    "receive_in",
    "render",
    "set_preference",
    "start_deliverer",
    "status_counts",
    "withdraw",
]
